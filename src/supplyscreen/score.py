"""The rule engine: turn a row's raw hits into named, counted hits, a 0-100 score, a tier and the presumption.

* one hit per indicator (the most similar);
* within a ``group`` only the highest-points hit counts, the others stay listed with 0 points;
* a combination fires when every one of its ``all_of`` slots is filled by a hit, and adds its own points;
* score = min(100, sum of points); tier from the rule set's thresholds;
* ``presumption`` is true only for a direct DPRK-labour nexus hit, and such a supplier is always ``high``;
* the legal ``track`` (:func:`track_of`, decided with the rest of a pattern's verdict): ``dprk_origin``
  (goods from the DPRK, barred outright), ``presumption`` (the 22 U.S.C. 9241a labour presumption),
  ``due_diligence`` (high or medium without a presumption) or ``none``.

These decisions depend only on each hit's rule, field, similarity, points, group, tags, nexus flag and
category, and a large sheet has a few hundred such patterns: they are taken once per pattern (a ``_Plan``
that names hits by their position) and applied to each row's own hits. Rows that bring the very same hit
objects (the matcher shares them between rows with equal cell values) share one verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any, TypeVar

from supplyscreen.match.rows import Hit
from supplyscreen.rules import FIELDS, Combination, RuleSet

TIERS = ("high", "medium", "low", "clear")
TRACKS = ("dprk_origin", "presumption", "due_diligence", "none")  # strictest first
ORIGIN_TAG = "dprk_origin"  # indicators of goods from the DPRK (made in, shipped from, caught by its vessels)


@dataclass(frozen=True, slots=True)
class Verdict:
    score: int
    tier: str
    presumption: bool
    hits: tuple[Hit, ...]
    track: str  # one of TRACKS: see track_of


def fills(slot: list[str], hit: Hit) -> bool:
    return any(ref == hit.rule or (ref.startswith("tag:") and ref[4:] in hit.tags) for ref in slot)


CLEAR = Verdict(score=0, tier="clear", presumption=False, hits=(), track="none")


def track_of(hits: Sequence[Hit], presumption: bool, tier: str) -> str:
    """The legal track of a row from its hits and its verdict's presumption flag and tier:

    * ``dprk_origin`` when a hit is tagged ``dprk_origin`` (goods from the DPRK: made, mined, shipped or
      caught there, a supplier in the DPRK): barred outright (E.O. 13570; an OFAC licence is the only route),
      whatever else was found — a supplier with both origin and workforce hits is on this, the stricter, track;
    * else ``presumption`` when ``presumption`` is true (the 22 U.S.C. 9241a labour presumption: DPRK
      nationals in the workforce, a designated DPRK labour exporter, a watchlist entry of that kind);
    * else ``due_diligence`` for tier high or medium, and ``none`` for low and clear.

    Origin and workforce findings are separate indicators (a sentence about North Korean workers fires the
    workforce indicator only), so the tags decide without reading the hits' texts."""
    if origin_hits(hits):
        return "dprk_origin"
    if presumption:
        return "presumption"
    return "due_diligence" if tier in ("high", "medium") else "none"


def origin_hits(hits: Sequence[Hit]) -> list[Hit]:
    """The hits that show goods from the DPRK (tagged ``dprk_origin``)."""
    return [h for h in hits if ORIGIN_TAG in h.tags]


def _slot_keys(rules: RuleSet) -> list[tuple[Combination, list[frozenset[str]]]]:
    """Each combination with the keys ('rule id' or 'tag:x') that can fill each of its slots."""
    cached = rules.cache.get("combination_slots")
    if cached is None:
        cached = [(c, [frozenset(slot) for slot in c.all_of]) for c in rules.combinations]
        rules.cache["combination_slots"] = cached
    return cached


