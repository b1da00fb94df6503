"""Evaluate supplyscreen's name matcher on the labelled pairs in ``pairs.csv``.

Run:    .venv/bin/python tests/eval/evaluate.py [--json PATH] [--pairs PATH]
Import: ``from evaluate import load_pairs, evaluate`` (or load this file with importlib).

Two systems are scored at their default thresholds:

* **supplyscreen** — organisation pairs: ``supplyscreen.names.similarity(query, candidate) >= THRESHOLD``;
  vessel pairs: ``supplyscreen.match.compare_vessels(query, candidate)[0] >= 0.85``.
* **baseline** — ``rapidfuzz.fuzz.WRatio(query, candidate, processor=None) >= 88`` on the raw strings exactly as
  written (no lower-casing, no punctuation stripping, no transliteration), for both kinds.

Precision, recall and F1 are printed overall, by kind and by category, followed by every pair supplyscreen gets
wrong. The exit code is always 0: the figures are checked by ``tests/test_eval.py``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

HERE = Path(__file__).resolve().parent
PAIRS = HERE / "pairs.csv"
VESSEL_THRESHOLD = 0.85
BASELINE_THRESHOLD = 88.0
SYSTEMS = ("supplyscreen", "baseline")


@dataclass(frozen=True, slots=True)
class Pair:
    line: int  # line number in the CSV (header is line 1)
    kind: str  # "org" or "vessel"
    query: str
    candidate: str
    label: int
    category: str
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
        expected = ["kind", "query", "candidate", "label", "category", "note"]
        if reader.fieldnames != expected:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {expected}")
        for line, row in enumerate(reader, start=2):
            if row["kind"] not in ("org", "vessel") or row["label"] not in ("0", "1"):
                raise ValueError(f"{path}:{line}: bad kind or label: {row}")
            if not row["query"].strip() or not row["candidate"].strip() or not row["category"].strip():
                raise ValueError(f"{path}:{line}: empty field: {row}")
            pairs.append(
                Pair(
                    line,
                    row["kind"],
                    row["query"],
                    row["candidate"],
                    int(row["label"]),
                    row["category"],
                    row["note"] or "",
                )
            )
    return pairs


# --- the two systems ---------------------------------------------------------------------------------


def predict_supplyscreen(pairs: Iterable[Pair]) -> list[Prediction]:
    from supplyscreen.match import compare_vessels
    from supplyscreen.names import THRESHOLD, similarity

    out: list[Prediction] = []
    for p in pairs:
        if p.kind == "vessel":
            score, why = compare_vessels(p.query, p.candidate)
            out.append(Prediction(p, "supplyscreen", float(score), int(score >= VESSEL_THRESHOLD), why))
        else:
            score = float(similarity(p.query, p.candidate))
            out.append(
                Prediction(
                    p,
                    "supplyscreen",
                    score,
                    int(score >= THRESHOLD - 1e-9),
                    f"similarity {score:.3f} (threshold {THRESHOLD})",
                )
            )
    return out


def predict_baseline(pairs: Iterable[Pair]) -> list[Prediction]:
    out: list[Prediction] = []
    for p in pairs:
        score = fuzz.WRatio(p.query, p.candidate, processor=None)
        out.append(
            Prediction(p, "baseline", score / 100, int(score >= BASELINE_THRESHOLD), f"WRatio {score:.1f}")
        )
    return out


PREDICTORS: dict[str, Callable[[Iterable[Pair]], list[Prediction]]] = {
    "supplyscreen": predict_supplyscreen,
    "baseline": predict_baseline,
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


def evaluate(pairs: list[Pair] | None = None) -> dict[str, Any]:
    """All figures as a JSON-able dict: overall, by kind, by category, and the pairs each system gets wrong."""
    pairs = load_pairs() if pairs is None else pairs
    predictions = {name: fn(pairs) for name, fn in PREDICTORS.items()}
    result: dict[str, Any] = {
        "pairs": len(pairs),
        "positives": sum(p.label for p in pairs),
        "negatives": sum(1 - p.label for p in pairs),
        "settings": {
            "supplyscreen": "org: supplyscreen.names.similarity >= names.THRESHOLD; "
            f"vessel: match.compare_vessels score >= {VESSEL_THRESHOLD}",
            "baseline": f"rapidfuzz.fuzz.WRatio(query, candidate, processor=None) >= {BASELINE_THRESHOLD:g} "
            "on the raw strings as written",
        },
        "overall": {},
        "by_kind": defaultdict(dict),
        "by_category": defaultdict(dict),
        "errors": {},
    }
    try:
        from supplyscreen.names import THRESHOLD

        result["settings"]["org_threshold"] = THRESHOLD
    except ImportError:  # pragma: no cover - reported by the predictor itself
        pass
    for name, preds in predictions.items():
        result["overall"][name] = metrics(preds)
        groups: dict[tuple[str, str], list[Prediction]] = defaultdict(list)
        for x in preds:
            groups[("kind", x.pair.kind)].append(x)
            groups[("category", f"{x.pair.kind}/{x.pair.category}")].append(x)
        for (level, key), group in sorted(groups.items()):
            target = result["by_kind"] if level == "kind" else result["by_category"]
            target[key][name] = metrics(group)
        result["errors"][name] = [
            {
                "line": x.pair.line,
                "kind": x.pair.kind,
                "category": x.pair.category,
                "label": x.pair.label,
                "error": "false negative" if x.pair.label else "false positive",
                "query": x.pair.query,
                "candidate": x.pair.candidate,
                "score": round(x.score, 4),
                "why": x.why,
                "note": x.pair.note,
            }
            for x in preds
            if not x.correct
        ]
    result["by_kind"] = dict(result["by_kind"])
    result["by_category"] = dict(result["by_category"])
    return result


# --- printing ----------------------------------------------------------------------------------------


def _fmt(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.3f}"


def _row(label: str, m: dict[str, dict[str, Any]], width: int) -> str:
    cells = [
        f"{label:<{width}}",
        f"{m['supplyscreen']['n']:>4}",
        f"{m['supplyscreen']['positives']:>4}",
        f"{m['supplyscreen']['negatives']:>4}",
    ]
    for name in SYSTEMS:
        s = m[name]
        cells.append(f"{_fmt(s['precision'])} {_fmt(s['recall'])} {_fmt(s['f1'])} {s['fp']:>3} {s['fn']:>3}")
    return "  ".join(cells)


def render(result: dict[str, Any]) -> str:
    cats = list(result["by_category"])
    width = max([len("overall"), *(len(c) for c in cats)]) + 1
    sys_head = "  ".join(f"{n:^35}" for n in SYSTEMS)
    head = (
        f"{'':<{width}}  {'n':>4}  {'pos':>4}  {'neg':>4}  {sys_head}\n"
        f"{'':<{width}}  {'':>4}  {'':>4}  {'':>4}  "
        + "  ".join(f"{'prec':>6} {'recall':>6} {'F1':>6} {'FP':>3} {'FN':>3}" for _ in SYSTEMS)
    )
    lines = [
        f"Name-matcher evaluation: {result['pairs']} pairs ({result['positives']} positive, "
        f"{result['negatives']} negative)",
        f"  supplyscreen: {result['settings']['supplyscreen']} (THRESHOLD = {result['settings'].get('org_threshold')})",
        f"  baseline:     {result['settings']['baseline']}",
        "",
        head,
        "-" * len(head.splitlines()[1]),
        _row("overall", result["overall"], width),
    ]
    for kind, m in result["by_kind"].items():
        lines.append(_row(kind, m, width))
    lines.append("-" * len(head.splitlines()[1]))
    for cat in cats:
        lines.append(_row(cat, result["by_category"][cat], width))
    lines.append("")
    lines.append("('-': undefined — no predicted positives for precision, no positive pairs for recall)")
    errors = result["errors"]["supplyscreen"]
    lines.append("")
    lines.append(f"Pairs supplyscreen gets wrong ({len(errors)}):")
    for e in sorted(errors, key=lambda e: (e["error"], e["kind"], e["category"], e["line"])):
        lines.append(
            f"  [{e['error']}] {e['kind']}/{e['category']} line {e['line']}: "
            f"{e['query']!r} ~ {e['candidate']!r}: {e['why']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument(
        "--pairs", metavar="PATH", default=str(PAIRS), help="labelled pairs (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        result = evaluate(load_pairs(args.pairs))
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
