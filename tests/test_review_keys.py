"""Supplier and hit keys recognise the same supplier and hit across runs (table-driven)."""

from __future__ import annotations

import pytest

from supplyscreen.review.keys import MAX_KEY, changed, hit_key, supplier_key

SAME_SUPPLIER = [
    ({"id": "0000100102"}, {"id": "100102"}),
    ({"id": " V-001 "}, {"id": "v-001"}),
    ({"id": "ＡＢ12"}, {"id": "ab12"}),
    (
        {"name": "Hunchun Haifeng Aquatic Products Co.,Ltd", "country": "China"},
        {"name": "HUNCHUN HAIFENG AQUATIC PRODUCTS CO LTD", "country": "CN"},
    ),
    ({"name": "Дальлеспром ООО", "country": "Россия"}, {"name": "ДАЛЬЛЕСПРОМ", "country": "RU"}),
    ({"name": "丹东海产有限公司", "country": "中国"}, {"name": "丹东海产", "country": "China"}),
]

OTHER_SUPPLIER = [
    ({"id": "100102"}, {"id": "100103"}),
    (
        {"name": "Ocean Star Fisheries", "country": "China"},
        {"name": "Ocean Star Fisheries", "country": "Korea, Republic of"},
    ),
    (
        {"name": "Ocean Star Fisheries", "country": "China"},
        {"name": "Ocean Sun Fisheries", "country": "China"},
    ),
    ({"id": "7", "name": "A"}, {"name": "A"}),
]


@pytest.mark.parametrize(("a", "b"), SAME_SUPPLIER)
def test_same_supplier_same_key(a: dict[str, str], b: dict[str, str]) -> None:
    assert supplier_key(a) == supplier_key(b)


@pytest.mark.parametrize(("a", "b"), OTHER_SUPPLIER)
def test_other_supplier_other_key(a: dict[str, str], b: dict[str, str]) -> None:
    assert supplier_key(a) != supplier_key(b)


def test_rows_without_id_or_name_are_never_merged() -> None:
    first = supplier_key({}, {"file": "a.csv", "sheet": "a", "row": 2})
    second = supplier_key({"country": "China"}, {"file": "a.csv", "sheet": "a", "row": 3})
    assert first.startswith("row:") and first != second


HIT = {
    "rule": "place.hunchun",
    "field": "name",
    "text": "Hunchun",
    "points": 25,
    "similarity": 1.0,
    "list": None,
}


@pytest.mark.parametrize(
    ("other", "same"),
    [
        ({"text": "HUNCHUN", "points": 10}, True),
        ({"text": "Hunchun  ", "similarity": 0.9}, True),
        ({"field": "address"}, False),
        ({"rule": "place.dandong"}, False),
        ({"list": {"source": "sdn.csv", "entry": "X", "entry_id": "SDN 1"}}, False),
    ],
)
def test_hit_key(other: dict[str, object], same: bool) -> None:
    assert (hit_key(HIT) == hit_key({**HIT, **other})) is same


def test_list_entries_tell_hits_apart() -> None:
    one = {**HIT, "list": {"source": "sdn.csv", "entry": "X", "entry_id": "SDN 1"}}
    two = {**HIT, "list": {"source": "sdn.csv", "entry": "X", "entry_id": "SDN 2"}}
    assert hit_key(one) != hit_key(two)


@pytest.mark.parametrize(
    ("now", "more"),
    [({"points": 25}, False), ({"points": 40}, True), ({"similarity": 0.8}, False), ({"points": 10}, False)],
)
def test_changed_means_more_against_the_supplier(now: dict[str, object], more: bool) -> None:
    assert changed(HIT, {**HIT, **now}) is more


def test_long_keys_are_bounded_and_still_tell_suppliers_apart() -> None:
    first = supplier_key({"name": "Acme " * 400 + "One", "country": "China"})
    second = supplier_key({"name": "Acme " * 400 + "Two", "country": "China"})
    assert len(first) == len(second) == MAX_KEY and first != second
    assert first == supplier_key({"name": "ACME " * 400 + "one", "country": "CN"})
    assert len(hit_key({**HIT, "text": "Hunchun " * 100})) == MAX_KEY


def test_a_country_hit_is_the_same_whatever_the_spelling() -> None:
    china = {**HIT, "rule": "country.china", "field": "country", "text": "China"}
    assert hit_key(china) == hit_key({**china, "text": "CN"}) == hit_key({**china, "text": "中国"})
    assert hit_key(china) != hit_key({**china, "text": "Chile"})
