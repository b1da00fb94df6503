"""Explain one supplier: every rule evaluated, which fired and why, and how the score adds up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from supplyscreen.citations import citation_line
from supplyscreen.compare import Comparison
from supplyscreen.ingest.watchlist import Watchlist
from supplyscreen.match.lists import Candidate, ListMatcher, RowContext, as_read
from supplyscreen.match.names import name_key
from supplyscreen.match.rows import Hit, Matcher
from supplyscreen.normalize.text import country_code, format_hs, hs_codes
from supplyscreen.rules import Combination, MatchingRules, RuleSet
from supplyscreen.score import Verdict, fills, origin_hits, score_hits

SHOWN_CANDIDATES = 12  # watchlist candidates shown in full; the rest are counted


@dataclass
class Explanation:
    fields: dict[str, str]
    normalised: list[str]
    verdict: Verdict
    combinations: list[str]
    set_aside: list[str]
    silent: dict[str, list[str]] = field(default_factory=dict)
    rules: RuleSet | None = None
    raw: tuple[Hit, ...] = ()  # every hit the matcher found (each occurrence), which the track is decided on
    candidates: list[Candidate] = field(default_factory=list)  # watchlist candidates (explain --list)
    list_matcher: ListMatcher | None = None
    actions: list[Candidate] = field(default_factory=list)  # candidates among the CBP enforcement actions

    def lines(self) -> list[str]:
        assert self.rules is not None
        v = self.verdict
        out = ["Supplier:"]
        out += [f"  {k}: {val}" for k, val in self.fields.items()]
        out += ["Normalised:", *[f"  {n}" for n in self.normalised]]
        out += _enforcement_lines(v, self.rules, self.actions)
        n_ind, n_combo = len(self.rules.indicators), len(self.rules.combinations)
        out.append(
            f"Rules: {n_ind} indicators and {n_combo} combinations evaluated (rule set sha256 {self.rules.sha256[:12]}…)"
        )
        indicator_hits = [h for h in v.hits if h.category != "combination"]
        out.append(f"Fired ({len(indicator_hits)}):" if indicator_hits else "Fired: none")
        for hit in indicator_hits:
            out += _hit_lines(hit)
        if self.list_matcher is not None:
            out += _watchlist_lines(self.list_matcher, self.candidates, self.fields)
        out.append("Combinations:")
        out += [f"  {line}" for line in self.combinations]
        if self.set_aside:
            out.append("Set aside:")
            out += [f"  {line}" for line in self.set_aside]
        silent = sum(len(ids) for ids in self.silent.values())
        out.append(f"Not fired ({silent}):")
        for category, ids in sorted(self.silent.items()):
            out.append(f"  {category}: {', '.join(ids)}")
        parts = " + ".join(str(h.points) for h in v.hits if h.points) or "0"
        tiers = self.rules.tiers
        out.append(
            f"Score: {parts} = {v.score} (capped at 100) → tier {v.tier} "
            f"(high ≥ {tiers.high}, medium ≥ {tiers.medium}, low ≥ {tiers.low})"
        )
        if v.presumption:
            nexus = ", ".join(h.rule for h in v.hits if h.nexus)
            out.append(
                f"Presumption: YES — direct DPRK-labour nexus ({nexus}); the supplier is high whatever its score"
            )
        else:
            out.append("Presumption: no — no direct DPRK-labour nexus among the hits")
        out.append(f"Track: {v.track} — {_track_line(v, self.raw)}")
        return out


def _evidence(hits: list[Hit]) -> str:
    return ", ".join(dict.fromkeys(f"{h.rule} {h.field} “{h.text}”" for h in hits))


def _track_line(v: Verdict, raw: tuple[Hit, ...]) -> str:
    if v.track == "dprk_origin":
        also = "; the 22 U.S.C. 9241a labour presumption applies too" if v.presumption else ""
        return (
            f"goods from the DPRK ({_evidence(origin_hits(raw))}): barred outright by E.O. 13570, an OFAC "
            f"licence the only route, no rebuttal{also}"
        )
    if v.track == "detention":
        also = "; the 22 U.S.C. 9241a labour presumption applies too" if v.presumption else ""
        return (
            "under an active CBP order: the goods will be detained at every U.S. port of entry (seized under a "
            f"Finding); export them or prove admissibility (19 CFR 12.43){also}"
        )
    if v.track == "presumption":
        return (
            "22 U.S.C. 9241a labour presumption: importable only if CBP finds, by clear and convincing evidence, "
            "that the goods were not produced with convict labor, forced labor, or indentured labor (the "
            "importer's burden)"
        )
    if v.track == "due_diligence":
        return f"tier {v.tier} without a direct DPRK nexus: evidence to gather before import"
    return f"tier {v.tier}: nothing to gather"


def _enforcement_lines(v: Verdict, rules: RuleSet, candidates: Sequence[Candidate]) -> list[str]:
    """The CBP enforcement actions met, above everything else: each with its status, dates and sources,
    then the candidates compared (kept or dropped)."""
    actions = rules.enforcement
    as_of = f", as of {actions.as_of}" if actions.as_of else ""
    hits = [h for h in v.hits if h.category == "enforcement"]
    out = [f"Enforcement actions ({len(actions.actions)} CBP orders{as_of}):"]
    if not hits:
        out.append("  none names this supplier or its vessels")
    for hit in hits:
        action = (hit.list or {}).get("action") or {}
        out.append(f"  {hit.indicator}")
        out.append(f"    {hit.field} “{hit.text}” meets “{hit.matched}” ({(hit.list or {}).get('why', '')})")
        out.append(f"    goods: {action.get('goods', '')}; status {action.get('status', '')}")
        for event in action.get("events", []):
            out.append(f"    {event['date']} {event['what']}: {event['source']} [{event['verified']}]")
    dropped = [c for c in candidates if not c.kept]
    for c in dropped[:SHOWN_CANDIDATES]:
        out.append(f"  dropped {c.entry.label} ← {c.field} “{c.text}”: {c.why}")
    return out


def _hit_lines(hit: Hit) -> list[str]:
    points = f"+{hit.points}" if hit.points else "0 (group already counted)"
    lines = [f"  {points:>4}  {hit.rule} — {hit.indicator} [{hit.category}]"]
    pattern, arrow, words = hit.matched.partition(" ← ")
    if arrow:  # a concept pattern: the clause and the words that filled each of its slots
        lines.append(f"        concept pattern “{pattern}” in {hit.field}: “{hit.text}”")
        lines.append(f"        words: {words}")
    else:
        lines.append(
            f"        {hit.field} “{hit.text}” matched “{hit.matched}”, similarity {hit.similarity:.2f}"
        )
    if hit.list is not None:
        lines.append(f"        list {hit.list['source']}: {hit.list['entry']} — {hit.list.get('why', '')}")
    for c in hit.citations[:2]:
        lines.append(f"        evidence: {citation_line(c)}")
    return lines


def _effect(c: Comparison, rules: MatchingRules) -> str:
    """How a comparison counts: its evidence weight, its qualifier's weight, or veto."""
    if c.name in rules.evidence:
        return f"×{rules.evidence[c.name]:g}"
    if c.name in rules.qualifiers:
        weight = c.score * rules.qualifiers[c.name]
        return f"{'+' if weight >= 0 else '−'}{abs(weight):.2f}"
    if c.name in rules.vetoes and c.score:
        return "veto"
    return ""


