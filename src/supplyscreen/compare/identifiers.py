"""Identifiers: IMO and MMSI numbers, registration and tax numbers, SWIFT codes, list ids.

An identifier is read where it is written with its label — "IMO 9074729", "Vessel Registration Identification
IMO 9074729", "MMSI 572469210", "Tax ID No. 7811038760 (Russia)", "SWIFT/BIC MOBKRUMM", "SDN 19613" — in
OFAC's remarks, a list's identifier column or a row's name, vessel and notes cells. A bare 7-digit number
counts as an IMO number only in a vessel cell and only with a valid check digit; an IMO number written
with its label counts even when its check digit is wrong (the comparison says so).

Two sides' identifiers compare kind by kind: an equal value is strong evidence (``identifier_match``); values
of the same kind that all differ say two different things (``identifier_mismatch``, a veto) — for national
registers (registration, tax and OKPO numbers) only when the registers are not known to be of different
countries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from supplyscreen.compare.base import Comparison
from supplyscreen.normalize.text import country_code, imo_valid

# kind -> (short label, how details name it, what it identifies)
KINDS: dict[str, tuple[str, str, str]] = {
    "imo": ("IMO", "IMO number", "vessel"),
    "imo_company": ("IMO", "IMO company number", "organization"),
    "mmsi": ("MMSI", "MMSI", "vessel"),
    "registration": ("Registration", "registration number", "organization"),
    "tax": ("Tax ID", "tax number", "organization"),
    "okpo": ("OKPO", "OKPO (government gazette) number", "organization"),
    "swift": ("SWIFT/BIC", "SWIFT/BIC code", "organization"),
    "bik": ("BIK", "Russian bank code (BIK)", "organization"),
    "duns": ("D-U-N-S", "D-U-N-S number", "organization"),
    "isin": ("ISIN", "ISIN", "organization"),
    "lei": ("LEI", "LEI", "organization"),
    "aircraft": ("Tail number", "aircraft tail number", "aircraft"),
    "msn": ("MSN", "aircraft serial number", "aircraft"),
    "sdn": ("SDN", "OFAC SDN id", "entry"),
    "un": ("UN ref", "UN reference", "entry"),
}
# kinds whose numbers come from one register: an IMO company number may be written "IMO 5878206"
FAMILY = {"imo_company": "imo"}
# registers kept by each country: values of these kinds compare only within one country
NATIONAL = frozenset({"registration", "tax", "okpo"})

_VALUE = r"(?=[A-Z0-9./-]*[0-9])[A-Z0-9][A-Z0-9./-]{4,}"  # five characters or more, a digit among them
_LABELS: tuple[tuple[str, str, str], ...] = (  # (kind, label, value), tried in this order
    ("imo_company", r"(?:company|identification)\s+number\s+imo", r"\d{6,7}"),
    ("imo", r"(?:vessel\s+registration\s+identification\s+)?imo(?:\s*(?:no\.?|number|#))?", r"\d{7}"),
    ("mmsi", r"mmsi(?:\s*(?:no\.?|number|#))?", r"\d{9}"),
    (
        "registration",
        r"(?:business\s+)?registration\s+(?:number|id|no\.?|document\s*#)|company\s+(?:number|no\.?)"
        r"|commercial\s+registry\s+number|ogrn|trade\s+license\s+(?:number|no\.?)",
        _VALUE,
    ),
    (
        "tax",
        r"tax\s+id(?:\s+no\.?)?|tax\s+(?:identification\s+)?(?:number|no\.?)|inn|v\.?a\.?t\.?\s+(?:number|no\.?)"
        r"|nit\s*#|ruc\s*#|rif\s*#|us\s+fein",
        _VALUE,
    ),
    ("okpo", r"government\s+gazette\s+number|okpo", r"\d{6,14}"),
    ("swift", r"swift/bic|swift(?:\s+code)?|bic\s+code", r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?"),
    ("bik", r"bik", r"\d{9}"),
    ("duns", r"d-u-n-s\s+number|duns(?:\s+number)?", r"\d{2}-?\d{3}-?\d{4}"),
    ("isin", r"(?:identification\s+number\s+)?isin", r"[A-Z]{2}[A-Z0-9]{9}\d"),
    ("lei", r"lei(?:\s+code)?", r"[A-Z0-9]{18}\d{2}"),
    ("aircraft", r"(?:aircraft\s+)?tail\s+number", r"[A-Z0-9]{1,3}-?[A-Z0-9]{2,5}"),
    ("msn", r"aircraft\s+manufacturer'?s\s+serial\s+number\s+\(msn\)", r"[A-Z0-9-]+"),
    ("sdn", r"(?:ofac\s+)?sdn(?:\s+(?:id|no\.?|#|entry|ent))?|ofac\s+(?:id|no\.?|#)", r"\d{2,6}"),
    ("un", r"un\s+(?:ref(?:erence)?|id)(?:\s+no\.?)?", r"[A-Z]{2}[A-Z]\.\d{3}"),
)
_PATTERNS = tuple(
    (
        kind,
        re.compile(
            rf"(?<![\w/-])(?:{label})(?:\s*\((?P<before>[A-Za-z][A-Za-z ,]{{1,39}})\))?"
            rf"\s*[:#]?\s*(?:no\.?\s*)?(?P<value>{value})(?![\w])"
            r"(?:[\s.;,]*\((?P<country>[^()]{2,40})\))?",
            re.IGNORECASE,
        ),
    )
    for kind, label, value in _LABELS
)
_ANY_LABEL = re.compile(
    r"(?<![\w/-])(?:" + "|".join(label for _, label, _ in _LABELS) + r")\s*[:#]?\s*(?:no\.?\s*)?[A-Z0-9]",
    re.IGNORECASE,
)
_BARE_IMO = re.compile(r"(?<!\d)(\d{7})(?!\d)")
_CLEAN = re.compile(r"[\s./-]")


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier: its kind (``KINDS``), its value (upper-case, without spaces, dots, dashes or slashes),
    the country of its register when the list says ("Tax ID No. 7811038760 (Russia)": RU), and whether it
    was written with its label (a bare 7-digit number read as an IMO number is not)."""

    kind: str
    value: str
    country: str = ""
    explicit: bool = True

    @property
    def family(self) -> str:
        return FAMILY.get(self.kind, self.kind)

    @property
    def checked(self) -> bool:
        """Whether the value passes its check (an IMO ship number's check digit; other kinds have none here)."""
        return imo_valid(self.value) if self.kind == "imo" else True

    @property
    def identifies(self) -> str:
        """What the identifier identifies: an organization, a vessel, an aircraft or a list entry."""
        return KINDS[self.kind][2]

    @property
    def label(self) -> str:
        """Its kind as a label: 'IMO', 'MMSI', 'Tax ID' …"""
        return KINDS[self.kind][0]

    def __str__(self) -> str:
        """As a row would write it: 'IMO 9912347'."""
        return f"{self.label} {self.value}"