# Everything about a hit that the decisions depend on: hits with equal signatures are scored alike.
_signature = attrgetter("rule", "field", "similarity", "points", "group", "tags", "nexus", "category")
_PLANS_LIMIT = 100_000  # patterns kept per rule set before the cache is emptied
_ZEROED_LIMIT = 100_000
_VERDICTS_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class _Zeroed:
    """The raw hit at ``pos``, listed with 0 points: its group already counted."""

    pos: int


@dataclass(frozen=True, slots=True)
class _Fired:
    """A combination filled, slot by slot, by the raw hits at ``parts``."""

    combo: Combination
    parts: tuple[int, ...]
    points: int  # 0 when its group already counted


@dataclass(frozen=True, slots=True)
class _Plan:
    """The verdict for one pattern of hits, with hits named by their position in the raw hits."""

    score: int
    tier: str
    presumption: bool
    track: str  # see track_of
    steps: tuple[int | _Zeroed | _Fired, ...]  # the verdict's hits in order; an int: that raw hit as is
    picks: tuple[int, ...] | None  # the steps, when every one is an int (the common case)


def _counted_points(points: int, group: str | None, counted: set[str]) -> int:
    """Within a group only the first hit (or combination) counts; the others keep 0 points."""
    if group is None:
        return points
    if group in counted:
        return 0
    counted.add(group)
    return points


def _plan(raw: Sequence[Hit], rules: RuleSet) -> _Plan:
    # one hit per rule: the most similar, then the one in the earliest field, then the first
    best: dict[str, int] = {}
    for i, hit in enumerate(raw):
        j = best.get(hit.rule)
        if j is None or (hit.similarity, -FIELDS.index(hit.field)) > (
            raw[j].similarity,
            -FIELDS.index(raw[j].field),
        ):
            best[hit.rule] = i
    # within a group, only the first by points, similarity and rule counts
    counted: set[str] = set()
    kept: list[tuple[int, int]] = []  # (position, points)
    for i in sorted(best.values(), key=lambda i: (-raw[i].points, -raw[i].similarity, raw[i].rule)):
        kept.append((i, _counted_points(raw[i].points, raw[i].group, counted)))
    # combinations, each slot filled by the first kept hit that fits and fills no earlier slot
    fired: list[tuple[Combination, tuple[int, ...], float]] = []
    if len(kept) > 1:  # a combination needs two different hits
        keys = {raw[i].rule for i, _ in kept} | {f"tag:{t}" for i, _ in kept for t in raw[i].tags}
        for combo, slots in _slot_keys(rules):
            if not all(slot & keys for slot in slots):
                continue
            parts: list[int] = []
            for slot in combo.all_of:
                filler = next((i for i, _ in kept if fills(slot, raw[i]) and i not in parts), None)
                if filler is None:
                    break
                parts.append(filler)
            else:
                fired.append((combo, tuple(parts), min(raw[i].similarity for i in parts)))
    counted.clear()
    combos: list[_Fired] = []
    for combo, parts_, _ in sorted(fired, key=lambda f: (-f[0].points, -f[2], f[0].id)):
        combos.append(_Fired(combo, parts_, _counted_points(combo.points, combo.group, counted)))
    # the verdict's order: points, nexus first, rule
    order: list[tuple[tuple[int, bool, str], int | _Zeroed | _Fired]] = [
        ((-points, raw[i].category != "nexus", raw[i].rule), i if points == raw[i].points else _Zeroed(i))
        for i, points in kept
    ]
    order.extend(((-f.points, True, f.combo.id), f) for f in combos)
    order.sort(key=lambda o: o[0])
    score = min(100, sum(points for _, points in kept) + sum(f.points for f in combos))
    presumption = any(raw[i].nexus for i, _ in kept)
    tier = "high" if presumption else rules.tiers.tier(score)
    steps = tuple(step for _, step in order)
    all_ints = all(isinstance(step, int) for step in steps)
    return _Plan(
        score=score,
        tier=tier,
        presumption=presumption,
        track=track_of(raw, presumption, tier),
        steps=steps,
        picks=tuple(step for step in steps if isinstance(step, int)) if all_ints else None,
    )


