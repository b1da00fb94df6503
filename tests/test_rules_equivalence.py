"""The optimised rule matching and scoring give exactly the results of the original code (reference_rules):
the same hits (field, text, matched term, similarity, points, citations, order), the same ``explain``
trace and the same verdicts, on random rows built from the rules' own vocabulary, on the bundled samples
and on the synthetic benchmark rows; with fresh caches and with caches long in use."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from supplyscreen.ingest.read import read_input
from supplyscreen.match import memo
from supplyscreen.match.lists import as_read
from supplyscreen.match.rows import Hit, Matcher, hit_for
from supplyscreen.normalize.text import Unit, fold, unit_spans, units
from supplyscreen.rules import Citation, RuleSet, load_rules
from supplyscreen.score import Verdict, score_hits, score_rows

from . import reference_rules as reference
from .conftest import ROOT, SAMPLES

RULES = load_rules()


def _words(rules: RuleSet) -> list[str]:
    """Words and phrases that make matchers work: terms, excluded phrases, near misses, split words."""
    out: set[str] = set()
    for ind in rules.indicators:
        for term in [*ind.terms, *ind.exclude]:
            out.add(term)
            out.add(term.upper())
            for word in term.split():
                out.add(word)
                if len(word) > 3:
                    out.add(word[: len(word) // 2] + " " + word[len(word) // 2 :])  # "Dan Dong"
                    out.add(word[:-1])  # a letter short: a near spelling
                    out.add(word[:2] + word[3:])
                    out.add(word + "s")
                    out.add("x" + word[1:])  # another first letter
    return sorted(out)


_VOCAB = _words(RULES)
_OTHER = [
    "no", "not", "without", "zero", "non", "bez", "无", "没有", "не", "без", "Ltd", "Co., Ltd.", "S.A.", "GmbH",
    "ООО", "«Амур-Haluk»", "Company Limited", "Trading", "Foods", "Fishery", "Seafood", "Electronics",
    "Textiles", "Longrui", "Fuming", "Novzeldru", "Korea", "North", "workers", "№5", "Ⅻ", "ﬁsh", "İstanbul",
    "珲春", "丹东市", "平壤", "Seoul", "Pyongyang", "Hunchun", "imo 9912347", "0304.87", "dan", "dong",
]  # fmt: skip
_SEPARATORS = [" ", " ", " ", ", ", ". ", "; ", "-", "/", " (", ") ", "\n", "，", "、", "", "_", " & "]
_PART = st.one_of(st.sampled_from(_VOCAB), st.sampled_from(_OTHER), st.text(max_size=6))
_CELL = st.lists(st.tuples(_PART, st.sampled_from(_SEPARATORS)), max_size=7).map(
    lambda parts: "".join(p + s for p, s in parts)
)
_COUNTRY = st.sampled_from(
    ["", "China", "South Korea", "Korea", "DPRK", "North Korea", "Russia", "Qatar", "USA", "朝鲜", "Germany"]
)
_HS = st.one_of(
    st.sampled_from(["", "0304.87", "1604.14", "6109.10", "03", "4407", "304.87", "hs 8483.40"]), _CELL
)
_ROW = st.fixed_dictionaries(
    {"id": st.just("1"), "name": _CELL, "country": _COUNTRY, "address": _CELL},
    optional={"description": _CELL, "hs_code": _HS, "vessel": _CELL, "notes": _CELL},
)

_SHARED = Matcher(RULES)  # caches grow over the examples, as over a large sheet
_REFERENCE = reference.Matcher(RULES)


def _same(row: Mapping[str, str], matcher: Matcher) -> None:
    """The reference reads the row as the matcher does: as a reader sees it (``readable``, issue 13)."""
    expected = _REFERENCE.match_row(as_read(row))
    hits = matcher.match_row(row)
    assert hits == expected
    assert [(h.nexus, h.tags, h.group) for h in hits] == [(h.nexus, h.tags, h.group) for h in expected]
    assert score_hits(hits, RULES) == reference.score_hits(expected, RULES)
    trace: list[str] = []
    expected_trace: list[str] = []
    assert matcher.match_row(row, trace) == _REFERENCE.match_row(as_read(row), expected_trace)
    assert trace == expected_trace


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=_ROW)
@example(
    row={"id": "1", "name": "", "country": "", "address": "Donggang City\x800 "}
)  # a separator with no ASCII form
@example(
    row={"id": "1", "name": "¢ALBACORE ", "country": "", "address": ""}
)  # a sign with one: still a separator
def test_random_rows_match_and_score_as_before(row: dict[str, str]) -> None:
    _same(row, _SHARED)
    _same(row, Matcher(RULES))


@settings(max_examples=300, deadline=None)
@given(text=_CELL, field=st.sampled_from(["name", "address", "description", "notes", "vessel"]))
def test_one_cell_matches_as_before(text: str, field: str) -> None:
    assert _SHARED.terms.find(field, text) == _REFERENCE.terms.find(field, text)


def _cells(rules: RuleSet) -> list[str]:
    """Each term and excluded phrase after negators, inside other words' company, split, misspelt, twice."""
    out: list[str] = []
    for ind in rules.indicators:
        for term in [*ind.terms, *ind.exclude]:
            out += [f"{term} Co., Ltd.", f"Golden {term} S.A.", f"{term} {term}", f"{term}-{term.upper()}"]
            out += [f"no {term}", f"Not a {term}", f"without any of the {term}", f"no, {term}", f"无{term}"]
            out += [f"{term}; none", f"non {term}s", f"zero. {term}", f"Bez {term}"]
            half = len(term) // 2
            out += [
                f"{term[:half]} {term[half:]} Ltd",
                f"no {term[:half]} {term[half:]}",
                f"{term[:half]}. {term[half:]}",
            ]
        for a, b in zip(ind.terms, [*ind.terms[1:], *ind.exclude], strict=False):
            out += [f"{a} {b}", f"{b}, {a}", f"{a} of {b}"]
    return out


