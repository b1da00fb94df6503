"""Evaluate supplyscreen's watchlist matching on the labelled pairs in ``pairs.csv``, through the real path.

Run:    .venv/bin/python tests/eval/evaluate.py [--json PATH] [--pairs PATH] [--show-test]
Import: ``from evaluate import load_pairs, evaluate`` (or load this file with importlib).

The pairs' candidates become one watchlist in the simple CSV format, one entry per pair (name, aliases, type,
country, identifiers), read by ``supplyscreen.ingest.watchlist.load_watchlist``; the queries become the rows of one
sheet (the query in its field — ``name``, ``vessel`` or ``notes`` — and ``query_country`` as ``country``),
screened by ``supplyscreen.match.lists.ListMatcher(lists, points).match_rows`` with the points of the bundled
rules and the matcher's own default threshold: the code the ``screen`` command runs. A pair is predicted
positive when its query's row has a hit on its own candidate's entry (hits on other pairs' entries are not
counted, right or wrong).

Two systems are scored side by side:

* **supplyscreen** — the path above.
* **baseline** — ``rapidfuzz.fuzz.WRatio(query, name) >= 88`` on the raw strings as written (no lower-casing,
  no punctuation stripping, no transliteration), best over the candidate's name and aliases; no country, no
  IMO logic. ``baseline_lower`` is the same with rapidfuzz's ``default_process`` (lower case, punctuation
  dropped), in the JSON and the overall lines only.

Precision, recall and F1 are reported for the ``dev`` and ``test`` splits (and both together), overall, by
kind and by category. Every wrong ``dev`` pair is listed; ``test`` pairs are only counted unless
``--show-test`` is given (tune on dev; test is for the final figures). The exit code is always 0: the floors
are in ``tests/test_eval.py``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, utils

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "pairs.csv"
BASELINE_THRESHOLD = 88.0
SYSTEMS = ("supplyscreen", "baseline", "baseline_lower")
TABLE_SYSTEMS = ("supplyscreen", "baseline")
SPLITS = ("dev", "test", "all")
COLUMNS = [
    "id",
    "split",
    "kind",
    "category",
    "label",
    "query",
    "query_field",
    "query_country",
    "candidate",
    "candidate_aliases",
    "candidate_type",
    "candidate_country",
    "candidate_ids",
    "source",
    "note",
]
KINDS = ("org", "vessel", "person", "aircraft")
LIST_TYPE = {
    "organization": "organization",
    "vessel": "vessel",
    "person": "person",
    "aircraft": "organization",
}


@dataclass(frozen=True, slots=True)
class Pair:
    line: int  # line number in the CSV (header is line 1)
    id: str
    split: str
    kind: str  # org | vessel | person | aircraft: what the candidate entry is
    category: str
    label: int
    query: str
    query_field: str  # name | vessel | notes: the row field the query is written in
    query_country: str
    candidate: str
    candidate_aliases: tuple[str, ...]
    candidate_type: str  # organization | vessel | person | aircraft
    candidate_country: str
    candidate_ids: str
    source: str
    note: str


@dataclass(frozen=True, slots=True)
class Prediction:
    pair: Pair
    system: str
    score: float
    predicted: int
    why: str = ""

    @property
    def correct(self) -> bool:
        return self.predicted == self.pair.label


def load_pairs(path: Path | str = PAIRS) -> list[Pair]:
    """Read the labelled pairs; raises ValueError on a malformed row."""
    pairs: list[Pair] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {COLUMNS}")
        for line, row in enumerate(reader, start=2):
            if (
                row["kind"] not in KINDS
                or row["label"] not in ("0", "1")
                or row["split"] not in ("dev", "test")
                or row["query_field"] not in ("name", "vessel", "notes")
                or row["candidate_type"] not in LIST_TYPE
            ):
                raise ValueError(
                    f"{path}:{line}: bad kind, label, split, query_field or candidate_type: {row}"
                )
            if not row["query"].strip() or not row["candidate"].strip() or not row["category"].strip():
                raise ValueError(f"{path}:{line}: empty field: {row}")
            pairs.append(
                Pair(
                    line=line,
                    id=row["id"],
                    split=row["split"],
                    kind=row["kind"],
                    category=row["category"],
                    label=int(row["label"]),
                    query=row["query"],
                    query_field=row["query_field"],
                    query_country=row["query_country"],
                    candidate=row["candidate"],
                    candidate_aliases=tuple(
                        a.strip() for a in row["candidate_aliases"].split(";") if a.strip()
                    ),
                    candidate_type=row["candidate_type"],
                    candidate_country=row["candidate_country"],
                    candidate_ids=row["candidate_ids"],
                    source=row["source"],
                    note=row["note"] or "",
                )
            )
    return pairs


# --- the list and the sheet -------------------------------------------------------------------------------


def watchlist_csv(pairs: Sequence[Pair]) -> str:
    """The pairs' candidates as a simple-CSV watchlist, one entry per pair in the pairs' order (the entry of
    pair i is on line i + 2). Aircraft are organisation entries, as supplyscreen reads OFAC's."""
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "aliases", "type", "country", "identifiers", "source", "reason"])
    for p in pairs:
        writer.writerow(
            [
                p.candidate,
                ";".join(p.candidate_aliases),
                LIST_TYPE[p.candidate_type],
                p.candidate_country,
                p.candidate_ids,
                "pairs.csv",
                f"evaluation pair {p.id}",
            ]
        )
    return buf.getvalue()