def _value(kind: str, raw: str) -> str:
    value = _CLEAN.sub("", raw).upper()
    return value.lstrip("0") or "0" if kind == "sdn" else value


def _implied_country(kind: str, value: str) -> str:
    """The country a code carries in itself: a SWIFT/BIC code's 5th and 6th letters (ISO 9362), an ISIN's
    first two (ISO 6166)."""
    code = value[4:6] if kind == "swift" else value[:2] if kind == "isin" else ""
    return code if code.isalpha() and country_code(code) == code else ""


def identifiers_in(text: str, bare_imo: bool = False) -> tuple[Identifier, ...]:
    """The identifiers written with their labels in a text; with ``bare_imo`` (a vessel cell) also any 7-digit
    number with a valid IMO check digit."""
    found: list[Identifier] = []
    if _ANY_LABEL.search(text):
        taken: list[tuple[int, int]] = []
        for kind, pattern in _PATTERNS:
            for m in pattern.finditer(text):
                start, end = m.span("value")
                if any(s < end and start < e for s, e in taken):  # read by an earlier, more specific label
                    continue
                taken.append((start, end))
                value = _value(kind, m.group("value"))
                stated = m.group("country") or m.group("before")
                country = (country_code(stated) if stated else None) or _implied_country(kind, value)
                found.append(Identifier(kind, value, country or ""))
    if bare_imo:
        labelled = {i.value for i in found if i.family == "imo"}
        for m in _BARE_IMO.finditer(text):
            if m.group(1) not in labelled and imo_valid(m.group(1)):
                found.append(Identifier("imo", m.group(1), explicit=False))
    return tuple(dict.fromkeys(found))