def _watchlist_lines(
    lm: ListMatcher, candidates: Sequence[Candidate], fields: Mapping[str, str]
) -> list[str]:
    """The watchlists section: the row as comparisons see it, then every candidate with its comparisons,
    its score and why it was kept or dropped."""
    entries = sum(len(w.entries) for w in lm.lists)
    files = ", ".join(w.display for w in lm.lists)
    count = f"{entries:,} entr{'y' if entries == 1 else 'ies'}"
    out = [f"Watchlists ({files}: {count}; threshold {lm.threshold:.2f}, weights in rules/matching.yaml):"]
    ctx = RowContext.of(fields)
    ids = ", ".join(str(i) for i in (*ctx.identifiers, *ctx.vessel_identifiers)) or "none"
    kind = "an organisation" if ctx.name_kind == "organization" else "an organisation or a person"
    out.append(f"  row: country {ctx.country or 'not known'}; name read as {kind}; identifiers: {ids}")
    if not candidates:
        out.append("  no candidate: no listed name, vessel or identifier comes close")
    for c in candidates[:SHOWN_CANDIDATES]:
        state = "KEPT   " if c.kept else "dropped"
        where = f"{c.field} “{c.text}”" if c.via == c.field else f"{c.via} in {c.field} “{c.text}”"
        listed = f"; {c.watchlist.display}" if len(lm.lists) > 1 else ""
        out.append(f"  {state} {c.entry.label} [{c.entry.type}{listed}] ← {where}")
        for comp in c.comparisons:
            effect = _effect(comp, lm.matching)
            out.append(f"            {comp.name:<19} {comp.score:4.2f} {effect:>6}  {comp.detail}")
        out.append(f"            → {c.why}")
    if len(candidates) > SHOWN_CANDIDATES:
        rest = candidates[SHOWN_CANDIDATES:]
        out.append(f"  … and {len(rest)} more candidates, all dropped (best score {rest[0].score:.2f})")
    return out


