"""Evaluate supplyscreen's screening of supplier rows on the labelled text corpus ``text/corpus.csv``.

Run:    .venv/bin/python tests/eval/evaluate_text.py [--split dev|test|all] [--json PATH] [--show-test]
Import: ``from evaluate_text import load_corpus, evaluate`` (or load this file with importlib).

The rows are screened through the same code path as the CLI: the supplier fields (``case`` as ``id``, then
name, country, address, description, hs_code, notes; never the labels) are written to a temporary CSV and
passed to ``supplyscreen.pipeline.screen.screen([path], keep=True)``. Each row's tier, presumption and (when the product
reports one) track are compared with the labels:

* presumption recall: rows labelled ``expect_presumption=yes`` that got the presumption;
* presumption false rate: rows labelled ``expect_presumption=no`` that got it anyway;
* flag recall: rows labelled ``expect_flag=yes`` at tier medium or high;
* false flags on ``benign`` rows: share of benign rows at medium or high;
* presumptions on ``negated`` rows: how many negated rows got the presumption;
* track accuracy: rows with an ``expect_track`` label whose result carries a ``track`` (left out, and reported
  as unavailable, while the product reports none).

Figures are printed for dev, test and both together, by kind and by language, then every wrong row of the dev
split. Test rows are only counted, never listed, unless ``--show-test`` is given (for a final report only:
tuning uses ``dev``). The exit code is always 0: the floors are checked by ``tests/test_eval_text.py``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "text" / "corpus.csv"
RESULTS = HERE / "text" / "results.json"

COLUMNS = [
    "case",
    "split",
    "lang",
    "kind",
    "expect_presumption",
    "expect_flag",
    "expect_track",
    "name",
    "country",
    "address",
    "description",
    "hs_code",
    "notes",
    "comment",
]
SUPPLIER_FIELDS = ("name", "country", "address", "description", "hs_code", "notes")
INPUT_HEADER = ("id", *SUPPLIER_FIELDS)
KINDS = ("nexus", "origin", "ilo_grave", "ilo_minor", "benign", "negated")
LANGS = ("en", "zh", "ru", "ko")
SPLITS = ("dev", "test")
FLAG_LABELS = ("yes", "no", "any")
TRACKS = ("presumption", "dprk_origin", "due_diligence", "none")
FLAGGED_TIERS = ("medium", "high")


@dataclass(frozen=True, slots=True)
class Case:
    line: int  # line number in the CSV (header is line 1)
    case: str
    split: str
    lang: str
    kind: str
    expect_presumption: bool
    expect_flag: str  # "yes", "no" or "any"
    expect_track: str  # one of TRACKS, or "" for "do not check"
    fields: dict[str, str]  # name, country, address, description, hs_code, notes
    comment: str


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    score: int
    tier: str
    presumption: bool
    track: str | None  # None while the product reports no track
    rules: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return self.tier in FLAGGED_TIERS

    @property
    def wrong(self) -> list[str]:
        """The checks this row fails: "presumption", "flag", "track"."""
        c = self.case
        out: list[str] = []
        if self.presumption != c.expect_presumption:
            out.append("presumption")
        if c.expect_flag != "any" and self.flagged != (c.expect_flag == "yes"):
            out.append("flag")
        if c.expect_track and self.track is not None and self.track != c.expect_track:
            out.append("track")
        return out


def load_corpus(path: Path | str = CORPUS) -> list[Case]:
    """Read the labelled rows; raises ValueError on a malformed row."""
    cases: list[Case] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {COLUMNS}")
        for line, row in enumerate(reader, start=2):
            problems = [
                f"{col} {row[col]!r}"
                for col, ok in (
                    ("split", row["split"] in SPLITS),
                    ("lang", row["lang"] in LANGS),
                    ("kind", row["kind"] in KINDS),
                    ("expect_presumption", row["expect_presumption"] in ("yes", "no")),
                    ("expect_flag", row["expect_flag"] in FLAG_LABELS),
                    ("expect_track", row["expect_track"] in (*TRACKS, "")),
                    ("case", bool(row["case"].strip())),
                    ("name", bool(row["name"].strip())),
                )
                if not ok
            ]
            if problems:
                raise ValueError(f"{path}:{line}: bad {', '.join(problems)}")
            cases.append(
                Case(
                    line=line,
                    case=row["case"],
                    split=row["split"],
                    lang=row["lang"],
                    kind=row["kind"],
                    expect_presumption=row["expect_presumption"] == "yes",
                    expect_flag=row["expect_flag"],
                    expect_track=row["expect_track"],
                    fields={f: row[f] for f in SUPPLIER_FIELDS},
                    comment=row["comment"],
                )
            )
    return cases


# --- the product -------------------------------------------------------------------------------------


def write_input(cases: Iterable[Case], path: Path) -> None:
    """The supplier spreadsheet the product sees: ``id`` plus the supplier fields, no labels."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(INPUT_HEADER)
        for c in cases:
            writer.writerow([c.case, *(c.fields[f] for f in SUPPLIER_FIELDS)])


