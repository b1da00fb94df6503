"""How big a workbook's sheets become once read, judged from their XML before any reader builds them: the used
range of a worksheet part (which python-calamine allocates at once), the text of shared strings written out
in every cell that refers to them, and an OpenDocument table's repeated rows and cells multiplied out.

Each scanner is fed a part's bytes chunk by chunk (as :func:`~supplyscreen.ingest.sniff.inspect_zip` inflates
them) and keeps only counts. The XML is matched loosely, so that a spelling the reader accepts is never missed:
counts may come out larger than the reader's, never smaller.
"""

from __future__ import annotations

import html
import re
from array import array
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from supplyscreen.errors import InputError
from supplyscreen.ingest.columns import column_letter
from supplyscreen.ingest.limits import BIG_HINT, Limits, size_text
from supplyscreen.ingest.sheet import clean_label

STRAY_HINT = (
    "delete the stray cells far from the table (Ctrl+End shows the last one) and save again, or export the "
    "sheet as CSV"
)


def too_many_cells(display: str, where: str, rows: int, columns: int, limits: Limits) -> InputError:
    """The one-line error for a sheet whose used range (``rows`` × ``columns``) is over the cell limit."""
    return InputError(
        f"{display}: refused: {where} has a value in cell {column_letter(columns - 1)}{rows}, so its used range "
        f"is {rows * columns:,} cells (limit {limits.cells:,})",
        hint=STRAY_HINT,
    )


def too_much_text(display: str, what: str, total: int, limits: Limits) -> InputError:
    """The one-line error for cells whose text, written out, is over the expanded-bytes limit."""
    return InputError(
        f"{display}: refused: {what} would be written out to {size_text(total)} of cell text (limit "
        f"{size_text(limits.expanded_bytes)}; a workbook bomb)",
        hint=BIG_HINT,
    )


class Scan(Protocol):
    """What :func:`~supplyscreen.ingest.sniff.inspect_zip` feeds a part's bytes to."""

    def feed(self, chunk: bytes, final: bool = False) -> None: ...


def _cut(buf: bytes, final: bool, at: bytes = b"<") -> int:
    """Where to split a buffer so that no tag straddles two chunks: before the last ``at`` (all at the end)."""
    if final:
        return len(buf)
    cut = buf.rfind(at)
    return cut if cut > 0 or at == b"<" else buf.rfind(b"<")


# --- .xlsx worksheets ------------------------------------------------------------------------------------

# A cell as Excel writes it (`<c r="XFD1048576" …>`, and whether the tag closes at once: a formatted empty
# cell). Any other spelling (a prefix, whitespace or quotes elsewhere, no reference) leaves a cell tag
# unmatched and sends the part to :meth:`UsedRange.count_by_position`, which reads every tag.
_CELL_REF = re.compile(rb'<c [^>]*?r=["\']([A-Za-z]{1,4})([0-9]{1,10})["\'][^>/]*(/?)>')
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*)>")
_ATTR_R = re.compile(rb'(?<![\w:.-])r\s*=\s*["\']([A-Za-z]{0,4})([0-9]{1,10})["\']')
# A cell that refers to a shared string, and the index it refers to (the first <v> after it).
_STRING_REF = re.compile(rb"""(?<![\w:.-])t\s*=\s*["']s["'].*?<(?:[\w.-]+:)?v>\s*([0-9]{1,10})""", re.DOTALL)