def sheet_rows(pairs: Sequence[Pair]) -> list[dict[str, str]]:
    """One row of canonical fields per pair: the query in its field, the query's country as ``country``."""
    rows = []
    for p in pairs:
        row = {p.query_field: p.query}
        if p.query_country:
            row["country"] = p.query_country
        rows.append(row)
    return rows


# --- the systems -----------------------------------------------------------------------------------------


def predict_supplyscreen(pairs: Sequence[Pair]) -> list[Prediction]:
    from supplyscreen.ingest.watchlist import load_watchlist
    from supplyscreen.match.lists import ListMatcher
    from supplyscreen.rules import load_rules

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pairs-watchlist.csv"
        path.write_text(watchlist_csv(pairs), encoding="utf-8")
        wl = load_watchlist(path)
    if len(wl.entries) != len(pairs):
        raise ValueError(f"the pairs' watchlist has {len(wl.entries)} entries for {len(pairs)} pairs")
    own: dict[str, int] = {}  # an entry's label -> the pair it belongs to
    for i, (entry, p) in enumerate(zip(wl.entries, pairs, strict=True)):
        if entry.name != p.candidate.strip():
            raise ValueError(f"entry {entry.label!r} is not pair {p.id}'s candidate {p.candidate!r}")
        own[entry.label] = i
    matcher = ListMatcher([wl], load_rules().watchlist)
    found = matcher.match_rows(sheet_rows(pairs))
    out = []
    for i, p in enumerate(pairs):
        hits = found.get(i, [])
        mine = [h for h in hits if h.list is not None and own.get(str(h.list.get("entry"))) == i]
        if mine:
            best = max(mine, key=lambda h: h.similarity)
            why = "; ".join(
                f"{h.field} {h.text!r} ~ {h.matched!r} {h.similarity:.3f} ({h.indicator.split(':')[0]})"
                for h in mine
            )
            out.append(Prediction(p, "supplyscreen", float(best.similarity), 1, why))
        else:
            others = len({str(h.list.get("entry")) for h in hits if h.list is not None})
            why = "no hit on its entry" + (f" (hits on {others} other pairs' entries)" if others else "")
            out.append(Prediction(p, "supplyscreen", 0.0, 0, why))
    return out


def _baseline(pairs: Iterable[Pair], system: str, processor: Callable[[str], str] | None) -> list[Prediction]:
    out = []
    for p in pairs:
        names = (p.candidate, *p.candidate_aliases)
        score, name = max((fuzz.WRatio(p.query, n, processor=processor), n) for n in names)
        out.append(
            Prediction(
                p, system, score / 100, int(score >= BASELINE_THRESHOLD), f"WRatio {score:.1f} with {name!r}"
            )
        )
    return out


def predict_baseline(pairs: Sequence[Pair]) -> list[Prediction]:
    return _baseline(pairs, "baseline", None)


