"""Where a sheet's table starts, and whether it is a table at all: header detection with evidence, the rows
above the header, and forms (one supplier per sheet, laid out as label–value pairs).

**Header evidence.** A row is taken as the header only with evidence, never because nothing better was
found (a data row taken as the header used to swallow the rows above it):

* *synonyms* — cells that are known headers (headers.yaml): two or more distinct cells known exactly, or
  one known exactly in a row where known headers are a quarter of the cells or more, or that is the first
  row of two or more cells on the sheet (only titles above it); a "Yes"/"No" cell is never exact evidence
  (it is an answer). The first such row is the header, unless a wider row below it, of labels only and with
  more exact header words, follows after narrower rows only (a two-row header, metadata lines above the
  table): a data row, as wide as the header above it, never takes its place;
* *typed data below* — otherwise, the first row of two or more cells (only titles above it) whose cells are
  all text labels, with numbers, dates or codes below one of its labels in the next rows (SAP's LIFNR);
* *--map* — a row holding a header named by ``--map``.

With none of these the sheet is refused with one line showing its first rows (``--map name=B`` with a
column letter reads a sheet without a header row: every row is data, the columns are named by letter).

**Rows above the header.** A blank row is skipped; a row of one cell is a title, reported as skipped; a row
whose cells are all known header words (the upper line of a two-row header) is reported as skipped; any
other row above the header is screened as a data row (under the header's columns, with its own row number,
before the rows below the header), and reported.

**Forms.** A sheet of label–value pairs — labels down one column ("Company name / Supplier", "Country",
"Products", "Do you employ foreign workers?"), each value to its right — or of one question per row under a
``Question | Answer`` header is read as one supplier: its row number is the name label's row, the labels
become the columns (mapped by the same synonyms), and every other answered label reaches ``notes`` as
"label: value". A sheet with a row of two exact header words or more is a table, never a form. A sheet that
looks like a form but has no label naming the supplier, or whose name label has several values beside it
like its other labels (suppliers laid out in columns), is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from supplyscreen.ingest.columns import column_letter, is_typed
from supplyscreen.ingest.headers import form_role, header_kind, is_question, map_header, word_count
from supplyscreen.normalize.text import fold

HEADER_SCAN_ROWS = 30
TYPED_BELOW_ROWS = 10  # rows looked at below a candidate header for typed data
FORM_MAX_ROWS = 300  # a sheet with more non-blank rows is never read as a form
_ANSWERS = frozenset(
    ["no", "yes", "n", "y", "ja", "nein", "oui", "non", "si", "sí", "да", "нет", "是", "否", "有", "无",
     "はい", "いいえ", "예", "아니요", "아니오", "none", "n/a", "na"]
)  # fmt: skip
_ENUMERATOR = re.compile(r"\(?[0-9]{1,3}[.)]?|\(?[a-zA-Z][.)]|[ivxIVX]{1,4}[.)]")
_LABEL_END = (":", "：")


def may_be_header(cell: str) -> bool:
    """False for cells no synonym can match (numbers, dates, long text): keeps wide sheets fast."""
    return len(cell) <= 200 and (any(ch.isalpha() for ch in cell) or "#" in cell or "№" in cell)


@dataclass(frozen=True)
class RowEvidence:
    cells: int  # non-empty cells
    strong: int  # distinct cells that are a known header exactly
    weak: int  # cells near a known header, or questions
    labels: bool  # every non-empty cell looks like a label: text, short, not a number, date or code


def row_evidence(row: Sequence[str]) -> RowEvidence:
    cells = [c for c in row if c]
    strong: set[str] = set()
    weak = 0
    labels = bool(cells)
    for cell in cells:
        if not may_be_header(cell):
            labels = False
            continue
        kind, score = header_kind(cell)
        question = kind is None and is_question(cell)
        if kind is not None:
            if score >= 100 and fold(cell).strip(" .") not in _ANSWERS:
                strong.add(fold(cell).strip())
            else:
                weak += 1
        elif question:
            weak += 1
        if labels and (
            is_typed(cell) or len(cell) > 100 or (kind is None and not question and word_count(cell) > 6)
        ):
            labels = False
    return RowEvidence(len(cells), len(strong), weak, labels)


@dataclass(frozen=True)
class HeaderChoice:
    index: int | None  # row index of the header in the grid; None: no header row (columns by letter)
    evidence: str  # "synonyms", "--map", "typed data below", "none: columns by letter"


def _is_letter(header: str) -> bool:
    return re.fullmatch(r"[A-Za-z]{1,3}", header) is not None


def find_header(grid: Sequence[Sequence[str]], wanted: Mapping[str, Sequence[str]]) -> HeaderChoice | None:
    """The header row (see the module docstring), or None when there is no evidence for any row.

    Rows with synonym evidence (or holding a ``--map`` header: then only those count) are candidates; the
    first of two cells or more is taken (a single-cell candidate only on a one-column sheet). A later
    candidate replaces it only when it is wider, holds more distinct exact header words, looks like labels
    throughout, and every row in between is narrower than it: the lower line of a two-row header, or the
    header under a few lines of metadata — never a data row, which is as wide as the header above it.
    """
    wanted_folded = {fold(h).strip() for hs in wanted.values() for h in hs if not _is_letter(h)}
    by_letter = any(_is_letter(h) for hs in wanted.values() for h in hs)
    rows: list[tuple[int, RowEvidence, bool]] = []  # non-blank rows: index, evidence, a candidate
    first_multi: int | None = None
    typed_candidate: int | None = None
    named_rows: set[int] = set()
    for idx, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        if not any(row):
            continue
        ev = row_evidence(row)
        first = first_multi is None and ev.cells >= 2
        if first:
            first_multi = idx
        if wanted_folded and wanted_folded & {fold(c).strip() for c in row if c}:
            named_rows.add(idx)
        known = ev.strong + ev.weak
        synonyms = ev.strong >= 2 or (ev.strong >= 1 and (4 * known >= ev.cells or first))
        rows.append((idx, ev, synonyms or idx in named_rows))
        if not synonyms and first and ev.labels and _typed_below(grid, idx):
            typed_candidate = idx
    candidates = [(i, ev) for i, ev, ok in rows if ok and (not named_rows or i in named_rows)]
    if candidates:
        wide = [c for c in candidates if c[1].cells >= 2]
        best_idx, best = (wide or candidates)[0]
        for idx, ev in candidates:
            if idx <= best_idx or not (ev.labels and ev.cells > best.cells and ev.strong > best.strong):
                continue
            between = [e for i, e, _ in rows if best_idx < i < idx]
            if all(e.cells < ev.cells for e in between):
                best_idx, best = idx, ev
        return HeaderChoice(best_idx, "--map" if best_idx in named_rows else "synonyms")
    if typed_candidate is not None:
        return HeaderChoice(typed_candidate, "typed data below")
    if by_letter:
        return HeaderChoice(None, "none: columns by letter")
    return None


def _typed_below(grid: Sequence[Sequence[str]], idx: int) -> bool:
    """Whether, under one of row ``idx``'s labels, most of the next rows' cells are numbers, dates or codes."""
    below = [row for row in grid[idx + 1 : idx + 1 + 3 * TYPED_BELOW_ROWS] if any(row)][:TYPED_BELOW_ROWS]
    if not below:
        return False
    header = grid[idx]
    for c, label in enumerate(header):
        if not label:
            continue
        cells = [row[c] for row in below if c < len(row) and row[c]]
        if cells and sum(map(is_typed, cells)) * 2 >= len(cells) and (len(cells) >= 2 or len(below) == 1):
            return True
    return False


def no_header_message(where: str, grid: Sequence[Sequence[str]]) -> str:
    shown = []
    for idx, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        cells = [c for c in row if c]
        if not cells:
            continue
        text = ", ".join(repr(c if len(c) <= 30 else c[:29] + "…") for c in cells[:6])
        shown.append(f"row {idx + 1}: {text}{', …' if len(cells) > 6 else ''}")
        if len(shown) == 3:
            break
    return (
        f"{where}: no supplier name column found: no row in the first {HEADER_SCAN_ROWS} looks like a header "
        f"({'; '.join(shown) or 'no rows'})"
    )


NO_HEADER_HINT = (
    "put the column names in one row (e.g. 'Supplier Name', 'Country'), or pass --map name=HEADER; "
    "for a file without a header row give the column letter, e.g. --map name=B, and every row is read"
)


@dataclass(frozen=True)
class AboveRow:
    """A non-blank row above the header: a title, part of a two-row header (both skipped) or data."""

    number: int  # spreadsheet row number
    kind: str  # "title", "header", "data"
    cells: tuple[str, ...]

    def note(self, header_row: int) -> str:
        text = ", ".join(repr(c) for c in self.cells[:4]) + (", …" if len(self.cells) > 4 else "")
        if self.kind == "title":
            return f"row {self.number}: title {text}, skipped"
        if self.kind == "header":
            return f"row {self.number}: upper line of the header ({text}), skipped"
        return (
            f"row {self.number} is above the header (row {header_row}) but holds data: screened as a data row"
        )


def rows_above(grid: Sequence[Sequence[str]], header_idx: int) -> list[AboveRow]:
    header = grid[header_idx]
    out = []
    for idx in range(header_idx):
        row = grid[idx]
        cells = tuple(c for c in row if c)
        if not cells:
            continue
        if len(cells) == 1:
            kind = "title"
        elif all(
            header_kind(c)[0] is not None or is_question(c) or (i < len(header) and header[i] == c)
            for i, c in enumerate(row)
            if c
        ):
            kind = "header"
        else:
            kind = "data"
        out.append(AboveRow(idx + 1, kind, cells))
    return out


# --- forms -------------------------------------------------------------------------------------------------


@dataclass
class Pair:
    row: int  # spreadsheet row number of the label
    label: str
    values: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return " | ".join(v for v in self.values if v)


@dataclass
class Form:
    """A sheet read as one supplier: its label–value pairs, the name label's row and titles above them."""

    pairs: list[Pair]
    name_row: int
    layout: str  # "labels" (label–value pairs) or "questions" (under a Question | Answer header)
    first_row: int  # the first label's row, or the Question | Answer header's
    titles: list[AboveRow]


