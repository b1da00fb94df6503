"""What each column of a sheet is used for: a canonical field, screened as free text, or not screened and
why. Decided once per sheet from its headers and a sample of its first rows, never per row.

Order of the decision for a column (see :func:`classify`):

1. ``--map FIELD=HEADER`` (and ``--map text=HEADER`` / ``--map skip=HEADER``) as the user said.
2. A header that means a field (headers.yaml) maps to it — except an address or description column whose
   sampled cells are all codes (an SAP region "080", an industry key "0003"): *not screened*.
3. A question header ("Q2. Do you employ DPRK nationals?", anything ending in "?") is *screened as text*.
4. A header of a kind that holds no evidence (phone, e-mail, bank, postal code, dates, amounts …) is *not
   screened*, with that reason.
5. A descriptive header of 4 words or more ("Number of DPRK workers") is *screened as text*: the header is
   context for short answers.
6. A column whose header cell the file left blank (its label, "Column C", is made up) skips 2–5: it is
   never mapped to a field, by name or fuzzily, and its header says nothing about it; its cells decide, as
   below, and its reason starts "unnamed". (Nothing promotes a column to a field by its content — not even
   in a file without a header row, where ``--map FIELD=LETTER`` names the fields.)
7. Otherwise the sampled cells decide: none filled → screened as text where filled (on a sheet read whole,
   a column empty in every row is *not screened*, "empty"); 80% or more typed (numbers, amounts, dates,
   e-mail and web addresses, phone numbers, codes) → *not screened*; else → *screened as text* ("free text"
   when a quarter or more of the cells have 3 words or more, "short text" otherwise).

A column screened as text reaches the text engine in the row's ``notes`` as ``"{header}: {value}"`` (an
unnamed column: the value alone, not its made-up label), after any mapped notes column, joined by " | ".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from supplyscreen.ingest.headers import header_kind, is_question, skip_reason, word_count

TEXT = "text"  # ColumnUse.use of a column screened as free text
NOT_SCREENED = "not screened"
PSEUDO_FIELDS = ("text", "skip")  # --map text=HEADER / --map skip=HEADER
TYPED_SHARE = 0.8
PROSE_SHARE = 0.25
PROSE_WORDS = 3
DESCRIPTIVE_WORDS = 4
CODE_ONLY_FIELDS = ("address", "description")
UNNAMED = "unnamed"  # the reason's start for a column whose header cell is blank
# the headers.yaml reason of the columns (or a form's labels) that ``--format annotated`` adds: a copy screened
# again leaves its earlier verdict unscreened
VERDICT_REASON = "a verdict added by supplyscreen"

_NUMBER = re.compile(r"[-+−(]?\s*[$€£¥₩₽]?\s*\d[\d\s.,'’]*\s*(?:%|[A-Za-z]{3})?\)?")
_DATE = re.compile(
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
    r"|\d{4}\s*년\s*\d{1,2}\s*월(?:\s*\d{1,2}\s*일)?"
    r"|\d{1,2}:\d{2}(?::\d{2})?"
    r"|\d{1,2}[ -](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[ -]\d{2,4}",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_PHONE = re.compile(r"(?:\+|00)?[\d\s().\-/]{7,}")
_CODE = re.compile(r"[A-Za-z0-9_.\-/#:]{1,24}")
_FLAGS = frozenset(["x", "y", "n", "true", "false", "-", "–", "✓", "✔"])

KIND_NAMES = {
    "number": "numbers",
    "date": "dates",
    "email": "e-mail addresses",
    "url": "web addresses",
    "phone": "phone numbers",
    "code": "codes",
}


def cell_kind(text: str) -> str:
    """What a cell holds: number, date, email, url, phone, code (typed), prose (3+ words) or text."""
    if _DATE.fullmatch(text):
        return "date"
    if _EMAIL.fullmatch(text):
        return "email"
    if _URL.fullmatch(text):
        return "url"
    if _NUMBER.fullmatch(text):
        digits = sum(ch.isdigit() for ch in text)
        return "phone" if digits >= 7 and text.lstrip().startswith(("+", "00", "(")) else "number"
    if _PHONE.fullmatch(text) and sum(ch.isdigit() for ch in text) >= 7:
        return "phone"
    if text.casefold() in _FLAGS:
        return "code"
    if _CODE.fullmatch(text) and (any(ch.isdigit() for ch in text) or len(text) == 1):
        return "code"  # a word in capitals ("DPRK", "KRED") is a word: it may be evidence
    return "prose" if word_count(text) >= PROSE_WORDS else "text"


def is_typed(text: str) -> bool:
    return cell_kind(text) in KIND_NAMES


def _only_codes(text: str) -> bool:
    """A region or industry code: digits only, or a capitalised abbreviation of up to 3 letters."""
    t = text.strip()
    return t.isdigit() or (len(t) <= 3 and t.isalnum() and t.upper() == t)


@dataclass(frozen=True)
class ColumnUse:
    """One column's part in the screening: ``use`` is a canonical field, ``"text"`` or ``"not screened"``."""

    index: int
    header: str
    use: str
    reason: str
    row: int | None = None  # a form's label row (forms list their labels by row, not column)
    named: bool = True  # False: the header cell is blank and ``header`` a made-up label ("Column C")

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    def as_json(self) -> dict[str, object]:
        where: dict[str, object] = {"row": self.row} if self.row is not None else {"column": self.letter}
        return {**where, "header": self.header, "use": self.use, "reason": self.reason}

    def describe(self) -> str:
        where = f"row {self.row}" if self.row is not None else self.letter
        return f"{where} {self.header!r} ({self.reason})"


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Classification:
    """The decision for a sheet's columns: mapping (field → columns), text columns and every column's use."""

    mapping: dict[str, list[int]]
    text: list[int]
    uses: dict[int, ColumnUse]


