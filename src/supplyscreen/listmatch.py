"""Watchlist hits for a whole sheet at once: names through the blocked name index, vessels by hull number
and name, IMO numbers exactly wherever they are written in a row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from supplyscreen.match import Hit
from supplyscreen.names import THRESHOLD, NameIndex, name_key
from supplyscreen.normalize import imo_numbers, imo_valid, vessel_key
from supplyscreen.rules import Citation, WatchlistPoints
from supplyscreen.watchlist import Entry, Watchlist

VESSEL_NAME_CUTOFF = 85.0
IMO_FIELDS = ("vessel", "notes", "description", "name")


@dataclass(frozen=True, slots=True)
class _Target:
    watchlist: Watchlist
    entry: Entry
    alias: str


class ListMatcher:
    """Every entry of every ``--list`` file, ready to match columns of supplier rows."""

    def __init__(
        self, lists: Sequence[Watchlist], points: WatchlistPoints, threshold: float = THRESHOLD
    ) -> None:
        self.lists = list(lists)
        self.points = points
        self.threshold = threshold
        self._names: list[_Target] = []
        self._people: list[_Target] = []
        self._vessels: dict[tuple[str, ...], list[tuple[str, _Target]]] = defaultdict(list)
        self._imo: dict[str, list[_Target]] = defaultdict(list)
        for wl in self.lists:
            for entry in wl.entries:
                for alias in entry.names:
                    target = _Target(wl, entry, alias)
                    if entry.type == "vessel":
                        key = vessel_key(alias)
                        if key.letters:
                            self._vessels[key.numbers].append((key.letters, target))
                    elif entry.type == "person":
                        self._people.append(target)
                    else:
                        self._names.append(target)
                for number in entry.imo:
                    self._imo[number].append(_Target(wl, entry, f"IMO {number}"))
        self._index = NameIndex([t.alias for t in self._names]) if self._names else None
        self._people_index = NameIndex([t.alias for t in self._people]) if self._people else None

    def _hit(self, target: _Target, field: str, text: str, similarity: float, kind: str) -> Hit:
        entry = target.entry
        points = self.points.nexus if entry.nexus else self.points.dprk if entry.dprk else self.points.other
        what = (
            "DPRK labour-export entity or entity in the DPRK"
            if entry.nexus
            else ("DPRK sanctions programme" if entry.dprk else "listed entry")
        )
        return Hit(
            rule=f"watchlist:{target.watchlist.display}#{entry.entry_id}",
            indicator=f"Watchlist {kind} match: {entry.name} ({what})",
            category="watchlist",
            field=field,
            text=text,
            matched=target.alias,
            similarity=similarity,
            points=points,
            citations=(
                Citation(
                    source=entry.source or target.watchlist.format,
                    quote=entry.reason or f"Listed in {target.watchlist.display}",
                ),
            ),
            nexus=entry.nexus,
            tags=("watchlist", "dprk_list") if entry.dprk else ("watchlist",),
            group="watchlist",
            list={"source": target.watchlist.display, "entry": entry.label},
        )

    def match_rows(self, rows: Sequence[Mapping[str, str]]) -> dict[int, list[Hit]]:
        """List hits by row position, for every row of a sheet."""
        out: dict[int, list[Hit]] = defaultdict(list)
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
            for m in self._index.match(names, self.threshold):
                target, name = self._names[m.target], names[m.query]
                for i in (first[name], *again.get(name, ())):
                    out[i].append(self._hit(target, "name", name, m.similarity, "name"))
        if self._people_index is not None:
            # a listed person matches only a supplier written as a person: no legal form or business word
            people = [n for n in {r.get("name", "") for r in rows} if n and not name_key(n).company]
            rows_by_name: dict[str, list[int]] = defaultdict(list)
            for i, row in enumerate(rows):
                rows_by_name[row.get("name", "")].append(i)
            for m in self._people_index.match(people, self.threshold):
                target = self._people[m.target]
                for i in rows_by_name[people[m.query]]:
                    out[i].append(self._hit(target, "name", people[m.query], m.similarity, "person name"))
        if self._vessels:
            for i, row in enumerate(rows):
                if row.get("vessel"):
                    out[i].extend(self._vessel_hits(row["vessel"]))
        if self._imo:
            for i, row in enumerate(rows):
                for field in IMO_FIELDS:
                    for number in imo_numbers(row.get(field, "")):
                        if imo_valid(number):
                            out[i].extend(
                                self._hit(t, field, f"IMO {number}", 1.0, "IMO")
                                for t in self._imo.get(number, ())
                            )
        return out

    def _vessel_hits(self, text: str) -> list[Hit]:
        key = vessel_key(text)
        hits = []
        for letters, target in self._vessels.get(key.numbers, ()):
            if key.letters and letters[0] == key.letters[0]:
                score = fuzz.ratio(key.letters, letters)
                if score >= VESSEL_NAME_CUTOFF:
                    hits.append(self._hit(target, "vessel", text, round(score / 100, 3), "vessel"))
        return hits
