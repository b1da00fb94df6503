"""Real-names false-alert benchmark: every name of ``../shared/data/realnames/corpus.csv`` (13,778 listed
companies) screened against the full OFAC SDN snapshot, through the product's path.

Run:    .venv/bin/python tests/eval/realnames.py [--json PATH] [--baseline] [--limit N]
Import: ``screen(corpus)``, ``report(...)``, ``load_judgements()`` (or load this file with importlib).

* **supplyscreen** — ``load_watchlist("../shared/data/ofac-sdn/sdn.csv")`` (which reads ``alt.csv`` and
  ``add.csv`` beside it, as ``screen --list`` does), then ``ListMatcher([list], load_rules().watchlist)``
  ``.match_rows`` with one row per corpus name: ``{"name": name, "country": country}``. An *alert* is a (row,
  entry) pair with at least one hit; a row is *alerted* when it has one. *DPRK level*: an alert on an entry
  of a DPRK programme (the list entry's ``dprk`` flag).
* Every alert is compared with the hand judgements in ``realnames_judgements.csv`` (name, country, entry,
  judgement ``true``/``false``, reason), matched on name, country and the entry's id: a *true* alert is the
  listed entity itself; alerts nobody has judged yet are reported as *unjudged*. The file also holds the
  corpus companies known to be listed that the product does not alert on: they are reported as *missed*.
* **baseline** — plain ``rapidfuzz.fuzz.WRatio(name, list_name) >= 88`` against every name and alias of the
  same list (``process.cdist`` with ``score_cutoff``), on the raw strings and with ``default_process``. It
  takes minutes, so its alerts are cached in ``realnames_baseline.json`` (with the hashes of the inputs) and
  recomputed only with ``--baseline``. Its alerts that are not known true hits are *presumed false*: the
  judgement file covers every listed company of the corpus that anyone found (by hand search).

The exit code is always 0: ``tests/test_eval.py`` holds the ceilings.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "shared" / "data"
CORPUS = DATA / "realnames" / "corpus.csv"
SDN = DATA / "ofac-sdn" / "sdn.csv"
JUDGEMENTS = HERE / "realnames_judgements.csv"
BASELINE_CACHE = HERE / "realnames_baseline.json"
JUDGEMENT_COLUMNS = ["name", "country", "entry", "judgement", "reason"]
BASELINE_THRESHOLD = 88
REFERENCE = (
    "Reference figures from issue 11 (fixed text, not measured here): nomenklatura's LogicV2 on the same names "
    "raised 1.8 false alerts per 1,000 names at threshold 0.7 and 0.3 per 1,000 at 0.8; supplyscreen before the "
    "issue raised 102 rows with a false alert (7.4 per 1,000), ten of them at DPRK level."
)


@dataclass(frozen=True, slots=True)
class Alert:
    row: int
    name: str
    country: str
    entry: str  # "SDN 12345: NAME", as a hit names it
    matched: str  # the list name or alias that matched
    similarity: float
    dprk: bool

    @property
    def entry_id(self) -> str:
        return entry_id(self.entry)


def entry_id(entry: str) -> str:
    return entry.split(":", 1)[0].strip()


def load_corpus(path: Path = CORPUS) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{"name": r["name"], "country": r["country"]} for r in csv.DictReader(fh)]


def load_judgements(path: Path = JUDGEMENTS) -> dict[tuple[str, str, str], tuple[bool, str]]:
    """{(name, country, entry id): (true hit?, reason)}; raises ValueError on a malformed file."""
    out: dict[tuple[str, str, str], tuple[bool, str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != JUDGEMENT_COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {JUDGEMENT_COLUMNS}")
        for line, row in enumerate(reader, start=2):
            if row["judgement"] not in ("true", "false"):
                raise ValueError(
                    f"{path}:{line}: judgement must be 'true' or 'false', not {row['judgement']!r}"
                )
            if not row["name"] or not row["country"] or ":" not in row["entry"] or not row["reason"].strip():
                raise ValueError(f"{path}:{line}: name, country, entry ('id: name') and reason are required")
            key = (row["name"], row["country"], entry_id(row["entry"]))
            if key in out:
                raise ValueError(f"{path}:{line}: {key} judged twice")
            out[key] = (row["judgement"] == "true", row["reason"])
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def input_hashes() -> dict[str, str]:
    return {p.name: _sha256(p) for p in (CORPUS, SDN, SDN.with_name("alt.csv"), SDN.with_name("add.csv"))}


# --- supplyscreen ------------------------------------------------------------------------------------------


def screen(corpus: Sequence[dict[str, str]], sdn: Path = SDN) -> tuple[list[Alert], dict[str, Any]]:
    """Every alert the product raises on the corpus, and facts about the run."""
    from supplyscreen.ingest.watchlist import load_watchlist
    from supplyscreen.match.lists import ListMatcher
    from supplyscreen.rules import load_rules

    started = time.perf_counter()
    wl = load_watchlist(sdn)
    loaded = time.perf_counter()
    matcher = ListMatcher([wl], load_rules().watchlist)
    built = time.perf_counter()
    found = matcher.match_rows([{"name": r["name"], "country": r["country"]} for r in corpus])
    done = time.perf_counter()
    by_label = {e.label: e for e in wl.entries}
    alerts = []
    for i in sorted(found):
        best: dict[str, Any] = {}
        for h in found[i]:
            if h.list is None:
                continue
            label = str(h.list.get("entry"))
            if label not in best or h.similarity > best[label].similarity:
                best[label] = h
        for label, h in best.items():
            entry = by_label.get(label)
            alerts.append(
                Alert(
                    i,
                    corpus[i]["name"],
                    corpus[i]["country"],
                    label,
                    h.matched,
                    round(float(h.similarity), 3),
                    bool(entry.dprk) if entry is not None else "dprk_list" in h.tags,
                )
            )
    facts = {
        "entries": len(wl.entries),
        "names": sum(len(e.names) for e in wl.entries),
        "seconds": {
            "load": round(loaded - started, 2),
            "index": round(built - loaded, 2),
            "match": round(done - built, 2),
        },
    }
    return alerts, facts


def _per_1000(n: int, total: int) -> float:
    return round(1000 * n / total, 2) if total else 0.0


def report(
    corpus: Sequence[dict[str, str]],
    alerts: Sequence[Alert],
    judgements: dict[tuple[str, str, str], tuple[bool, str]],
) -> dict[str, Any]:
    """The figures for supplyscreen's alerts against the judgements."""
    total = len(corpus)
    judged = []
    for a in alerts:
        verdict = judgements.get((a.name, a.country, a.entry_id))
        state = "unjudged" if verdict is None else ("true" if verdict[0] else "false")
        judged.append((a, state, verdict[1] if verdict else ""))
    rows: dict[int, list[tuple[Alert, str, str]]] = defaultdict(list)
    for item in judged:
        rows[item[0].row].append(item)
    false_rows = {r for r, items in rows.items() if any(s == "false" for _, s, _ in items)}
    unjudged_rows = {r for r, items in rows.items() if any(s == "unjudged" for _, s, _ in items)}
    true_rows = {r for r, items in rows.items() if any(s == "true" for _, s, _ in items)}
    dprk_rows = {r for r, items in rows.items() if any(a.dprk for a, _, _ in items)}
    dprk_false_rows = {r for r, items in rows.items() if any(a.dprk and s != "true" for a, s, _ in items)}
    not_true_rows = false_rows | unjudged_rows
    by_country: dict[str, dict[str, Any]] = {}
    names_by_country = Counter(r["country"] for r in corpus)
    for country, n in sorted(names_by_country.items(), key=lambda kv: -kv[1]):
        mine = {r for r in rows if corpus[r]["country"] == country}
        by_country[country] = {
            "names": n,
            "rows_alerted": len(mine),
            "rows_alerted_per_1000": _per_1000(len(mine), n),
            "rows_false": len(mine & false_rows),
            "rows_unjudged": len(mine & unjudged_rows),
            "rows_true": len(mine & true_rows),
            "rows_dprk_level": len(mine & dprk_rows),
        }
    alerted_keys = {(a.name, a.country, a.entry_id) for a in alerts}
    known_true = sorted(k for k, (is_true, _) in judgements.items() if is_true)
    found = [k for k in known_true if k in alerted_keys]
    missed = [k for k in known_true if k not in alerted_keys]
    entry_false: dict[str, list[str]] = defaultdict(list)
    for a, s, _ in judged:
        if s != "true":
            entry_false[a.entry].append(a.name)
    return {
        "names": total,
        "alerts": len(alerts),
        "rows_alerted": len(rows),
        "rows_alerted_per_1000": _per_1000(len(rows), total),
        "rows_with_false_alert": len(false_rows),
        "rows_with_false_alert_per_1000": _per_1000(len(false_rows), total),
        "rows_with_unjudged_alert": len(unjudged_rows),
        "rows_with_false_or_unjudged_alert": len(not_true_rows),
        "rows_with_false_or_unjudged_alert_per_1000": _per_1000(len(not_true_rows), total),
        "rows_with_true_alert": len(true_rows),
        "rows_dprk_level": len(dprk_rows),
        "rows_dprk_level_not_true": len(dprk_false_rows),
        "alerts_false": sum(s == "false" for _, s, _ in judged),
        "alerts_true": sum(s == "true" for _, s, _ in judged),
        "alerts_unjudged": sum(s == "unjudged" for _, s, _ in judged),
        "known_true_hits": len(known_true),
        "true_hits_found": [{"name": n, "country": c, "entry": e} for n, c, e in found],
        "true_hits_missed": [
            {"name": n, "country": c, "entry": e, "reason": judgements[(n, c, e)][1]} for n, c, e in missed
        ],
        "by_country": by_country,
        "entries_with_most_false_alerts": [
            {"entry": e, "rows": len(names), "names": names[:6]}
            for e, names in sorted(entry_false.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:15]
        ],
        "alert_list": [
            {
                "name": a.name,
                "country": a.country,
                "entry": a.entry,
                "matched": a.matched,
                "similarity": a.similarity,
                "dprk": a.dprk,
                "judgement": s,
                "reason": why,
            }
            for a, s, why in judged
        ],
    }