# An aircraft as sanctions lists name it: its registration, a nationality mark, a hyphen and the aircraft's
# mark (EP-MNM Iran, P-632 the DPRK, YK-AKF Syria, UP-I7601 Kazakhstan)
_REGISTRATION = re.compile(r"(?:[A-Z]{1,2}|[A-Z][0-9]|[0-9][A-Z])-[A-Z0-9]{2,6}")
_ALNUM = re.compile(r"[A-Z0-9]+")


def registration(name: str, aircraft: bool = False) -> Identifier | None:
    """The aircraft registration a listed name is ('EP-MNM': tail number EPMNM): a name of that shape, or
    any name of three to eight letters and digits of an entry the list says is an aircraft; else None."""
    text = name.strip().upper()
    value = _CLEAN.sub("", text)
    if _REGISTRATION.fullmatch(text) or (aircraft and value.isalnum() and 3 <= len(value) <= 8):
        return Identifier("aircraft", value)
    return None


def registration_forms(text: str) -> frozenset[str]:
    """The tail numbers a row's text may write, hyphen and spaces left out: each word of three to eight
    letters and digits, and each word of one or two run together with the next ('EP ITL', 'P 671', 'Reg.
    EP-IBA', 'Air Koryo Tu-204 P-632'). Only those a listed aircraft carries count."""
    words = _ALNUM.findall(text.upper())
    out = {w for w in words if 3 <= len(w) <= 8}
    out.update(a + b for a, b in pairwise(words) if len(a) <= 2 and 2 <= len(b) <= 6)
    return frozenset(out)


def _described(ids: Iterable[Identifier]) -> str:
    return ", ".join(sorted({i.value for i in ids}))


def _comparable(kind: str, query: Sequence[Identifier], entry: Sequence[Identifier]) -> bool:
    """Whether values of one kind on both sides identify one thing if equal and two things if not: always
    for global registers; for national ones unless the registers are known to be of different countries."""
    if kind not in NATIONAL:
        return True
    theirs = {i.country for i in entry if i.kind == kind}
    ours = {i.country for i in query if i.kind == kind}
    return "" in theirs or "" in ours or bool(theirs & ours)


def _typo(query: Sequence[Identifier], entry: Sequence[Identifier]) -> bool:
    """Whether the row's numbers of one kind all fail their check while the entry's all pass it: a number
    mistyped on the row (a wrong IMO check digit) says nothing against the entry's."""
    return not any(i.checked for i in query) and all(i.checked for i in entry)


def compare_identifiers(query: Sequence[Identifier], entry: Sequence[Identifier]) -> Comparison:
    """The row's identifiers against the entry's: the same value of one register is an
    ``identifier_match``; values of the same kind that all differ an ``identifier_mismatch``."""
    if not query or not entry:
        side = "the row carries" if not query else "the entry carries"
        return Comparison("identifier", 0.0, f"{side} no identifier")
    matches: list[str] = []
    for family in sorted({i.family for i in query} & {i.family for i in entry}):
        ours = {i.value: i for i in query if i.family == family}
        theirs = {i.value: i for i in entry if i.family == family}
        for value in sorted(ours.keys() & theirs.keys()):
            mine, listed = ours[value], theirs[value]
            detail = f"same {KINDS[listed.kind][1]} {value}"
            if not (mine.checked and listed.checked):
                detail += " (its check digit is wrong, but both sides write it as an IMO number)"
            matches.append(detail)
    if matches:
        return Comparison("identifier_match", 1.0, "; ".join(matches))
    for kind in sorted({i.kind for i in query} & {i.kind for i in entry}):
        ours_ = [i for i in query if i.kind == kind]
        theirs_ = [i for i in entry if i.kind == kind]
        if _typo(ours_, theirs_):
            return Comparison(
                "identifier",
                0.0,
                f"the row's {KINDS[kind][1]} {_described(ours_)} fails its check digit (mistyped?), the entry's "
                f"{_described(theirs_)} passes it: not compared",
            )
        if _comparable(kind, query, entry):
            return Comparison(
                "identifier_mismatch",
                1.0,
                f"different {KINDS[kind][1]}s: {_described(ours_)} (row) vs {_described(theirs_)} (entry)",
            )
    return Comparison("identifier", 0.0, "no identifier of the same kind on both sides")