@dataclass
class NotAForm:
    """Looks like a form, but cannot be read as one supplier (no label names it): the reason to refuse it."""

    message: str
    labels: list[str]
    hint: str = "add a row 'Supplier name' with the name beside it, or pass --map name=LABEL"


def _names_something(values: Sequence[str]) -> bool:
    """A name label's value holds a letter (a "Supplier questionnaire | 2025" title row is no name)."""
    return any(any(ch.isalpha() for ch in v) for v in values)


def _label_and_values(row: Sequence[str]) -> tuple[int, str, list[str]] | None:
    items = [(c, v) for c, v in enumerate(row) if v]
    if not items:
        return None
    k = 0
    while k < len(items) - 1 and _ENUMERATOR.fullmatch(items[k][1]):
        k += 1
    col, label = items[k]
    return col, label, [v for _, v in items[k + 1 :]]


def _label_like(label: str) -> bool:
    return (
        header_kind(label)[0] is not None or is_question(label) or label.endswith(_LABEL_END)
    ) and may_be_header(label)


def _label_field(label: str, wanted_name: set[str]) -> str | None:
    if fold(label).strip() in wanted_name:
        return "name"
    if is_question(label):
        return None
    return map_header(label.rstrip(":： "))[0]


def find_form(grid: Sequence[Sequence[str]], wanted: Mapping[str, Sequence[str]]) -> Form | NotAForm | None:
    """The sheet as a form (see the module docstring), a reason to refuse a form without a name label, or
    None when the sheet is not a form (a table, read as such)."""
    nonblank: list[tuple[int, Sequence[str]]] = []
    for i, row in enumerate(grid):
        if any(row):
            nonblank.append((i, row))
            if len(nonblank) > FORM_MAX_ROWS:
                return None
    if len(nonblank) < 2:
        return None
    wanted_name = {fold(h).strip() for h in wanted.get("name", ())}
    questions = _question_answer_form(grid, nonblank, wanted_name)
    if questions is not None:
        return questions
    if any(row_evidence(row).strong >= 2 for _, row in nonblank[:HEADER_SCAN_ROWS]):
        return None  # a row of two header words or more: a table's header, not a label and its value
    parsed = [(i, _label_and_values(row)) for i, row in nonblank]
    cols = Counter(p[0] for _, p in parsed if p is not None and p[2])
    if not cols:
        return None
    label_col = cols.most_common(1)[0][0]
    pairs: list[Pair] = []
    titles: list[AboveRow] = []
    wide = 0
    for i, p in parsed:
        if p is None:
            continue
        col, label, values = p
        if col > label_col and pairs:  # a value continued on the next line, its label cell empty
            pairs[-1].values.append(" | ".join([label, *values]))
            continue
        if not values and not pairs:
            titles.append(AboveRow(i + 1, "title", (label,)))
            continue
        wide += len(values) >= 3
        pairs.append(Pair(i + 1, label, values))
    answered = [p for p in pairs if p.values]
    if len(answered) < 2 or wide * 5 > len(pairs):
        return None
    if sum(_label_like(p.label) for p in answered) * 2 < len(answered):
        return None
    fields = [_label_field(p.label, wanted_name) for p in answered]
    names = [
        p
        for p, f in zip(answered, fields, strict=True)
        if f == "name" and _names_something(p.values) and not any(row_evidence([v]).strong for v in p.values)
    ]
    distinct = {f for f in fields if f}
    asked = sum(is_question(p.label) for p in answered)
    if names and (len(distinct) >= 2 or asked >= 1):
        width = len(names[0].values)
        if width >= 2 and sum(len(p.values) == width for p in answered) * 2 >= len(answered):
            return NotAForm(
                f"looks like suppliers laid out in columns, one per column (the name label in row "
                f"{names[0].row} has {width} values beside it)",
                [p.label for p in answered],
                hint="transpose it so that each supplier is a row under one header row",
            )
        return Form(pairs, names[0].row, "labels", pairs[0].row, titles)
    if not names and (len(distinct) >= 2 or asked >= 2) and len(answered) >= 3:
        return NotAForm(
            f"looks like a form (labels in column {column_letter(label_col)}, answers beside them) but no "
            "label names the supplier",
            [p.label for p in answered],
        )
    return None


