"""File types by content, and the guards run before a workbook reader opens a file: ZIP containers (zip
bombs, DTDs and entities in XML parts, used ranges too big to allocate), OLE compound files and their BIFF
workbook stream (.xls). The web app's upload checks use the same :func:`file_kind`.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from typing import Any
from xml.sax import SAXException
from xml.sax.handler import ContentHandler

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden  # type: ignore[import-untyped]
from defusedxml.expatreader import DefusedExpatParser  # type: ignore[import-untyped]

from supplyscreen.errors import InputError
from supplyscreen.ingest.extent import (
    OdsTables,
    Scan,
    SharedStrings,
    UsedRange,
    string_refs,
    too_many_cells,
    too_much_text,
    written_out,
)
from supplyscreen.ingest.limits import BIG_HINT, Limits, size_text
from supplyscreen.ingest.sheet import clean_label

# --- file types ------------------------------------------------------------------------------------------

# Ratios that keep a hostile workbook from exhausting memory before any row is read (the sizes are limits:
# supplyscreen.ingest.limits).
MAX_RATIO = 100  # compression ratio refused for a part bigger than RATIO_MIN_BYTES (Excel's are ~5-20:1)
RATIO_MIN_BYTES = 10_000_000
_CHUNK = 1 << 20

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def utf16_name(name: str) -> bytes:
    return name.encode("utf-16-le")


OTHER_TYPES = (
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "an RTF document"),
)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


CONTAINERS = ("zip", "ole")  # what :func:`sniff` names for files a workbook reader must parse


def sniff(data: bytes) -> str:
    """What a file's first bytes say it is: ``zip``, ``ole`` (old Office), ``text``, or what else it is
    ("a PDF", "a PNG image", …: see ``OTHER_TYPES``)."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    for magic, what in OTHER_TYPES:
        if data.startswith(magic):
            return what
    return "text"


def spreadsheet_kind(data: bytes) -> str:
    """A file's kind by its content alone, cheaply (the guards below run when it is read): ``xlsx``,
    ``xlsb``, ``ods``, ``xls`` or ``csv``; for anything else, what it is ("a PDF", "a Word document", "a
    binary file", …, always starting with "a")."""
    kind = sniff(data)
    if kind == "zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return zip_kind(archive)
        except (zipfile.BadZipFile, OSError, ValueError):
            return "a damaged ZIP archive"
    if kind == "ole":
        return "xls"  # old Excel, or an encrypted workbook: the reader says which
    if kind == "text":
        return "csv" if is_text(data) else "a binary file"
    return kind


