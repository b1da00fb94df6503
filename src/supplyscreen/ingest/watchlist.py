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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from supplyscreen.compare.identifiers import Identifier, identifiers_in
from supplyscreen.errors import InputError
from supplyscreen.ingest.sources import Source, SourceLike
from supplyscreen.ingest.text import decode
from supplyscreen.normalize.text import AMBIGUOUS_KOREA, country_code

SIMPLE_COLUMNS = ("name", "aliases", "type", "country", "identifiers", "source", "reason")
TARGETS_COLUMNS = ("id", "schema", "name", "aliases", "countries", "identifiers", "sanctions")
OFAC_PROGRAM_SPLIT = re.compile(r"\]\s*\[")
LABOUR_WORDS = re.compile(r"\b(labou?r|workers?|manpower|overseas (construction|project))\b", re.IGNORECASE)
# E.O. 13722 (OFAC tag DPRK3) covers, among others, the exporters of North Korean workers.
LABOUR_EXPORT_PROGRAMS = frozenset({"DPRK3"})
ENTRY_TYPES = ("organization", "vessel", "person", "aircraft")
OFAC_COMPANIONS = ("alt.csv", "add.csv")  # read with OFAC's sdn.csv when beside it: aliases, addresses
# a.k.a., f.k.a. and n.k.a. names OFAC keeps in the remarks only: a.k.a. 'KOMID'
OFAC_REMARK_NAMES = re.compile(r"\b[afn]\.k\.a\.\s*'(?P<name>.+?)'(?=\s*(?:[;.,)]|$))")
# countries OFAC states in the remarks besides the addresses: a vessel's flag, a register's country
OFAC_REMARK_COUNTRIES = re.compile(
    r"\b(?:Nationality of Registration|(?<!Former )Vessel Flag|nationality|citizen)\s+(?P<country>[A-Z][^;.()]{2,40})"
)


@dataclass(frozen=True)
class Entry:
    """One watchlist entry with every name it is known by."""

    entry_id: str
    name: str
    aliases: tuple[str, ...]
    type: str  # organization | vessel | person | aircraft
    countries: tuple[str, ...] = ()  # as the list writes them
    imo: tuple[str, ...] = ()  # IMO numbers with a valid check digit
    source: str = ""
    reason: str = ""
    programs: tuple[str, ...] = ()
    nexus: bool = False  # a DPRK labour-export entity or an entity in the DPRK: sets the presumption
    dprk: bool = False  # on a DPRK sanctions programme
    identifiers: tuple[
        Identifier, ...
    ] = ()  # every identifier the list gives (IMO, MMSI, tax, registration …)
    country_codes: tuple[str, ...] = ()  # ISO codes of its countries, addresses, flag and registers
    addresses: tuple[str, ...] = ()  # as the list writes them

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def label(self) -> str:
        return f"{self.entry_id}: {self.name}" if self.entry_id else self.name


@dataclass
class Watchlist:
    display: str  # the name it is shown by (the path as given, or an upload's name)
    sha256: str
    format: str
    entries: list[Entry] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"path": self.display, "sha256": self.sha256, "entries": len(self.entries)}


def _split(value: str, sep: str = ";") -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(sep) if v.strip())


def _country_kp(countries: Iterable[str]) -> bool:
    return any(c.strip().upper() in ("KP", "PRK", "NORTH KOREA", "KOREA, NORTH") for c in countries)


def _codes(countries: Iterable[str], identifiers: Iterable[Identifier] = ()) -> tuple[str, ...]:
    """ISO codes of countries as lists write them ('Korea, North', 'kp', 'Russia') and of the registers of
    identifiers; a bare 'Korea' says no country."""
    found = [country_code(c) for c in countries if c.strip()]
    found += [i.country for i in identifiers if i.country]
    return tuple(dict.fromkeys(c for c in found if c and c != AMBIGUOUS_KOREA))


def _with_imo_kind(ids: Iterable[Identifier], kind: str) -> tuple[Identifier, ...]:
    """A vessel's IMO numbers are ship numbers, whatever the label said."""
    out = (Identifier("imo", i.value, i.country, i.explicit) if i.family == "imo" else i for i in ids)
    return tuple(dict.fromkeys(out)) if kind == "vessel" else tuple(ids)


