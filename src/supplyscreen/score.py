"""The rule engine: turn a row's raw hits into named, counted hits, a 0-100 score, a tier and the presumption.

* one hit per indicator (the most similar);
* within a ``group`` only the highest-points hit counts, the others stay listed with 0 points;
* a combination fires when every one of its ``all_of`` slots is filled by a hit, and adds its own points;
* score = min(100, sum of points); tier from the rule set's thresholds;
* ``presumption`` is true only for a direct DPRK-labour nexus hit, and such a supplier is always ``high``;
* the legal ``track`` (:func:`track_of`, decided with the rest of a pattern's verdict): ``dprk_origin``
  (goods from the DPRK, barred outright), ``detention`` (under an active CBP order: the goods will be
  detained), ``presumption`` (the 22 U.S.C. 9241a labour presumption), ``due_diligence`` (high or medium
  without a presumption) or ``none``.

The verdict is a pure function of a row's hits and the rules: ``plan`` takes the decisions, naming hits by
their position, and ``score_hits`` applies them to the hits. The decisions depend only on each hit's
``SIGNATURE`` (rule, field, similarity, points, group, tags, nexus flag and category), and a large sheet has a
few hundred such patterns, so ``score_rows`` takes them once per pattern for the rows it scores. What the
decisions need of the rules (the keys that fill each combination's slots) is compiled once, when the rule
set is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from supplyscreen.match.rows import Hit
from supplyscreen.rules import FIELDS, Combination, RuleSet

TIERS = ("high", "medium", "low", "clear")
TRACKS = ("dprk_origin", "detention", "presumption", "due_diligence", "none")  # strictest first
# Each legal track (track_of) in a word or two: badges, tables, the XLSX summary, run comparisons.
TRACK_LABELS = {
    "dprk_origin": "barred outright",  # goods from the DPRK: E.O. 13570
    "detention": "detained by CBP",  # an active Withhold Release Order, Finding or CAATSA detention
    "presumption": "labour presumption",  # 22 U.S.C. 9241a
    "due_diligence": "due diligence",  # high or medium without a presumption
    "none": "none",  # low or clear
}
ORIGIN_TAG = "dprk_origin"  # indicators of goods from the DPRK (made in, shipped from, caught by its vessels)
DETENTION_TAG = "detention"  # a hit of an active CBP enforcement action (match.enforcement)


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
    * else ``detention`` when a hit is tagged ``detention``: an active CBP Withhold Release Order, Finding or
      CAATSA detention names the supplier or its vessel, so its goods will be detained (or, under a Finding,
      seized) whatever the score — the labour presumption, when it applies too, is the ground CAATSA gives;
    * else ``presumption`` when ``presumption`` is true (the 22 U.S.C. 9241a labour presumption: DPRK
      nationals in the workforce, a designated DPRK labour exporter, a watchlist entry of that kind);
    * else ``due_diligence`` for tier high or medium, and ``none`` for low and clear.

    Origin and workforce findings are separate indicators (a sentence about North Korean workers fires the
    workforce indicator only), so the tags decide without reading the hits' texts."""
    if origin_hits(hits):
        return "dprk_origin"
    if any(DETENTION_TAG in h.tags for h in hits):
        return "detention"
    if presumption:
        return "presumption"
    return "due_diligence" if tier in ("high", "medium") else "none"


def origin_hits(hits: Sequence[Hit]) -> list[Hit]:
    """The hits that show goods from the DPRK (tagged ``dprk_origin``)."""
    return [h for h in hits if ORIGIN_TAG in h.tags]


_FIELD_ORDER = {f: i for i, f in enumerate(FIELDS)}
# Everything about a hit that the decisions depend on: hits with equal signatures are scored alike.
SIGNATURE = attrgetter("rule", "field", "similarity", "points", "group", "tags", "nexus", "category")


@dataclass(frozen=True, slots=True)
class Fired:
    """A combination filled, slot by slot, by the hits at ``parts``, with the points it counts."""

    combo: Combination
    parts: tuple[int, ...]
    points: int  # 0 when its group already counted


@dataclass(frozen=True, slots=True)
class Plan:
    """The decisions on one pattern of hits: the verdict's hits in order, each the hit at a position with
    the points it counts (0 when its group already counted) or a fired combination, and the verdict."""

    steps: tuple[tuple[int, int] | Fired, ...]
    score: int
    tier: str
    presumption: bool
    track: str  # see track_of
    picks: tuple[int, ...] | None = None  # the hits' positions, when every step is a hit as it is