def predict_baseline_lower(pairs: Sequence[Pair]) -> list[Prediction]:
    return _baseline(pairs, "baseline_lower", utils.default_process)


PREDICTORS: dict[str, Callable[[Sequence[Pair]], list[Prediction]]] = {
    "supplyscreen": predict_supplyscreen,
    "baseline": predict_baseline,
    "baseline_lower": predict_baseline_lower,
}


# --- figures -----------------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def metrics(preds: Iterable[Prediction]) -> dict[str, Any]:
    """Confusion counts with precision, recall, F1 and accuracy (None where undefined)."""
    tp = fp = fn = tn = 0
    for x in preds:
        if x.pair.label and x.predicted:
            tp += 1
        elif x.predicted:
            fp += 1
        elif x.pair.label:
            fn += 1
        else:
            tn += 1
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )
    return {
        "n": tp + fp + fn + tn,
        "positives": tp + fn,
        "negatives": fp + tn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": _ratio(tp + tn, tp + fp + fn + tn),
    }


def _error(x: Prediction) -> dict[str, Any]:
    p = x.pair
    return {
        "id": p.id,
        "line": p.line,
        "split": p.split,
        "kind": p.kind,
        "category": p.category,
        "label": p.label,
        "error": "false negative" if p.label else "false positive",
        "query": p.query,
        "query_field": p.query_field,
        "query_country": p.query_country,
        "candidate": p.candidate,
        "candidate_country": p.candidate_country,
        "candidate_ids": p.candidate_ids,
        "score": round(x.score, 4),
        "why": x.why,
        "note": p.note,
    }


def evaluate(pairs: list[Pair] | None = None, show_test: bool = False) -> dict[str, Any]:
    """All figures as a JSON-able dict, by split (dev, test, all): overall, by kind and by category for each
    system; the wrong dev pairs of each system (and the wrong test pairs with ``show_test``)."""
    pairs = load_pairs() if pairs is None else pairs
    predictions = {name: fn(pairs) for name, fn in PREDICTORS.items()}
    from supplyscreen.match.names import THRESHOLD

    result: dict[str, Any] = {
        "pairs": len(pairs),
        "positives": sum(p.label for p in pairs),
        "negatives": sum(1 - p.label for p in pairs),
        "by_split_size": {s: sum(p.split == s for p in pairs) for s in ("dev", "test")},
        "settings": {
            "supplyscreen": "ListMatcher([watchlist of the pairs' candidates], load_rules().watchlist).match_rows"
            f"(one row per query), default threshold (names.THRESHOLD = {THRESHOLD})",
            "baseline": f"rapidfuzz.fuzz.WRatio(query, name, processor=None) >= {BASELINE_THRESHOLD:g}, best over "
            "the candidate's name and aliases, raw strings",
            "baseline_lower": f"the same with processor=rapidfuzz.utils.default_process >= {BASELINE_THRESHOLD:g}",
        },
        "splits": {},
        "errors": {},
        "test_errors_shown": show_test,
    }
    for split in SPLITS:
        block: dict[str, Any] = {
            "overall": {},
            "by_kind": defaultdict(dict),
            "by_category": defaultdict(dict),
        }
        for name, preds in predictions.items():
            chosen = [x for x in preds if split == "all" or x.pair.split == split]
            block["overall"][name] = metrics(chosen)
            groups: dict[tuple[str, str], list[Prediction]] = defaultdict(list)
            for x in chosen:
                groups[("kind", x.pair.kind)].append(x)
                groups[("category", f"{x.pair.kind}/{x.pair.category}")].append(x)
            for (level, key), group in sorted(groups.items()):
                target = block["by_kind"] if level == "kind" else block["by_category"]
                target[key][name] = metrics(group)
        block["by_kind"] = dict(block["by_kind"])
        block["by_category"] = dict(block["by_category"])
        result["splits"][split] = block
    for name, preds in predictions.items():
        wrong = [x for x in preds if not x.correct]
        result["errors"][name] = {
            "dev": [_error(x) for x in wrong if x.pair.split == "dev"],
            "test": [_error(x) for x in wrong if x.pair.split == "test"] if show_test else [],
            "test_count": sum(x.pair.split == "test" for x in wrong),
        }
    return result