def column_number(letters: bytes) -> int:
    """``A`` → 1, ``XFD`` → 16384 (any case, as the reader takes them)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


class _TagScan:
    """A part's XML fed in chunks, scanned a whole number of tags at a time: each chunk is cut before its last
    ``<`` (the rest waits for the next), and :meth:`_scan` sees ``buf[:cut]`` with ``offset``, the position of
    ``buf`` in the part."""

    def __init__(self) -> None:
        self._offset = 0
        self._tail = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buf = self._tail + chunk
        cut = _cut(buf, final)
        if cut <= 0:
            self._tail = buf
            return
        self._scan(buf, cut, self._offset)
        self._offset += cut
        self._tail = buf[cut:]

    def _scan(self, buf: bytes, cut: int, offset: int) -> None:
        raise NotImplementedError


class UsedRange(_TagScan):
    """The last row and column holding a value in a worksheet part, from its XML, without building it.

    The workbook reader allocates rows × columns for a sheet at once, so two cells (A1 and XFD1048576)
    in a 1 KB file would ask for 17 billion cells; this finds such a sheet first. It also counts, from
    above, the cells that may refer to a shared string (``string_refs``).
    """

    def __init__(self) -> None:
        self.rows = 0
        self.cols: set[bytes] = set()
        self.refless = False
        self.string_refs = 0
        super().__init__()

    def _scan(self, buf: bytes, cut: int, offset: int) -> None:
        part = buf[:cut]
        found = _CELL_REF.findall(part)
        if len(_CELL_TAG.findall(part)) > len(found):
            self.refless = True  # some cells are placed by counting, or written unlike Excel's
        valued = [row for _, row, empty in found if not empty]
        if valued:
            self.rows = max(self.rows, *map(int, valued))
            self.cols.update(col.upper() for col, _, empty in found if not empty)
        self.string_refs += part.count(b'"s"') + part.count(b"'s'")

    @property
    def columns(self) -> int:
        return max((column_number(c) for c in self.cols), default=0)

    def count_by_position(self, chunks: Iterable[bytes]) -> None:
        """For parts whose cells lack references: follow rows and cells in order, as the reader does."""
        row = col = 0
        max_col = 0
        tail = b""
        for chunk in [*chunks, b""]:
            buf = tail + chunk
            cut = _cut(buf, not chunk)
            part, tail = (buf[:cut], buf[cut:]) if cut > 0 else (b"", buf)
            for m in _ROW_OR_CELL.finditer(part):
                ref = _ATTR_R.search(m.group(2))
                if m.group(1) == b"row":
                    row = int(ref.group(2)) if ref else row + 1
                    col = 0
                    continue
                if ref and ref.group(1):
                    col = column_number(ref.group(1))
                    cell_row = int(ref.group(2))
                else:
                    col += 1
                    cell_row = row
                if not m.group(2).endswith(b"/"):
                    self.rows = max(self.rows, cell_row)
                    max_col = max(max_col, col)
        self.cols = {column_letter(max_col - 1).encode()} if max_col else set()


def string_refs(chunks: Iterable[bytes]) -> Counter[int]:
    """How many cells of a worksheet part refer to each shared string (by index)."""
    counts: Counter[int] = Counter()
    tail = b""
    for chunk in [*chunks, b""]:
        buf = tail + chunk
        cut = _cut(buf, not chunk, b"<c")
        part, tail = (buf[:cut], buf[cut:]) if cut > 0 else (b"", buf)
        counts.update(map(int, _STRING_REF.findall(part)))
    return counts


_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


class SharedStrings(_TagScan):
    """The size of every string of a shared-strings part (``xl/sharedStrings.xml``), in bytes of its XML
    (markup included: an upper bound of the text a cell gets)."""

    def __init__(self) -> None:
        self.starts: array[int] = array("q")
        super().__init__()

    def _scan(self, buf: bytes, cut: int, offset: int) -> None:
        self.starts.extend(offset + m.start() for m in _SI.finditer(buf, 0, cut))

    def lengths(self) -> list[int]:
        """Each string's size, in index order (call after the part's last chunk)."""
        ends = [*self.starts[1:], self._offset]
        return [end - start for start, end in zip(self.starts, ends, strict=False)]


def written_out(refs: Iterable[Counter[int]], lengths: list[int]) -> int:
    """The text that cells referring to shared strings get once each reference is written out."""
    size = len(lengths)
    return sum(n * lengths[i] for counts in refs for i, n in counts.items() if i < size)


# --- OpenDocument tables ---------------------------------------------------------------------------------

_ODS_TAG = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table-row|table-cell|covered-table-cell|table|s)(?=[\s/>])([^>]*?)(/?)>"
)
_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*[\"']\s*([0-9]+)")
_COLUMNS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*[\"']\s*([0-9]+)")
_VALUED = re.compile(rb"(?:value|formula)[\w-]*\s*=")  # office:value-type, office:value, table:formula, …
_SPACES = re.compile(rb"(?<![\w-])(?:[\w.-]+:)?c\s*=\s*[\"']\s*([0-9]+)")  # <text:s text:c="N"/>
_NAME = re.compile(rb"(?<![\w-])(?:[\w.-]+:)?name\s*=\s*[\"']([^\"']*)")


def _count(pattern: re.Pattern[bytes], attrs: bytes) -> int:
    found = pattern.search(attrs)
    return int(found.group(1)) if found else 1


class OdsTables(_TagScan):
    """The tables of an OpenDocument ``content.xml`` with every repeated row and cell multiplied out, as the
    reader writes them: refuses a table whose used range is over the cell limit, and cells whose text
    written out is over the expanded-bytes limit, as soon as the count passes them."""

    def __init__(self, display: str, limits: Limits) -> None:
        self.display, self.limits = display, limits
        self.text = 0  # bytes of cell text written out, all tables
        super().__init__()
        self._table = ""
        self._rows = self._last_row = self._max_col = 0
        self._row_repeat = self._col = self._row_last_col = self._row_text = 0
        self._cell: tuple[int, int, bool, int] | None = (
            None  # (content start, repeat, valued, attribute size)
        )
        self._spaces = 0

    def _scan(self, buf: bytes, cut: int, offset: int) -> None:
        for m in _ODS_TAG.finditer(buf, 0, cut):
            self._tag(m, offset)

    def _tag(self, m: re.Match[bytes], offset: int) -> None:
        closing, name, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if name in (b"table-cell", b"covered-table-cell"):
            if closing and self._cell is not None:
                self._end_cell(offset + m.start())
            elif not closing:
                self._cell = (
                    offset + m.end(),
                    _count(_COLUMNS_REPEATED, attrs),
                    bool(_VALUED.search(attrs)),
                    len(attrs),
                )
                self._spaces = 0
                if empty:
                    self._end_cell(offset + m.end())
        elif self._cell is not None:  # inside a cell only spaces count (a table nested there is not read)
            if name == b"s" and not closing:
                self._spaces += _count(_SPACES, attrs)
        elif name == b"table-row":
            if not closing:
                self._row_repeat, self._col, self._row_last_col, self._row_text = (
                    _count(_ROWS_REPEATED, attrs),
                    0,
                    0,
                    0,
                )
            if closing or empty:
                self._end_row()
        elif name == b"table" and not closing:
            found = _NAME.search(attrs)
            self._table = (
                clean_label(html.unescape(found.group(1).decode("utf-8", "replace"))) if found else ""
            )
            self._rows = self._last_row = self._max_col = 0

    def _end_cell(self, end: int) -> None:
        assert self._cell is not None
        start, repeat, valued, attrs = self._cell
        self._cell = None
        if valued:
            self._row_text += (attrs + max(0, end - start) + self._spaces) * repeat
            self._row_last_col = self._col + repeat
        self._col += repeat

    def _end_row(self) -> None:
        if self._row_last_col:
            self._last_row = self._rows + self._row_repeat
            self._max_col = max(self._max_col, self._row_last_col)
            self.text += self._row_text * self._row_repeat
        self._rows += self._row_repeat
        if self._last_row * self._max_col > self.limits.cells:
            where = f"sheet '{self._table}'"
            raise too_many_cells(self.display, where, self._last_row, self._max_col, self.limits)
        if self.text > self.limits.expanded_bytes:
            raise too_much_text(self.display, "its repeated cells", self.text, self.limits)
