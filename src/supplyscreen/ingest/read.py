"""Reading spreadsheets: file type by content, encodings, sheets of rows with their mapping.

Every data row keeps its file, sheet and spreadsheet row number (1-based, as Excel shows it). Only rows with
no content at all are left out, and they are counted. Where the header is and whether a sheet is a form
(:mod:`supplyscreen.ingest.layout`), what a header means (:mod:`supplyscreen.ingest.headers`, from ``headers.yaml``) and
what every column is used for (:mod:`supplyscreen.ingest.columns`) are decided in their own modules.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import itertools
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from charset_normalizer import from_bytes
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden  # type: ignore[import-untyped]
from defusedxml.expatreader import DefusedExpatParser  # type: ignore[import-untyped]

from supplyscreen.errors import InputError
from supplyscreen.ingest.columns import (
    NOT_SCREENED,
    PSEUDO_FIELDS,
    TEXT,
    ColumnUse,
    classify,
    column_letter,
    empty_use,
)
from supplyscreen.ingest.headers import is_question
from supplyscreen.ingest.headers import map_header as map_header
from supplyscreen.ingest.layout import HEADER_SCAN_ROWS as HEADER_SCAN_ROWS
from supplyscreen.ingest.layout import (
    NO_HEADER_HINT,
    Form,
    NotAForm,
    find_form,
    find_header,
    no_header_message,
    rows_above,
)
from supplyscreen.normalize.text import fold
from supplyscreen.rules import FIELDS

SAMPLE_ROWS = 100  # data rows (after the header scan) whose cells decide the use of unmapped columns
SAMPLE_HEAD_ROWS = HEADER_SCAN_ROWS + SAMPLE_ROWS  # rows 1..this are the sample, read whole or streamed


@dataclass
class Sheet:
    """One table of one input: its header, the mapping used, what every column is used for and its data
    rows. A form (one supplier laid out as label–value pairs) is a sheet of one row whose headers are the
    labels."""

    file: str
    sheet: str | None
    header_row: int
    headers: list[str]
    mapping: dict[str, list[int]]
    how: dict[str, str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    blank_rows: int = 0
    unused_maps: list[tuple[str, str]] = field(default_factory=list)  # --map FIELD=HEADER absent here
    stream: CsvStream | None = None  # the rest of a streamed CSV, read chunk by chunk as it is screened
    streamed: int = 0  # data rows delivered by ``stream`` so far (they are not kept in ``rows``)
    layout: str = "table"  # or "form": label–value pairs read as one supplier
    evidence: str = ""  # why the header row is the header (see supplyscreen.ingest.layout)
    text_columns: list[int] = field(default_factory=list)  # screened as free text, into ``notes``
    uses: dict[int, ColumnUse] = field(
        default_factory=dict
    )  # every column's use (supplyscreen.ingest.columns)
    unfilled: set[int] = field(default_factory=set)  # text columns with no value in any row read so far
    notes: list[str] = field(default_factory=list)  # rows above the header, form titles: what was done

    @property
    def size(self) -> int:
        """Data rows: those held in ``rows`` and those streamed."""
        return len(self.rows) + self.streamed

    @property
    def estimated_rows(self) -> int:
        """Data rows, with a stream's rest estimated from its line count before it is read."""
        return self.size + (self.stream.estimated_rows if self.stream is not None else 0)

    def fields(self, i: int) -> dict[str, str]:
        """The canonical fields of data row ``i``: several columns mapped to one field are joined, and each
        column screened as text adds ``"{header}: {value}"`` to ``notes`` (after a mapped notes column).

        A row whose name cell is empty has no ``name`` key at all (see :func:`row_note`): it is screened on
        its other fields, never dropped.
        """
        return self.field_reader()(self.rows[i])

    def field_reader(self) -> Callable[[Sequence[str]], dict[str, str]]:
        """:meth:`fields` of a row's cells, for many rows: the mapping is looked at once."""
        single = [(f, cols[0]) for f in FIELDS if len(cols := self.mapping.get(f) or []) == 1]
        joined = [(f, cols) for f in FIELDS if len(cols := self.mapping.get(f) or []) > 1]
        order = [f for f in FIELDS if self.mapping.get(f)]
        text = [(c, f"{self.headers[c]}: ") for c in self.text_columns]  # notes is the last field

        def read(row: Sequence[str]) -> dict[str, str]:
            width = len(row)
            out = {f: row[c] if c < width else "" for f, c in single}
            for f, cols in joined:
                out[f] = " | ".join(row[c] for c in cols if c < width and row[c])
            if joined:
                out = {f: out[f] for f in order}
            if text:
                extra = [prefix + row[c] for c, prefix in text if c < width and row[c]]
                if extra:
                    mapped = out.get("notes")
                    out["notes"] = " | ".join([mapped, *extra] if mapped else extra)
            if not out.get("name"):
                out.pop("name", None)
            return out

        return read

    def chunks(self, size: int) -> Iterator[tuple[int, list[int], list[list[str]]]]:
        """The data rows in chunks of ``size``: (index of the first, row numbers, cells). Rows held in
        memory come first, then those of the stream, which are counted in ``streamed`` and not kept."""
        for start in range(0, len(self.rows), size):
            yield start, self.row_numbers[start : start + size], self.rows[start : start + size]
        if self.stream is not None:
            for numbers, rows in self.stream.chunks(self, size):
                start = self.size
                self.streamed += len(rows)
                yield start, numbers, rows

    @property
    def complete(self) -> bool:
        """Whether every row has been read (a streamed sheet is complete once screened)."""
        return self.stream is None or self.stream.done

    def columns(self) -> list[ColumnUse]:
        """Every column's use, in column order. A text column with no value in any row is, once every row
        has been read, *not screened* ("empty"); until then it is screened where filled."""
        out = []
        for c in range(len(self.headers)):
            use = self.uses.get(c) or ColumnUse(c, self.headers[c], NOT_SCREENED, "not read")
            if c in self.unfilled and self.complete:
                use = empty_use(use)
            out.append(use)
        return out

    def describe_mapping(self) -> str:
        parts = [
            f"{fname} ← {', '.join(repr(self.headers[c]) for c in self.mapping[fname])}"
            for fname in FIELDS
            if self.mapping.get(fname)
        ]
        return "; ".join(parts)

    def describe_layout(self) -> str:
        """Where the table is: its header row (and why), or the form's rows."""
        if self.layout == "form":
            return f"form of label–value pairs from row {self.header_row}, one supplier (row {self.row_numbers[0]})"
        if self.header_row == 0:
            return "no header row (columns named by letter)"
        why = {"typed data below": " (text labels above numbers or codes)", "--map": " (named by --map)"}
        return f"header row {self.header_row}{why.get(self.evidence, '')}"

    def describe_columns(self, limit: int | None = None) -> list[str]:
        """The column account in two lines: columns screened as text, and those not screened with why
        (each list cut after ``limit`` columns, saying how many more)."""
        uses = self.columns()
        out = []
        for use, title in ((TEXT, "screened as text (into notes)"), (NOT_SCREENED, "not screened")):
            items = [u.describe() for u in uses if u.use == use]
            if not items:
                continue
            more = f"; and {len(items) - limit:,} more" if limit is not None and len(items) > limit else ""
            out.append(f"{title}: {'; '.join(items[:limit])}{more}")
        return out

    def columns_json(self) -> dict[str, object]:
        """This sheet in ``results.json``'s ``run.inputs[].sheets``."""
        return {
            "sheet": self.sheet,
            "layout": self.layout,
            "header_row": self.header_row,
            "rows": self.size,
            "columns": [u.as_json() for u in self.columns()],
            "notes": list(self.notes),
        }