def plan(raw: Sequence[Hit], rules: RuleSet) -> Plan:
    """The decisions on a row's raw hits (see the module docstring)."""
    # one hit per rule: the most similar, then the one in the earliest field, then the first
    best: dict[str, int] = {}
    for i, hit in enumerate(raw):
        j = best.get(hit.rule)
        if j is None or (hit.similarity, -_FIELD_ORDER[hit.field]) > (
            raw[j].similarity,
            -_FIELD_ORDER[raw[j].field],
        ):
            best[hit.rule] = i
    # within a group, only the first by points, similarity and rule counts
    counted: set[str] = set()
    kept = [
        (i, _counted_points(raw[i].points, raw[i].group, counted))
        for i in sorted(best.values(), key=lambda i: (-raw[i].points, -raw[i].similarity, raw[i].rule))
    ]
    fired = _combinations(raw, [i for i, _ in kept], rules)
    # the verdict's order: enforcement actions (shown above any score), then points, nexus first, rule
    order: list[tuple[tuple[bool, int, bool, str], tuple[int, int] | Fired]] = [
        (
            (raw[i].category != "enforcement", -points, raw[i].category != "nexus", raw[i].rule),
            (i, points),
        )
        for i, points in kept
    ]
    order.extend(((True, -f.points, True, f.combo.id), f) for f in fired)
    order.sort(key=lambda o: o[0])
    score = min(100, sum(points for _, points in kept) + sum(f.points for f in fired))
    presumption = any(raw[i].nexus for i, _ in kept)
    tier = "high" if presumption else rules.tiers.tier(score)
    steps = tuple(step for _, step in order)
    as_is = all(isinstance(s, tuple) and raw[s[0]].points == s[1] for s in steps)
    picks = tuple(s[0] for s in steps if isinstance(s, tuple)) if as_is else None
    return Plan(steps, score, tier, presumption, track_of(raw, presumption, tier), picks)


def _counted_points(points: int, group: str | None, counted: set[str]) -> int:
    """Within a group only the first hit (or combination) counts; the others keep 0 points."""
    if group is None:
        return points
    if group in counted:
        return 0
    counted.add(group)
    return points


def _combinations(raw: Sequence[Hit], kept: list[int], rules: RuleSet) -> list[Fired]:
    """The combinations the kept hits fire, most points first: each slot is filled by the first kept hit
    that fits it and fills no earlier slot; within a group only the first counts."""
    if len(kept) < 2:  # a combination needs two different hits
        return []
    keys = {raw[i].rule for i in kept} | {f"tag:{t}" for i in kept for t in raw[i].tags}
    by_key = rules.combinations_by_key
    first_filled = sorted({at for key in keys if key in by_key for at in by_key[key]})
    found: list[tuple[Combination, tuple[int, ...]]] = []
    for combo, slots in map(rules.combination_slots.__getitem__, first_filled):
        if not all(slot & keys for slot in slots):
            continue
        parts: list[int] = []
        for slot in combo.all_of:
            filler = next((i for i in kept if fills(slot, raw[i]) and i not in parts), None)
            if filler is None:
                break
            parts.append(filler)
        else:
            found.append((combo, tuple(parts)))
    found.sort(key=lambda f: (-f[0].points, -min(raw[i].similarity for i in f[1]), f[0].id))
    counted: set[str] = set()
    return [
        Fired(combo, parts, _counted_points(combo.points, combo.group, counted)) for combo, parts in found
    ]


def score_hits(raw: Sequence[Hit], rules: RuleSet) -> Verdict:
    """The verdict on a row's raw hits."""
    return apply(plan(raw, rules), raw) if raw else CLEAR


def apply(decided: Plan, raw: Sequence[Hit]) -> Verdict:
    """The verdict a plan decides, made of a row's own hits."""
    if decided.picks is not None:  # the usual case
        hits = tuple([raw[i] for i in decided.picks])
    else:
        hits = tuple([_step_hit(step, raw) for step in decided.steps])
    return Verdict(decided.score, decided.tier, decided.presumption, hits, decided.track)


def _step_hit(step: tuple[int, int] | Fired, raw: Sequence[Hit]) -> Hit:
    if isinstance(step, Fired):
        return _combination_hit(step, raw)
    hit = raw[step[0]]
    return hit if hit.points == step[1] else replace(hit, points=step[1])


def _combination_hit(fired: Fired, raw: Sequence[Hit]) -> Hit:
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


def score_rows(rows: Sequence[Sequence[Hit]], rules: RuleSet) -> list[Verdict]:
    """``score_hits`` for many rows (each row's raw hits), in order; the decisions are taken once per
    pattern of hit signatures."""
    plans: dict[tuple[tuple[object, ...], ...], Plan] = {}
    out = []
    for raw in rows:
        if not raw:
            out.append(CLEAR)
            continue
        key = tuple(map(SIGNATURE, raw))
        decided = plans.get(key)
        if decided is None:
            decided = plans[key] = plan(raw, rules)
        out.append(apply(decided, raw))
    return out