def zip_kind(archive: zipfile.ZipFile) -> str:
    """A ZIP container's kind from its directory: ``xlsx``, ``xlsb`` or ``ods``, else what it is."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    mimetype = archive.getinfo("mimetype") if "mimetype" in names else None
    if mimetype is not None and mimetype.file_size < 200:
        if archive.read(mimetype).startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
    elif "content.xml" in names:
        return "ods"
    if "word/document.xml" in names:
        return "a Word document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint file"
    return "a ZIP archive"


def not_a_spreadsheet(display: str, what: str) -> InputError:
    """The one-line error for a file that is something else ("a PDF", …)."""
    if what == "a ZIP archive":
        return InputError(
            f"{display}: is a ZIP archive, not a workbook", hint="unzip it and screen the spreadsheets inside"
        )
    office = what in ("a Word document", "a PowerPoint file")
    return InputError(
        f"{display}: is {what}, not a spreadsheet",
        hint=EXPORT_HINT if office else "export the table as .xlsx or .csv",
    )


def is_text(data: bytes) -> bool:
    """Text (a CSV, YAML, JSON lines): not binary by :func:`looks_binary`, or UTF-16 (with or without a
    byte-order mark)."""
    return not looks_binary(data) or data.startswith(UTF16_BOMS) or bomless_utf16(data) is not None


def bomless_utf16(data: bytes) -> str | None:
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
                        f"{size_text(info.file_size)} the ZIP directory declares (a zip bomb)",
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


def inspect_zip(data: bytes, display: str, limits: Limits) -> str:
    """Check a ZIP-based workbook before the reader opens it; returns its kind (xlsx, xlsb, ods).

    Refuses, each with one line: a damaged container; a ZIP that is not a workbook; more than
    ``limits.expanded_bytes`` unpacked or a part compressed more than ``MAX_RATIO``:1 (zip bombs, judged from
    the directory before anything is unpacked); a part unpacking to more than its directory says; XML with
    a DTD or entity declarations (billion laughs, external entities; checked with defusedxml); a sheet whose
    used range exceeds ``limits.cells``, and cells whose text, once every shared string or ODS repeat is
    written out, exceeds ``limits.expanded_bytes`` (see :mod:`~supplyscreen.ingest.extent`).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError, struct.error, …: any of them means damaged
        raise _damaged(display, "the file is damaged (a truncated or corrupt ZIP container)") from exc
    with archive:
        infos = archive.infolist()
        try:
            kind = zip_kind(archive)
        except Exception as exc:  # a damaged member read for its mimetype
            raise _damaged(display, "the file is damaged (a truncated or corrupt ZIP container)") from exc
    if kind.startswith("a "):
        raise not_a_spreadsheet(display, kind)
    total = sum(i.file_size for i in infos)
    if total > limits.expanded_bytes:
        raise InputError(
            f"{display}: refused: it would unpack to {size_text(total)}, over the "
            f"{size_text(limits.expanded_bytes)} limit (a zip bomb, or a workbook too big to screen at once)",
            hint=BIG_HINT,
        )
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputError(f"{display}: the workbook is password-protected", hint=PASSWORD_HINT)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(
                f"{display}: '{info.filename}' uses a compression method Excel does not write",
                hint="open it in Excel or LibreOffice and save it again as .xlsx",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise InputError(
                f"{display}: refused: '{info.filename}' would unpack {ratio:,.0f}:1 to {size_text(info.file_size)} "
                f"(limit {MAX_RATIO}:1 for parts over {size_text(RATIO_MIN_BYTES)}; a zip bomb)",
                hint="screen the original file, or export the sheet as CSV",
            )
    _PartChecks(data, infos, display, kind, limits).run()
    return kind


class _PartChecks:
    """Every part of a ZIP workbook inflated once and checked as it streams: its XML prolog, and for a
    worksheet (every part the workbook's relationships name, and every ``.xml`` part under ``xl/``, whatever
    its path or case) its used range; the shared strings written out where cells refer to them; an ODS
    ``content.xml``'s repeats multiplied out."""

    def __init__(
        self, data: bytes, infos: list[zipfile.ZipInfo], display: str, kind: str, limits: Limits
    ) -> None:
        self.data, self.infos, self.display, self.kind, self.limits = data, infos, display, kind, limits
        by_name = {i.filename.lower(): i for i in reversed(infos)}  # the first of names differing in case
        self.strings_part = by_name.get("xl/sharedstrings.xml") if kind == "xlsx" else None
        self.sheets = self._worksheets(by_name) if kind == "xlsx" else set()
        self.used: dict[str, UsedRange] = {}
        self.strings = SharedStrings()

    def _worksheets(self, by_name: dict[str, zipfile.ZipInfo]) -> set[str]:
        """The parts the reader may read as worksheets: every target of ``xl/_rels/workbook.xml.rels`` (any
        case) that is in the container, and every ``.xml`` part under ``xl/``."""
        names = {i.filename for i in self.infos if re.fullmatch(r"xl/.+\.xml", i.filename, re.IGNORECASE)}
        rels = by_name.get("xl/_rels/workbook.xml.rels")
        if rels is not None:
            xml = b"".join(_member_chunks(self.data, rels, self.display))
            for target in _TARGET.findall(xml):
                path = target.decode("utf-8", "replace")
                path = path[1:] if path.startswith("/") else posixpath.normpath(posixpath.join("xl", path))
                if path.lower() in by_name:
                    names.add(by_name[path.lower()].filename)
        return names

    def run(self) -> None:
        for info in self.infos:
            self._member(info)
        self._check_strings()

    def _member(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        xml = name.lower().endswith((".xml", ".rels", ".vml")) or name in self.sheets
        prolog = _PrologCheck() if xml else None
        scans: list[Scan] = []
        if name in self.sheets:
            scans.append(self.used.setdefault(name, UsedRange()))
        if info is self.strings_part:
            scans.append(self.strings)
        if self.kind == "ods" and name.lower() == "content.xml":
            scans.append(OdsTables(self.display, self.limits))
        try:
            for chunk in _member_chunks(self.data, info, self.display):
                if prolog is not None and not prolog.done:
                    prolog.feed(chunk)
                for scan in scans:
                    scan.feed(chunk)
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
            raise InputError(
                f"{self.display}: refused: '{name}' declares a DTD or XML entities, which "
                "Excel never writes and which can expand to fill memory or read other files",
                hint="save the workbook again from Excel, or export the sheet as CSV",
            ) from exc
        for scan in scans:
            scan.feed(b"", final=True)
        used = self.used.get(name)
        if used is None:
            return
        if used.refless:
            used.count_by_position(_member_chunks(self.data, info, self.display))
        if used.rows * used.columns > self.limits.cells:
            raise too_many_cells(self.display, f"'{name}'", used.rows, used.columns, self.limits)

    def _check_strings(self) -> None:
        """Shared strings written out where cells refer to them: counted exactly only when the quick bound
        (the longest string in every cell that may refer to one) is over the limit."""
        lengths = self.strings.lengths()
        refs = sum(used.string_refs for used in self.used.values())
        if not lengths or refs * max(lengths) <= self.limits.expanded_bytes:
            return
        by_name = {i.filename: i for i in self.infos}
        counts = [string_refs(_member_chunks(self.data, by_name[name], self.display)) for name in self.used]
        total = written_out(counts, lengths)
        if total > self.limits.expanded_bytes:
            raise too_much_text(self.display, "its shared strings", total, self.limits)


_TARGET = re.compile(rb"""(?<![\w:.-])Target\s*=\s*["']([^"']*)["']""")


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


def inspect_ole(data: bytes, display: str, limits: Limits) -> None:
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
            raise broken(f"its {what} claims {size_text(claimed)}")
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
            raise broken(f"its stream '{clean_label(name)}' claims {size_text(length)}")
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
    _inspect_biff(workbook, display, limits)


def _biff_records(stream: bytes, pos: int) -> Iterator[tuple[int, bytes]]:
    while pos + 4 <= len(stream):
        typ, length = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + length > len(stream):
            return
        yield typ, stream[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if typ == 0x000A:  # EOF
            return


def _inspect_biff(stream: bytes, display: str, limits: Limits) -> None:
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
                if span > limits.cells:
                    raise _damaged(display, f"the file is damaged (sheet {n} declares {span:,} cells)")
            elif typ in _BIFF_CELLS and len(body) >= 4:
                row, col = struct.unpack_from("<HH", body)
                rows, cols = max(rows, row + 1), max(cols, col + 1)
            elif typ == 0x00BD and len(body) >= 6:  # MulRk: a run of columns
                row, first = struct.unpack_from("<HH", body)
                last = struct.unpack_from("<H", body, len(body) - 2)[0]
                rows, cols = max(rows, row + 1), max(cols, first + 1, last + 1)
        if rows * cols > limits.cells:
            raise too_many_cells(display, f"sheet {n}", rows, cols, limits)


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
EXPORT_HINT = "copy the table into Excel and save it as .xlsx, or export it as .csv"
PASSWORD_HINT = "remove the password in Excel (File › Info › Protect Workbook) and save again"


def looks_binary(data: bytes) -> bool:
    """Control bytes in more than 5% of the start: an image, archive or program, not a CSV."""
    sample = data[:65536]
    controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), 11, 14, *range(15, 32), 127))
    return controls > max(8, len(sample) // 20)


def workbook_kind(data: bytes, display: str, limits: Limits) -> str | None:
    """A workbook's kind (xlsx, xlsb, ods, xls), checked by the guards above before any reader opens it; None
    for text (a CSV). Refuses PDFs, Word and PowerPoint files and password-protected workbooks, by content."""
    kind = sniff(data)
    if kind == "zip":
        return inspect_zip(data, display, limits)
    if kind == "text":
        return None
    if kind != "ole":
        raise not_a_spreadsheet(display, kind)
    if utf16_name("EncryptedPackage") in data:
        raise InputError(f"{display}: the workbook is password-protected", hint=PASSWORD_HINT)
    if utf16_name("WordDocument") in data:
        raise InputError(f"{display}: is a Word document, not a spreadsheet", hint=EXPORT_HINT)
    if utf16_name("PowerPoint Document") in data:
        raise InputError(f"{display}: is a PowerPoint file, not a spreadsheet", hint=EXPORT_HINT)
    inspect_ole(data, display, limits)
    return "xls"
