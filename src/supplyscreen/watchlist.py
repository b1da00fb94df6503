"""Watchlist files (``--list``): the simple CSV, OFAC's SDN CSV files and OpenSanctions exports.

The format is recognised from the file's content (headers, or OFAC's header-less 12-column layout); a file
that fits none gets an error naming the columns each format expects.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from supplyscreen.errors import InputError
from supplyscreen.io import decode
from supplyscreen.normalize import imo_numbers, imo_valid

SIMPLE_COLUMNS = ("name", "aliases", "type", "country", "identifiers", "source", "reason")
TARGETS_COLUMNS = ("id", "schema", "name", "aliases", "countries", "identifiers", "sanctions")
OFAC_PROGRAM_SPLIT = re.compile(r"\]\s*\[")
LABOUR_WORDS = re.compile(r"\b(labou?r|workers?|manpower|overseas (construction|project))\b", re.IGNORECASE)
# E.O. 13722 (OFAC tag DPRK3) covers, among others, the exporters of North Korean workers.
LABOUR_EXPORT_PROGRAMS = frozenset({"DPRK3"})
ENTRY_TYPES = ("organization", "vessel", "person")


@dataclass(frozen=True)
class Entry:
    """One watchlist entry with every name it is known by."""

    entry_id: str
    name: str
    aliases: tuple[str, ...]
    type: str  # organization | vessel | person
    countries: tuple[str, ...] = ()
    imo: tuple[str, ...] = ()
    source: str = ""
    reason: str = ""
    programs: tuple[str, ...] = ()
    nexus: bool = False  # a DPRK labour-export entity or an entity in the DPRK: sets the presumption
    dprk: bool = False  # on a DPRK sanctions programme

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def label(self) -> str:
        return f"{self.entry_id}: {self.name}" if self.entry_id else self.name


@dataclass
class Watchlist:
    path: Path
    display: str
    sha256: str
    format: str
    entries: list[Entry] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"path": self.display, "sha256": self.sha256, "entries": len(self.entries)}


def _split(value: str, sep: str = ";") -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(sep) if v.strip())


def _country_kp(countries: Iterable[str]) -> bool:
    return any(c.strip().upper() in ("KP", "PRK", "NORTH KOREA", "KOREA, NORTH") for c in countries)


# --- the simple CSV ------------------------------------------------------------------------------------


def _simple(rows: list[dict[str, str]], label: str) -> list[Entry]:
    entries = []
    for i, row in enumerate(rows, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            continue
        kind = (row.get("type") or "organization").strip().lower() or "organization"
        if kind not in ENTRY_TYPES:
            raise InputError(
                f"{label}: row {i}: type '{kind}' is not one of {', '.join(ENTRY_TYPES)}",
                hint="fix the 'type' column of the watchlist",
            )
        identifiers = row.get("identifiers") or ""
        countries = _split(row.get("country") or "")
        reason = (row.get("reason") or "").strip()
        imo = tuple(n for n in imo_numbers(identifiers) if imo_valid(n))
        dprk = _country_kp(countries) or bool(re.search(r"\b(dprk|north korea)", reason, re.IGNORECASE))
        entries.append(
            Entry(
                entry_id=f"row {i}",
                name=name,
                aliases=_split(row.get("aliases") or ""),
                type=kind,
                countries=countries,
                imo=imo,
                source=(row.get("source") or "").strip(),
                reason=reason,
                nexus=_country_kp(countries) or (dprk and bool(LABOUR_WORDS.search(reason))),
                dprk=dprk,
            )
        )
    return entries


# --- OFAC SDN --------------------------------------------------------------------------------------------


def _ofac_rows(path: Path) -> list[list[str]]:
    text, _ = decode(path.read_bytes())
    rows = []
    for row in csv.reader(io.StringIO(text)):
        if row and row[0].strip().isdigit():
            rows.append([c.strip() if c.strip() != "-0-" else "" for c in row])
    return rows


def _ofac(path: Path, label: str) -> list[Entry]:
    aliases: dict[str, list[str]] = {}
    countries: dict[str, list[str]] = {}
    alt, add = path.with_name("alt.csv"), path.with_name("add.csv")
    if alt.is_file() and alt != path:
        for row in _ofac_rows(alt):
            if len(row) >= 4 and row[3]:
                aliases.setdefault(row[0], []).append(_person_order(row[3]))
    if add.is_file() and add != path:
        for row in _ofac_rows(add):
            if len(row) >= 5 and row[4]:
                countries.setdefault(row[0], []).append(row[4])
    entries = []
    for row in _ofac_rows(path):
        if len(row) < 12:
            continue
        ent, name, kind, program, _title, _call, _vtype, _ton, _grt, flag, _owner, remarks = row[:12]
        programs = tuple(p.strip(" []") for p in OFAC_PROGRAM_SPLIT.split(program) if p.strip(" []"))
        place = countries.get(ent, [])
        if flag:
            place = [*place, flag]
        dprk = any(p.startswith("DPRK") for p in programs)
        in_dprk = any("korea, north" in c.lower() or "democratic people" in c.lower() for c in place)
        typ = {"individual": "person", "vessel": "vessel"}.get(kind.lower(), "organization")
        entries.append(
            Entry(
                entry_id=f"SDN {ent}",
                name=_person_order(name) if typ == "person" else name,
                aliases=tuple(dict.fromkeys(aliases.get(ent, []))),
                type=typ,
                countries=tuple(dict.fromkeys(place)),
                imo=tuple(n for n in imo_numbers(remarks) if imo_valid(n)),
                source=f"OFAC SDN list, programme {', '.join(programs)}",
                reason=remarks[:400],
                programs=programs,
                nexus=dprk
                and (
                    bool(LABOUR_EXPORT_PROGRAMS & set(programs))
                    or in_dprk
                    or bool(LABOUR_WORDS.search(remarks))
                ),
                dprk=dprk,
            )
        )
    return entries


def _person_order(name: str) -> str:
    """OFAC writes people 'KIM, Yong Chol'; suppliers write 'Kim Yong Chol'."""
    if name.count(",") == 1 and not re.search(r"\b(ltd|llc|inc|co|corp)\b", name, re.IGNORECASE):
        last, first = name.split(",")
        return f"{first.strip()} {last.strip()}"
    return name


# --- OpenSanctions -----------------------------------------------------------------------------------------


def _ftm(lines: Iterator[str], label: str) -> list[Entry]:
    entries = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{label}: line {n} is not JSON ({exc.msg})", hint="export FtM JSON lines again"
            ) from exc
        schema = data.get("schema", "")
        kind = {"Vessel": "vessel", "Person": "person"}.get(
            schema,
            "organization" if schema in ("Company", "Organization", "LegalEntity", "PublicBody") else "",
        )
        props = data.get("properties", {})
        names = [*props.get("name", []), *props.get("alias", []), *props.get("previousName", [])]
        if not kind or not names:
            continue
        countries = tuple(
            c.upper()
            for key in ("country", "jurisdiction", "flag", "nationality")
            for c in props.get(key, [])
        )
        topics = props.get("topics", [])
        notes = " ".join(props.get("notes", []) + props.get("program", []))
        dprk = "KP" in countries or bool(re.search(r"\b(dprk|north korea)", notes, re.IGNORECASE))
        imo = tuple(n for v in props.get("imoNumber", []) for n in re.findall(r"\d{7}", v) if imo_valid(n))
        entries.append(
            Entry(
                entry_id=str(data.get("id", f"line {n}")),
                name=data.get("caption") or names[0],
                aliases=tuple(dict.fromkeys(x for x in names if x != data.get("caption"))),
                type=kind,
                countries=countries,
                imo=imo,
                source=f"OpenSanctions {', '.join(data.get('datasets', []))}".strip(),
                reason="; ".join(topics + ([notes[:300]] if notes else [])),
                nexus="KP" in countries and "sanction" in topics,
                dprk=dprk,
            )
        )
    return entries


def _targets(rows: list[dict[str, str]], label: str) -> list[Entry]:
    entries = []
    for row in rows:
        kind = {"Vessel": "vessel", "Person": "person"}.get(row.get("schema", ""), "organization")
        countries = _split(row.get("countries") or "", ";")
        countries = tuple(c.upper() for c in countries)
        sanctions = row.get("sanctions") or ""
        dprk = "KP" in countries or bool(re.search(r"\b(dprk|north korea)", sanctions, re.IGNORECASE))
        entries.append(
            Entry(
                entry_id=row.get("id", ""),
                name=row.get("name", ""),
                aliases=_split(row.get("aliases") or ""),
                type=kind,
                countries=countries,
                imo=tuple(n for n in imo_numbers(row.get("identifiers") or "") if imo_valid(n))
                + tuple(
                    n
                    for n in re.findall(r"\b\d{7}\b", row.get("identifiers") or "")
                    if kind == "vessel" and imo_valid(n)
                ),
                source=f"OpenSanctions {row.get('dataset', '')}".strip(),
                reason=sanctions[:400],
                nexus="KP" in countries and bool(sanctions),
                dprk=dprk,
            )
        )
    return [e for e in entries if e.name]


# --- detection ---------------------------------------------------------------------------------------------


def load_watchlist(path: str | Path) -> Watchlist:
    """Read one watchlist file; the format is recognised from its content."""
    path = Path(path)
    label = str(path)
    if not path.is_file():
        raise InputError(f"{label}: no such watchlist file", hint="check the --list path")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    text, _ = decode(data)
    head = text.lstrip()[:1]
    if head == "{":
        return Watchlist(path, label, digest, "opensanctions-ftm", _ftm(iter(text.splitlines()), label))
    first = next(csv.reader(io.StringIO(text)), [])
    header = [h.strip().lower() for h in first]
    if first and first[0].strip().isdigit() and len(first) >= 12:
        return Watchlist(path, label, digest, "ofac-sdn", _ofac(path, label))
    rows = list(csv.DictReader(io.StringIO(text)))
    rows = [{(k or "").strip().lower(): (v or "") for k, v in r.items()} for r in rows]
    if set(TARGETS_COLUMNS) <= set(header):
        return Watchlist(path, label, digest, "opensanctions-targets", _targets(rows, label))
    if "name" in header and (
        {"aliases", "type", "reason"} & set(header) or set(header) <= set(SIMPLE_COLUMNS)
    ):
        return Watchlist(path, label, digest, "simple", _simple(rows, label))
    seen = ", ".join(repr(h) for h in first[:12]) or "none"
    raise InputError(
        f"{label}: not a watchlist format supplyscreen knows (columns seen: {seen})",
        hint=(
            f"use the simple CSV ({','.join(SIMPLE_COLUMNS)}), OFAC's sdn.csv, or an OpenSanctions "
            "targets.simple.csv or FtM JSON-lines export"
        ),
    )
