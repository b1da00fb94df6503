"""U.S. enforcement actions (``rules/enforcement.yaml``) matched against supplier rows.

The actions' entities and vessels are a watchlist like any other, matched by the same machinery
(:class:`~supplyscreen.match.lists.ListMatcher`): an entity in the name cell fuzzily, by name keys, with
explained comparisons (a different legal form or a transliterated Chinese name is the same name; a name of
generic words and a place alone — "Dalian Ocean Fishing Equipment Co." — is not); a vessel in the vessel
cell by name and hull numbers (``compare/vessel.py``: "Yu Long No.2" = "YU LONG NO. 2" ≠ "Yu Long No. 3");
an IMO number wherever a row writes it with its label. Notes and descriptions are read for the actions'
names word for word (:func:`mention_indicators`, compiled with the rule terms, so they cost the rows
nothing more): an entity's name without its legal form, a vessel's name with its hull number, or a vessel
without one after "F/V", "vessel" … ("the vessel Da Wang", not "Mr Da Wang").

A hit names the action (rule ``<action id>``, category ``enforcement``) and carries it in ``list.action``:
its kind, status, dates, goods and sources. An active action's hit is tagged ``detention`` (the
``detention`` legal track: the goods will be detained, ``score.track_of``) and counts the list's points; a
modified or revoked one is history: tagged ``enforcement_history``, 0 points.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from supplyscreen.compare import Comparison
from supplyscreen.compare.identifiers import identifiers_in
from supplyscreen.ingest.watchlist import Entry, Watchlist
from supplyscreen.match.lists import ID_FIELDS, Candidate, ListMatcher, vessel_cell
from supplyscreen.match.names import name_key
from supplyscreen.match.rows import Hit
from supplyscreen.normalize.text import has_cjk, strip_trailing_legal_forms, tokens, vessel_key
from supplyscreen.rules import (
    EnforcementAction,
    EnforcementList,
    Indicator,
    MatchingRules,
    Source,
    WatchlistPoints,
)

SOURCE = "CBP enforcement actions (rules/enforcement.yaml)"
KINDS = {"wro": "Withhold Release Order", "finding": "Finding", "caatsa": "CAATSA detention"}
# what an active order does to the goods (19 CFR 12.42–12.44; CAATSA as CBP applies it)
CONSEQUENCE = {"wro": "detained", "finding": "seized", "caatsa": "detained"}
DETENTION_TAG = "detention"  # an active action: the detention legal track
HISTORY_TAG = "enforcement_history"  # a modified or revoked action: shown, not counted
VESSEL_WORDS = ("F/V", "FV", "M/V", "MV", "vessel", "fishing vessel")  # before a vessel name in prose
MENTION_FIELDS = ["notes", "description"]
_LABEL = re.compile(r"imo|mmsi", re.IGNORECASE)


def _date(d: Any) -> str:
    return f"{d.day} {d:%b %Y}"


def indicator_name(action: EnforcementAction) -> str:
    """What a hit of the action says: the order, its date and what it means for the goods."""
    order = action.order
    kind = KINDS[order.what]
    if action.active:
        return f"CBP {kind} of {_date(order.date)}: {action.name} — goods will be {CONSEQUENCE[order.what]}"
    last = action.events[-1]
    return f"CBP {kind} of {_date(order.date)}, {last.what} {_date(last.date)}: {action.name} — history, no detention"


def action_json(action: EnforcementAction, as_of: Any, cited: Mapping[str, Source]) -> dict[str, Any]:
    """The action as ``results.json`` carries it in a hit's ``list.action``: each event with its source as
    "publisher, title, date" (``cited``: the sources of sources.yaml) and its id."""
    order = action.order
    return {
        "id": action.id,
        "kind": order.what,
        "status": action.status,
        "date": order.date.isoformat(),
        "status_date": action.events[-1].date.isoformat(),
        "goods": action.goods,
        "dprk_labour": action.dprk_labour,
        "events": [
            {
                "date": e.date.isoformat(),
                "what": e.what,
                "source": cited[e.source].display if e.source in cited else e.source,
                "source_id": e.source,
                "verified": e.verified,
            }
            for e in action.events
        ],
        "as_of": as_of.isoformat() if as_of is not None else None,
    }


def enforcement_hit(
    action: EnforcementAction,
    enforcement: EnforcementList,
    cited: Mapping[str, Source],
    field: str,
    text: str,
    matched: str,
    similarity: float,
    listed: dict[str, Any],
) -> Hit:
    """The hit of a row that meets ``action``: counted and tagged ``detention`` while the action is active."""
    active = action.active
    return Hit(
        rule=action.id,
        indicator=indicator_name(action),
        category="enforcement",
        field=field,
        text=text,
        matched=matched,
        similarity=similarity,
        points=enforcement.points if active else 0,
        citations=tuple(action.citations),
        nexus=action.dprk_labour and active,
        tags=("enforcement", DETENTION_TAG if active else HISTORY_TAG, action.order.what),
        group="enforcement",
        list={**listed, "action": action_json(action, enforcement.as_of, cited)},
    )


def _entries(enforcement: EnforcementList) -> list[Entry]:
    """One watchlist entry per action's entity (its names as aliases) and per vessel."""
    entries = []
    for action in enforcement.actions:
        if action.entities:
            entries.append(
                Entry(
                    entry_id=action.id,
                    name=action.entities[0],
                    aliases=tuple(action.entities[1:]),
                    type="organization",
                    countries=(action.country,) if action.country else (),
                    country_codes=(action.country,) if action.country else (),
                    source=SOURCE,
                )
            )
        for i, vessel in enumerate(action.vessels, start=1):
            ids = identifiers_in(f"IMO {vessel.imo}") if vessel.imo else ()
            entries.append(
                Entry(
                    entry_id=f"{action.id}#vessel{i}",
                    name=vessel.name,
                    aliases=tuple(vessel.aliases),
                    type="vessel",
                    imo=(vessel.imo,) if vessel.imo else (),
                    identifiers=ids,
                    source=SOURCE,
                )
            )
    return entries


