"""The result of one comparison, and the features comparisons may report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Comparison:
    """One comparison of a row with a watchlist entry: the feature it found (``name``), how strongly
    (``score``, 0..1: 0 when the feature is absent) and what was compared (``detail``, for a person)."""

    name: str
    score: float
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": round(self.score, 3), "detail": self.detail}


# Every feature a comparison may report, and what it means: the keys ``rules/matching.yaml`` may weigh. A
# comparison that finds nothing either way reports its plain name with score 0 ("country": neither side
# names a country), which no weight applies to.
FEATURES: dict[str, str] = {
    "name": "similarity of the row's name and the entry's closest name or alias",
    "vessel": "vessel name and hull numbers (the numbers must be equal)",
    "identifier_match": "an identifier of the same kind and value on both sides (IMO, MMSI, tax, registration …)",
    "identifier_mismatch": "identifiers of the same kind on both sides, none equal",
    "country_match": "the row's country is one of the entry's",
    "country_mismatch": "the row's country is known and none of the entry's",
    "type_mismatch": "the row is a kind of thing the entry is not (an organisation against an aircraft)",
    "generic_only": "one of the names has nothing but generic words and places left",
    "weak_name": "the names share one short or common word only, and no country or identifier supports them",
    "place_mismatch": "a PRC trade name: the row's city is none of the entry's",
    "place_unstated": "a PRC trade name: the listed name has a city, the row names none",
}
