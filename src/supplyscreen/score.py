"""The rule engine: turn a row's raw hits into named, counted hits, a 0-100 score, a tier and the presumption.

* one hit per indicator (the most similar);
* within a ``group`` only the highest-points hit counts, the others stay listed with 0 points;
* a combination fires when every one of its ``all_of`` slots is filled by a hit, and adds its own points;
* score = min(100, sum of points); tier from the rule set's thresholds;
* ``presumption`` is true only for a direct DPRK-labour nexus hit, and such a supplier is always ``high``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from supplyscreen.match import Hit
from supplyscreen.rules import FIELDS, Combination, RuleSet

TIERS = ("high", "medium", "low", "clear")


@dataclass(frozen=True, slots=True)
class Verdict:
    score: int
    tier: str
    presumption: bool
    hits: tuple[Hit, ...]


def _best_per_rule(hits: list[Hit]) -> list[Hit]:
    best: dict[str, Hit] = {}
    for hit in hits:
        current = best.get(hit.rule)
        if current is None or (hit.similarity, -FIELDS.index(hit.field)) > (
            current.similarity,
            -FIELDS.index(current.field),
        ):
            best[hit.rule] = hit
    return list(best.values())


def _apply_groups(hits: list[Hit]) -> list[Hit]:
    counted: set[str] = set()
    out: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-h.points, -h.similarity, h.rule)):
        group = hit.group
        if group is not None:
            if group in counted:
                hit = replace(hit, points=0)
            else:
                counted.add(group)
        out.append(hit)
    return out


def fills(slot: list[str], hit: Hit) -> bool:
    return any(ref == hit.rule or (ref.startswith("tag:") and ref[4:] in hit.tags) for ref in slot)


def _combination_hit(combo: Combination, hits: list[Hit]) -> Hit | None:
    parts: list[Hit] = []
    for slot in combo.all_of:
        filler = next((h for h in hits if fills(slot, h) and h not in parts), None)
        if filler is None:
            return None
        parts.append(filler)
    fields = list(dict.fromkeys(h.field for h in parts))
    return Hit(
        rule=combo.id,
        indicator=combo.name,
        category="combination",
        field="+".join(fields),
        text=" + ".join(h.text for h in parts),
        matched=" + ".join(h.rule for h in parts),
        similarity=min(h.similarity for h in parts),
        points=combo.points,
        citations=tuple(combo.citations),
        group=combo.group,
    )


CLEAR = Verdict(score=0, tier="clear", presumption=False, hits=())


def _slot_keys(rules: RuleSet) -> list[tuple[Combination, list[frozenset[str]]]]:
    """Each combination with the keys ('rule id' or 'tag:x') that can fill each of its slots."""
    cached = rules.cache.get("combination_slots")
    if cached is None:
        cached = [(c, [frozenset(slot) for slot in c.all_of]) for c in rules.combinations]
        rules.cache["combination_slots"] = cached
    return cached


def score_hits(raw: list[Hit], rules: RuleSet) -> Verdict:
    if not raw:
        return CLEAR
    hits = _apply_groups(_best_per_rule(raw))
    combos: list[Hit] = []
    if len(hits) > 1:  # a combination needs two different hits
        keys = {h.rule for h in hits} | {f"tag:{t}" for h in hits for t in h.tags}
        for combo, slots in _slot_keys(rules):
            if all(slot & keys for slot in slots):
                found = _combination_hit(combo, hits)
                if found is not None:
                    combos.append(found)
    hits.extend(_apply_groups(combos))
    hits.sort(key=lambda h: (-h.points, h.category != "nexus", h.rule))
    score = min(100, sum(h.points for h in hits))
    presumption = any(h.nexus for h in hits)
    tier = "high" if presumption else rules.tiers.tier(score)
    return Verdict(score=score, tier=tier, presumption=presumption, hits=tuple(hits))
