"""Watchlist matches as explained comparisons.

A candidate pair — a supplier row (the query) and a watchlist entry — is judged by small comparisons, one
module per concern, each a function of the query side's data and the entry side's that returns a
:class:`Comparison`: a named feature, its score in 0..1 and a sentence saying what was compared and found.

* :mod:`.name` — the name matcher's similarity, with the alias that matched; names reduced to generic words;
* :mod:`.identifiers` — IMO, MMSI, registration and tax numbers, SWIFT codes, list ids: equal or different;
* :mod:`.country` — the row's country against the entry's: same, different or unknown;
* :mod:`.entity` — what the row is (an organisation, a person, a vessel) against what the entry is;
* :mod:`.vessel` — hull numbers and names of vessels.

:func:`.combine.combine` weighs them into one score with the weights of ``rules/matching.yaml`` (the model
of OpenSanctions' nomenklatura ``logic_v2``): the strongest *evidence* (name, vessel, identifier), plus the
*qualifiers* (a different country lowers it), and any *veto* (a different IMO number, an aircraft against
an organisation, a name of generic words only) sets it to 0.
"""

from __future__ import annotations

from supplyscreen.compare.base import FEATURES, Comparison
from supplyscreen.compare.combine import Combined, combine

__all__ = ["FEATURES", "Combined", "Comparison", "combine"]