def _combination_line(combo: Combination, hits: list[Hit], fired: dict[str, Hit]) -> str:
    slots = []
    for slot in combo.all_of:
        filler = [h.rule for h in hits if fills(slot, h)]
        slots.append(f"[{' | '.join(slot)}] ← {', '.join(filler) if filler else 'nothing'}")
    if combo.id in fired:
        hit = fired[combo.id]
        state = f"+{hit.points}" if hit.points else "fired, 0 (group already counted)"
    else:
        state = "not fired"
    return f"{combo.id}: {state}; " + "; ".join(slots)


def explain(
    fields: Mapping[str, str],
    rules: RuleSet,
    matcher: Matcher | None = None,
    lists: Sequence[Watchlist] = (),
    list_matcher: ListMatcher | None = None,
) -> Explanation:
    """Screen one supplier and keep every step; with ``lists`` (or a ``list_matcher``), also every watchlist
    candidate, kept or dropped, with its comparisons."""
    matcher = matcher or Matcher(rules)
    row = {k: v for k, v in fields.items() if v}
    trace: list[str] = []
    raw = matcher.match_row(row, trace)
    if list_matcher is None and lists:
        list_matcher = ListMatcher(lists, rules.watchlist, matching=rules.matching)
    candidates: list[Candidate] = []
    if list_matcher is not None:
        raw = [*raw, *list_matcher.match_rows([row]).get(0, [])]
        candidates = list_matcher.candidates(row)
    actions: list[Candidate] = []
    if matcher.enforcement is not None:
        raw = [*raw, *matcher.enforcement.match_rows([row]).get(0, [])]
        actions = matcher.enforcement.candidates(row)
    verdict = score_hits(raw, rules)
    read = as_read(row)  # what the matchers compare: the text as a reader sees it
    normalised = [f"{k} read as “{v}”" for k, v in read.items() if v != row[k]]
    if read.get("name"):
        normalised.append(f"name key (for watchlists): “{name_key(read['name']).full}”")
    if read.get("country") or read.get("address"):
        code = country_code(read.get("country", ""), read.get("address", ""))
        normalised.append(
            f"country: {code or 'not recognised'}"
            + (" (a bare 'Korea' the address does not settle)" if code == "KP?" else "")
        )
    if read.get("hs_code"):
        codes = [format_hs(c) for c in hs_codes(read["hs_code"])]
        normalised.append(f"HS codes: {', '.join(codes) or 'none recognised'}")
    fired_rules = {h.rule: h for h in verdict.hits}
    indicator_hits = [h for h in verdict.hits if h.category != "combination"]
    combos = [_combination_line(c, indicator_hits, fired_rules) for c in rules.combinations]
    silent: dict[str, list[str]] = {}
    for ind in rules.indicators:
        if ind.id not in fired_rules:
            silent.setdefault(ind.category, []).append(ind.id)
    return Explanation(
        row,
        normalised,
        verdict,
        combos,
        list(dict.fromkeys(trace)),
        silent,
        rules,
        tuple(raw),
        candidates,
        list_matcher,
        actions,
    )