def screen_cases(cases: Sequence[Case]) -> dict[str, Outcome]:
    """Screen the rows with ``supplyscreen.pipeline.screen.screen`` (as the CLI does) and return {case: outcome}."""
    from supplyscreen.pipeline.screen import screen

    with tempfile.TemporaryDirectory(prefix="supplyscreen-eval-text-") as tmp:
        path = Path(tmp) / "suppliers.csv"
        write_input(cases, path)
        result = screen([path], keep=True)
    if len(result.suppliers) != len(cases):
        raise RuntimeError(f"screened {len(result.suppliers)} rows, expected {len(cases)}")
    by_id = {c.case: c for c in cases}
    out: dict[str, Outcome] = {}
    for position, supplier in enumerate(result.suppliers):
        d = supplier.as_dict()
        case_id = str(d.get("fields", {}).get("id") or cases[position].case)
        case = by_id.get(case_id)
        if case is None:
            raise RuntimeError(f"result row {position} has id {case_id!r}, which is not a corpus case")
        track = d.get("track")
        out[case_id] = Outcome(
            case=case,
            score=int(d["score"]),
            tier=str(d["tier"]),
            presumption=bool(d["presumption"]),
            track=None if track is None else str(track),
            rules=tuple(str(h.get("rule", "?")) for h in d.get("hits", [])),
        )
    missing = [c.case for c in cases if c.case not in out]
    if missing:
        raise RuntimeError(f"no result for cases {missing[:10]}")
    return out


# --- figures -----------------------------------------------------------------------------------------


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _share(
    outcomes: Sequence[Outcome], which: Callable[[Outcome], bool], hit: Callable[[Outcome], bool]
) -> dict[str, Any]:
    pool = [o for o in outcomes if which(o)]
    k = sum(1 for o in pool if hit(o))
    return {"n": len(pool), "k": k, "rate": _ratio(k, len(pool))}


def metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The figures for a group of rows (None where the group has no row to measure on)."""
    tracked = [o for o in outcomes if o.case.expect_track and o.track is not None]
    track_ok = sum(1 for o in tracked if o.track == o.case.expect_track)
    tiers = {t: sum(1 for o in outcomes if o.tier == t) for t in ("high", "medium", "low", "clear")}
    return {
        "n": len(outcomes),
        "presumption_recall": _share(outcomes, lambda o: o.case.expect_presumption, lambda o: o.presumption),
        "presumption_false": _share(
            outcomes, lambda o: not o.case.expect_presumption, lambda o: o.presumption
        ),
        "flag_recall": _share(outcomes, lambda o: o.case.expect_flag == "yes", lambda o: o.flagged),
        "flag_false": _share(outcomes, lambda o: o.case.expect_flag == "no", lambda o: o.flagged),
        "benign_flagged": _share(outcomes, lambda o: o.case.kind == "benign", lambda o: o.flagged),
        "negated_presumptions": sum(1 for o in outcomes if o.case.kind == "negated" and o.presumption),
        "track_accuracy": {
            "n": len(tracked),
            "k": track_ok,
            "rate": _ratio(track_ok, len(tracked)),
            "available": any(o.track is not None for o in outcomes),
        },
        "rows_right": _share(outcomes, lambda o: True, lambda o: not o.wrong),
        "tiers": tiers,
    }


def _error(o: Outcome) -> dict[str, Any]:
    c = o.case
    return {
        "case": c.case,
        "line": c.line,
        "kind": c.kind,
        "lang": c.lang,
        "wrong": o.wrong,
        "expected": {
            "presumption": c.expect_presumption,
            "flag": c.expect_flag,
            "track": c.expect_track or None,
        },
        "got": {"tier": o.tier, "score": o.score, "presumption": o.presumption, "track": o.track},
        "rules": list(o.rules),
        "name": c.fields["name"],
        "comment": c.comment,
    }


def _group(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    return {
        "overall": metrics(outcomes),
        "by_kind": {k: metrics([o for o in outcomes if o.case.kind == k]) for k in KINDS},
        "by_lang": {lang: metrics([o for o in outcomes if o.case.lang == lang]) for lang in LANGS},
    }


def evaluate(cases: list[Case] | None = None, split: str = "all", show_test: bool = False) -> dict[str, Any]:
    """All figures as a JSON-able dict. ``split`` is "dev", "test" or "all" (dev, test and both together).
    Wrong rows are listed for dev only, unless ``show_test``."""
    if split not in (*SPLITS, "all"):
        raise ValueError(f"split must be dev, test or all, not {split!r}")
    cases = load_corpus() if cases is None else cases
    chosen = [c for c in cases if split == "all" or c.split == split]
    outcomes = screen_cases(chosen)
    ordered = [outcomes[c.case] for c in chosen]
    names = list(SPLITS) if split == "all" else [split]
    result: dict[str, Any] = {
        "corpus": {
            "rows": len(cases),
            "screened": len(chosen),
            "by_split": {s: sum(1 for c in chosen if c.split == s) for s in SPLITS},
        },
        "settings": {
            "path": "supplyscreen.pipeline.screen.screen([csv], keep=True) with the bundled rules",
            "flagged_tiers": list(FLAGGED_TIERS),
            "track_reported": any(o.track is not None for o in ordered),
        },
        "splits": {s: _group([o for o in ordered if o.case.split == s]) for s in names},
        "errors": {},
    }
    if split == "all":
        result["splits"]["all"] = _group(ordered)
    for s in names:
        if s == "dev" or show_test:
            result["errors"][s] = [_error(o) for o in ordered if o.case.split == s and o.wrong]
        else:
            result["errors"][s] = {"count": sum(1 for o in ordered if o.case.split == s and o.wrong)}
    return result


# --- printing ----------------------------------------------------------------------------------------


def _cell(share: dict[str, Any]) -> str:
    if share["rate"] is None:
        return f"{'-':>13}"
    return f"{share['rate']:6.3f} {share['k']:>3}/{share['n']:<3}"


def _track_cell(share: dict[str, Any]) -> str:
    if not share["available"]:
        return f"{'n/a':>13}"
    return _cell(share)


HEAD = (
    f"{'':<11} {'n':>4}  {'presump recall':>14} {'presump false':>14} {'flag recall':>14} "
    f"{'flag false':>14} {'benign flagged':>14} {'neg pres':>8} {'track acc':>14} {'rows right':>14}"
)


def _line(label: str, m: dict[str, Any]) -> str:
    return (
        f"{label:<11} {m['n']:>4}  {_cell(m['presumption_recall']):>14} {_cell(m['presumption_false']):>14} "
        f"{_cell(m['flag_recall']):>14} {_cell(m['flag_false']):>14} {_cell(m['benign_flagged']):>14} "
        f"{m['negated_presumptions']:>8} {_track_cell(m['track_accuracy']):>14} {_cell(m['rows_right']):>14}"
    )


def _table(title: str, group: dict[str, Any]) -> list[str]:
    lines = [title, HEAD, "-" * len(HEAD), _line("overall", group["overall"])]
    lines += [_line(k, m) for k, m in group["by_kind"].items()]
    lines.append("-" * len(HEAD))
    lines += [_line(lang, m) for lang, m in group["by_lang"].items()]
    return lines


def _expected(e: dict[str, Any]) -> str:
    x = e["expected"]
    track = f" track={x['track']}" if x["track"] else ""
    return f"presumption={'yes' if x['presumption'] else 'no'} flag={x['flag']}{track}"


def _got(e: dict[str, Any]) -> str:
    g = e["got"]
    track = f" track={g['track']}" if g["track"] is not None else ""
    return f"tier={g['tier']} score={g['score']} presumption={'yes' if g['presumption'] else 'no'}{track}"


def render(result: dict[str, Any]) -> str:
    corpus = result["corpus"]
    lines = [
        f"Text-corpus evaluation: {corpus['screened']} of {corpus['rows']} rows screened "
        f"(dev {corpus['by_split']['dev']}, test {corpus['by_split']['test']})",
        f"  product: {result['settings']['path']}; flagged = tier in {', '.join(result['settings']['flagged_tiers'])}",
        "  cells: rate k/n ('-': no row to measure on); neg pres = presumptions on negated rows",
    ]
    if not result["settings"]["track_reported"]:
        lines.append("  track: the product reports no track yet (track accuracy n/a)")
    for name, group in result["splits"].items():
        lines.append("")
        lines += _table(f"[{name}]", group)
    for name, errors in result["errors"].items():
        lines.append("")
        if isinstance(errors, dict):
            lines.append(
                f"[{name}] {errors['count']} wrong rows (not listed: tuning uses dev; --show-test lists them)"
            )
            continue
        lines.append(f"[{name}] wrong rows ({len(errors)}):")
        for e in sorted(errors, key=lambda e: (e["kind"], e["lang"], e["case"])):
            rules = ", ".join(e["rules"]) or "no hits"
            lines.append(
                f"  {e['case']} {e['kind']}/{e['lang']} wrong {'+'.join(e['wrong'])}: "
                f"expected {_expected(e)}; got {_got(e)}; rules: {rules}"
            )
            lines.append(f"        {e['name']} | {e['comment']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--split", choices=(*SPLITS, "all"), default="all", help="rows to screen (default: all)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    parser.add_argument("--corpus", metavar="PATH", default=str(CORPUS), help="corpus (default: %(default)s)")
    parser.add_argument(
        "--show-test", action="store_true", help="also list the test split's wrong rows (final report only)"
    )
    args = parser.parse_args(argv)
    try:
        result = evaluate(load_corpus(args.corpus), split=args.split, show_test=args.show_test)
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