@pytest.mark.parametrize("field", ["name", "address", "description", "notes", "vessel"])
def test_terms_in_context_match_as_before(field: str) -> None:
    matcher = Matcher(RULES)
    for cell in _cells(RULES):
        assert matcher.terms.find(field, cell) == _REFERENCE.terms.find(field, cell), cell


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(), _CELL), folded=st.booleans())
def test_units_as_before(text: str, folded: bool) -> None:
    text = fold(text) if folded else text
    assert units(text) == reference.units(text)
    assert [Unit(*span) for span in unit_spans(text)] == reference.units(text)


def _listed(n: int, points: int) -> Hit:
    return Hit(
        rule=f"watchlist:test#{n}",
        indicator=f"Watchlist match {n}",
        category="watchlist",
        field="name",
        text=f"name {n}",
        matched=f"alias {n}",
        similarity=0.9 + n / 100,
        points=points,
        citations=(Citation(source="test", quote="listed"),),
        nexus=points >= 90,
        tags=("watchlist",),
    )


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_ROW, st.lists(st.sampled_from([(1, 40), (2, 60), (3, 90)]))), max_size=6))
def test_rows_with_watchlist_hits_score_as_before(rows: list[tuple[dict[str, str], list[Any]]]) -> None:
    raws = [[*_SHARED.match_row(row), *(_listed(n, p) for n, p in listed)] for row, listed in rows]
    expected = [reference.score_hits(raw, RULES) for raw in raws]
    assert score_rows(raws, RULES) == expected
    assert [score_hits(raw, RULES) for raw in raws] == expected


_RAW_HIT = st.builds(
    lambda ind, field, sim, text: hit_for(ind, field, text, ind.terms[0] if ind.terms else "x", sim),
    st.sampled_from(RULES.indicators),
    st.sampled_from(["name", "country", "address", "description", "hs_code", "notes"]),
    st.sampled_from([0.9, 0.93, 0.95, 1.0]),
    st.sampled_from(["a", "b"]),
)