# --- printing ----------------------------------------------------------------------------------------


def _fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.3f}"


def _row(label: str, m: dict[str, dict[str, Any]], width: int) -> str:
    first = m["supplyscreen"]
    cells = [f"{label:<{width}}", f"{first['n']:>4}", f"{first['positives']:>4}", f"{first['negatives']:>4}"]
    for name in TABLE_SYSTEMS:
        s = m[name]
        cells.append(f"{_fmt(s['precision'])} {_fmt(s['recall'])} {_fmt(s['f1'])} {s['fp']:>3} {s['fn']:>3}")
    return "  ".join(cells)


def _table(block: dict[str, Any], width: int, categories: bool) -> list[str]:
    sys_head = "  ".join(f"{n:^35}" for n in TABLE_SYSTEMS)
    head1 = f"{'':<{width}}  {'n':>4}  {'pos':>4}  {'neg':>4}  {sys_head}"
    head2 = f"{'':<{width}}  {'':>4}  {'':>4}  {'':>4}  " + "  ".join(
        f"{'prec':>6} {'recall':>6} {'F1':>6} {'FP':>3} {'FN':>3}" for _ in TABLE_SYSTEMS
    )
    rule = "-" * len(head2)
    lines = [head1, head2, rule, _row("overall", block["overall"], width)]
    lines += [_row(kind, m, width) for kind, m in block["by_kind"].items()]
    if categories:
        lines.append(rule)
        lines += [_row(cat, m, width) for cat, m in block["by_category"].items()]
    return lines


def render(result: dict[str, Any]) -> str:
    cats = list(result["splits"]["all"]["by_category"])
    width = max([len("overall"), *(len(c) for c in cats)]) + 1
    sizes = result["by_split_size"]
    lines = [
        f"Watchlist-matching evaluation: {result['pairs']} pairs ({result['positives']} same entity, "
        f"{result['negatives']} other; dev {sizes['dev']}, test {sizes['test']})",
        f"  supplyscreen:   {result['settings']['supplyscreen']}",
        f"  baseline:       {result['settings']['baseline']}",
        f"  baseline_lower: {result['settings']['baseline_lower']}",
    ]
    for split in SPLITS:
        block = result["splits"][split]
        lines += ["", f"== {split} ==", *_table(block, width, categories=split != "all")]
        low = block["overall"]["baseline_lower"]
        lines.append(
            f"(baseline_lower, overall: precision {_fmt(low['precision']).strip()}, recall "
            f"{_fmt(low['recall']).strip()}, F1 {_fmt(low['f1']).strip()})"
        )
    lines += ["", "('-': undefined — no predicted positives for precision, no positive pairs for recall)"]
    errors = result["errors"]["supplyscreen"]
    shown = errors["dev"] + errors["test"]
    what = "dev and test" if result["test_errors_shown"] else "dev"
    lines += [
        "",
        f"Pairs supplyscreen gets wrong ({what}: {len(shown)}; test errors: {errors['test_count']}):",
    ]
    for e in sorted(shown, key=lambda e: (e["split"], e["error"], e["kind"], e["category"], e["line"])):
        country = f" [{e['query_country']}]" if e["query_country"] else ""
        lines.append(
            f"  [{e['split']} {e['error']}] {e['kind']}/{e['category']} {e['id']} (line {e['line']}): "
            f"{e['query']!r}{country} ~ {e['candidate']!r} [{e['candidate_country']}]: {e['why']}"
        )
    if not result["test_errors_shown"]:
        lines.append("  (test pairs are counted, not listed: --show-test lists them)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument(
        "--pairs", metavar="PATH", default=str(PAIRS), help="labelled pairs (default: %(default)s)"
    )
    parser.add_argument("--show-test", action="store_true", help="list the wrong test pairs too")
    args = parser.parse_args(argv)
    try:
        result = evaluate(load_pairs(args.pairs), show_test=args.show_test)
    except Exception as exc:  # always exit 0; the test checks the figures
        print(f"evaluation failed: {exc!r}", file=sys.stderr)
        return 0
    print(render(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
