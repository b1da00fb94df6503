"""What changed between two runs (review.diff.compare_runs), on results.json objects: table-driven cases,
invariants over generated runs, duplicates, decisions read from the review hook, the text and JSON forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplyscreen.errors import InputError
from supplyscreen.review.applied import Decision, SupplierReview
from supplyscreen.review.diff import RunSide, compare_runs
from supplyscreen.review.keys import hit_key


def hit(
    rule: str, text: str, points: int = 10, field: str = "notes", similarity: float = 1.0
) -> dict[str, Any]:
    return {
        "rule": rule,
        "indicator": rule.replace(".", " "),
        "category": rule.split(".")[0],
        "field": field,
        "text": text,
        "matched": text.lower(),
        "similarity": similarity,
        "points": points,
        "citations": [],
        "list": None,
    }


def sup(
    name: str = "",
    *hits: dict[str, Any],
    id: str = "",
    country: str = "China",
    tier: str = "clear",
    presumption: bool = False,
    track: str = "none",
    row: int = 2,
    **fields: str,
) -> dict[str, Any]:
    return {
        "source": {"file": "vendors.xlsx", "sheet": "Vendors", "row": row},
        "fields": {k: v for k, v in {"id": id, "name": name, "country": country, **fields}.items() if v},
        "score": sum(h["points"] for h in hits),
        "tier": tier,
        "presumption": presumption,
        "track": track,
        "hits": list(hits),
    }


def doc(*suppliers: dict[str, Any], rules: str = "r1") -> dict[str, Any]:
    return {
        "run": {
            "tool_version": "0.1.0",
            "started_at": "2026-12-01T10:00:00Z",
            "inputs": [{"path": "/data/vendors.xlsx", "sha256": "ab" * 32, "rows": len(suppliers)}],
            "rules": {"sha256": rules},
            "lists": [],
        },
        "summary": {"rows": len(suppliers)},
        "suppliers": list(suppliers),
    }


WORKERS = hit("nexus.dprk_workers", "North Korean workers", 90)
DANDONG = hit("place.dandong", "Dandong", 25, field="address")
SEAFOOD = hit("sector.seafood", "Aquatic Products", 12, field="name")
HIGH = {"tier": "high", "presumption": True, "track": "presumption"}

# (case, run A's suppliers, run B's suppliers, summary counts expected, (change, name) of each row in order)
CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], dict[str, int], list[tuple[str, str]]]] = [
    ("identical", [sup("Acme", id="1")], [sup("Acme", id="1")], {"kept": 1, "changed": 0}, []),
    (
        "added",
        [sup("Acme", id="1")],
        [sup("Acme", id="1"), sup("Ocean Star", DANDONG, id="2", tier="medium")],
        {"added": 1, "kept": 1, "hits_new": 1, "added_presumption": 0},
        [("added", "Ocean Star")],
    ),
    (
        "removed with the presumption",
        [sup("Acme", id="1"), sup("Korea Rungrado", WORKERS, id="9", **HIGH)],
        [sup("Acme", id="1")],
        {"removed": 1, "removed_presumption": 1, "hits_vanished": 1, "presumption_a": 1, "presumption_b": 0},
        [("removed", "Korea Rungrado")],
    ),
    (
        "presumption gained through a new hit",
        [sup("Fortuna Foods", id="3")],
        [sup("Fortuna Foods", WORKERS, id="3", notes="North Korean workers", **HIGH)],
        {"presumption_gained": 1, "tier_up": 1, "track_changed": 1, "hits_new": 1, "fields_changed": 1},
        [("kept", "Fortuna Foods")],
    ),
    (
        "presumption lost, tier down",
        [sup("Fortuna Foods", WORKERS, DANDONG, id="3", **HIGH)],
        [sup("Fortuna Foods", DANDONG, id="3", tier="medium", track="due_diligence")],
        {"presumption_lost": 1, "tier_down": 1, "hits_vanished": 1, "fields_changed": 0},
        [("kept", "Fortuna Foods")],
    ),
    (
        "a stronger hit, same tier",
        [sup("Dandong Xinyuan", hit("place.dandong", "Dandong", 10), id="4", tier="high")],
        [sup("Dandong Xinyuan", hit("place.dandong", "DANDONG", 25), id="4", tier="high")],
        {"hits_stronger": 1, "hits_new": 0, "tier_up": 0, "changed": 1},
        [("kept", "Dandong Xinyuan")],
    ),
    (
        "a weaker hit",
        [sup("Dandong Xinyuan", hit("place.dandong", "Dandong", 25, similarity=1.0), id="4")],
        [sup("Dandong Xinyuan", hit("place.dandong", "Dandong", 25, similarity=0.9), id="4")],
        {"hits_weaker": 1, "hits_stronger": 0},
        [("kept", "Dandong Xinyuan")],
    ),
    (
        "same id, renamed: one supplier",
        [sup("Hunchun Haifeng Aquatic Products", id="0000100102")],
        [sup("Haifeng Seafood (Hunchun)", id="100102")],
        {"kept": 1, "added": 0, "removed": 0, "fields_changed": 1},
        [("kept", "Haifeng Seafood (Hunchun)")],
    ),
    (
        "no id: name and country, spelt differently",
        [sup("Hunchun Haifeng Aquatic Products Co.,Ltd", country="China")],
        [sup("HUNCHUN HAIFENG AQUATIC PRODUCTS CO LTD", country="CN")],
        {"kept": 1, "added": 0, "removed": 0, "fields_changed": 1},
        [("kept", "HUNCHUN HAIFENG AQUATIC PRODUCTS CO LTD")],
    ),
    (
        "no id: same name in another country is another supplier",
        [sup("Ocean Star Fisheries", country="China")],
        [sup("Ocean Star Fisheries", country="Korea, Republic of")],
        {"kept": 0, "added": 1, "removed": 1},
        [("added", "Ocean Star Fisheries"), ("removed", "Ocean Star Fisheries")],
    ),
    (
        "an id given where there was none: another supplier",
        [sup("Acme", country="China")],
        [sup("Acme", id="7", country="China")],
        {"kept": 0, "added": 1, "removed": 1},
        [("added", "Acme"), ("removed", "Acme")],
    ),
    (
        "the riskier change first",
        [sup("Quiet", id="1"), sup("Calmer", DANDONG, id="2", tier="medium")],
        [sup("Quiet", id="1", address="Hunchun"), sup("Calmer", WORKERS, DANDONG, id="2", **HIGH)],
        {"changed": 2, "presumption_gained": 1},
        [("kept", "Calmer"), ("kept", "Quiet")],
    ),
]


@pytest.mark.parametrize(("a", "b", "counts", "rows"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_compare(
    a: list[dict[str, Any]], b: list[dict[str, Any]], counts: dict[str, int], rows: list[tuple[str, str]]
) -> None:
    diff = compare_runs(doc(*a), doc(*b))
    assert {k: diff.summary[k] for k in counts} == counts
    assert [(r.change, r.name) for r in diff.rows] == rows
    for row in diff.rows:
        assert row.why, "every row says what changed"


def test_why_names_the_hits_and_fields() -> None:
    diff = compare_runs(
        doc(sup("Fortuna Foods", id="3")),
        doc(sup("Fortuna Foods", WORKERS, id="3", notes="North Korean workers", **HIGH)),
    )
    (row,) = diff.rows
    assert row.presumption == "gained" and row.risk == "up"
    assert row.tier == ("clear", "high")
    why = "\n".join(row.why)
    assert "presumption gained" in why
    assert "new hit: nexus dprk_workers (notes: “North Korean workers”), +90" in why
    assert "notes changed: “” → “North Korean workers”" in why


def test_new_hit_without_a_data_change_is_put_down_to_the_rules() -> None:
    diff = compare_runs(doc(sup("Acme", id="1")), doc(sup("Acme", DANDONG, id="1"), rules="r2"))
    assert any("the rules or watchlists did" in line for line in diff.rows[0].why)
    assert ("rule set sha256", "r1", "r2") in diff.provenance


def test_duplicate_keys_paired_in_order_and_the_rest_reported() -> None:
    a = [sup("Acme A", id="7", row=2), sup("Acme B", id="7", row=3), sup("Other", id="8", row=4)]
    b = [
        sup("Acme A", id="7", row=2),
        sup("Acme B", DANDONG, id="7", row=3),
        sup("Acme C", id="7", row=4),
        sup("Other", id="8", row=5),
    ]
    diff = compare_runs(doc(*a), doc(*b))
    assert diff.summary["duplicate_keys"] == 1
    assert diff.summary["kept"] == 3 and diff.summary["added"] == 1
    by_name = {r.name: r for r in diff.rows}
    assert by_name["Acme B"].change == "kept" and by_name["Acme B"].a_position == 1
    assert "paired in order" in by_name["Acme B"].duplicate
    assert by_name["Acme C"].change == "added"
    assert "no partner" in by_name["Acme C"].duplicate
    assert "Acme A" not in by_name  # paired with itself and unchanged
    assert any(label == "duplicates" for label, _ in diff.summary_rows())


def test_duplicate_removed_is_reported() -> None:
    diff = compare_runs(doc(sup("X", id="7"), sup("X", id="7", row=3)), doc(sup("X", id="7")))
    (row,) = diff.rows
    assert (row.change, row.a_position) == ("removed", 1)
    assert "2 rows of run A and 1 of run B" in row.duplicate


def test_decisions_from_the_review_hook() -> None:
    """Run B's review (the hook): decisions made on run A and carried over are counted and shown, even on a
    supplier that did not change; a hit needing review again is named."""
    stronger = hit("place.dandong", "Dandong", 25, field="address")
    b = doc(sup("Acme", SEAFOOD, id="1"), sup("Busan Star", stronger, id="2"))
    cleared = Decision(
        "false positive",
        "A. Reviewer",
        "2026-11-30T09:00:00Z",
        "different company, Busan",
        "run-a",
        hit_key(SEAFOOD),
    )
    today = Decision("confirmed", "B. Reviewer", "2026-12-07T09:00:00Z", "", "run-b", None)
    reviews = {
        0: SupplierReview(decisions=(cleared, today), history=(cleared, today)),
        1: SupplierReview(needs_review=(hit_key(stronger),)),
    }
    diff = compare_runs(
        doc(sup("Acme", SEAFOOD, id="1"), sup("Busan Star", DANDONG, id="2")), RunSide(b, "run-b"), reviews
    )
    assert diff.summary["decisions_carried"] == 1
    assert diff.summary["needs_review"] == 1
    acme = next(r for r in diff.rows if r.name == "Acme")
    assert not acme.changed and [d.comment for d in acme.carried] == ["different company, Busan"]
    assert acme.carried[0].hit_label == "sector seafood (name: “Aquatic Products”)"  # named by its hit
    assert any(
        "false positive by A. Reviewer on 2026-11-30: “different company, Busan”" in line for line in acme.why
    )
    busan = next(r for r in diff.rows if r.name == "Busan Star")
    assert busan.needs_review == ["place dandong (address: “Dandong”)"]
    assert (
        diff.as_json()["suppliers"][0]["decisions_carried"]
        or diff.as_json()["suppliers"][1]["decisions_carried"]
    )


def test_text_and_json_forms() -> None:
    diff = compare_runs(
        doc(sup("Acme", id="1"), sup("Korea Rungrado", WORKERS, id="9", **HIGH)),
        doc(sup("Acme", id="1"), sup("<script>alert(1)</script>", DANDONG, id="5")),
    )
    text = diff.text()
    assert text.index("suppliers") < text.index("+ <script>")  # the summary first, then the rows
    assert "- Korea Rungrado" in text
    data = json.loads(json.dumps(diff.as_json(), ensure_ascii=False))
    assert list(data) == ["a", "b", "summary", "provenance", "suppliers"]
    assert data["summary"]["added"] == 1 and data["summary"]["removed_presumption"] == 1
    assert diff.headline() == "+1 −1 suppliers · presumption +0 −1"
    assert compare_runs(doc(sup("Acme", id="1")), doc(sup("Acme", id="1"))).headline() == "no change"


def test_results_json_files(tmp_path: Path) -> None:
    good = tmp_path / "results.json"
    good.write_text(json.dumps(doc(sup("Acme", id="1"))), encoding="utf-8")
    side = RunSide.of_file(good)
    assert side.inputs == [("vendors.xlsx", "ab" * 32)] and side.title == "vendors.xlsx"
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"rows": []}', encoding="utf-8")
    for name, message in (
        ("bad.json", "is not JSON"),
        ("other.json", "not a supplyscreen results.json"),
        ("none.json", "cannot read"),
    ):
        with pytest.raises(InputError, match=message):
            RunSide.of_file(tmp_path / name)


NAMES = st.sampled_from(["Acme", "Ocean Star", "Haifeng", "Rungrado", "Xinyuan"])
HITS = st.lists(
    st.sampled_from([WORKERS, DANDONG, SEAFOOD, hit("place.dandong", "Dandong", 40, field="address")]),
    max_size=3,
)
SUPPLIERS = st.lists(
    st.builds(
        lambda name, ident, hits, presumption: sup(
            name, *hits, id=ident, presumption=presumption, tier="high" if hits else "clear"
        ),
        NAMES,
        st.sampled_from(["", "1", "2", "3"]),
        HITS,
        st.booleans(),
    ),
    max_size=8,
)


@given(SUPPLIERS, SUPPLIERS)
def test_counts_add_up(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    s = compare_runs(doc(*a), doc(*b)).summary
    assert s["suppliers_a"] == s["kept"] + s["removed"]
    assert s["suppliers_b"] == s["kept"] + s["added"]
    assert s["presumption_b"] == (
        s["presumption_a"]
        + s["presumption_gained"]
        - s["presumption_lost"]
        + s["added_presumption"]
        - s["removed_presumption"]
    )
    hits_a, hits_b = (sum(len(x["hits"]) for x in side) for side in (a, b))
    assert hits_b == hits_a + s["hits_new"] - s["hits_vanished"]


@given(SUPPLIERS)
def test_a_run_compared_with_itself_has_no_change(a: list[dict[str, Any]]) -> None:
    diff = compare_runs(doc(*a), doc(*a))
    assert diff.rows == [] and diff.summary["kept"] == len(a)