def _valid_imo(ids: Iterable[Identifier]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.value for i in ids if i.kind == "imo" and i.checked))


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
        ids = _with_imo_kind(identifiers_in(row.get("identifiers") or "", bare_imo=kind == "vessel"), kind)
        countries = _split(row.get("country") or "")
        reason = (row.get("reason") or "").strip()
        dprk = _country_kp(countries) or bool(re.search(r"\b(dprk|north korea)", reason, re.IGNORECASE))
        entries.append(
            Entry(
                entry_id=f"row {i}",
                name=name,
                aliases=_split(row.get("aliases") or ""),
                type=kind,
                countries=countries,
                imo=_valid_imo(ids),
                source=(row.get("source") or "").strip(),
                reason=reason,
                nexus=_country_kp(countries) or (dprk and bool(LABOUR_WORDS.search(reason))),
                dprk=dprk,
                identifiers=ids,
                country_codes=_codes(countries, ids),
            )
        )
    return entries


# --- OFAC SDN --------------------------------------------------------------------------------------------


def _ofac_rows(text: str) -> list[list[str]]:
    rows = []
    for row in csv.reader(io.StringIO(text)):
        if row and row[0].strip().isdigit():
            rows.append([c.strip() if c.strip() != "-0-" else "" for c in row])
    return rows


def _text(source: Source) -> str:
    return decode(source.read_bytes(LIST_FILE, LIST_HINT))[0]


