"""The labelled text corpus (tests/eval/text/corpus.csv): its integrity, and the product's floors on its test split.

The corpus is a held-out yardstick written without sight of the rules. Tune on the ``dev`` split only
(``.venv/bin/python tests/eval/evaluate_text.py --split dev`` lists every wrong dev row); the floors below are
checked on ``test``. Do not relabel rows to make the product pass.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import load_script

EVAL_DIR = Path(__file__).resolve().parent / "eval"

# Floors on the test split, checked by test_floors_on_the_test_split. The targets on data nobody tuned on
# (presumption recall >= 0.95, flag recall >= 0.95, benign flagged <= 0.03, no presumption on a negated row) are
# the floors; the other two are the measured figures less a margin of about one row. Measured 2026-12-07 (third
# round, the engine tuned on the dev splits: corpus dev, dev_extra*.csv): presumption recall 0.955 (85/89), flag
# recall 0.962 (125/130), false presumptions 0.006 (1/157), benign flagged 0.018 (1/55), presumptions on negated
# rows 0, track accuracy 0.942 (212/225).
# "_min" keys are lower bounds on a rate, "_max" keys upper bounds (a rate, or a count of rows).
FLOORS: dict[str, float] = {
    "presumption_recall_min": 0.95,  # rows labelled expect_presumption=yes that get the presumption
    "flag_recall_min": 0.95,  # rows labelled expect_flag=yes at tier medium or high
    "presumption_false_rate_max": 0.013,  # rows labelled expect_presumption=no that get the presumption
    "benign_flagged_rate_max": 0.03,  # benign rows at tier medium or high
    "negated_presumptions_max": 0,  # negated rows that get the presumption (a count)
    "track_accuracy_min": 0.93,  # share of rows with an expected track that get it
}

MIN_ROWS = 400
KINDS = ("nexus", "origin", "ilo_grave", "ilo_minor", "benign", "negated")
LANGS = ("en", "zh", "ru", "ko")
# What each kind's labels must be: expect_presumption, allowed expect_flag values, allowed expect_track values.
KIND_LABELS: dict[str, tuple[str, set[str], set[str]]] = {
    "nexus": ("yes", {"yes"}, {"presumption"}),
    "origin": ("yes", {"yes"}, {"dprk_origin"}),
    "ilo_grave": ("no", {"yes"}, {"due_diligence"}),
    "ilo_minor": ("no", {"any"}, {""}),
    "benign": ("no", {"no"}, {"none"}),
    "negated": ("no", {"no", "any"}, {"none", ""}),
}


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    return load_script("supplyscreen_eval_text", EVAL_DIR / "evaluate_text.py")


@pytest.fixture(scope="module")
def splitter() -> ModuleType:
    return load_script("supplyscreen_eval_text_split", EVAL_DIR / "text" / "split.py")


@pytest.fixture(scope="module")
def cases(ev: ModuleType) -> list[Any]:
    loaded: list[Any] = ev.load_corpus()  # raises ValueError on an invalid label
    return loaded


# --- the corpus --------------------------------------------------------------------------------------


def test_enough_rows(cases: list[Any]) -> None:
    assert len(cases) >= MIN_ROWS


def test_every_kind_in_every_language(cases: list[Any]) -> None:
    counts = Counter((c.kind, c.lang) for c in cases)
    missing = [(k, lang) for k in KINDS for lang in LANGS if counts[(k, lang)] == 0]
    assert not missing, f"kinds without rows in a language: {missing}"


def test_every_kind_and_language_in_both_splits(cases: list[Any]) -> None:
    counts = Counter((c.kind, c.lang, c.split) for c in cases)
    missing = [
        (k, lang, s) for k in KINDS for lang in LANGS for s in ("dev", "test") if not counts[(k, lang, s)]
    ]
    assert not missing, f"strata without rows in a split: {missing}"


def test_no_duplicate_cases(cases: list[Any]) -> None:
    seen: dict[str, int] = {}
    for c in cases:
        assert c.case not in seen, f"line {c.line}: case {c.case} repeats line {seen[c.case]}"
        seen[c.case] = c.line


def test_no_duplicate_suppliers(cases: list[Any]) -> None:
    seen: dict[tuple[str, ...], str] = {}
    names: dict[str, str] = {}
    for c in cases:
        key = tuple(c.fields[f] for f in ("name", "country", "address", "description", "hs_code", "notes"))
        assert key not in seen, f"{c.case} repeats {seen[key]}"
        seen[key] = c.case
        name = c.fields["name"].casefold()
        assert name not in names, f"{c.case} has the same name as {names[name]}"
        names[name] = c.case


def test_labels_fit_the_kind(cases: list[Any]) -> None:
    for c in cases:
        presumption, flags, tracks = KIND_LABELS[c.kind]
        assert c.expect_presumption == (presumption == "yes"), f"{c.case}: presumption label for {c.kind}"
        assert c.expect_flag in flags, f"{c.case}: expect_flag {c.expect_flag!r} for {c.kind}"
        assert c.expect_track in tracks, f"{c.case}: expect_track {c.expect_track!r} for {c.kind}"
        assert c.comment.strip(), f"{c.case}: no comment"


def test_risky_negations_are_a_minority(cases: list[Any]) -> None:
    negated = [c for c in cases if c.kind == "negated"]
    risky = [c for c in negated if c.expect_flag == "any"]
    assert len(risky) <= 0.2 * len(negated)


def test_split_column_is_what_split_py_assigns(splitter: ModuleType) -> None:
    path: Path = splitter.CORPUS
    rows = splitter.read_rows(path)
    assigned = splitter.assign_splits(rows)
    wrong = [r["case"] for r in rows if r["split"] != assigned[r["case"]]]
    assert not wrong, f"split column differs from split.py for {wrong[:10]}; run tests/eval/text/split.py"
    # and running split.py again would leave the file byte for byte as it is
    assert splitter.render(splitter.with_splits(rows)) == path.read_text(encoding="utf-8")


def test_split_is_half_and_half(cases: list[Any]) -> None:
    by_split = Counter(c.split for c in cases)
    assert abs(by_split["dev"] - by_split["test"]) <= 1
    for kind in KINDS:
        for lang in LANGS:
            stratum = Counter(c.split for c in cases if c.kind == kind and c.lang == lang)
            assert abs(stratum["dev"] - stratum["test"]) <= 1, (kind, lang, stratum)


# --- the product on the test split -------------------------------------------------------------------


@pytest.fixture(scope="module")
def figures_on_test(ev: ModuleType, cases: list[Any]) -> dict[str, Any]:
    result: dict[str, Any] = ev.evaluate(cases, split="test")
    overall: dict[str, Any] = result["splits"]["test"]["overall"]
    return overall


def test_floors_on_the_test_split(figures_on_test: dict[str, Any]) -> None:
    m = figures_on_test
    checks = [
        ("presumption_recall_min", m["presumption_recall"]["rate"], ">="),
        ("flag_recall_min", m["flag_recall"]["rate"], ">="),
        ("presumption_false_rate_max", m["presumption_false"]["rate"], "<="),
        ("benign_flagged_rate_max", m["benign_flagged"]["rate"], "<="),
        ("negated_presumptions_max", m["negated_presumptions"], "<="),
    ]
    if m["track_accuracy"]["available"] and m["track_accuracy"]["rate"] is not None:
        checks.append(("track_accuracy_min", m["track_accuracy"]["rate"], ">="))
    failed = [
        f"{key}: {value} (floor {FLOORS[key]})"
        for key, value, op in checks
        if value is None or (value < FLOORS[key] if op == ">=" else value > FLOORS[key])
    ]
    assert not failed, "figures on the test split miss their floors:\n" + "\n".join(failed)


def test_script_runs_and_writes_json(
    ev: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figures.json"
    assert ev.main(["--split", "dev", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "[dev]" in printed and "wrong rows" in printed
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["splits"]) == {"dev"}
    assert figures["corpus"]["screened"] == figures["corpus"]["by_split"]["dev"]
    assert isinstance(figures["errors"]["dev"], list)


def test_test_rows_are_not_listed_by_default(ev: ModuleType, cases: list[Any]) -> None:
    """Only counts for the test split unless --show-test: tuning must not see which test rows fail."""
    few = [c for c in cases if c.split == "test"][:12]
    result = ev.evaluate(few, split="test")
    assert set(result["errors"]["test"]) == {"count"}
    assert "wrong rows (not listed" in ev.render(result)
    shown = ev.evaluate(few, split="test", show_test=True)
    assert isinstance(shown["errors"]["test"], list)


@pytest.mark.parametrize("name", sorted(p.name for p in (EVAL_DIR / "text").glob("dev_extra*.csv")))
def test_extra_dev_sets_are_dev_only_and_well_labelled(ev: ModuleType, name: str) -> None:
    """The extra development sets (each written by a helper who saw neither the rules nor the other sets)
    are tuned on, so every row must be ``dev``: the test split stays in corpus.csv alone."""
    extra = ev.load_corpus(EVAL_DIR / "text" / name)
    assert len(extra) >= 300
    assert {c.split for c in extra} == {"dev"}
    assert len({c.case for c in extra}) == len(extra)
    for c in extra:
        presumption, flags, tracks = KIND_LABELS[c.kind]
        assert (c.expect_presumption, c.expect_flag in flags, c.expect_track in tracks) == (
            presumption == "yes",
            True,
            True,
        ), c.case
