"""Countries: the row's country against the entry's.

The row's country is resolved as everywhere in the product (``normalize.country_code``: the country cell,
a bare "Korea" settled by the address, else the address's last part); the entry's are the ISO codes of its
addresses, nationality, flag and registers. The same country supports a match, a different one contradicts
it — the DPRK and the Republic of Korea are always different countries — and an unknown one says nothing.

One exception is data (``operates_abroad`` in ``rules/matching.yaml``): an entry of the DPRK against a row
in a state that hosts DPRK workers and firms (Russia, China, the Gulf …) is no contradiction, as DPRK
labour-export entities work there through branches and agents the list does not always name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from supplyscreen.compare.base import Comparison
from supplyscreen.normalize.text import AMBIGUOUS_KOREA

NAMES = {"KP": "DPRK", "KR": "Republic of Korea", AMBIGUOUS_KOREA: "Korea (which one not stated)"}


def country_name(code: str) -> str:
    """A code as details show it: 'DPRK', 'Republic of Korea', else the ISO code."""
    return NAMES.get(code, code)


def compare_countries(
    row: str | None,
    entry: Collection[str],
    abroad: Mapping[str, Collection[str]] | None = None,
) -> Comparison:
    """The row's country code (None when unknown, ``KP?`` for a bare "Korea") against the entry's codes.
    ``abroad`` maps an entry country to the row countries that do not contradict it."""
    if not row:
        return Comparison("country", 0.0, "the row's country is not known")
    if not entry:
        return Comparison("country", 0.0, "the entry names no country")
    listed = ", ".join(country_name(c) for c in sorted(entry))
    if row == AMBIGUOUS_KOREA:
        if {"KP", "KR"} & set(entry):
            return Comparison("country", 0.0, f"the row says “Korea” without saying which; entry: {listed}")
        return Comparison("country_mismatch", 1.0, f"Korea (row) ≠ {listed} (entry)")
    if row in entry:
        return Comparison("country_match", 1.0, f"{country_name(row)} on both sides")
    hosts = [c for c in sorted(entry) if row in (abroad or {}).get(c, ())]
    if hosts:
        return Comparison(
            "country",
            0.0,
            f"{country_name(row)} (row) ≠ {listed} (entry), but entities of the {country_name(hosts[0])} are "
            f"reported working in {country_name(row)}: no contradiction",
        )
    return Comparison("country_mismatch", 1.0, f"{country_name(row)} (row) ≠ {listed} (entry)")