NO_NAME_NOTE = "no supplier name: screened on the other fields only"


def row_note(fields: Mapping[str, str]) -> str:
    """Why a row's result needs a second look, or "": a row without a supplier name."""
    return "" if fields.get("name") else NO_NAME_NOTE


@dataclass
class InputFile:
    path: Path
    display: str
    sha256: str
    kind: str
    sheets: list[Sheet]
    skipped: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(s.size for s in self.sheets)

    @property
    def estimated_rows(self) -> int:
        """Data rows, with a streamed CSV's rest estimated from its line count before it is read."""
        return sum(s.estimated_rows for s in self.sheets)


# --- cells ---------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: 304.87 stays '304.87', 12.0 becomes '12', dates are ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).replace("\x00", "").strip()


def _unique_headers(raw: Sequence[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, header in enumerate(raw):
        name = " ".join(header.split()) or f"Column {column_letter(i)}"
        if name.casefold() in seen:
            seen[name.casefold()] += 1
            name = f"{name} ({seen[name.casefold()]})"
        seen.setdefault(name.casefold(), 1)
        out.append(name)
    return out


# --- header detection and mapping ---------------------------------------------------------------------


def _parse_overrides(overrides: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for fname, headers in (overrides or {}).items():
        if fname not in FIELDS and fname not in PSEUDO_FIELDS:
            raise InputError(
                f"--map names unknown field '{fname}'",
                hint=f"use one of: {', '.join(FIELDS)} (or text, skip: screen a column as text, or not)",
            )
        out[fname] = list(headers)
    return out


def _find_column(headers: Sequence[str], wanted: str) -> int | None:
    folded = fold(wanted).strip()
    for i, header in enumerate(headers):
        if fold(header).strip() == folded:
            return i
    if re.fullmatch(r"[A-Za-z]{1,3}", wanted):
        for i in range(len(headers)):
            if column_letter(i) == wanted.upper():
                return i
    return None


def _auto_mapping(headers: Sequence[str]) -> tuple[dict[str, list[int]], dict[str, str]]:
    """Each header's field by its synonyms; a question is never a field (it is screened as text)."""
    mapping: dict[str, list[int]] = {}
    how: dict[str, str] = {}
    for i, header in enumerate(headers):
        if is_question(header):
            continue
        fname, score = map_header(header)
        if fname is None:
            continue
        mapping.setdefault(fname, []).append(i)
        how[fname] = "synonym" if score >= 100 else f"fuzzy {score:.0f}"
    return mapping, how


def unmatched_map(where: str, fname: str, header: str, headers: Sequence[str]) -> InputError:
    return InputError(
        f"{where}: --map {fname}={header!r} matches no column (columns: {', '.join(repr(h) for h in headers)})",
        hint="give the header exactly as it appears, or a column letter",
    )


NAME_HINT = "name it e.g. 'Supplier Name', or pass --map name=HEADER"


def _apply_overrides(
    headers: Sequence[str],
    wanted: Mapping[str, Sequence[str]],
    mapping: dict[str, list[int]],
    how: dict[str, str],
    where: str,
    lenient: bool,
) -> tuple[list[tuple[str, str]], list[int], list[int]]:
    """Apply ``--map`` to an automatic mapping, in place: the --map headers this sheet lacks (with
    ``lenient``; else an error), and the columns named by ``--map text=`` and ``--map skip=``."""
    unused: list[tuple[str, str]] = []
    pseudo: dict[str, list[int]] = {p: [] for p in PSEUDO_FIELDS}
    for fname, wanted_headers in wanted.items():
        cols: list[int] = []
        for wanted_header in wanted_headers:
            col = _find_column(headers, wanted_header)
            if col is None:
                if not lenient:
                    raise unmatched_map(where, fname, wanted_header, headers)
                unused.append((fname, wanted_header))
                continue
            cols.append(col)
        if not cols:
            continue
        for other in mapping.values():
            other[:] = [c for c in other if c not in cols]
        if fname in pseudo:
            pseudo[fname] += cols
            continue
        mapping[fname] = cols
        how[fname] = "--map"
    for fname in [f for f, cols in mapping.items() if not cols]:
        del mapping[fname]
        how.pop(fname, None)
    return unused, pseudo["text"], pseudo["skip"]


def build_sheet(
    display: str,
    sheet_name: str | None,
    grid: list[list[str]],
    overrides: Mapping[str, Sequence[str]] | None = None,
    lenient: bool = False,
) -> Sheet:
    """Find the header (or read the sheet as a form), map it, account for every column and collect the data
    rows from a grid of cell texts (row 0 = spreadsheet row 1). See :mod:`supplyscreen.ingest.layout` for the
    header evidence, the rows above the header and forms, :mod:`supplyscreen.ingest.columns` for the columns.

    With ``lenient`` (a workbook of several sheets), a ``--map`` header this sheet lacks leaves the field
    mapped automatically here; the caller checks that every ``--map`` header exists in some sheet."""
    where = f"{display}" + (f" [sheet '{sheet_name}']" if sheet_name else "")
    wanted = _parse_overrides(overrides)
    form = find_form(grid, wanted)
    if isinstance(form, NotAForm):
        labels = ", ".join(repr(label) for label in form.labels[:6]) + (", …" if len(form.labels) > 6 else "")
        raise InputError(f"{where}: {form.message} (labels: {labels})", hint=form.hint)
    if form is not None:
        return _form_sheet(display, sheet_name, form, wanted, where, lenient)
    choice = find_header(grid, wanted)
    if choice is None:
        raise InputError(no_header_message(where, grid), hint=NO_HEADER_HINT)
    width = max(len(r) for r in grid)
    header_idx = -1 if choice.index is None else choice.index
    raw = grid[header_idx] if header_idx >= 0 else []
    headers = _unique_headers([*raw, *[""] * (width - len(raw))])
    mapping, how = _auto_mapping(headers)
    unused, user_text, user_skip = _apply_overrides(headers, wanted, mapping, how, where, lenient)
    if "name" not in mapping:
        raise InputError(
            f"{where}: no supplier name column found (headers seen: {', '.join(repr(h) for h in raw if h)})",
            hint=NAME_HINT,
        )
    sheet = Sheet(display, sheet_name, header_idx + 1, headers, mapping, how, unused_maps=unused)
    sheet.evidence = choice.evidence
    for above in rows_above(grid, header_idx) if header_idx > 0 else []:
        if above.kind == "data":
            row = grid[above.number - 1]
            sheet.rows.append([*row, *[""] * (width - len(row))])
            sheet.row_numbers.append(above.number)
        sheet.notes.append(above.note(header_idx + 1))
    for offset, row in enumerate(grid[header_idx + 1 :], start=header_idx + 2):
        if not any(row):
            sheet.blank_rows += 1
            continue
        sheet.rows.append([*row, *[""] * (width - len(row))])
        sheet.row_numbers.append(offset)
    _account(sheet, user_text, user_skip)
    return sheet


def _form_sheet(
    display: str,
    sheet_name: str | None,
    form: Form,
    wanted: Mapping[str, Sequence[str]],
    where: str,
    lenient: bool,
) -> Sheet:
    """A form as a sheet of one row: the labels are its headers, the values its cells."""
    headers = _unique_headers([p.label.rstrip(":： ") or p.label for p in form.pairs])
    row = [p.value for p in form.pairs]
    mapping, how = _auto_mapping(headers)
    for fname, cols in mapping.items():  # an unanswered label (a heading) is no field; a name has letters
        cols[:] = [c for c in cols if row[c] and (fname != "name" or any(ch.isalpha() for ch in row[c]))]
    unused, user_text, user_skip = _apply_overrides(headers, wanted, mapping, how, where, lenient)
    if "name" not in mapping:
        raise InputError(
            f"{where}: a form whose supplier name label has no value (labels: "
            f"{', '.join(repr(h) for h in headers[:6])})",
            hint=NAME_HINT,
        )
    sheet = Sheet(display, sheet_name, form.first_row, headers, mapping, how, unused_maps=unused)
    sheet.layout = "form"
    sheet.evidence = "question | answer header" if form.layout == "questions" else "label–value pairs"
    sheet.rows = [row]
    sheet.row_numbers = [form.name_row]
    sheet.notes = [t.note(form.first_row) for t in form.titles]
    sheet.notes.append(
        f"read as one supplier: {len(form.pairs)} labels in rows {form.pairs[0].row}–{form.pairs[-1].row}, "
        f"the supplier at row {form.name_row} (its name label)"
    )
    _account(sheet, user_text, user_skip, label_rows=[p.row for p in form.pairs])
    return sheet


def _account(
    sheet: Sheet, user_text: Sequence[int], user_skip: Sequence[int], label_rows: Sequence[int] | None = None
) -> None:
    """Decide every column's use from the sample rows (those up to row ``SAMPLE_HEAD_ROWS``, the same
    whether the file is read whole or streamed) and find the text columns with no value in any row held."""
    form = label_rows is not None
    held = sum(1 for n in sheet.row_numbers if n <= SAMPLE_HEAD_ROWS)  # rows are in row order
    sample = sheet.rows if form else sheet.rows[:held]
    decided = classify(sheet.headers, sheet.mapping, sheet.how, sample, user_text, user_skip, form=form)
    sheet.mapping = decided.mapping
    sheet.text_columns = decided.text
    sheet.uses = decided.uses
    if label_rows is not None:
        sheet.uses = {c: dataclasses.replace(u, row=label_rows[c]) for c, u in decided.uses.items()}
    unfilled = {c for c in decided.text if not any(c < len(r) and r[c] for r in sample)}
    for row in sheet.rows[len(sample) :] if unfilled else ():
        for c in [c for c in unfilled if c < len(row) and row[c]]:
            unfilled.discard(c)
        if not unfilled:
            break
    sheet.unfilled = unfilled


# --- file types ------------------------------------------------------------------------------------------

# Limits that keep a hostile workbook from exhausting memory before any row is read.
MAX_UNPACKED_BYTES = 1_000_000_000  # all parts of a ZIP workbook together, as its directory declares them
MAX_RATIO = 100  # compression ratio refused for a part bigger than RATIO_MIN_BYTES (Excel's are ~5-20:1)
RATIO_MIN_BYTES = 10_000_000
MAX_SHEET_CELLS = 50_000_000  # rows × columns of a sheet's used range, which the reader allocates at once
_CHUNK = 1 << 20

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _utf16_name(name: str) -> bytes:
    return name.encode("utf-16-le")


def _sniff(data: bytes) -> str:
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    return "text"


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n:,} bytes"


def _damaged(display: str, detail: str) -> InputError:
    return InputError(
        f"{display}: cannot read the workbook: {detail}",
        hint="download or export it again; if Excel still opens it, save it again as .xlsx",
    )


class _RootSeen(Exception):
    """The root element started: an XML prolog (where a DTD would be) is over."""


class _StopAtRoot(ContentHandler):
    def startElement(self, name: str, attrs: Any) -> None:
        raise _RootSeen

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        raise _RootSeen


class _PrologCheck:
    """Feeds the start of an XML part to defusedxml until the root element: refuses DTDs and entities."""

    def __init__(self) -> None:
        self.parser = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self.parser.setContentHandler(_StopAtRoot())
        self.done = False

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.feed(chunk)
        except _RootSeen:
            self.done = True
        except SAXException:
            self.done = True  # not well-formed: the workbook reader reports that


# A cell with a reference: ` r="XFD1048576"` and whether the tag closes at once (a formatted empty cell).
_CELL_REF = re.compile(rb' r="([A-Z]{1,3})([0-9]{1,7})"[^>/]*(/?)>')
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_ATTR_R = re.compile(rb'\br="([A-Z]{0,3})([0-9]{1,7})"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _UsedRange:
    """The last row and column holding a value in a worksheet part, from its XML, without building it.

    The workbook reader allocates rows × columns for a sheet at once, so two cells (A1 and XFD1048576)
    in a 1 KB file would ask for 17 billion cells; this finds such a sheet first.
    """

    def __init__(self) -> None:
        self.rows = 0
        self.cols: set[bytes] = set()
        self.refless = False
        self._tail = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buf = self._tail + chunk
        cut = len(buf) if final else buf.rfind(b"<")
        if cut <= 0:
            self._tail = buf
            return
        part, self._tail = buf[:cut], buf[cut:]
        found = _CELL_REF.findall(part)
        if len(_CELL_TAG.findall(part)) > len(found):
            self.refless = True  # some cells are placed by counting, not by reference
        valued = [row for _, row, empty in found if not empty]
        if valued:
            self.rows = max(self.rows, *map(int, valued))
            self.cols.update(col for col, _, empty in found if not empty)

    @property
    def columns(self) -> int:
        return max((_column_number(c) for c in self.cols), default=0)

    def count_by_position(self, chunks: Iterator[bytes]) -> None:
        """For parts whose cells lack references: follow rows and cells in order, as the reader does."""
        row = col = 0
        max_col = 0
        tail = b""
        for chunk in [*chunks, b""]:
            buf = tail + chunk
            cut = buf.rfind(b"<") if chunk else len(buf)
            part, tail = (buf[:cut], buf[cut:]) if cut > 0 else (b"", buf)
            for m in _ROW_OR_CELL.finditer(part):
                ref = _ATTR_R.search(m.group(2))
                if m.group(1) == b"row":
                    row = int(ref.group(2)) if ref else row + 1
                    col = 0
                    continue
                if ref and ref.group(1):
                    col = _column_number(ref.group(1))
                    cell_row = int(ref.group(2))
                else:
                    col += 1
                    cell_row = row
                if not m.group(2).endswith(b"/"):
                    self.rows = max(self.rows, cell_row)
                    max_col = max(max_col, col)
        self.cols = {column_letter(max_col - 1).encode()} if max_col else set()


def _member_chunks(data: bytes, info: zipfile.ZipInfo, display: str) -> Iterator[bytes]:
    """The uncompressed bytes of one ZIP member, never more than its directory entry declares."""
    off = info.header_offset
    if data[off : off + 4] != b"PK\x03\x04":
        raise _damaged(display, f"the file is damaged: '{info.filename}' is missing from the ZIP container")
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) < info.compress_size:
        raise _damaged(display, "the file is damaged (the ZIP container is truncated)")
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != info.file_size:
            raise _damaged(display, f"the file is damaged: '{info.filename}' has the wrong size")
        for pos in range(0, len(raw), _CHUNK):
            yield bytes(raw[pos : pos + _CHUNK])
        return
    inflate = zlib.decompressobj(-15)
    left = info.file_size
    try:
        for pos in range(0, len(raw), _CHUNK):
            out = inflate.decompress(raw[pos : pos + _CHUNK], _CHUNK)
            while True:
                left -= len(out)
                if left < 0:
                    raise InputError(
                        f"{display}: refused: '{info.filename}' unpacks to more than the "
                        f"{_size(info.file_size)} the ZIP directory declares (a zip bomb)",
                        hint="screen the original file, or export the sheet as CSV",
                    )
                if out:
                    yield out
                if not inflate.unconsumed_tail:
                    break
                out = inflate.decompress(inflate.unconsumed_tail, _CHUNK)
            if inflate.eof:
                break
    except zlib.error as exc:
        raise _damaged(display, f"the file is damaged: '{info.filename}' cannot be unpacked") from exc
    if left != 0 or not inflate.eof:
        raise _damaged(
            display, f"the file is damaged: '{info.filename}' is shorter than the ZIP directory says"
        )


def _inspect_zip(data: bytes, display: str) -> str:
    """Check a ZIP-based workbook before the reader opens it; returns its kind (xlsx, xlsb, ods).

    Refuses, each with one line: a damaged container; a ZIP that is not a workbook; more than
    ``MAX_UNPACKED_BYTES`` unpacked or a part compressed more than ``MAX_RATIO``:1 (zip bombs, judged from
    the directory before anything is unpacked); a part unpacking to more than its directory says; XML with
    a DTD or entity declarations (billion laughs, external entities; checked with defusedxml); a sheet whose
    used range exceeds ``MAX_SHEET_CELLS``.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError, struct.error, …: any of them means damaged
        raise _damaged(display, "the file is damaged (a truncated or corrupt ZIP container)") from exc
    with archive:
        infos = archive.infolist()
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "xl/workbook.bin" in names:
        kind = "xlsb"
    elif "content.xml" in names:
        kind = "ods"
    elif "word/document.xml" in names:
        raise InputError(f"{display}: is a Word document, not a spreadsheet", hint=_EXPORT_HINT)
    elif "ppt/presentation.xml" in names:
        raise InputError(f"{display}: is a PowerPoint file, not a spreadsheet", hint=_EXPORT_HINT)
    else:
        raise InputError(
            f"{display}: is a ZIP archive, not a workbook",
            hint="unzip it and screen the spreadsheets inside",
        )
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED_BYTES:
        raise InputError(
            f"{display}: refused: it would unpack to {_size(total)}, over the {_size(MAX_UNPACKED_BYTES)} limit "
            "(a zip bomb, or a workbook too big to screen at once)",
            hint="split it into smaller workbooks or export each sheet as CSV",
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputError(f"{display}: the workbook is password-protected", hint=_PASSWORD_HINT)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(
                f"{display}: '{info.filename}' uses a compression method Excel does not write",
                hint="open it in Excel or LibreOffice and save it again as .xlsx",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise InputError(
                f"{display}: refused: '{info.filename}' would unpack {ratio:,.0f}:1 to {_size(info.file_size)} "
                f"(limit {MAX_RATIO}:1 for parts over {_size(RATIO_MIN_BYTES)}; a zip bomb)",
                hint="screen the original file, or export the sheet as CSV",
            )
    for info in infos:
        _check_member(data, info, display, kind)
    return kind


def _check_member(data: bytes, info: zipfile.ZipInfo, display: str, kind: str) -> None:
    name = info.filename
    prolog = _PrologCheck() if name.lower().endswith((".xml", ".rels", ".vml")) else None
    used = _UsedRange() if kind == "xlsx" and re.fullmatch(r"xl/worksheets/[^/]+\.xml", name) else None
    try:
        for chunk in _member_chunks(data, info, display):
            if prolog is not None and not prolog.done:
                prolog.feed(chunk)
            if used is not None:
                used.feed(chunk)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise InputError(
            f"{display}: refused: '{name}' declares a DTD or XML entities, which "
            "Excel never writes and which can expand to fill memory or read other files",
            hint="save the workbook again from Excel, or export the sheet as CSV",
        ) from exc
    if used is None:
        return
    used.feed(b"", final=True)
    if used.refless:
        used.count_by_position(_member_chunks(data, info, display))
    cells = used.rows * used.columns
    if cells > MAX_SHEET_CELLS:
        corner = f"{column_letter(used.columns - 1)}{used.rows}"
        raise InputError(
            f"{display}: refused: '{name}' has a value in cell {corner}, so its used range is "
            f"{cells:,} cells (limit {MAX_SHEET_CELLS:,})",
            hint="delete the stray cells far from the table (Ctrl+End shows the last one) and save again, "
            "or export the sheet as CSV",
        )


# --- OLE (.xls) --------------------------------------------------------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_RESERVED_SECTORS = 0xFFFFFFFA
_DIFSECT = 0xFFFFFFFC
_BIFF_CELLS = (
    0x0203,
    0x0204,
    0x0205,
    0x027E,
    0x00FD,
    0x0006,
)  # Number, Label, BoolErr, RK, LabelSst, Formula


def _inspect_ole(data: bytes, display: str) -> None:
    """Check an OLE compound file (.xls) the way the workbook reader will walk it, before it does.

    python-calamine follows sector chains until they end, sizes buffers from counts in the file and
    allocates a sheet's whole used range: a damaged or hostile .xls (a sector chain that loops, a stream or
    string table claiming gigabytes, a cell at row 65,535 and column 65,535) would make it allocate until the
    process aborts. Every chain it follows is walked here with loop and bounds checks, and the workbook
    stream's records are scanned for string-table counts, DIMENSIONS and cell positions.
    """

    def broken(what: str) -> InputError:
        return _damaged(display, f"the file is damaged ({what})")

    if len(data) < 512:
        raise broken("its OLE header is cut short")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        return  # the reader refuses these itself, with an error
    size = 1 << shift
    dir_len, fat_len, dir_start = struct.unpack_from("<III", data, 40)
    mini_fat_start, mini_fat_len, difat_start = struct.unpack_from("<III", data, 60)
    limit = 16 * len(data) + (64 << 20)  # no buffer of a real file is bigger than the file
    for claimed, what in (
        (struct.unpack_from("<I", data, 62)[0] * 4, "DIFAT"),
        (fat_len * 4, "FAT"),
        (dir_len * size, "directory"),
        (mini_fat_len * size, "mini FAT"),
    ):
        if claimed > limit:
            raise broken(f"its {what} claims {_size(claimed)}")
    sectors = len(data) // size - 1
    per_sector = size // 4

    def sector(sid: int) -> bytes:
        if sid >= sectors:
            raise broken("a sector lies outside the file")
        return data[(sid + 1) * size : (sid + 2) * size]

    difat = list(struct.unpack_from("<109I", data, 76))
    seen: set[int] = set()
    sid = difat_start
    while sid < _RESERVED_SECTORS:
        if sid in seen:
            raise broken("its sector allocation table loops")
        seen.add(sid)
        difat.extend(struct.unpack(f"<{per_sector}I", sector(sid)))
        sid = difat.pop()
    fats: list[int] = []
    for sid in difat:
        if sid < _DIFSECT:
            fats.extend(struct.unpack(f"<{per_sector}I", sector(sid)))

    def chain(start: int, table: Sequence[int], block: int, available: int) -> list[int]:
        out: list[int] = []
        visited: set[int] = set()
        sid = start
        while sid != _ENDOFCHAIN:
            if sid in visited:
                raise broken("a sector chain loops")
            if sid >= len(table) or (sid + 1) * block > available:
                raise broken("a sector chain leaves the file")
            visited.add(sid)
            out.append(sid)
            sid = table[sid]
        return out

    def read(start: int, length: int) -> bytes:
        body = b"".join(sector(s) for s in chain(start, fats, size, sectors * size))
        return body[:length] if length else body

    directory = read(dir_start, dir_len * size)
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        raw = directory[offset : offset + 128]
        name = raw[:64].decode("utf-16-le", errors="replace").split("\x00", 1)[0]
        start = struct.unpack_from("<I", raw, 116)[0]
        length = struct.unpack_from("<I" if size == 512 else "<Q", raw, 120)[0]
        entries.append((name, raw[66], start, length))
    if not entries:
        return  # the reader says so itself
    for name, _, _, length in entries:
        if length > limit:
            raise broken(f"its stream '{_clean_label(name)}' claims {_size(length)}")
    ministream = b""
    minifat: list[int] = []
    if mini_fat_len > 0:
        ministream = read(entries[0][2], entries[0][3])
        raw_minifat = read(mini_fat_start, mini_fat_len * size)
        minifat = list(struct.unpack(f"<{len(raw_minifat) // 4}I", raw_minifat[: len(raw_minifat) // 4 * 4]))
    workbook = b""
    for name, kind, start, length in entries[1:]:
        if kind != 2 and name not in ("Workbook", "Book"):
            continue  # storages and unused entries are never read as streams
        if length < 4096:
            ids = chain(start, minifat, 64, len(ministream))
            body = b"".join(ministream[i * 64 : (i + 1) * 64] for i in ids)
        else:
            body = b"".join(sector(s) for s in chain(start, fats, size, sectors * size))
        if name in ("Workbook", "Book") and not workbook:
            workbook = body[:length] if length else body
    _inspect_biff(workbook, display)


def _biff_records(stream: bytes, pos: int) -> Iterator[tuple[int, bytes]]:
    while pos + 4 <= len(stream):
        typ, length = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + length > len(stream):
            return
        yield typ, stream[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if typ == 0x000A:  # EOF
            return


def _inspect_biff(stream: bytes, display: str) -> None:
    """The workbook stream's records that size the reader's buffers: refuse counts no file can hold."""
    sheets: list[int] = []
    records = list(_biff_records(stream, 0))
    for i, (typ, body) in enumerate(records):
        if typ == 0x00FC and len(body) >= 8:  # SST: each string takes at least 3 bytes
            available = len(body) + sum(len(b) for t, b in records[i + 1 : i + 1000] if t == 0x003C)
            count = struct.unpack_from("<i", body, 4)[0]
            if count < 0 or count > available // 3 + 1:
                raise _damaged(display, f"the file is damaged (its string table claims {count:,} strings)")
        elif typ == 0x0085 and len(body) >= 4:  # BoundSheet8: where a sheet's records start
            sheets.append(struct.unpack_from("<I", body, 0)[0])
    for n, pos in enumerate(sheets, start=1):
        rows = cols = 0
        for typ, body in _biff_records(stream, pos):
            if typ == 0x0200 and len(body) in (10, 14):  # DIMENSIONS, as the reader sizes its cell list
                if len(body) == 10:
                    first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
                else:
                    first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
                span = 1
                if last_row >= 1 and last_col >= 1:
                    span = ((last_row - first_row) & 0xFFFFFFFF) * ((last_col - first_col) & 0xFFFFFFFF)
                if span > MAX_SHEET_CELLS:
                    raise _damaged(display, f"the file is damaged (sheet {n} declares {span:,} cells)")
            elif typ in _BIFF_CELLS and len(body) >= 4:
                row, col = struct.unpack_from("<HH", body)
                rows, cols = max(rows, row + 1), max(cols, col + 1)
            elif typ == 0x00BD and len(body) >= 6:  # MulRk: a run of columns
                row, first = struct.unpack_from("<HH", body)
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                rows, cols = max(rows, row + 1), max(cols, first + 1, last + 1)
        if rows * cols > MAX_SHEET_CELLS:
            raise InputError(
                f"{display}: refused: sheet {n} has a value in cell {column_letter(cols - 1)}{rows}, so its used "
                f"range is {rows * cols:,} cells (limit {MAX_SHEET_CELLS:,})",
                hint="delete the stray cells far from the table (Ctrl+End shows the last one) and save again, "
                "or export the sheet as CSV",
            )


_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_EXPORT_HINT = "copy the table into Excel and save it as .xlsx, or export it as .csv"
_PASSWORD_HINT = "remove the password in Excel (File › Info › Protect Workbook) and save again"


# --- CSV ---------------------------------------------------------------------------------------------------

csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # a supplier cell may hold a 1 MB text
_LEGACY = ["gb18030", "cp1251", "cp1252", "big5", "shift_jis", "euc_kr", "koi8_r", "latin_1"]


@dataclass(frozen=True)
class Decoded:
    """CSV text and how it was decoded; ``note`` says what the user should check, or is ""."""

    text: str
    encoding: str
    note: str = ""


def _legacy_encoding(data: bytes) -> str:
    best = from_bytes(data[:200_000], cp_isolation=_LEGACY).best()
    return best.encoding if best is not None else "cp1252"


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark: ASCII-range text leaves a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _line_list(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def decode_text(data: bytes) -> Decoded:
    """Decode CSV bytes: BOMs, UTF-16 without BOM, then UTF-8, then the most likely legacy encoding.

    Never fails. A file that is UTF-8 except for some lines (rows pasted from an older export) keeps UTF-8
    for the rest and reads those lines in the legacy encoding detected from them, with a note naming the
    lines; bytes that fit no encoding become U+FFFD (�), with a note.
    """
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            if enc == "utf-8-sig":
                return _utf8_or_mixed(data[3:], enc)
            return _strict_or_replace(data, enc)
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return _strict_or_replace(data, utf16)
    return _utf8_or_mixed(data, "utf-8")


def _strict_or_replace(data: bytes, encoding: str) -> Decoded:
    try:
        return Decoded(data.decode(encoding), encoding)
    except (UnicodeDecodeError, LookupError):
        text = data.decode(encoding, errors="replace")
        return Decoded(
            text,
            encoding,
            f"some bytes are not valid {encoding} and show as � ({text.count(chr(0xFFFD))} characters)",
        )


def _utf8_or_mixed(data: bytes, label: str) -> Decoded:
    try:
        return Decoded(data.decode("utf-8"), label)
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    utf8_lines = 0
    other: list[int] = []
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            other.append(i)
    if utf8_lines > len(other):  # mostly UTF-8: only the odd lines are read in a legacy encoding
        legacy = _legacy_encoding(b"\n".join(lines[i] for i in other))
        odd = set(other)
        text = "\n".join(
            line.decode(legacy, errors="replace") if i in odd else line.decode("utf-8")
            for i, line in enumerate(lines)
        )
        note = (
            f"line{'s' if len(other) > 1 else ''} {_line_list([i + 1 for i in other])} "
            f"{'are' if len(other) > 1 else 'is'} not UTF-8 like the rest of the file; read as {legacy}: "
            "check those rows"
        )
        return Decoded(text, f"{label} + {legacy}", note)
    return _strict_or_replace(data, _legacy_encoding(data))


def decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes (see :func:`decode_text`): the text and the encoding used."""
    decoded = decode_text(data)
    return decoded.text, decoded.encoding


def _looks_binary(data: bytes) -> bool:
    """Control bytes in more than 5% of the start: an image, archive or program, not a CSV."""
    sample = data[:65536]
    controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), 11, 14, *range(15, 32), 127))
    return controls > max(8, len(sample) // 20)


_EMPTY: list[str] = []  # every blank row shares it (a sheet may have a million)


def _read_csv(data: bytes, display: str) -> tuple[list[list[str]], str, str]:
    decoded = decode_text(data)
    text = decoded.text
    dialect = _dialect(text[:20_000])
    rows = list(_cells(csv.reader(io.StringIO(text, newline=""), dialect, doublequote=True), display))
    return rows, decoded.encoding, decoded.note


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def _cells(records: Iterator[list[str]], display: str) -> Iterator[list[str]]:
    """Cleaned cells of CSV records (NULs dropped, whitespace stripped; a blank row is ``_EMPTY``); a
    malformed file is an InputError. Readers are made with doublequote=True: Excel doubles a quote inside a
    quoted field, and the sniffer sometimes guesses otherwise."""
    try:
        for record in records:
            cells = [cell.replace("\x00", "").strip() for cell in record]
            yield cells if any(cells) else _EMPTY
    except csv.Error as exc:
        raise InputError(
            f"{display}: cannot be read as CSV ({exc})", hint="open it in Excel and save it as .xlsx or .csv"
        ) from exc


STREAM_HEAD_BYTES = 1 << 16
_STREAM_BLOCK = 1 << 22


@dataclass
class CsvStream:
    """The data rows of a CSV file after its first records, read as they are screened: memory stays bounded
    however long the file. Only files that decode cleanly in one encoding are streamed (checked in a first
    pass that also takes the sha256); anything else is read whole, as before."""

    path: Path
    display: str
    encoding: str
    dialect: type[csv.Dialect] | csv.Dialect
    skip: int  # records read already (the head)
    pending_blank: int  # blank records at the end of the head: counted once a data row follows
    estimated_rows: int  # lines after the head, for progress
    done: bool = False  # every record has been read

    def chunks(self, sheet: Sheet, size: int) -> Iterator[tuple[list[int], list[list[str]]]]:
        """(row numbers, cells) of the non-blank rows after the head; blank rows are counted in the sheet
        (trailing ones are not part of the table, as for a file read whole)."""
        width = len(sheet.headers)
        unfilled = sheet.unfilled  # text columns with no value yet: the column account says "empty" if none
        beyond: list[
            int
        ] = []  # rows with cells past the header's last column (a streamed sheet is not widened)
        pending = self.pending_blank
        number = self.skip
        numbers: list[int] = []
        rows: list[list[str]] = []
        try:
            with self.path.open("r", encoding=self.encoding, newline="") as handle:
                reader = csv.reader(handle, self.dialect, doublequote=True)
                for _ in itertools.islice(reader, self.skip):
                    pass
                for cells in _cells(reader, self.display):
                    number += 1
                    if not cells:
                        pending += 1
                        continue
                    sheet.blank_rows += pending
                    pending = 0
                    if len(cells) < width:
                        cells += [""] * (width - len(cells))
                    elif len(cells) > width and any(cells[width:]):
                        beyond.append(number)
                    if unfilled:
                        unfilled.difference_update([c for c in unfilled if cells[c]])
                    numbers.append(number)
                    rows.append(cells)
                    if len(rows) >= size:
                        yield numbers, rows
                        numbers, rows = [], []
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(
                f"{self.display}: changed or became unreadable while being screened ({exc})",
                hint="screen a copy that nothing else writes to",
            ) from exc
        self.done = True
        if beyond:
            sheet.notes.append(
                f"{len(beyond):,} row(s) from row {beyond[0]} have cells past column {column_letter(width - 1)}, "
                "the last of the header's: not screened (the file was streamed; with --format html or xlsx it "
                "is read whole and they are)"
            )
        if rows:
            yield numbers, rows


def _scan_csv(path: Path, head: bytes) -> tuple[str, str | None, int]:
    """One pass over a CSV file: its sha256, the single encoding it decodes in without error (None when
    there is none: mixed or legacy bytes are left to :func:`decode_text`) and its number of lines."""
    digest = hashlib.sha256()
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if head.startswith(bom):
            encoding = enc
            break
    else:
        encoding = _bomless_utf16(head) or "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)()
    valid = True
    lines = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_STREAM_BLOCK), b""):
            digest.update(block)
            if valid:
                try:
                    lines += decoder.decode(block).count("\n")
                except UnicodeDecodeError:
                    valid = False
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
    return digest.hexdigest(), encoding if valid else None, lines


