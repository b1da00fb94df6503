"""Places in PRC company names.

A company registered in the PRC is named place + trade name + trade + legal form (丹东鸿达贸易有限公司:
Dandong, Hongda, trade, Co., Ltd.). The trade name (字号), two syllables of pinyin, is unique only within the
place that registered it, and thousands of companies share one: "Hongda" alone names none of them. A match
that rests on pinyin trade names is therefore weighed with the places. The row's city (in its name or
address) among the entry's names and addresses supports it; a row city the entry never names contradicts
it (``place_mismatch``); a listed name qualified by a city against a row that names none leaves it
unsupported (``place_unstated``). Other names — Korean, Russian, English — are not read this way: an entity
abroad is often listed at home only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from supplyscreen.compare.base import Comparison
from supplyscreen.compare.name import Keys, shared_words
from supplyscreen.match.names import PLACE_WORDS, is_pinyin_word, name_key

# place words that name a country, province or region rather than the city a company is registered in
REGIONS = frozenset(
    """
    korea korean north south china chinese prc russia russian hong kong jilin liaoning hunan hubei henan hebei
    shandong jiangsu zhejiang fujian guangdong heilongjiang yanbian
    """.split()
)
CITIES = PLACE_WORDS - REGIONS


def _cities(texts: Sequence[str], key_of: Keys) -> list[str]:
    return list(dict.fromkeys(w for text in texts if text for w in key_of(text).words if w in CITIES))


def compare_places(
    query: str,
    query_address: str,
    alias: str,
    entry_addresses: Collection[str] = (),
    generic: Collection[str] = (),
    key_of: Keys = name_key,
) -> Comparison:
    """The row's name and address against the matched listed name and the entry's addresses, when the names
    rest on pinyin trade names (see the module docstring)."""
    shared = [w for w, _ in shared_words(query, alias, generic, key_of) if w not in PLACE_WORDS]
    if not shared or not all(map(is_pinyin_word, shared)):
        return Comparison("place", 0.0, "the names do not rest on a PRC trade name")
    trade = ", ".join(f"“{w}”" for w in shared)
    ours = _cities([query, query_address], key_of)
    named = _cities([alias], key_of)
    theirs = {w for text in (alias, *entry_addresses) for w in key_of(text).words}
    if ours:
        same = [c for c in ours if c in theirs]
        if same:
            return Comparison("place", 0.0, f"trade name {trade} in {same[0].title()} on both sides")
        if named or entry_addresses:
            where = ", ".join(c.title() for c in ours)
            return Comparison(
                "place_mismatch",
                1.0,
                f"trade name {trade}: the row is in {where}, which the entry never names",
            )
        return Comparison("place", 0.0, f"trade name {trade}: the entry names no place")
    if named:
        return Comparison(
            "place_unstated",
            1.0,
            f"trade name {trade}: the listed name is registered in {named[0].title()}, the row names no city",
        )
    return Comparison("place", 0.0, f"trade name {trade}: neither side names a city")
