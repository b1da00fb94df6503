"""One score from a candidate's comparisons, by the weights of ``rules/matching.yaml``.

score = the strongest piece of *evidence* (its score × its weight: the name, the vessel, an identifier),
plus every *qualifier* (its score × its weight: a different country is negative), kept within 0..1; any
*veto* that holds sets the score to 0. A candidate is kept when its score reaches the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from supplyscreen.compare.base import Comparison

if TYPE_CHECKING:
    from supplyscreen.rules import MatchingRules

_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Combined:
    """A candidate's comparisons, their combined score, and whether and why it was kept."""

    score: float
    threshold: float
    kept: bool
    why: str
    comparisons: tuple[Comparison, ...]

    def comparisons_json(self) -> list[dict[str, Any]]:
        return [c.as_dict() for c in self.comparisons]


def _signed(value: float) -> str:
    return f"+ {value:.2f}" if value >= 0 else f"− {-value:.2f}"


def combine(
    comparisons: Sequence[Comparison], rules: MatchingRules, threshold: float | None = None
) -> Combined:
    """Weigh comparisons into a score (see the module docstring) and decide the candidate. ``why`` shows the
    sum — also under a veto, so that every reason shows."""
    limit = rules.threshold if threshold is None else threshold
    found = tuple(comparisons)
    weighed = [(c.score * rules.evidence[c.name], c) for c in found if c.name in rules.evidence]
    base, strongest = max(weighed, key=lambda pair: pair[0], default=(0.0, None))
    parts = [f"{strongest.name} {base:.2f}" if strongest is not None else "no evidence 0.00"]
    total = base
    for c in found:
        weight = rules.qualifiers.get(c.name)
        if weight and c.score:
            total += c.score * weight
            parts.append(f"{_signed(c.score * weight)} {c.name}")
    score = min(1.0, max(0.0, total))
    formula = " ".join(parts) + f" = {score:.2f}" + (" (capped)" if score != total else "")
    veto = next((c for c in found if c.score > 0 and c.name in rules.vetoes), None)
    if veto is not None:
        return Combined(
            0.0, limit, False, f"dropped: vetoed by {veto.name} ({veto.detail}); weighed: {formula}", found
        )
    if score >= limit - _EPSILON:
        return Combined(score, limit, True, f"kept: {formula} ≥ {limit:.2f}", found)
    return Combined(score, limit, False, f"dropped: {formula} < {limit:.2f}", found)