def _stream_csv(
    path: Path, display: str, head: bytes, overrides: Mapping[str, Sequence[str]] | None
) -> InputFile | None:
    """A CSV file as a sheet whose head is read and mapped now and whose rest streams; None when the file
    does not decode cleanly in one encoding (the caller reads it whole)."""
    digest, encoding, lines = _scan_csv(path, head)
    if encoding is None:
        return None
    with path.open("r", encoding=encoding, newline="") as handle:
        dialect = _dialect(handle.read(20_000))
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, dialect, doublequote=True)
        grid = list(itertools.islice(_cells(reader, display), SAMPLE_HEAD_ROWS))
    read = len(grid)
    while grid and not grid[-1]:
        grid.pop()
    if read < SAMPLE_HEAD_ROWS or not grid:  # a small file, or no content in its head: read it whole
        return None
    sheet = build_sheet(display, None, grid, overrides)
    if sheet.layout == "form":
        return None  # a form is judged on the whole sheet
    sheet.stream = CsvStream(
        path,
        display,
        encoding,
        dialect,
        skip=read,
        pending_blank=read - len(grid),
        estimated_rows=max(0, lines - read),
    )
    return InputFile(path, display, digest, f"csv ({encoding})", [sheet])


# --- workbooks ---------------------------------------------------------------------------------------------