class EnforcementMatcher(ListMatcher):
    """The enforcement actions as a compiled watchlist whose hits are enforcement hits."""

    def __init__(
        self,
        enforcement: EnforcementList,
        matching: MatchingRules | None = None,
        cited: Mapping[str, Source] | None = None,
    ) -> None:
        entries = _entries(enforcement)
        digest = hashlib.sha256(enforcement.model_dump_json().encode()).hexdigest()
        listed = Watchlist(display=SOURCE, sha256=digest, format="enforcement", entries=entries)
        super().__init__([listed], WatchlistPoints(), matching=matching)
        self.enforcement = enforcement
        self.cited = dict(cited or {})  # the sources the actions' events name, by id
        self.actions = {a.id: a for a in enforcement.actions}
        # the words of the listed names' keys: an ASCII name holding none of them (spaces and punctuation
        # aside) cannot come near a listed name, and is not compared at all
        anchors = {w for e in entries if e.type != "vessel" for n in e.names for w in name_key(n).words}
        words = sorted((w for w in anchors if len(w) > 2), key=len, reverse=True)
        self._anchors = re.compile("|".join(map(re.escape, words)) or "(?!)")

    def match_rows(self, rows: Sequence[Mapping[str, str]]) -> dict[int, list[Hit]]:
        """Hits by row position, as :meth:`ListMatcher.match_rows`, comparing only the rows that may meet an
        action: a vessel cell, a name holding a word of a listed name's key (spaces aside: "Da Lian" is
        "dalian") or written in Chinese characters (read in pinyin first), a labelled IMO number when an
        action gives one. Every row is screened against a dozen entries, so the others cost a substring test
        instead of a name key (3 µs a row instead of 16). A known limit: a listed name with a typo in every
        word of its key, or written in Cyrillic, is not compared."""
        picked = [i for i, row in enumerate(rows) if self._may_meet(row)]
        if not picked:
            return {}
        found = super().match_rows([rows[i] for i in picked])
        return {picked[k]: hits for k, hits in found.items()}

    def _may_meet(self, row: Mapping[str, str]) -> bool:
        if row.get("vessel"):
            return True
        name = row.get("name")
        if name:
            if not name.isascii() and has_cjk(name):
                return True
            low = name.lower()
            if self._anchors.search(low.replace(" ", "")) or (
                ("imo" in low or "mmsi" in low) and vessel_cell(row) is not None
            ):
                return True
        return bool(self._ids) and any(_LABEL.search(row.get(f) or "") for f in ID_FIELDS)

    def _hit(self, c: Candidate) -> Hit:
        action = self.actions[c.entry.entry_id.split("#", 1)[0]]
        listed = {
            "source": SOURCE,
            "entry": action.name,
            "entry_id": action.id,
            "score": round(c.score, 3),
            "threshold": self.threshold,
            "comparisons": c.combined.comparisons_json(),
            "why": c.why,
        }
        return enforcement_hit(
            action, self.enforcement, self.cited, c.field, c.text, c.alias, round(c.score, 3), listed
        )

    def mention(self, hit: Hit) -> Hit:
        """An enforcement action named word for word in a row's notes or description (a term hit of
        :func:`mention_indicators`), as an enforcement hit with the action."""
        action = self.actions[hit.rule]
        detail = f"the {hit.field} write “{hit.matched}”, a name of the action, word for word"
        listed = {
            "source": SOURCE,
            "entry": action.name,
            "entry_id": action.id,
            "score": 1.0,
            "threshold": self.threshold,
            "comparisons": [Comparison("mention", 1.0, detail).as_dict()],
            "why": f"kept: {detail}",
        }
        return enforcement_hit(
            action, self.enforcement, self.cited, hit.field, hit.text, hit.matched, 1.0, listed
        )


def _entity_terms(name: str) -> list[str]:
    """An entity's name as prose writes it: with and without its legal form (two words at least)."""
    words = strip_trailing_legal_forms(tokens(name))
    return [name, " ".join(words)] if len(words) >= 2 else [name]


def _vessel_terms(name: str) -> list[str]:
    """A vessel's name as prose writes it: with its hull number, with or without "No."; a name without one
    only after or before a word that makes it a vessel ("F/V Da Wang", "the Da Wang vessel")."""
    key = vessel_key(name)
    words = [w for w in tokens(name) if w not in ("no", *key.numbers)]
    base = " ".join(words)
    if key.numbers:
        number = " ".join(key.numbers)
        return [name, f"{base} {number}", f"{base} No. {number}"]
    return [*(f"{w} {base}" for w in VESSEL_WORDS), f"{base} vessel"]


def mention_indicators(enforcement: EnforcementList) -> list[Indicator]:
    """The actions as term indicators of the notes and description fields (see :meth:`EnforcementMatcher.mention`):
    the id of each is its action's, so a mention and a name or vessel match of one action are one hit."""
    out = []
    for action in enforcement.actions:
        terms = [t for name in action.entities for t in _entity_terms(name)]
        terms += [t for v in action.vessels for name in (v.name, *v.aliases) for t in _vessel_terms(name)]
        out.append(
            Indicator(
                id=action.id,
                name=indicator_name(action),
                category="enforcement",
                terms=list(dict.fromkeys(terms)),
                fields=MENTION_FIELDS,  # type: ignore[arg-type]
                points=enforcement.points if action.active else 0,
                tags=["enforcement"],
                group="enforcement",
                fuzzy=False,
                citations=action.citations,
            )
        )
    return out
