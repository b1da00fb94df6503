"""Watchlist hits for a whole sheet at once: blocking, then explained comparisons.

Blocking finds the candidates cheaply — organisation names (and aircraft, which read like them) through the
blocked name index, people's names through their own, vessels by hull number and name, identifiers (IMO,
MMSI, registration and tax numbers, SWIFT codes, list ids) by value wherever a row writes them. Each
candidate is then compared with the row (``supplyscreen.compare``: name, identifiers, country, entity type,
vessel, place) and the comparisons weighed into one score by ``rules/matching.yaml``; a candidate at or above the
threshold is a hit, and the hit carries its comparisons. ``ListMatcher.candidates`` shows one row's
candidates, kept or dropped and why (``supplyscreen explain --list``).
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from rapidfuzz import fuzz

from supplyscreen.compare import Combined, Comparison, combine
from supplyscreen.compare.country import compare_countries
from supplyscreen.compare.entity import compare_types
from supplyscreen.compare.identifiers import (
    KINDS,
    Identifier,
    compare_identifiers,
    identifiers_in,
    registration,
    registration_forms,
)
from supplyscreen.compare.name import compare_names, generic_only, weak_name
from supplyscreen.compare.place import compare_places
from supplyscreen.compare.vessel import compare_vessel_names
from supplyscreen.ingest.watchlist import Entry, Watchlist
from supplyscreen.match.names import NameIndex, NameKey, Words, korean_form, name_key, person_key
from supplyscreen.match.rows import Hit
from supplyscreen.normalize.text import country_code, readable, vessel_key
from supplyscreen.rules import Citation, MatchingRules, WatchlistPoints, default_matching

VESSEL_NAME_CUTOFF = 0.75  # vessel names this close (hull numbers equal) are compared; the weights decide
ID_FIELDS = ("vessel", "notes", "description", "name")  # where a row's identifiers are read
EXPLAIN_FLOOR = 0.6  # name similarity from which ``candidates`` shows a name candidate


class _Target(NamedTuple):
    source: int  # the position of its list in ``ListMatcher.lists``
    entry: Entry
    alias: str


_VESSEL_REF = re.compile(r"\b(?:imo|mmsi)", re.IGNORECASE)


def vessel_cell(row: Mapping[str, str]) -> tuple[str, str] | None:
    """The cell naming the row's vessel, as (field, text): the vessel cell, else a name cell that carries an
    IMO number or MMSI ("Ocean Star IMO 9912347" in a name column is a vessel)."""
    if row.get("vessel"):
        return "vessel", row["vessel"]
    name = row.get("name") or ""
    if _VESSEL_REF.search(name) and any(i.identifies == "vessel" for i in identifiers_in(name)):
        return "name", name
    return None


@dataclass(frozen=True, slots=True)
class RowContext:
    """A row as the comparisons see it: its country (``normalize.country_code``: None unknown, ``KP?`` a bare
    Korea) and address; the identifiers of its name, notes and description cells that identify the supplier
    itself, and those of its vessel cell; and what its name may be."""

    country: str | None
    address: str
    identifiers: tuple[Identifier, ...]
    vessel_identifiers: tuple[Identifier, ...]
    name_kind: str  # "organization" (a legal form or business word) or "organization or person"

    @classmethod
    def of(cls, row: Mapping[str, str], key_of: Callable[[str], NameKey] = name_key) -> RowContext:
        country, address = row.get("country", ""), row.get("address", "")
        own = tuple(
            i
            for f in ("name", "notes", "description")
            for i in identifiers_in(row.get(f) or "")
            if i.identifies != "vessel"
        )
        name = row.get("name") or ""
        vessel = vessel_cell(row)
        return cls(
            country_code(country, address) if country or address else None,
            address,
            tuple(dict.fromkeys(own)),
            identifiers_in(vessel[1], bare_imo=vessel[0] == "vessel") if vessel else (),
            "organization" if key_of(name).company else "organization or person",
        )


@dataclass(frozen=True)
class Candidate:
    """One watchlist entry a row was compared with: through which cell and index, the comparisons, their
    combined score and whether it was kept, and why."""

    watchlist: Watchlist
    entry: Entry
    alias: str  # the entry's name, alias or identifier that the row met
    field: str
    text: str
    via: str  # "name", "person name", "vessel" or an identifier ("IMO", "MMSI" …)
    combined: Combined

    @property
    def score(self) -> float:
        return self.combined.score

    @property
    def kept(self) -> bool:
        return self.combined.kept

    @property
    def why(self) -> str:
        return self.combined.why

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        return self.combined.comparisons


class ListMatcher:
    """Every entry of every ``--list`` file, ready to match columns of supplier rows. ``matching`` holds the
    weights (default: the bundled ``rules/matching.yaml``); ``threshold`` overrides its threshold.

    One matcher may serve several threads (the web app keeps compiled lists, ``match.compiled``): its name
    indexes learn the words of the names they are asked about, so matching holds a lock."""

    def __init__(
        self,
        lists: Sequence[Watchlist],
        points: WatchlistPoints,
        threshold: float | None = None,
        matching: MatchingRules | None = None,
    ) -> None:
        self.lists = list(lists)
        self.points = points
        self.matching = matching if matching is not None else default_matching()
        self.threshold = self.matching.threshold if threshold is None else threshold
        # a name below the threshold can reach it only through positive qualifiers (country_match …)
        boost = sum(w for w in self.matching.qualifiers.values() if w > 0)
        self._floor = max(0.0, self.threshold - boost)
        self._generic = frozenset(self.matching.generic_words)
        self._abroad = {k: frozenset(v) for k, v in self.matching.operates_abroad.items()}
        self._names: list[_Target] = []
        self._people: list[_Target] = []
        # listed vessels by hull numbers: (name letters, their Korean canonical form or '', target)
        self._vessels: dict[tuple[str, ...], list[tuple[str, str, _Target]]] = defaultdict(list)
        self._ids: dict[tuple[str, str], list[tuple[Identifier, _Target]]] = defaultdict(list)
        self._registrations: dict[str, list[_Target]] = defaultdict(list)  # listed aircraft by tail number
        for source, wl in enumerate(self.lists):
            for entry in wl.entries:
                for alias in entry.names:
                    target = _Target(source, entry, alias)
                    if entry.type == "vessel":
                        key = vessel_key(alias)
                        if key.letters:
                            korean = korean_form(key.letters) or ""
                            self._vessels[key.numbers].append((key.letters, korean, target))
                    elif entry.type == "person":
                        self._people.append(target)
                    else:  # organisations, and aircraft (their registrations read like names: vetoed)
                        self._names.append(target)
                        tail = registration(alias, entry.type == "aircraft")
                        if tail is not None:  # ... and found by registration instead
                            self._registrations[tail.value].append(target)
                for ident in entry.identifiers:
                    target = _Target(source, entry, str(ident))
                    self._ids[(ident.family, ident.value)].append((ident, target))
        self._index = NameIndex([t.alias for t in self._names]) if self._names else None
        # the keys of the names the comparisons read, once per distinct name
        self._key: Callable[[str], NameKey] = (
            self._index.query_key if self._index is not None else partial(name_key, words=Words())
        )
        people = [t.alias for t in self._people]
        self._people_index = NameIndex(people, key_of=person_key) if people else None
        self._lock = threading.Lock()

    def renamed(self, lists: Sequence[Watchlist]) -> ListMatcher:
        """The same matcher (indexes and lock shared) for the same lists under other names: ``lists`` holds,
        in order, a copy of each of ``self.lists`` with another ``path`` and ``display``, which its hits
        cite."""
        view = object.__new__(ListMatcher)
        view.__dict__.update(self.__dict__)
        view.lists = list(lists)
        return view

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (the compiled-list cache, Dask workers) without its lock; unpickled with a new one."""
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- comparisons ------------------------------------------------------------------------------------

    def _candidate(
        self, target: _Target, field: str, text: str, via: str, comparisons: list[Comparison]
    ) -> Candidate:
        judged = combine(comparisons, self.matching, self.threshold)
        return Candidate(self.lists[target.source], target.entry, target.alias, field, text, via, judged)

    def _by_name(self, target: _Target, text: str, similarity: float, ctx: RowContext, via: str) -> Candidate:
        entry, alias = target.entry, target.alias
        country = compare_countries(ctx.country, entry.country_codes, self._abroad)
        identifiers = compare_identifiers(ctx.identifiers, entry.identifiers)
        supported = country.name == "country_match" or identifiers.name == "identifier_match"
        kind = "aircraft" if registration(alias, entry.type == "aircraft") else entry.type
        comparisons = [
            compare_names(text, alias, similarity, primary=entry.name),
            compare_types(ctx.name_kind, kind),
            generic_only(text, alias, self._generic, self._key),
            weak_name(
                text, alias, supported, self._generic, country_known=ctx.country is not None, key_of=self._key
            ),
            country,
            compare_places(text, ctx.address, alias, entry.addresses, self._generic, self._key),
            identifiers,
        ]
        return self._candidate(target, "name", text, via, comparisons)

    def _by_vessel(self, target: _Target, field: str, text: str, ctx: RowContext) -> Candidate:
        entry = target.entry
        comparisons = [
            compare_vessel_names(text, target.alias),
            compare_types("vessel", entry.type),
            compare_identifiers(ctx.vessel_identifiers, entry.identifiers),
        ]
        return self._candidate(target, field, text, "vessel", comparisons)

    def _by_registration(self, target: _Target, field: str, text: str, tail: str) -> Candidate:
        comparisons = [
            Comparison(
                "identifier_match",
                1.0,
                f"aircraft registration {target.alias} (tail number {tail}) written in the row's {field}",
            ),
            compare_types("aircraft", "aircraft"),
        ]
        return self._candidate(target, field, text, KINDS["aircraft"][0], comparisons)

    def _registration_targets(self, row: Mapping[str, str]) -> Iterator[tuple[str, str, str, _Target]]:
        """(field, text, tail number, target) for every listed aircraft whose registration a row writes in
        its name, notes or description."""
        for field in ("name", "notes", "description"):
            text = row.get(field)
            if text:
                for tail in registration_forms(text) & self._registrations.keys():
                    for target in self._registrations[tail]:
                        yield field, text, tail, target

    def _by_identifier(self, target: _Target, field: str, ident: Identifier) -> Candidate:
        comparisons = [compare_identifiers((ident,), target.entry.identifiers)]
        return self._candidate(target, field, str(ident), ident.label, comparisons)

    # -- hits -------------------------------------------------------------------------------------------

    def _hit(self, c: Candidate) -> Hit:
        entry = c.entry
        points = self.points.nexus if entry.nexus else self.points.dprk if entry.dprk else self.points.other
        what = (
            "DPRK labour-export entity or entity in the DPRK"
            if entry.nexus
            else ("DPRK sanctions programme" if entry.dprk else "listed entry")
        )
        listed: dict[str, Any] = {
            "source": c.watchlist.display,
            "entry": entry.label,
            "entry_id": entry.entry_id,
            "score": round(c.score, 3),
            "threshold": self.threshold,
            "comparisons": c.combined.comparisons_json(),
            "why": c.why,
        }
        return Hit(
            rule=f"watchlist:{c.watchlist.display}#{entry.entry_id}",
            indicator=f"Watchlist {c.via} match: {entry.name} ({what})",
            category="watchlist",
            field=c.field,
            text=c.text,
            matched=c.alias,
            similarity=round(c.score, 3),
            points=points,
            citations=(
                Citation(
                    source=entry.source or c.watchlist.format,
                    quote=entry.reason or f"Listed in {c.watchlist.display}",
                ),
            ),
            nexus=entry.nexus,
            tags=("watchlist", "dprk_list") if entry.dprk else ("watchlist",),
            group="watchlist",
            list=listed,
        )

    def match_rows(self, rows: Sequence[Mapping[str, str]]) -> dict[int, list[Hit]]:
        """List hits by row position, for every row of a sheet: one per row and entry (the best-scoring way
        the row met it). Rows are read as a reader sees them (:func:`as_read`)."""
        read = [as_read(row) for row in rows]
        with self._lock:
            return self._match_rows(read)

    def _match_rows(self, rows: Sequence[Mapping[str, str]]) -> dict[int, list[Hit]]:
        best: dict[int, dict[tuple[int, str], Candidate]] = defaultdict(dict)
        contexts: dict[int, RowContext] = {}

        def context(i: int) -> RowContext:
            found = contexts.get(i)
            if found is None:
                found = contexts[i] = RowContext.of(rows[i], self._key)
            return found

        def keep(i: int, c: Candidate) -> None:
            if c.kept:
                key = (id(c.watchlist), c.entry.entry_id)
                held = best[i].get(key)
                if held is None or c.score > held.score:
                    best[i][key] = c

        if self._index is not None:
            first: dict[str, int] = {}  # the row of each name, and the rows of names written again
            again: dict[str, list[int]] = defaultdict(list)  # (not a list per row: fewer objects to collect)
            for i, row in enumerate(rows):
                if name := row.get("name"):
                    if name in first:
                        again[name].append(i)
                    else:
                        first[name] = i
            names = list(first)
            for m in self._index.match(names, self._floor):
                target, name = self._names[m.target], names[m.query]
                for i in (first[name], *again.get(name, ())):
                    keep(i, self._by_name(target, name, m.similarity, context(i), "name"))
        if self._people_index is not None:
            # a listed person matches only a supplier written as a person: no legal form or business word
            people = [n for n in {r.get("name", "") for r in rows} if n and not self._key(n).company]
            rows_by_name: dict[str, list[int]] = defaultdict(list)
            for i, row in enumerate(rows):
                rows_by_name[row.get("name", "")].append(i)
            for m in self._people_index.match(people, self._floor):
                target = self._people[m.target]
                for i in rows_by_name[people[m.query]]:
                    keep(i, self._by_name(target, people[m.query], m.similarity, context(i), "person name"))
        if self._vessels:
            for i, row in enumerate(rows):
                cell = vessel_cell(row)
                if cell is not None:
                    for target in self._vessel_targets(cell[1]):
                        keep(i, self._by_vessel(target, *cell, context(i)))
        if self._ids:
            for i, row in enumerate(rows):
                for field, ident, target in self._identifier_targets(row):
                    keep(i, self._by_identifier(target, field, ident))
        if self._registrations:
            for i, row in enumerate(rows):
                for field, text, tail, target in self._registration_targets(row):
                    keep(i, self._by_registration(target, field, text, tail))
        return {i: [self._hit(c) for c in found.values()] for i, found in best.items() if found}

    def _vessel_targets(self, text: str) -> Iterator[_Target]:
        """Listed vessels with the hull numbers of ``text`` and a name starting alike and close enough to
        compare, or the same Korean name in another romanisation."""
        key = vessel_key(text)
        if not key.letters:
            return
        korean = korean_form(key.letters) or None  # None: no Korean form, so no listed form is equal
        for letters, form, target in self._vessels.get(key.numbers, ()):
            close = letters[0] == key.letters[0] and _ratio(key.letters, letters) >= VESSEL_NAME_CUTOFF
            if close or form == korean:
                yield target

    def _identifier_targets(self, row: Mapping[str, str]) -> Iterator[tuple[str, Identifier, _Target]]:
        """(field, identifier, target) for every identifier a row writes that a listed entry carries."""
        for field in ID_FIELDS:
            text = row.get(field)
            if text:
                for ident in identifiers_in(text, bare_imo=field == "vessel"):
                    for listed, target in self._ids.get((ident.family, ident.value), ()):
                        if listed.kind == ident.kind or listed.family == ident.family:
                            yield field, ident, target

    # -- one row, in full -------------------------------------------------------------------------------

    def candidates(self, row: Mapping[str, str], floor: float = EXPLAIN_FLOOR) -> list[Candidate]:
        """Every candidate of one row, kept or dropped, best first: names from ``floor`` (people and
        aircraft too, whatever the row's name looks like, so that what sets them aside shows), vessels and
        identifiers. ``match_rows`` keeps exactly the kept ones (the best per entry)."""
        with self._lock:
            return self._candidates(as_read(row), floor)

    def _candidates(self, row: Mapping[str, str], floor: float) -> list[Candidate]:
        ctx = RowContext.of(row, self._key)
        found: list[Candidate] = []
        name = row.get("name") or ""
        if name:
            for index, targets, via in (
                (self._index, self._names, "name"),
                (self._people_index, self._people, "person name"),
            ):
                if index is not None:
                    for m in index.match([name], min(floor, self._floor)):
                        found.append(self._by_name(targets[m.target], name, m.similarity, ctx, via))
        cell = vessel_cell(row)
        if cell is not None:
            for target in self._vessel_targets(cell[1]):
                found.append(self._by_vessel(target, *cell, ctx))
        for field, ident, target in self._identifier_targets(row):
            found.append(self._by_identifier(target, field, ident))
        for field, text, tail, target in self._registration_targets(row):
            found.append(self._by_registration(target, field, text, tail))
        best: dict[tuple[int, str, str], Candidate] = {}  # one per entry and way in: its best alias
        for c in sorted(found, key=lambda c: (-c.kept, -c.score, c.entry.entry_id, c.alias)):
            best.setdefault((id(c.watchlist), c.entry.entry_id, c.via), c)
        return list(best.values())


def as_read(row: Mapping[str, str]) -> dict[str, str]:
    """A row's cells as a reader sees them (``normalize.text.readable``): what list matching compares."""
    return {field: readable(text) for field, text in row.items()}


def _ratio(a: str, b: str) -> float:
    return float(fuzz.ratio(a, b)) / 100