def _clean_label(text: str) -> str:
    """A sheet name fit for one line of output: control characters shown as '?'."""
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)


def _sheet_grid(sheet: Any) -> list[list[str]]:
    """Cell texts by spreadsheet position (row 0 = row 1, column 0 = A); blank rows share ``_EMPTY``."""
    if sheet.end is None:
        return []
    grid: list[list[str]] = []
    width = 0
    for values in sheet.iter_rows():
        width = len(values)
        cells = [v.replace("\x00", "").strip() if type(v) is str else cell_text(v) for v in values]
        grid.append(cells if any(cells) else _EMPTY)
    # python-calamine yields rows from row 1 but columns from the first used one: put both back in place
    end_row, end_col = sheet.end
    lead_cols = max(0, end_col + 1 - width)
    if lead_cols:
        pad = [""] * lead_cols
        grid = [[*pad, *row] if row else row for row in grid]
    lead_rows = max(0, end_row + 1 - len(grid))
    if lead_rows:
        grid[:0] = [_EMPTY] * lead_rows
    _fill_vertical_merges(grid, sheet.merged_cell_ranges or [])
    return grid


def _fill_vertical_merges(grid: list[list[str]], merged: Sequence[Any]) -> None:
    """A value merged down over several rows belongs to each of them (a two-row header, one supplier's
    several lines): copy it into the empty cells below, in its first column, on rows that have content."""
    for (top, left), (bottom, _right) in merged:
        if bottom <= top or top >= len(grid) or left >= len(grid[top]) or not grid[top][left]:
            continue
        value = grid[top][left]
        for r in range(top + 1, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            if row and left < len(row) and not row[left]:
                row[left] = value


def _read_workbook(path: Path, display: str) -> tuple[list[tuple[str, list[list[str]]]], list[str]]:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

    notes: list[str] = []
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        out = []
        for meta in workbook.sheets_metadata:
            name = _clean_label(meta.name)
            if meta.typ != SheetTypeEnum.WorkSheet:
                notes.append(f"{display} [sheet '{name}']: not a worksheet ({meta.typ.name}), skipped")
                continue
            out.append((name, _sheet_grid(workbook.get_sheet_by_name(meta.name))))
        return out, notes
    except PasswordError as exc:
        raise InputError(f"{display}: the workbook is password-protected", hint=_PASSWORD_HINT) from exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit, InputError):
        raise
    except BaseException as exc:  # calamine raises several types for damaged files, and panics
        detail = " ".join(str(exc).split())[:160]
        raise InputError(
            f"{display}: cannot read the workbook ({type(exc).__name__}: {detail})",
            hint="open it in Excel and save it again as .xlsx, or export the sheet as CSV",
        ) from exc


