"""`make bench`: screening throughput at scale, blocked vs exhaustive name matching, and the waits of a person
with compiled lists kept (the CLI's start with a large list, cold and warm; one supplier screened through the
web API against the full OFAC list), written to bench/results.json. Deterministic synthetic data comes from
bench/generate.py (made once, kept in bench/data/). Usage:
python bench/run.py [--rows N] [--entries N] [--queries N] [--only screening,blocking,lists_cli,lists_api]
(``--only lists`` runs the last two). A step run alone replaces its own figures in results.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import write  # noqa: E402


def _tree_pss_kb(root: int) -> int:
    """Proportional set size of a process and all its descendants (Linux /proc): memory pages shared by
    forked workers are counted once, split between them."""
    pids, total, i = [root], 0, 0
    while i < len(pids):
        pid = pids[i]
        i += 1
        try:
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                pids += [int(c) for c in children.read_text().split()]
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def screening(rows_path: Path, list_path: Path, out: Path) -> dict[str, object]:
    """Run the real CLI in a child process: wall time, and peak memory of the whole process tree (the CLI
    and its worker processes, sampled every 0.2 s) besides the largest single process's peak RSS."""
    cmd = [
        sys.executable,
        "-m",
        "supplyscreen.cli",
        "screen",
        str(rows_path),
        "--list",
        str(list_path),
        "--out",
        str(out),
        "--format",
        "json,csv",
        "--force",
        "--quiet",
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree_kb = 0
    while proc.poll() is None:
        peak_tree_kb = max(peak_tree_kb, _tree_pss_kb(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - start
    _, stderr = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"screening failed: {stderr.strip()}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with (out / "results.json").open(encoding="utf-8") as handle:
        head = handle.read(1 << 16)  # the run and summary come first; the file is ~1 GB
    summary = json.loads(head[: head.index(', "suppliers": [')] + "}")["summary"]
    return {
        "command": " ".join(["supplyscreen", *cmd[3:]]),
        "rows": summary["rows"],
        "wall_seconds": round(wall, 2),
        "rows_per_second": round(summary["rows"] / wall),
        "peak_memory_mb": round(peak_tree_kb / 1024),
        "peak_memory_note": "sum of the proportional set sizes of the CLI process and its workers",
        "largest_process_peak_rss_mb": round(peak_kb / 1024),
        "by_tier": summary["by_tier"],
        "presumption": summary["presumption"],
    }


def blocking(rows_path: Path, list_path: Path, queries: int) -> dict[str, object]:
    """The same name matcher with blocking and with an exhaustive process.cdist over all pairs."""
    from supplyscreen.match.names import NameIndex
    from supplyscreen.ingest.watchlist import load_watchlist

    names = [alias for entry in load_watchlist(list_path).entries for alias in entry.names]
    index = NameIndex(names)
    with rows_path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        sample = list(dict.fromkeys(row[1] for _, row in zip(range(queries * 2), reader, strict=False)))[
            :queries
        ]
    start = time.perf_counter()
    blocked = {(m.query, m.target) for m in index.match(sample)}
    blocked_s = time.perf_counter() - start
    start = time.perf_counter()
    exhaustive = {(m.query, m.target) for m in index.match_exhaustive(sample)}
    exhaustive_s = time.perf_counter() - start
    return {
        "queries": len(sample),
        "list_names": len(names),
        "pairs_compared_exhaustively": len(sample) * len(names),
        "blocked_seconds": round(blocked_s, 2),
        "exhaustive_seconds": round(exhaustive_s, 2),
        "speedup": round(exhaustive_s / blocked_s, 1),
        "matches_exhaustive": len(exhaustive),
        "matches_blocked": len(blocked),
        "recall_vs_exhaustive": round(len(blocked & exhaustive) / max(1, len(exhaustive)), 4),
    }


# --- a person waiting: compiled lists kept -----------------------------------------------------------------

CLI_ROWS = 100  # rows screened by the CLI runs of lists_cli: one chunk, so the run ends at its first rows
CLI_RUNS = 3  # warm (and uncached) runs, the median reported
API_REQUESTS = 100
OFAC = HERE.parents[1] / "shared" / "data" / "ofac-sdn"  # as tests/conftest.py finds ../shared


def _cli_seconds(rows_path: Path, list_path: Path, out: Path, cache: Path, *extra: str) -> float:
    """Wall time of ``supplyscreen screen`` over a few rows: from the process's start until it has screened
    them and written results.json (an upper bound of the time to its first screened row)."""
    cmd = [sys.executable, "-m", "supplyscreen.cli", "screen", str(rows_path), "--list", str(list_path)]
    cmd += ["--out", str(out), "--format", "json", "--force", "--quiet", *extra]
    env = {**os.environ, "SUPPLYSCREEN_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"screening failed: {done.stderr.strip()}")
    return time.perf_counter() - start


PHASES = """
import json, sys, time
t = [time.perf_counter()]
from supplyscreen.ingest.read import read_input
from supplyscreen.match.compiled import compile_lists
from supplyscreen.pipeline.screener import Screener
from supplyscreen.rules import load_rules
t.append(time.perf_counter())
rules = load_rules(); t.append(time.perf_counter())
lists = compile_lists([sys.argv[2]], rules.matching, rules.watchlist); t.append(time.perf_counter())
screener = Screener(rules, lists.watchlists, list_matcher=lists.matcher)
screener.screen([read_input(sys.argv[1])]); t.append(time.perf_counter())
names = ["import", "rules", "lists", "first_chunk"]
print(json.dumps({n: round(b - a, 2) for n, a, b in zip(names, t, t[1:])} | {"lists_found": lists.found}))
"""


def _phases(rows_path: Path, list_path: Path, cache: Path) -> dict[str, object]:
    """Where a warm start's time goes, in a fresh process: imports, rules, lists, the first chunk."""
    env = {**os.environ, "SUPPLYSCREEN_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-c", PHASES, str(rows_path), str(list_path)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    found: dict[str, object] = json.loads(done.stdout)
    return found


def lists_cli(entries: int) -> dict[str, object]:
    """The CLI from its start to its first screened rows with an ``entries``-entry list: uncached
    (``--no-cache``: the list compiled as before the cache), cold (cache empty: compiled and written) and
    warm (read from the cache)."""
    data = HERE / "data" / "lists"
    rows_path, list_path = data / f"suppliers-{CLI_ROWS}.csv", data / f"watchlist-{entries}.csv"
    if not rows_path.exists() or not list_path.exists():
        write(CLI_ROWS, entries, data)
    with tempfile.TemporaryDirectory(prefix="supplyscreen-bench-") as tmp:
        cache, out = Path(tmp) / "cache", Path(tmp) / "out"

        def runs(*extra: str) -> list[float]:
            return [_cli_seconds(rows_path, list_path, out, cache, *extra) for _ in range(CLI_RUNS)]

        uncached = runs("--no-cache")
        cold = _cli_seconds(rows_path, list_path, out, cache)
        warm = runs()
        phases = _phases(rows_path, list_path, cache)
        size = sum(p.stat().st_size for p in (cache / "lists").glob("*.pickle"))
    return {
        "measured_at": _now(),
        "command": f"supplyscreen screen suppliers-{CLI_ROWS}.csv --list watchlist-{entries}.csv "
        "--format json",
        "list_entries": entries,
        "rows": CLI_ROWS,
        "uncached_seconds": round(statistics.median(uncached), 2),
        "cold_seconds": round(cold, 2),
        "warm_seconds": round(statistics.median(warm), 2),
        "warm_runs": [round(w, 2) for w in warm],
        "warm_phases_seconds": phases,
        "cache_file_mb": round(size / 1e6, 1),
        "note": "wall time from launching the CLI until it has screened the rows (one chunk) and written "
        "results.json; the median of the uncached and warm runs",
    }


@contextmanager
def _server(cache: Path) -> Iterator[str]:
    """The web app served by uvicorn on a free loopback port, in a thread of this process."""
    import uvicorn

    os.environ["SUPPLYSCREEN_CACHE_DIR"] = str(cache)
    from supplyscreen.store import Store
    from supplyscreen.web.app import create_app
    from supplyscreen.settings import Settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{cache.parent / 'bench.db'}"
    app = create_app(Settings(db=url), Store(url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def _suppliers(count: int) -> list[dict[str, str]]:
    """Suppliers to screen one by one: synthetic vendor rows, every tenth a DPRK organisation of the OFAC
    list as the list writes it, in China (the screening then has list hits to explain)."""
    data = HERE / "data" / "lists"
    with (data / f"suppliers-{CLI_ROWS}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with (OFAC / "sdn.csv").open(encoding="utf-8", errors="replace") as handle:
        listed = [r[1] for r in csv.reader(handle) if len(r) > 3 and "DPRK" in r[3] and r[2] == "-0- "]
    columns = {"name": "Vendor Name", "country": "Country", "address": "Address"}
    out = []
    for i in range(count):
        row = rows[i % len(rows)]
        supplier = {f: row[c] for f, c in columns.items()}
        supplier |= {
            "description": row["Goods Description"],
            "hs_code": row["HS Code"],
            "notes": row["Notes"],
        }
        if i % 10 == 0:
            supplier |= {"name": listed[(i * 7) % len(listed)].title(), "country": "China", "address": ""}
        out.append(supplier)
    return out


def lists_api(requests: int) -> dict[str, object]:
    """One supplier at a time through the web JSON API against the full OFAC list (sdn.csv with alt.csv and
    add.csv): the list uploaded (compiled), uploaded again (kept), then ``requests`` suppliers screened."""
    import httpx

    if not (OFAC / "sdn.csv").exists():
        raise SystemExit(f"lists_api needs the OFAC snapshot in {OFAC}")
    if not (HERE / "data" / "lists" / f"suppliers-{CLI_ROWS}.csv").exists():
        write(CLI_ROWS, 20_000, HERE / "data" / "lists")
    suppliers = _suppliers(requests)
    files = [("lists", (n, (OFAC / n).read_bytes(), "text/csv")) for n in ("sdn.csv", "alt.csv", "add.csv")]
    with tempfile.TemporaryDirectory(prefix="supplyscreen-bench-") as tmp:
        (Path(tmp) / "cache").mkdir()
        with _server(Path(tmp) / "cache") as base, httpx.Client(base_url=base, timeout=120) as client:
            upload = _timed(lambda: client.post("/api/v1/lists", files=files))
            again = _timed(lambda: client.post("/api/v1/lists", files=files))
            list_id = upload[1]["id"]
            answers = [
                _timed(lambda s=s: client.post("/api/v1/screen", json={"supplier": s, "list": list_id}))
                for s in suppliers
            ]
    ms = sorted(seconds * 1000 for seconds, _ in answers)
    return {
        "measured_at": _now(),
        "list": "OFAC sdn.csv + alt.csv + add.csv",
        "entries": upload[1]["lists"][0]["entries"],
        "upload_compile_seconds": round(upload[0], 2),
        "upload_again_seconds": round(again[0], 3),
        "upload_again_found": again[1]["found"],
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[max(0, round(0.95 * len(ms)) - 1)], 1),
        "max_ms": round(ms[-1], 1),
        "suppliers_with_list_hits": sum(1 for _, a in answers if any(h["list"] for h in a["hits"])),
        "by_tier": {
            t: sum(1 for _, a in answers if a["tier"] == t) for t in ("high", "medium", "low", "clear")
        },
        "note": "POST /api/v1/screen over HTTP (uvicorn on loopback, httpx client), one supplier per "
        "request, once POST /api/v1/lists has compiled the list",
    }


def _timed(call: Callable[[], object]) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    response = call()
    seconds = time.perf_counter() - start
    response.raise_for_status()
    body: dict[str, object] = response.json()
    return seconds, body


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


STEPS = ("screening", "blocking", "lists_cli", "lists_api")
TARGETS = {
    "screening_seconds": 60,
    "peak_memory_mb": 2048,
    "blocking_recall": 0.99,
    "lists_cli_warm_seconds": 2,
    "lists_api_p95_ms": 100,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--only", default=",".join(STEPS), help=f"steps to run: {', '.join(STEPS)}, lists")
    args = parser.parse_args()
    chosen = {
        s
        for part in args.only.split(",")
        for s in (("lists_cli", "lists_api") if part == "lists" else (part,))
    }
    unknown = chosen - set(STEPS)
    if unknown:
        parser.error(f"unknown step(s) {', '.join(sorted(unknown))}: choose from {', '.join(STEPS)}, lists")
    target = HERE / "results.json"
    results = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    data = HERE / "data"
    rows_path, list_path = data / f"suppliers-{args.rows}.csv", data / f"watchlist-{args.entries}.csv"
    if {"screening", "blocking"} & chosen and (not rows_path.exists() or not list_path.exists()):
        print(f"generating {args.rows:,} rows and a {args.entries:,}-entry watchlist …", flush=True)
        write(args.rows, args.entries, data)
    steps: dict[str, Callable[[], dict[str, object]]] = {
        "screening": lambda: {"list_entries": args.entries, **screening(rows_path, list_path, data / "out")},
        "blocking": lambda: blocking(rows_path, list_path, args.queries),
        "lists_cli": lambda: lists_cli(args.entries),
        "lists_api": lambda: lists_api(API_REQUESTS),
    }
    for name in STEPS:
        if name in chosen:
            print(f"{name} …", flush=True)
            results[name] = steps[name]()
            print(json.dumps(results[name], indent=1), flush=True)
    if {"screening", "blocking"} <= chosen:
        results["measured_at"] = _now()
    results["targets"] = TARGETS
    target.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