def _ofac(text: str, label: str, companions: Sequence[Source]) -> list[Entry]:
    aliases: dict[str, list[str]] = {}
    countries: dict[str, list[str]] = {}
    addresses: dict[str, list[str]] = {}
    by_name = {Path(c.name).name.lower(): c for c in companions}
    if "alt.csv" in by_name:
        for row in _ofac_rows(_text(by_name["alt.csv"])):
            if len(row) >= 4 and row[3]:
                aliases.setdefault(row[0], []).append(_person_order(row[3]))
    if "add.csv" in by_name:
        for row in _ofac_rows(_text(by_name["add.csv"])):
            if len(row) >= 5 and row[4]:
                countries.setdefault(row[0], []).append(row[4])
            if len(row) >= 5 and (row[2] or row[3]):
                addresses.setdefault(row[0], []).append(", ".join(p for p in row[2:5] if p))
    entries = []
    for row in _ofac_rows(text):
        if len(row) < 12:
            continue
        ent, name, kind, program, _title, _call, _vtype, _ton, _grt, flag, _owner, remarks = row[:12]
        programs = tuple(p.strip(" []") for p in OFAC_PROGRAM_SPLIT.split(program) if p.strip(" []"))
        place = countries.get(ent, [])
        if flag:
            place = [*place, flag]
        dprk = any(p.startswith("DPRK") for p in programs)
        in_dprk = any("korea, north" in c.lower() or "democratic people" in c.lower() for c in place)
        typ = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}.get(
            kind.lower(), "organization"
        )
        in_remarks = [m.group("name").strip() for m in OFAC_REMARK_NAMES.finditer(remarks)]
        if typ == "person":
            in_remarks = [_person_order(n) for n in in_remarks]
        ids = (*_with_imo_kind(identifiers_in(remarks), typ), Identifier("sdn", ent))
        stated = [m.group("country").strip() for m in OFAC_REMARK_COUNTRIES.finditer(remarks)]
        entries.append(
            Entry(
                entry_id=f"SDN {ent}",
                name=_person_order(name) if typ == "person" else name,
                aliases=tuple(a for a in dict.fromkeys([*aliases.get(ent, []), *in_remarks]) if a != name),
                type=typ,
                countries=tuple(dict.fromkeys(place)),
                imo=_valid_imo(ids),
                identifiers=ids,
                country_codes=_codes([*place, *stated], ids),
                addresses=tuple(addresses.get(ent, [])),
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


def companions(path: Path) -> list[Path]:
    """The files read with a watchlist file: OFAC's ``alt.csv`` and ``add.csv`` when they are beside it."""
    return [p for p in (path.with_name(name) for name in OFAC_COMPANIONS) if p.is_file() and p != path]


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
        data, props = _ftm_entity(line, f"{label}: line {n}")
        schema = data.get("schema", "")
        kind = {"Vessel": "vessel", "Person": "person", "Airplane": "aircraft"}.get(
            schema,
            "organization" if schema in ("Company", "Organization", "LegalEntity", "PublicBody") else "",
        )
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
        ids = _with_imo_kind(_ftm_identifiers(props, countries), kind)
        entries.append(
            Entry(
                entry_id=str(data.get("id", f"line {n}")),
                name=data.get("caption") or names[0],
                aliases=tuple(dict.fromkeys(x for x in names if x != data.get("caption"))),
                type=kind,
                countries=countries,
                imo=_valid_imo(ids),
                source=f"OpenSanctions {', '.join(data.get('datasets', []))}".strip(),
                reason="; ".join(topics + ([notes[:300]] if notes else [])),
                nexus="KP" in countries and "sanction" in topics,
                dprk=dprk,
                identifiers=ids,
                country_codes=_codes(countries, ids),
                addresses=tuple(props.get("address", [])),
            )
        )
    return entries


def _ftm_entity(line: str, where: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One FtM JSON line as (entity, properties): the properties as lists of strings, whatever else the line
    holds under them (a value of another type is left out)."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:  # (JSONDecodeError, a number too long, nesting too deep)
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise InputError(f"{where} is not JSON ({detail})", hint="export FtM JSON lines again") from None
    if not isinstance(data, dict):
        raise InputError(f"{where} is not an FtM entity (a JSON object)", hint="export FtM JSON lines again")
    raw = data.get("properties")
    props = {
        str(key): [v for v in values if isinstance(v, str)]
        for key, values in (raw.items() if isinstance(raw, dict) else ())
        if isinstance(values, list)
    }
    for key in ("schema", "caption"):
        if not isinstance(data.get(key, ""), str):
            del data[key]
    if "id" in data:
        data["id"] = str(data["id"])
    datasets = data.get("datasets")
    data["datasets"] = [d for d in datasets if isinstance(d, str)] if isinstance(datasets, list) else []
    return data, props


# FtM properties holding identifiers -> (kind, the country of the register when the property implies one)
FTM_IDENTIFIERS: dict[str, tuple[str, str]] = {
    "imoNumber": ("imo", ""),
    "mmsi": ("mmsi", ""),
    "registrationNumber": ("registration", ""),
    "ogrnCode": ("registration", "RU"),
    "taxNumber": ("tax", ""),
    "innCode": ("tax", "RU"),
    "vatCode": ("tax", ""),
    "okpoCode": ("okpo", "RU"),
    "swiftBic": ("swift", ""),
    "leiCode": ("lei", ""),
    "dunsCode": ("duns", ""),
    "isinCode": ("isin", ""),
    "unscId": ("un", ""),
    "registrationNumberAircraft": ("aircraft", ""),
}


def _ftm_identifiers(props: dict[str, list[str]], countries: tuple[str, ...]) -> tuple[Identifier, ...]:
    """An FtM entity's identifier properties; a national register's country is the property's own (INN and
    OGRN are Russian) or the entity's jurisdiction when it has one."""
    home = {c for c in countries if len(c) == 2}
    out = []
    for prop, (kind, country) in FTM_IDENTIFIERS.items():
        for raw in props.get(prop, []):
            value = re.sub(r"[\s./-]", "", raw).upper()
            if kind == "imo":
                value = next(iter(re.findall(r"\d{7}", value)), "")
            if value:
                where = country or (
                    next(iter(home)) if len(home) == 1 and kind in ("registration", "tax") else ""
                )
                out.append(Identifier(kind, value, where))
    return tuple(dict.fromkeys(out))


def _targets(rows: list[dict[str, str]], label: str) -> list[Entry]:
    entries = []
    for row in rows:
        kind = {"Vessel": "vessel", "Person": "person", "Airplane": "aircraft"}.get(
            row.get("schema", ""), "organization"
        )
        countries = _split(row.get("countries") or "", ";")
        countries = tuple(c.upper() for c in countries)
        sanctions = row.get("sanctions") or ""
        dprk = "KP" in countries or bool(re.search(r"\b(dprk|north korea)", sanctions, re.IGNORECASE))
        ids = _with_imo_kind(identifiers_in(row.get("identifiers") or "", bare_imo=kind == "vessel"), kind)
        entries.append(
            Entry(
                entry_id=row.get("id", ""),
                name=row.get("name", ""),
                aliases=_split(row.get("aliases") or ""),
                type=kind,
                countries=countries,
                imo=_valid_imo(ids),
                identifiers=ids,
                country_codes=_codes(countries, ids),
                addresses=_split(row.get("addresses") or ""),
                source=f"OpenSanctions {row.get('dataset', '')}".strip(),
                reason=sanctions[:400],
                nexus="KP" in countries and bool(sanctions),
                dprk=dprk,
            )
        )
    return [e for e in entries if e.name]


# --- sources -----------------------------------------------------------------------------------------------

COMPANIONS = ("alt.csv", "add.csv")  # OFAC's a.k.a.s and addresses, published beside sdn.csv
LIST_FILE = "watchlist file"
LIST_HINT = "check the --list path"


@dataclass(frozen=True)
class ListSource:
    """A watchlist file and its companion files (OFAC's ``alt.csv`` and ``add.csv``, which belong to the
    ``sdn.csv`` published with them)."""

    source: Source
    companions: tuple[Source, ...] = ()

    @property
    def name(self) -> str:
        return self.source.name


def is_companion(name: str) -> bool:
    """Whether a file is one of OFAC's companion files, by its name."""
    return Path(name).name.lower() in COMPANIONS


def list_sources(given: Sequence[SourceLike | ListSource]) -> list[ListSource]:
    """Watchlists as given (``--list`` paths, uploads) with their companion files attached. A list file on
    disk takes the companions beside it, in its folder; a companion given among the lists belongs to those
    from its folder (uploads: to those uploaded with it). A companion with no list beside it is an error."""
    sources = [g if isinstance(g, ListSource) else ListSource(Source.of(g)) for g in given]
    lists = [s for s in sources if not is_companion(s.name)]
    extra = [s.source for s in sources if is_companion(s.name)]
    out = []
    for item in lists:
        found = [c for c in extra if _folder(c) == _folder(item.source)]
        out.append(replace(item, companions=(*item.companions, *found, *_beside(item.source, found))))
    for companion in extra:
        if not any(_folder(companion) == _folder(s.source) for s in lists):
            raise InputError(
                f"{companion.name}: is one of OFAC's companion files ({', '.join(COMPANIONS)}), read with the "
                "sdn.csv published beside it",
                hint="give sdn.csv too",
            )
    return out


def _folder(source: Source) -> Path | None:
    """Where a file is: its folder on disk, None for one held in memory (an upload)."""
    return source.path.resolve().parent if source.path is not None else None


def _beside(source: Source, known: Sequence[Source]) -> list[Source]:
    """Companion files in the folder of a list file on disk, besides those ``known`` already."""
    if source.path is None:
        return []
    names = {Path(k.name).name.lower() for k in known}
    beside = [source.path.with_name(name) for name in COMPANIONS if name not in names]
    return [Source(str(p), path=p) for p in beside if p.is_file() and p != source.path]


# --- detection ---------------------------------------------------------------------------------------------


def load_watchlist(source: SourceLike | ListSource, name: str | None = None) -> Watchlist:
    """Read one watchlist (a path, bytes or binary file object shown as ``name``, or a :class:`ListSource`
    with its companion files); the format is recognised from its content."""
    given = source if isinstance(source, ListSource) else list_sources([Source.of(source, name)])[0]
    label = given.name
    data = given.source.read_bytes(LIST_FILE, LIST_HINT)
    digest = hashlib.sha256(data).hexdigest()
    text, _ = decode(data)
    head = text.lstrip()[:1]
    if head == "{":
        return Watchlist(label, digest, "opensanctions-ftm", _ftm(iter(text.splitlines()), label))
    first = next(csv.reader(io.StringIO(text)), [])
    header = [h.strip().lower() for h in first]
    if first and first[0].strip().isdigit() and len(first) >= 12:
        return Watchlist(label, digest, "ofac-sdn", _ofac(text, label, given.companions))
    rows = list(csv.DictReader(io.StringIO(text)))
    rows = [{(k or "").strip().lower(): (v or "") for k, v in r.items()} for r in rows]
    if set(TARGETS_COLUMNS) <= set(header):
        return Watchlist(label, digest, "opensanctions-targets", _targets(rows, label))
    if "name" in header and (
        {"aliases", "type", "reason"} & set(header) or set(header) <= set(SIMPLE_COLUMNS)
    ):
        return Watchlist(label, digest, "simple", _simple(rows, label))
    seen = ", ".join(repr(h) for h in first[:12]) or "none"
    raise InputError(
        f"{label}: not a watchlist format supplyscreen knows (columns seen: {seen})",
        hint=(
            f"use the simple CSV ({','.join(SIMPLE_COLUMNS)}), OFAC's sdn.csv, or an OpenSanctions "
            "targets.simple.csv or FtM JSON-lines export"
        ),
    )
