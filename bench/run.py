"""`make bench`: screening throughput at scale and blocked vs exhaustive name matching, written to
bench/results.json. Deterministic synthetic data comes from bench/generate.py (made once, kept in
bench/data/). Usage: python bench/run.py [--rows N] [--entries N] [--queries N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=20_000)
    args = parser.parse_args()
    data = HERE / "data"
    rows_path, list_path = data / f"suppliers-{args.rows}.csv", data / f"watchlist-{args.entries}.csv"
    if not rows_path.exists() or not list_path.exists():
        print(f"generating {args.rows:,} rows and a {args.entries:,}-entry watchlist …", flush=True)
        write(args.rows, args.entries, data)
    print("screening …", flush=True)
    screen = screening(rows_path, list_path, data / "out")
    print(json.dumps(screen, indent=1), flush=True)
    print("blocked vs exhaustive name matching …", flush=True)
    block = blocking(rows_path, list_path, args.queries)
    print(json.dumps(block, indent=1), flush=True)
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "screening": {"list_entries": args.entries, **screen},
        "blocking": block,
        "targets": {"screening_seconds": 60, "peak_memory_mb": 2048, "blocking_recall": 0.99},
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