@settings(max_examples=500, deadline=None)
@given(rows=st.lists(st.lists(_RAW_HIT, max_size=8), max_size=8))
def test_raw_hits_score_as_before(rows: list[list[Hit]]) -> None:
    """Rows that differ in one hit's similarity, field or text, scored one after another."""
    for raw in rows:
        assert score_hits(raw, RULES) == reference.score_hits(raw, RULES)


def _verdict_key(v: Verdict) -> tuple[Any, ...]:
    return (v.score, v.tier, v.presumption, [(h.as_dict(), h.nexus, h.tags, h.group) for h in v.hits])


@pytest.mark.parametrize("name", ["vendors.xlsx", "seafood_shipments.xlsx"])
def test_samples_match_and_score_as_before(name: str) -> None:
    matcher = Matcher(RULES)
    for sheet in read_input(SAMPLES / name).sheets:
        for i in range(len(sheet.rows)):
            _same(sheet.fields(i), matcher)


def test_benchmark_rows_match_and_score_as_before(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), "4000", "10", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    [csv_file] = tmp_path.glob("suppliers-*.csv")
    sheet = read_input(csv_file).sheets[0]
    rows = [sheet.fields(i) for i in range(len(sheet.rows))]
    matcher = Matcher(RULES)
    for _ in range(2):  # the second time from the caches
        hits = [matcher.match_row(row) for row in rows]
        expected = [_REFERENCE.match_row(as_read(row)) for row in rows]
        assert hits == expected
        assert [_verdict_key(v) for v in score_rows(hits, RULES)] == [
            _verdict_key(reference.score_hits(h, RULES)) for h in expected
        ]


def test_verdicts_hold_each_rows_own_hits() -> None:
    """Rows with equal hits get equal verdicts, but each made of that row's own hit objects."""
    matcher = Matcher(RULES)
    row = {"name": "Dandong Seafood Co", "country": "China", "hs_code": "0304.87", "notes": "no audit"}
    first = matcher.match_row(row)
    again = matcher.match_row(row)
    copies = [replace(h) for h in first]  # equal, not the same objects
    for raw in (first, again, copies, first):
        verdict = score_hits(raw, RULES)
        assert verdict == reference.score_hits(raw, RULES)
        for hit in verdict.hits:
            if hit.category != "combination" and hit.points:
                assert any(hit is h for h in raw)


def test_a_rule_set_pickled_or_copied_scores_alike() -> None:
    rules = load_rules()
    row = {"name": "Dandong Seafood Co", "country": "China", "hs_code": "0304.87"}
    raw = Matcher(rules).match_row(row)
    for other in (pickle.loads(pickle.dumps(rules)), copy.deepcopy(rules)):
        assert score_hits(raw, other) == score_hits(raw, rules) == reference.score_hits(raw, other)


def test_a_pickled_matcher_leaves_what_it_learnt_behind() -> None:
    """A matcher sent to a worker sends no more than a fresh one, and matches alike."""
    fresh = len(pickle.dumps(Matcher(RULES)))
    matcher = Matcher(RULES)
    rows = [{"name": f"Golden {n} Seafood Co", "country": "China", "notes": "no audit"} for n in range(50)]
    expected = [matcher.match_row(row) for row in rows]
    sent = pickle.dumps(matcher)
    assert len(sent) == fresh
    assert [pickle.loads(sent).match_row(row) for row in rows] == expected


def test_memos_emptied_when_full_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """With tiny memos (emptied every few cells, words and hits) the results are still the original's."""
    monkeypatch.setattr(memo, "MEMO_LIMIT", 3)
    monkeypatch.setattr(memo, "WORD_LIMIT", 3)
    matcher = Matcher(RULES)
    for name in ["vendors.xlsx", "seafood_shipments.xlsx"]:
        for sheet in read_input(SAMPLES / name).sheets:
            for i in range(len(sheet.rows)):
                _same(sheet.fields(i), matcher)
