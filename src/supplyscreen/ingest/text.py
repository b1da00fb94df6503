"""CSV text: decoding (BOMs, UTF-16 without BOM, UTF-8, legacy encodings, files that mix them), the
dialect, and streaming a large file chunk by chunk as it is screened."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from supplyscreen.errors import InputError
from supplyscreen.ingest.columns import column_letter
from supplyscreen.ingest.limits import Limits, LineBound, too_long_cell
from supplyscreen.ingest.mapping import build_sheet
from supplyscreen.ingest.sheet import EMPTY_ROW, SAMPLE_HEAD_ROWS, InputFile, Sheet
from supplyscreen.ingest.sniff import (
    WORKBOOK_SUFFIXES,
    bomless_utf16,
    is_text,
    looks_binary,
    not_a_spreadsheet,
    sniff,
)
from supplyscreen.ingest.sources import Source

# --- CSV ---------------------------------------------------------------------------------------------------

csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # a supplier cell may hold a 1 MB text
_TOO_LONG = "field larger than field limit"  # the csv module's error when a field passes field_size_limit
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
    utf16 = bomless_utf16(data)
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


@contextmanager
def cell_bound(limits: Limits) -> Iterator[None]:
    """CSV fields longer than ``limits.cell_chars`` raise in the csv module itself (no cost per cell) while
    this lasts; the module's bound is process-wide, and put back after."""
    before = csv.field_size_limit(limits.cell_chars)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def read_csv(data: bytes, display: str, limits: Limits) -> tuple[list[list[str]], str, str]:
    """CSV bytes as rows of cells, its encoding and a note on its decoding; a line or a cell over ``limits``
    is refused before the file is decoded (a line) or as it is parsed (a cell)."""
    LineBound(display, limits).feed(data)
    decoded = decode_text(data)
    text = decoded.text
    dialect = _dialect(text[:20_000])
    with cell_bound(limits):
        reader = csv.reader(io.StringIO(text, newline=""), dialect, doublequote=True)
        rows = list(_cells(reader, display, limits))
    return rows, decoded.encoding, decoded.note


def read_bytes(source: Source, limits: Limits) -> bytes:
    """An input's bytes. A text file on disk is read block by block with its lines bounded as they come, so
    that one endless line is refused after the limit's length, not once it is all in memory."""
    if source.path is None or sniff(source.head(8)) != "text":
        return source.read_bytes()
    bound = LineBound(source.name, limits)
    blocks = []
    try:
        with source.path.open("rb") as handle:
            for block in iter(lambda: handle.read(_STREAM_BLOCK), b""):
                bound.feed(block)
                blocks.append(block)
    except OSError as exc:
        raise source.unreadable(exc) from exc
    return b"".join(blocks)


def read_text_table(data: bytes, source: Source, limits: Limits) -> tuple[list[list[str]], str, list[str]]:
    """A text file's rows as a CSV (its kind, e.g. ``csv (utf-8)``, and notes on its decoding); refuses
    binary content, and a file on disk named as a workbook (an upload's type is judged by content alone)."""
    display = source.name
    if source.path is not None and source.suffix in WORKBOOK_SUFFIXES:
        raise InputError(
            f"{display}: is not a real {source.suffix} workbook (its content is plain text)",
            hint="rename it to .csv if it is a CSV export, or save it again from Excel",
        )
    if not is_text(data):
        raise not_a_spreadsheet(display, "a binary file")
    rows, encoding, note = read_csv(data, display, limits)
    return rows, f"csv ({encoding})", [f"{display}: {note}"] if note else []


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The delimiter, as the sniffer guesses it; the quote is always Excel's ``"`` (the sniffer takes cells
    of a lone ``'`` on two lines for one quoted cell, and the rows between vanish: found by the fuzzer)."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel
    sniffed.quotechar = '"'
    return sniffed


def _cells(records: Any, display: str, limits: Limits) -> Iterator[list[str]]:
    """Cleaned cells of a CSV reader's records (NULs dropped, whitespace stripped; a blank row is
    ``EMPTY_ROW``); a malformed file, or a cell over the limit (see :func:`cell_bound`), is an InputError.
    Readers are made with doublequote=True: Excel doubles a quote inside a quoted field, and the sniffer
    sometimes guesses otherwise."""
    line = records.line_num  # the last line read: the next record starts on the line after
    try:
        for record in records:
            line = records.line_num
            cells = [cell.replace("\x00", "").strip() for cell in record]
            yield cells if any(cells) else EMPTY_ROW
    except csv.Error as exc:
        if str(exc).startswith(_TOO_LONG):
            raise too_long_cell(display, f"line {line + 1:,}", limits) from exc
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
    limits: Limits  # its lines were checked when it was scanned; its cells are as it is read
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
            with self.path.open("r", encoding=self.encoding, newline="") as handle, cell_bound(self.limits):
                reader = csv.reader(handle, self.dialect, doublequote=True)
                for _ in itertools.islice(reader, self.skip):
                    pass
                for cells in _cells(reader, self.display, self.limits):
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


def _scan_csv(path: Path, head: bytes, lines_bound: LineBound) -> tuple[str, str | None, int]:
    """One pass over a CSV file: its sha256, the single encoding it decodes in without error (None when
    there is none: mixed or legacy bytes are left to :func:`decode_text`) and its number of lines; a line
    over the limit is refused as soon as it is seen."""
    digest = hashlib.sha256()
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if head.startswith(bom):
            encoding = enc
            break
    else:
        encoding = bomless_utf16(head) or "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)()
    valid = True
    lines = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_STREAM_BLOCK), b""):
            lines_bound.feed(block)
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


def stream_csv(
    source: Source, overrides: Mapping[str, Sequence[str]] | None, limits: Limits
) -> InputFile | None:
    """A CSV file on disk as a sheet whose head is read and mapped now and whose rest streams; None when it
    is held in memory, is not plain text, is small or does not decode cleanly in one encoding (the caller
    reads it whole)."""
    if source.path is None:
        return None
    head = source.head(STREAM_HEAD_BYTES)
    if not head.strip() or sniff(head) != "text" or (looks_binary(head) and bomless_utf16(head) is None):
        return None
    try:
        return _stream(source, source.path, head, overrides, limits)
    except OSError as exc:
        raise source.unreadable(exc) from exc


def _stream(
    source: Source, path: Path, head: bytes, overrides: Mapping[str, Sequence[str]] | None, limits: Limits
) -> InputFile | None:
    display = source.name
    digest, encoding, lines = _scan_csv(path, head, LineBound(display, limits))
    if encoding is None:
        return None
    with path.open("r", encoding=encoding, newline="") as handle:
        dialect = _dialect(handle.read(20_000))
    with path.open("r", encoding=encoding, newline="") as handle, cell_bound(limits):
        reader = csv.reader(handle, dialect, doublequote=True)
        grid = list(itertools.islice(_cells(reader, display, limits), SAMPLE_HEAD_ROWS))
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
        limits=limits,
    )
    return InputFile(source, digest, f"csv ({encoding})", [sheet])