def _question_answer_form(
    grid: Sequence[Sequence[str]], nonblank: Sequence[tuple[int, Sequence[str]]], wanted_name: set[str]
) -> Form | NotAForm | None:
    for idx, row in nonblank[:HEADER_SCAN_ROWS]:
        roles = {c: form_role(v) for c, v in enumerate(row) if v}
        q = [c for c, r in roles.items() if r == "question"]
        a = [c for c, r in roles.items() if r == "answer"]
        if not q or not a or any(map_header(v)[0] == "name" for v in row if v):
            continue
        qcol, acol = q[0], a[0]
        extra = [c for c, r in roles.items() if r is None and c > qcol]
        titles = [AboveRow(i + 1, "title", tuple(v for v in r if v)) for i, r in nonblank if i < idx]
        pairs = []
        for i, cells in nonblank:
            if i <= idx or qcol >= len(cells) or not cells[qcol]:
                continue
            values = [cells[c] for c in [acol, *extra] if c < len(cells) and cells[c]]
            pairs.append(Pair(i + 1, cells[qcol], values))
        answered = [p for p in pairs if p.values]
        names = [
            p.row
            for p in answered
            if _label_field(p.label, wanted_name) == "name" and _names_something(p.values)
        ]
        if names:
            return Form(pairs, names[0], "questions", idx + 1, titles)
        return NotAForm(
            f"looks like a questionnaire (a {row[qcol]!r} | {row[acol]!r} header in row {idx + 1}) but no "
            "question names the supplier",
            [p.label for p in answered],
        )
    return None