# --- the baseline ------------------------------------------------------------------------------------------


def compute_baseline(corpus: Sequence[dict[str, str]], sdn: Path = SDN, chunk: int = 1000) -> dict[str, Any]:
    """WRatio >= 88 of every corpus name against every name and alias of the list, raw and with
    ``default_process``: the alerted rows and the entry ids they alert on."""
    import numpy as np
    from rapidfuzz import fuzz, process, utils

    from supplyscreen.ingest.watchlist import load_watchlist

    wl = load_watchlist(sdn)
    owners: list[int] = []
    names: list[str] = []
    for k, e in enumerate(wl.entries):
        for n in e.names:
            owners.append(k)
            names.append(n)
    owner = np.asarray(owners)
    queries = [r["name"] for r in corpus]
    out: dict[str, Any] = {
        "inputs": input_hashes(),
        "list_names": len(names),
        "threshold": BASELINE_THRESHOLD,
        "computed": time.strftime("%Y-%m-%d"),
        "systems": {},
    }
    for label, processor in (("raw", None), ("default_process", utils.default_process)):
        started = time.perf_counter()
        alerts: dict[str, list[str]] = {}
        for start in range(0, len(queries), chunk):
            scores = process.cdist(
                queries[start : start + chunk],
                names,
                scorer=fuzz.WRatio,
                processor=processor,
                score_cutoff=BASELINE_THRESHOLD,
                dtype=np.uint8,
                workers=-1,
            )
            for qi, ti in zip(*np.nonzero(scores), strict=True):
                ids = alerts.setdefault(str(start + int(qi)), [])
                eid = wl.entries[int(owner[ti])].entry_id
                if eid not in ids:
                    ids.append(eid)
        out["systems"][label] = {"seconds": round(time.perf_counter() - started, 1), "alerts": alerts}
    return out