def _sampled(rows: Sequence[Sequence[str]], col: int) -> list[str]:
    return [row[col] for row in rows if col < len(row) and row[col]]


def classify(
    headers: Sequence[str],
    mapping: Mapping[str, list[int]],
    how: Mapping[str, str],
    sample: Sequence[Sequence[str]],
    user_text: Sequence[int] = (),
    user_skip: Sequence[int] = (),
    form: bool = False,
    unnamed: Collection[int] = (),
) -> Classification:
    """Decide every column's use (see the module docstring). ``mapping`` and ``how`` are the field mapping
    found from the headers and ``--map``; ``sample`` the first data rows; ``user_text`` / ``user_skip`` the
    columns named by ``--map text=`` / ``--map skip=``; ``unnamed`` the columns whose header cell is blank.
    In a ``form`` (one supplier, labels as headers) every label that maps to no field is screened as text,
    whatever it is: it is one answer of one supplier (but for the verdict an annotated copy adds).
    """
    uses: dict[int, ColumnUse] = {}
    out_mapping: dict[str, list[int]] = {}
    skip = set(user_skip)
    text_set = set(user_text) - skip
    for fname, cols in mapping.items():
        kept = []
        for c in cols:
            if c in skip or c in text_set:
                continue
            reason = how.get(fname, "synonym") if how.get(fname) == "--map" else _found_by(headers[c])
            if how.get(fname) != "--map" and fname in CODE_ONLY_FIELDS and not form:
                cells = _sampled(sample, c)
                if cells and all(_only_codes(v) for v in cells):
                    uses[c] = ColumnUse(
                        c, headers[c], NOT_SCREENED, f"codes only, not {fname} text (e.g. {cells[0]!r})"
                    )
                    continue
            kept.append(c)
            uses[c] = ColumnUse(c, headers[c], fname, reason)
        if kept:
            out_mapping[fname] = kept
    text: list[int] = []
    for c, header in enumerate(headers):
        if c in uses:
            continue
        if c in skip:
            uses[c] = ColumnUse(c, header, NOT_SCREENED, "--map skip")
            continue
        if c in text_set:
            text.append(c)
            uses[c] = ColumnUse(c, header, TEXT, "--map text")
            continue
        cells = _sampled(sample, c)
        if form:
            if skip_reason(header_kind(header)[0]) == VERDICT_REASON:
                uses[c] = ColumnUse(c, header, NOT_SCREENED, VERDICT_REASON)
            elif cells:
                text.append(c)
                uses[c] = ColumnUse(c, header, TEXT, "question" if is_question(header) else "form answer")
            else:
                uses[c] = ColumnUse(c, header, NOT_SCREENED, "no answer")
            continue
        named = c not in unnamed
        use, reason = _unmapped(header if named else "", cells, len(sample))
        if use == TEXT:
            text.append(c)
        uses[c] = ColumnUse(c, header, use, reason if named else f"{UNNAMED}: {reason}", named=named)
    return Classification(out_mapping, text, uses)


def _found_by(header: str) -> str:
    _kind, score = header_kind(header)
    return "synonym" if score >= 100 else f"fuzzy {score:.0f}"


def _unmapped(header: str, cells: Sequence[str], sampled_rows: int) -> tuple[str, str]:
    if is_question(header):
        return TEXT, "question"
    kind, _score = header_kind(header)
    reason = skip_reason(kind)
    if reason is not None:
        return NOT_SCREENED, reason
    if word_count(header) >= DESCRIPTIVE_WORDS:
        return TEXT, "descriptive header"
    if not cells:
        return TEXT, f"no values in the first {sampled_rows} data rows: screened where filled"
    kinds = Counter(cell_kind(v) for v in cells)
    typed = sum(n for k, n in kinds.items() if k in KIND_NAMES)
    if typed >= TYPED_SHARE * len(cells):
        top = [KIND_NAMES[k] for k, _ in kinds.most_common() if k in KIND_NAMES][:2]
        return NOT_SCREENED, f"{' and '.join(top)} ({typed} of {len(cells)} sampled cells)"
    prose = kinds.get("prose", 0)
    if prose >= PROSE_SHARE * len(cells):
        return TEXT, f"free text ({prose} of {len(cells)} sampled cells have {PROSE_WORDS}+ words)"
    return TEXT, "short text"


EMPTY = "empty"


def empty_use(use: ColumnUse) -> ColumnUse:
    """A text column that turned out empty in every row: not screened."""
    reason = EMPTY if use.named else f"{UNNAMED}: {EMPTY}"
    return ColumnUse(use.index, use.header, NOT_SCREENED, reason, use.row, use.named)