_V = TypeVar("_V")


class _ByIdentity(dict[tuple[int, ...], _V]):
    """Entries keyed by the ids of objects that the entry itself holds (so the ids stay theirs). Ids mean
    nothing in another process or in a copy: a pickled or copied one comes back empty."""

    def __reduce__(self) -> tuple[type[_ByIdentity[_V]], tuple[()]]:
        return (type(self), ())


def _by_identity(rules: RuleSet, name: str) -> _ByIdentity[Any]:
    found = rules.cache.get(name)
    if not isinstance(found, _ByIdentity):
        found = rules.cache[name] = _ByIdentity()
    return found


def _zeroed(hit: Hit, rules: RuleSet) -> Hit:
    """The hit with 0 points, made once per hit object (most hits are shared by many rows)."""
    made: _ByIdentity[tuple[Hit, Hit]] = _by_identity(rules, "zeroed_hits")
    known = made.get((id(hit),))
    if known is not None:
        return known[1]
    if len(made) > _ZEROED_LIMIT:
        made.clear()
    zeroed = replace(hit, points=0)
    made[(id(hit),)] = (hit, zeroed)
    return zeroed


def _combination_hit(fired: _Fired, raw: Sequence[Hit]) -> Hit:
    parts = [raw[i] for i in fired.parts]
    combo = fired.combo
    return Hit(
        rule=combo.id,
        indicator=combo.name,
        category="combination",
        field="+".join(dict.fromkeys(h.field for h in parts)),
        text=" + ".join(h.text for h in parts),
        matched=" + ".join(h.rule for h in parts),
        similarity=min(h.similarity for h in parts),
        points=fired.points,
        citations=tuple(combo.citations),
        group=combo.group,
    )


def _step_hit(step: int | _Zeroed | _Fired, raw: Sequence[Hit], rules: RuleSet) -> Hit:
    if isinstance(step, int):
        return raw[step]
    if isinstance(step, _Zeroed):
        return _zeroed(raw[step.pos], rules)
    return _combination_hit(step, raw)


_Verdicts = _ByIdentity[tuple[tuple[Hit, ...], Verdict]]
_Plans = dict[tuple[Any, ...], _Plan]


def score_hits(raw: Sequence[Hit], rules: RuleSet) -> Verdict:
    if not raw:
        return CLEAR
    return _score(raw, rules, _by_identity(rules, "verdicts"), rules.cache.setdefault("score_plans", {}))


def score_rows(rows: Sequence[Sequence[Hit]], rules: RuleSet) -> list[Verdict]:
    """``score_hits`` for many rows (each row's raw hits), in order."""
    verdicts: _Verdicts = _by_identity(rules, "verdicts")
    plans: _Plans = rules.cache.setdefault("score_plans", {})
    return [_score(raw, rules, verdicts, plans) if raw else CLEAR for raw in rows]


def _score(raw: Sequence[Hit], rules: RuleSet, verdicts: _Verdicts, plans: _Plans) -> Verdict:
    # Most hits are shared objects (the matcher keeps them per cell value), so many rows bring the very
    # same hits: their verdict is made once.
    ids = tuple(map(id, raw))
    known = verdicts.get(ids)
    if known is not None:
        return known[1]
    key = tuple(map(_signature, raw))
    plan = plans.get(key)
    if plan is None:
        if len(plans) > _PLANS_LIMIT:
            plans.clear()
        plan = plans[key] = _plan(raw, rules)
    if plan.picks is not None:
        hits = tuple([raw[i] for i in plan.picks])
    else:
        hits = tuple([_step_hit(step, raw, rules) for step in plan.steps])
    verdict = Verdict(plan.score, plan.tier, plan.presumption, hits, plan.track)
    if len(verdicts) > _VERDICTS_LIMIT:
        verdicts.clear()
    verdicts[ids] = (tuple(raw), verdict)  # the entry keeps the hits alive, so their ids stay theirs
    return verdict