def load_baseline(path: Path = BASELINE_CACHE) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def baseline_figures(
    cache: dict[str, Any],
    corpus: Sequence[dict[str, str]],
    judgements: dict[tuple[str, str, str], tuple[bool, str]],
) -> dict[str, Any]:
    from supplyscreen.ingest.watchlist import load_watchlist

    dprk_ids = {e.entry_id for e in load_watchlist(SDN).entries if e.dprk}
    total = len(corpus)
    known_true = {k for k, (is_true, _) in judgements.items() if is_true}
    figures: dict[str, Any] = {
        "computed": cache.get("computed"),
        "inputs_match": cache.get("inputs") == input_hashes(),
        "list_names": cache.get("list_names"),
    }
    for label, system in cache["systems"].items():
        rows = {int(r): ids for r, ids in system["alerts"].items()}
        keys = {(corpus[r]["name"], corpus[r]["country"], e) for r, ids in rows.items() for e in ids}
        not_true_rows = {
            r
            for r, ids in rows.items()
            if any((corpus[r]["name"], corpus[r]["country"], e) not in known_true for e in ids)
        }
        dprk_rows = {r for r, ids in rows.items() if set(ids) & dprk_ids}
        by_country = Counter(corpus[r]["country"] for r in rows)
        figures[label] = {
            "rows_alerted": len(rows),
            "rows_alerted_per_1000": _per_1000(len(rows), total),
            "rows_with_presumed_false_alert": len(not_true_rows),
            "rows_with_presumed_false_alert_per_1000": _per_1000(len(not_true_rows), total),
            "rows_dprk_level": len(dprk_rows),
            "alerts": sum(len(ids) for ids in rows.values()),
            "true_hits_found": len(known_true & keys),
            "true_hits_missed": len(known_true - keys),
            "by_country": dict(sorted(by_country.items(), key=lambda kv: -kv[1])),
            "seconds": system.get("seconds"),
        }
    return figures