def read_input(
    path: str | Path,
    sheet: str | None = None,
    overrides: Mapping[str, Sequence[str]] | None = None,
    stream: bool = False,
) -> InputFile:
    """Read one spreadsheet file into sheets of rows with their mapping. Raises InputError, only.

    With ``stream``, a CSV file that decodes cleanly is read only as far as its header: the rest of its
    rows come from ``Sheet.chunks`` as they are screened (see :class:`CsvStream`)."""
    path = Path(path)
    display = str(path)
    try:
        if not path.exists():
            raise InputError(f"{display}: no such file", hint="check the path")
        if path.is_dir():
            raise InputError(f"{display}: is a directory", hint="give the spreadsheet files themselves")
        if stream and sheet is None and path.suffix.lower() not in _WORKBOOK_SUFFIXES:
            with path.open("rb") as handle:
                head = handle.read(STREAM_HEAD_BYTES)
            if (
                head.strip()
                and _sniff(head) == "text"
                and not (_looks_binary(head) and _bomless_utf16(head) is None)
            ):
                streamed = _stream_csv(path, display, head, overrides)
                if streamed is not None:
                    return streamed
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"{display}: cannot be read ({exc.strerror})", hint="check the path and permissions"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise InputError(f"{display}: the file is empty", hint="export the supplier list again")
    kind = _sniff(data)
    notes: list[str] = []
    if kind == "pdf":
        raise InputError(f"{display}: is a PDF, not a spreadsheet", hint="export the table as .xlsx or .csv")
    if kind == "ole":
        if _utf16_name("EncryptedPackage") in data:
            raise InputError(f"{display}: the workbook is password-protected", hint=_PASSWORD_HINT)
        if _utf16_name("WordDocument") in data:
            raise InputError(f"{display}: is a Word document, not a spreadsheet", hint=_EXPORT_HINT)
        if _utf16_name("PowerPoint Document") in data:
            raise InputError(f"{display}: is a PowerPoint file, not a spreadsheet", hint=_EXPORT_HINT)
    if kind in ("zip", "ole"):
        if kind == "zip":
            kind = _inspect_zip(data, display)
        else:
            _inspect_ole(data, display)
            kind = "xls"
        grids, notes = _read_workbook(path, display)
    else:
        if path.suffix.lower() in _WORKBOOK_SUFFIXES:
            raise InputError(
                f"{display}: is not a real {path.suffix} workbook (its content is plain text)",
                hint="rename it to .csv if it is a CSV export, or save it again from Excel",
            )
        if (
            _looks_binary(data)
            and _bomless_utf16(data) is None
            and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
        ):
            raise InputError(
                f"{display}: is not a spreadsheet or CSV file (binary content)",
                hint="export the supplier list as .xlsx or .csv",
            )
        rows, encoding, note = _read_csv(data, display)
        grids = [("", rows)]
        kind = f"csv ({encoding})"
        if note:
            notes.append(f"{display}: {note}")
    for _, grid in grids:
        while grid and not grid[-1]:
            grid.pop()  # trailing blank rows (a million formatted ones, say) are not part of the table
    if sheet is not None:
        names = [name for name, _ in grids]
        grids = [(name, grid) for name, grid in grids if name == sheet]
        if not grids:
            raise InputError(
                f"{display}: no sheet named '{sheet}'",
                hint=f"sheets in this file: {', '.join(names) or 'none'}",
            )
    result = InputFile(path, display, digest, kind, [], notes)
    problems: list[InputError] = []
    for name, grid in grids:
        label = name or None
        where = f"{display}" + (f" [sheet '{name}']" if name else "")
        if not grid:
            result.skipped.append(f"{where}: empty, skipped")
            continue
        try:
            built = build_sheet(display, label, grid, overrides, lenient=len(grids) > 1)
        except InputError as exc:
            problems.append(exc)
            continue
        result.sheets.append(built)
        for fname, header in built.unused_maps:
            result.skipped.append(f"{where}: no column {header!r} for --map {fname}, mapped automatically")
        if not built.rows:
            result.skipped.append(f"{where}: header only (row {built.header_row}), no data rows")
    if problems and (not result.sheets or sheet is not None):
        raise problems[0]
    for fname, headers in _parse_overrides(overrides).items():  # a --map header no sheet has is a typo
        for header in headers:
            if result.sheets and all((fname, header) in sh.unused_maps for sh in result.sheets):
                first = result.sheets[0]
                label = display + (f" [sheet '{first.sheet}']" if first.sheet else "")
                raise unmatched_map(label, fname, header, first.headers)
    for problem in problems:
        result.skipped.append(f"{problem.message}, skipped")
    if not result.sheets:
        raise InputError(f"{display}: no data in any sheet", hint="check you exported the right file")
    return result
