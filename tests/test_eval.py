"""The watchlist-matching evaluation (tests/eval/pairs.csv, through ListMatcher.match_rows) and the real-names
false-alert benchmark (tests/eval/realnames.py), with the project's floors.

The floors hold on the ``test`` split only and sit one pair (or one row) below what the production path
achieved when they were set: a change that loses ground on data nobody tuned on fails here. Raise them when
the matcher improves; never lower them or relabel pairs to pass. Tune on ``dev``
(``.venv/bin/python tests/eval/evaluate.py`` lists every wrong dev pair).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import SHARED, load_script

EVAL_DIR = Path(__file__).resolve().parent / "eval"

MIN_PAIRS = 1500
MIN_POSITIVES = 600
MIN_NEGATIVES = 500
MIN_BY_KIND = {"org": 900, "vessel": 200, "person": 150, "aircraft": 50}

# Floors on test: the figures measured on 2026-12-07 after issue 11's recall round, less one pair.
TEST_FLOORS: dict[str, dict[str, float]] = {
    # precision one false positive more, recall one true positive less: tp / (tp + fp + 1), (tp - 1) / pos
    "overall": {"precision": 0.987, "recall": 0.966},  # tp 542, fp 6, fn 18
    "org": {"precision": 0.986, "recall": 0.968},  # tp 376, fp 4, fn 11
    "vessel": {"precision": 0.978, "recall": 0.968},  # tp 93, fp 1, fn 2
    "person": {"precision": 0.966, "recall": 0.904},  # tp 58, fp 1, fn 5
    "aircraft": {"precision": 0.937, "recall": 0.933},  # tp 15, fp 0, fn 0
}
# Real names (13,778, all of them): ceilings one row above, and a floor one hit below, the figures of the
# same day (3 rows with a false alert, none at DPRK level, 13 of 13 listed companies found). False-or-unjudged
# counts an alert nobody has judged yet as false.
REALNAMES_MAX_ROWS_FALSE_OR_UNJUDGED = 4
REALNAMES_MAX_DPRK_ROWS_NOT_TRUE = 0  # the target: none at DPRK level
REALNAMES_MIN_TRUE_HITS_FOUND = 13  # the target: no true listed company of the corpus missed


@pytest.fixture(scope="module")
def ev() -> ModuleType:
    return load_script("supplyscreen_eval", EVAL_DIR / "evaluate.py")


@pytest.fixture(scope="module")
def mp() -> ModuleType:
    return load_script("supplyscreen_make_pairs", EVAL_DIR / "make_pairs.py")


@pytest.fixture(scope="module")
def rn() -> ModuleType:
    return load_script("supplyscreen_realnames", EVAL_DIR / "realnames.py")


@pytest.fixture(scope="module")
def pairs(ev: ModuleType) -> list[Any]:
    loaded: list[Any] = ev.load_pairs()
    return loaded


@pytest.fixture(scope="module")
def result(ev: ModuleType, pairs: list[Any]) -> dict[str, Any]:
    figures: dict[str, Any] = ev.evaluate(pairs)
    return figures


def _misses(result: dict[str, Any], kind: str) -> str:
    """The wrong dev pairs (test pairs are never listed)."""
    errors = [e for e in result["errors"]["supplyscreen"]["dev"] if e["error"] == kind]
    return "\n".join(
        f"  {e['id']} {e['kind']}/{e['category']}: {e['query']!r} ~ {e['candidate']!r} ({e['why']})"
        for e in errors[:40]
    )


# --- the data set ------------------------------------------------------------------------------------


def test_enough_pairs(pairs: list[Any]) -> None:
    positives = sum(p.label for p in pairs)
    assert len(pairs) >= MIN_PAIRS
    assert positives >= MIN_POSITIVES
    assert len(pairs) - positives >= MIN_NEGATIVES
    for kind, least in MIN_BY_KIND.items():
        assert sum(p.kind == kind for p in pairs) >= least, kind
    for split in ("dev", "test"):
        assert sum(p.split == split for p in pairs) >= 0.45 * len(pairs), split


def test_no_duplicate_pairs(pairs: list[Any]) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for p in pairs:
        key = (p.kind, p.query, p.query_field, p.query_country, p.candidate.casefold())
        assert key not in seen, f"line {p.line} repeats line {seen[key]}"
        seen[key] = p.line


def test_ids_are_stable_and_unique(mp: ModuleType) -> None:
    rows = mp.read_pairs()
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["id"] == mp.pair_id(row), f"{row['id']}: the id does not follow from the pair"


def test_split_is_determined_by_the_file(mp: ModuleType) -> None:
    """The stored split is what assign_splits gives (fixed seed), pairs of one list entity share a split,
    and every (kind, category) with two pairs or more has pairs in both halves."""
    rows = mp.read_pairs()
    assert mp.assign_splits(rows) == {r["id"]: r["split"] for r in rows}
    by_entity: dict[str, set[str]] = {}
    for r in rows:
        by_entity.setdefault(mp.entity(r), set()).add(r["split"])
    assert all(len(s) == 1 for s in by_entity.values())
    strata: dict[tuple[str, str], set[str]] = {}
    sizes: dict[tuple[str, str], int] = {}
    for r in rows:
        strata.setdefault((r["kind"], r["category"]), set()).add(r["split"])
        sizes[(r["kind"], r["category"])] = sizes.get((r["kind"], r["category"]), 0) + 1
    lopsided = [k for k, s in strata.items() if sizes[k] >= 6 and len(s) < 2]
    assert not lopsided, lopsided


def test_pairs_file_is_what_the_script_writes(mp: ModuleType) -> None:
    """make_pairs.py regenerates pairs.csv byte for byte from the hand file and the list data."""
    assert mp.render(mp.build()) == (EVAL_DIR / "pairs.csv").read_text(encoding="utf-8")


def _imo_valid(number: str) -> bool:
    return sum(int(d) * w for d, w in zip(number[:6], range(7, 1, -1), strict=True)) % 10 == int(number[6])


def test_imo_numbers_in_the_pairs(pairs: list[Any]) -> None:
    """Every IMO number carries a valid check digit, except in the pairs about an invalid one: there the
    query's number fails the check (vessel_imo_invalid), or both sides write the same failing number
    (vessel_imo_check_digit, positives)."""
    imo = re.compile(r"IMO\s*(?:No\.?)?\s*:?\s*(\d{7})", re.IGNORECASE)
    for p in pairs:
        query, listed = imo.findall(p.query), imo.findall(p.candidate_ids)
        if p.category == "vessel_imo_invalid":
            assert query and not all(_imo_valid(n) for n in query), f"line {p.line}"
            assert all(_imo_valid(n) for n in listed), f"line {p.line}"
        elif p.category == "vessel_imo_check_digit":
            assert listed and not any(_imo_valid(n) for n in listed), f"line {p.line}"
            if p.label:
                assert set(query) <= set(listed), f"line {p.line}"
        else:
            for n in query + listed:
                assert _imo_valid(n), f"line {p.line}: IMO {n} has a wrong check digit"


def test_watchlist_of_the_candidates_is_read_back_whole(
    ev: ModuleType, pairs: list[Any], tmp_path: Path
) -> None:
    from supplyscreen.ingest.watchlist import load_watchlist

    path = tmp_path / "list.csv"
    path.write_text(ev.watchlist_csv(pairs), encoding="utf-8")
    wl = load_watchlist(path)
    assert [e.name for e in wl.entries] == [p.candidate.strip() for p in pairs]
    assert [e.entry_id for e in wl.entries[:2]] == ["row 2", "row 3"]


# --- the matcher against the floors (test split) ----------------------------------------------------


@pytest.mark.parametrize("kind", sorted(TEST_FLOORS))
def test_supplyscreen_floors_on_test(result: dict[str, Any], kind: str) -> None:
    block = result["splits"]["test"]
    figures = block["overall"] if kind == "overall" else block["by_kind"][kind]
    ours = figures["supplyscreen"]
    floors = TEST_FLOORS[kind]
    assert (ours["precision"] or 0.0) >= floors["precision"], (
        f"{kind}: test precision {ours['precision']:.3f} < {floors['precision']}; wrong dev pairs:\n"
        f"{_misses(result, 'false positive')}"
    )
    assert (ours["recall"] or 0.0) >= floors["recall"], (
        f"{kind}: test recall {ours['recall']:.3f} < {floors['recall']}; wrong dev pairs:\n"
        f"{_misses(result, 'false negative')}"
    )


def test_supplyscreen_beats_the_baselines_on_test(result: dict[str, Any]) -> None:
    overall = result["splits"]["test"]["overall"]
    assert overall["supplyscreen"]["f1"] > overall["baseline"]["f1"]
    assert overall["supplyscreen"]["f1"] > overall["baseline_lower"]["f1"]


def test_script_runs_and_writes_json(
    ev: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "figures.json"
    assert ev.main(["--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "== dev ==" in printed and "== test ==" in printed and "baseline" in printed
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["splits"]) == {"dev", "test", "all"}
    assert set(figures["splits"]["test"]["overall"]) == {"supplyscreen", "baseline", "baseline_lower"}
    assert figures["errors"]["supplyscreen"]["test"] == []  # counted, not listed, without --show-test
    assert figures["pairs"] >= MIN_PAIRS


# --- real names ---------------------------------------------------------------------------------------


def test_judgement_file(rn: ModuleType) -> None:
    """Columns, values, one judgement per (name, country, entry); names and countries from the corpus, entry
    ids on the OFAC snapshot; every true hit gives its reason."""
    judgements = rn.load_judgements()
    corpus = {(r["name"], r["country"]) for r in rn.load_corpus()}
    ids = set()
    with (SHARED / "data" / "ofac-sdn" / "sdn.csv").open(encoding="utf-8", newline="") as fh:
        ids = {f"SDN {row[0].strip()}" for row in csv.reader(fh) if row and row[0].strip().isdigit()}
    for name, country, entry in judgements:
        assert (name, country) in corpus, (name, country)
        assert entry in ids, entry
    assert sum(is_true for is_true, _ in judgements.values()) >= REALNAMES_MIN_TRUE_HITS_FOUND


@pytest.fixture(scope="module")
def realnames(rn: ModuleType) -> dict[str, Any]:
    figures: dict[str, Any] = rn.run()
    return figures


def test_realnames_false_alerts(realnames: dict[str, Any]) -> None:
    s = realnames["supplyscreen"]
    assert s["names"] == 13778
    unjudged = [f"{a['name']!r} ~ {a['entry']}" for a in s["alert_list"] if a["judgement"] == "unjudged"]
    assert s["rows_with_false_or_unjudged_alert"] <= REALNAMES_MAX_ROWS_FALSE_OR_UNJUDGED, (
        f"{s['rows_with_false_or_unjudged_alert']} rows with a false or unjudged alert; unjudged: {unjudged[:20]}"
    )
    assert s["rows_dprk_level_not_true"] <= REALNAMES_MAX_DPRK_ROWS_NOT_TRUE
    assert len(s["true_hits_found"]) >= REALNAMES_MIN_TRUE_HITS_FOUND