# --- printing --------------------------------------------------------------------------------------------


def render(result: dict[str, Any]) -> str:
    s = result["supplyscreen"]
    facts = result["run"]
    lines = [
        f"Real-names benchmark: {s['names']:,} listed company names screened against the OFAC SDN snapshot "
        f"({facts['entries']:,} entries, {facts['names']:,} names and aliases)",
        f"  supplyscreen: load_watchlist(sdn.csv) + ListMatcher(...).match_rows, rows {{name, country}} "
        f"(load {facts['seconds']['load']} s, index {facts['seconds']['index']} s, match {facts['seconds']['match']} s)",
        "",
        f"supplyscreen: {s['rows_alerted']} rows with an alert ({s['rows_alerted_per_1000']} per 1,000), "
        f"{s['alerts']} alerts",
        f"  rows with a false alert:   {s['rows_with_false_alert']} ({s['rows_with_false_alert_per_1000']} per 1,000)",
        f"  rows with an unjudged one: {s['rows_with_unjudged_alert']} ({s['alerts_unjudged']} unjudged alerts)",
        f"  rows with a true alert:    {s['rows_with_true_alert']}",
        f"  DPRK level: {s['rows_dprk_level']} rows ({s['rows_dprk_level_not_true']} not a true hit)",
        f"  listed companies of the corpus (judgement file): {len(s['true_hits_found'])} of "
        f"{s['known_true_hits']} found",
    ]
    for m in s["true_hits_missed"]:
        lines.append(f"    missed: {m['name']!r} ({m['country']}) = {m['entry']}")
    lines += [
        "",
        f"{'country':<16} {'names':>6} {'alerted':>8} {'/1,000':>7} {'false':>6} {'unjudged':>8} {'true':>5} {'DPRK':>5}",
    ]
    for country, c in s["by_country"].items():
        lines.append(
            f"{country:<16} {c['names']:>6} {c['rows_alerted']:>8} {c['rows_alerted_per_1000']:>7} "
            f"{c['rows_false']:>6} {c['rows_unjudged']:>8} {c['rows_true']:>5} {c['rows_dprk_level']:>5}"
        )
    dprk = [a for a in s["alert_list"] if a["dprk"] and a["judgement"] != "true"]
    lines += ["", f"Alerts at DPRK level that are not true hits ({len(dprk)}):"]
    for a in dprk:
        lines.append(
            f"  {a['name']!r} ({a['country']}) ~ {a['entry']} via {a['matched']!r} {a['similarity']}: "
            f"[{a['judgement']}] {a['reason']}"
        )
    lines += ["", "Entries with the most rows falsely alerted (false or unjudged):"]
    for e in s["entries_with_most_false_alerts"][:10]:
        lines.append(f"  {e['rows']:>2}  {e['entry']}: {', '.join(repr(n) for n in e['names'])}")
    unjudged = [a for a in s["alert_list"] if a["judgement"] == "unjudged"]
    if unjudged:
        lines += ["", f"Unjudged alerts ({len(unjudged)}): judge them in realnames_judgements.csv"]
        for a in unjudged[:40]:
            lines.append(
                f"  {a['name']!r} ({a['country']}) ~ {a['entry']} via {a['matched']!r} {a['similarity']}"
            )
    b = result.get("baseline")
    lines.append("")
    if b is None:
        lines.append("baseline: no cache (run with --baseline to compute it; it takes minutes)")
    else:
        stale = "" if b["inputs_match"] else " — the inputs changed since: run with --baseline"
        lines.append(
            f"baseline: plain rapidfuzz WRatio >= {BASELINE_THRESHOLD} against the same {b['list_names']:,} names "
            f"(cached {b['computed']}{stale})"
        )
        for label in ("raw", "default_process"):
            f = b[label]
            lines.append(
                f"  {label:<16} {f['rows_alerted']:>5} rows with an alert ({f['rows_alerted_per_1000']} per 1,000), "
                f"{f['rows_with_presumed_false_alert']} with an alert that is not a known true hit "
                f"({f['rows_with_presumed_false_alert_per_1000']} per 1,000), {f['rows_dprk_level']} at DPRK level, "
                f"known true hits found {f['true_hits_found']} of {f['true_hits_found'] + f['true_hits_missed']}"
            )
    lines += ["", REFERENCE]
    return "\n".join(lines)


def run(corpus: Sequence[dict[str, str]] | None = None, recompute_baseline: bool = False) -> dict[str, Any]:
    corpus = load_corpus() if corpus is None else corpus
    judgements = load_judgements()
    alerts, facts = screen(corpus)
    result: dict[str, Any] = {
        "run": facts,
        "supplyscreen": report(corpus, alerts, judgements),
        "reference": REFERENCE,
    }
    cache = load_baseline()
    if recompute_baseline:
        cache = compute_baseline(corpus)
        BASELINE_CACHE.write_text(
            json.dumps(cache, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    result["baseline"] = (
        baseline_figures(cache, corpus, judgements) if cache is not None and len(corpus) == 13778 else None
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--baseline", action="store_true", help="recompute the WRatio baseline and its cache")
    args = parser.parse_args(argv)
    try:
        result = run(recompute_baseline=args.baseline)
    except Exception as exc:  # always exit 0; the test checks the figures
        print(f"real-names benchmark failed: {exc!r}", file=sys.stderr)
        return 0
    print(render(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
