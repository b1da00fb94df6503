"""Write the corpus of hostile and broken spreadsheets that tests/test_bad_inputs.py screens.

    python tests/bad_inputs/generate.py          # rewrite tests/bad_inputs/corpus/ (small files, committed)

Deterministic: the same bytes on every run (fixed ZIP timestamps, fixed document properties, seeded random
data). The huge cases — a million formatted rows, 16,000 columns, 1 MB cells, a workbook that unpacks to
more than 1 GB — are not committed: the tests call :func:`write_huge` to make them in a temporary folder.

Two fixtures need a writer the project does not depend on, so they are committed and rewritten only when
that writer is installed: ``old_excel.xls`` (xlwt, a real BIFF8 .xls) and ``password.xlsx`` (msoffcrypto-tool,
a workbook encrypted by Excel's agile encryption with the password ``secret``).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

CORPUS = Path(__file__).resolve().parent / "corpus"
FIXED_TIME = (2026, 1, 2, 3, 4, 6)

# --- a minimal, valid .xlsx written by hand (the hostile cases need XML no library would write) -------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def zip_bytes(members: dict[str, bytes | str], level: int = 6) -> bytes:
    """A ZIP with fixed timestamps, members in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            data = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(info, data, compresslevel=level)
    return buffer.getvalue()


def xlsx_members(
    sheets: list[tuple[str, str]],
    shared_strings: str | None = None,
    styles: bool = True,
    parts: list[str] | None = None,
) -> dict[str, bytes | str]:
    """The parts of a workbook: ``sheets`` is [(sheet name, worksheet XML)]; ``parts`` the worksheets' paths
    under ``xl/`` as the relationships name them (default ``worksheets/sheet1.xml``, …)."""
    parts = parts or [f"worksheets/sheet{i}.xml" for i in range(1, len(sheets) + 1)]
    overrides = "".join(
        f'<Override PartName="/xl/{part}" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for part in parts
    )
    if shared_strings is not None:
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    if styles:
        overrides += (
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        )
    members: dict[str, bytes | str] = {
        "[Content_Types].xml": _XML
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>",
        "_rels/.rels": _XML
        + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": _XML
        + f'<workbook {_NS} xmlns:r="{_REL_NS}"><sheets>'
        + "".join(
            f'<sheet name="{name if "&#" in name else escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _) in enumerate(sheets, start=1)
        )
        + "</sheets></workbook>",
    }
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="{part}"/>'
        for i, part in enumerate(parts, start=1)
    )
    n = len(sheets)
    if shared_strings is not None:
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
    if styles:
        rels += f'<Relationship Id="rId{n + 2}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    members["xl/_rels/workbook.xml.rels"] = (
        _XML + f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
        "</Relationships>"
    )
    for part, (_, xml) in zip(parts, sheets, strict=True):
        members[f"xl/{part}"] = xml
    if shared_strings is not None:
        members["xl/sharedStrings.xml"] = shared_strings
    if styles:  # style 1: a yellow fill, as a user formats rows
        members["xl/styles.xml"] = (
            _XML + f"<styleSheet {_NS}>"
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill>'
            '<fill><patternFill patternType="solid"><fgColor rgb="FFFFFF00"/></patternFill></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf/><xf fillId="2" applyFill="1"/></cellXfs>'
            "</styleSheet>"
        )
    return members


def sheet_xml(rows: str, prefix: str = "") -> str:
    return prefix + _XML + f"<worksheet {_NS}><sheetData>{rows}</sheetData></worksheet>"


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def row(number: int, *values: str) -> str:
    cells = "".join(cell(f"{_col(c)}{number}", v) for c, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}</row>'


def _col(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def simple_xlsx(rows: list[list[str]], sheet: str = "Suppliers") -> bytes:
    body = "".join(row(i, *values) for i, values in enumerate(rows, start=1))
    return zip_bytes(xlsx_members([(sheet, sheet_xml(body))]))


VENDORS = [
    ["Supplier", "Country", "Address", "Goods Description"],
    ["Alpha Seafood Co", "China", "Hunchun, Jilin", "Frozen fish"],
    ["Beta Textiles", "Vietnam", "Hanoi", "Garments"],
]

# --- the committed corpus ----------------------------------------------------------------------------------


def _xlsxwriter_book(path: Path, fill: Callable[..., None]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 1, 2, 3, 4, 5)})
    fill(book)
    book.close()


def merged_header(book: object) -> None:
    """A two-row header: 'Supplier' merged down over both rows, 'Location' merged across two columns."""
    ws = book.add_worksheet("Vendors")  # type: ignore[attr-defined]
    ws.write("A1", "ACME approved vendors 2026")
    ws.merge_range("A3:A4", "Supplier")
    ws.merge_range("B3:C3", "Location")
    ws.write("B4", "Country")
    ws.write("C4", "City")
    ws.merge_range("D3:D4", "Products")
    ws.write_row("A5", ["Alpha Seafood Co", "China", "Hunchun", "Frozen pollock fillets"])
    ws.write_row("A6", ["Beta Textiles", "Vietnam", "Hanoi", "Knitted garments"])


def formulas(book: object) -> None:
    """Formulas with the cached results Excel stores: the cached value is read, the formula never run."""
    ws = book.add_worksheet("Vendors")  # type: ignore[attr-defined]
    ws.write_row("A1", ["Supplier", "Country", "Notes", "Score check"])
    ws.write_formula("A2", '=CONCATENATE("Alpha ","Seafood")', None, "Alpha Seafood")
    ws.write("B2", "China")
    ws.write_formula("C2", '=HYPERLINK("http://evil.invalid/x","click me")', None, "click me")
    ws.write_formula("D2", "=1/0", None, "#DIV/0!")
    ws.write_formula("A3", '=CMD|" /C calc"!A0', None, "Beta Trading")
    ws.write("B3", "Chile")
    ws.write_formula("C3", "=2+3", None, 5)


def dates_numbers(book: object) -> None:
    """Dates, numbers and booleans where text is expected: read as the text Excel shows."""
    ws = book.add_worksheet("Vendors")  # type: ignore[attr-defined]
    date = book.add_format({"num_format": "yyyy-mm-dd"})  # type: ignore[attr-defined]
    ws.write_row("A1", ["Vendor #", "Supplier", "Country", "HS Code", "Notes"])
    ws.write_row("A2", [1001.0, "Alpha Seafood", "China", 304.87])
    ws.write_number("A3", 1002)
    ws.write_datetime("B3", dt.datetime(2024, 3, 1), date)
    ws.write_number("C3", 86)
    ws.write_number("D3", 160414)
    ws.write_boolean("E3", True)
    ws.write_number("A4", 1003)
    ws.write_number("B4", 12345.5)
    ws.write("C4", "Chile")
    ws.write_datetime(
        "E4", dt.datetime(2024, 3, 1, 14, 30), book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    )  # type: ignore[attr-defined]


def old_excel(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Vendors")
    for r, values in enumerate([*VENDORS, ["丹东服装厂", "中国", "辽宁省丹东市", "服装"]]):
        for c, value in enumerate(values):
            ws.write(r, c, value)
    ws.write(4, 0, "Gamma Timber")
    ws.write(4, 1, "Russia")
    ws.write(4, 3, 4403.0)
    book.save(str(path))


def password(path: Path) -> None:
    import msoffcrypto.method.container.ecma376_encrypted as container
    import msoffcrypto.method.ecma376_agile as agile
    from msoffcrypto.format.ooxml import OOXMLFile

    class FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> FixedClock:
            return cls(2026, 1, 2, 3, 4, 5)

    seeded = random.Random(5)
    saved = agile._random_buffer, container.datetime
    agile._random_buffer = lambda size: bytes(seeded.getrandbits(8) for _ in range(size))
    container.datetime = FixedClock  # the OLE directory's timestamps
    try:
        plain = io.BytesIO(simple_xlsx(VENDORS))
        out = io.BytesIO()
        OOXMLFile(plain).encrypt("secret", out)
    finally:
        agile._random_buffer, container.datetime = saved
    path.write_bytes(out.getvalue())


def _billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{"&lol;" if i == 1 else f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    strings = (
        _XML.replace("\n", "")
        + f"<!DOCTYPE sst [{entities}]>\n"
        + f'<sst {_NS} count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    body = row(1, "Supplier") + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return zip_bytes(xlsx_members([("Vendors", sheet_xml(body))], shared_strings=strings))


def _external_entity() -> bytes:
    strings = (
        _XML.replace("\n", "")
        + '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + f'<sst {_NS} count="1" uniqueCount="1"><si><t>&xxe;</t></si></sst>'
    )
    body = row(1, "Supplier") + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return zip_bytes(xlsx_members([("Vendors", sheet_xml(body))], shared_strings=strings))


def _zip_bomb_ratio() -> bytes:
    """A worksheet padded with 60 MB of spaces: about 60 KB on disk, a ratio over 1000:1."""
    pad = b" " * 60_000_000
    xml = sheet_xml(row(1, *VENDORS[0]) + row(2, *VENDORS[1])).encode()
    xml = xml.replace(b"<sheetData>", b"<sheetData>" + pad)
    return zip_bytes(xlsx_members([("Vendors", xml.decode())]), level=9)


def _lying_sizes() -> bytes:
    """A part whose ZIP directory says 1,000 bytes but which inflates to 30 MB (a bomb past the size check)."""
    members = xlsx_members([("Vendors", sheet_xml(row(1, "Supplier") + row(2, "Alpha")))])
    members["xl/sharedStrings.xml"] = _XML + f"<sst {_NS}>" + " " * 30_000_000 + "</sst>"
    data = bytearray(zip_bytes(members, level=9))
    name = b"xl/sharedStrings.xml"
    # the uncompressed size sits at offset 22 of a local header and at offset 24 of a directory entry
    for signature, name_at, size_at, skip in ((b"PK\x03\x04", 26, 22, 30), (b"PK\x01\x02", 28, 24, 46)):
        pos = data.find(signature)
        while pos != -1:
            name_len = struct.unpack_from("<H", data, pos + name_at)[0]
            if data[pos + skip : pos + skip + name_len] == name:
                struct.pack_into("<I", data, pos + size_at, 1000)
            pos = data.find(signature, pos + 4)
    return bytes(data)


def _sparse_bomb() -> bytes:
    """Two cells, A1 and XFD1048576: 1 KB on disk, 17 billion cells for a reader that allocates the range."""
    body = row(1, "Supplier") + row(2, "Alpha") + f'<row r="1048576">{cell("XFD1048576", "far away")}</row>'
    return zip_bytes(xlsx_members([("Vendors", sheet_xml(body))]))


def _refless_sparse_bomb() -> bytes:
    """The same without cell references: 20,000 cells placed by counting in row 1,048,576."""
    far = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(20_000))
    body = row(1, "Supplier") + f'<row r="1048576">{far}</row>'
    return zip_bytes(xlsx_members([("Vendors", sheet_xml(body))]), level=9)


def _sparse_bomb_at(part: str) -> Callable[[], bytes]:
    """The sparse bomb with its worksheet at ``xl/{part}``, where the workbook's relationships point: a guard
    that looks only at ``xl/worksheets/*.xml`` misses it, and python-calamine reads it all the same."""

    def make() -> bytes:
        body = (
            row(1, "Supplier") + row(2, "Alpha") + f'<row r="1048576">{cell("XFD1048576", "far away")}</row>'
        )
        return zip_bytes(xlsx_members([("Vendors", sheet_xml(body))], parts=[part]))

    return make


def _shared_string_bomb() -> bytes:
    """One 9 MB shared string referenced by 2,000 cells: 33 KB on disk, every part under the 10 MB the ratio
    check starts at, and 18 GB of text once each reference is written out."""
    big = "Alpha Seafood " * 642_858  # 9,000,012 characters
    strings = f'<sst {_NS} count="2001" uniqueCount="2"><si><t>Supplier</t></si><si><t>{big}</t></si></sst>'
    refs = "".join(f'<row r="{r}"><c r="A{r}" t="s"><v>1</v></c></row>' for r in range(2, 2002))
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + refs
    return zip_bytes(xlsx_members([("Vendors", sheet_xml(body))], shared_strings=_XML + strings), level=9)


def ods_bytes(rows: str, table: str = "Vendors") -> bytes:
    """A minimal OpenDocument spreadsheet of one table: ``rows`` is its ``table:table-row`` elements."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="{table}">{rows}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    members = {
        "mimetype": "application/vnd.oasis.opendocument.spreadsheet",
        "META-INF/manifest.xml": manifest,
        "content.xml": content,
    }
    return zip_bytes(members, level=9)


def ods_row(*values: str, repeat_cells: int = 1, repeat_rows: int = 1) -> str:
    """One ``table:table-row`` of string cells, each repeated ``repeat_cells`` times across, the row itself
    ``repeat_rows`` times down (ODF's own compression: a reader writes every repeat out)."""
    cells = "".join(
        '<table:table-cell office:value-type="string"'
        + (f' table:number-columns-repeated="{repeat_cells}"' if repeat_cells > 1 else "")
        + f"><text:p>{escape(v)}</text:p></table:table-cell>"
        for v in values
    )
    repeat = f' table:number-rows-repeated="{repeat_rows}"' if repeat_rows > 1 else ""
    return f"<table:table-row{repeat}>{cells}</table:table-row>"


def _ods_repeated_rows() -> bytes:
    """867 bytes: a supplier cell repeated across 1,000 columns, the row repeated 99,000 times down."""
    return ods_bytes(ods_row("Supplier") + ods_row("Alpha Seafood", repeat_cells=1000, repeat_rows=99_000))


def _ods_repeated_cells() -> bytes:
    """Under 900 bytes: a supplier cell repeated across 1,000 columns and down 10,000 rows. Nothing a reader
    cannot build (python-calamine took 2.3 GB and over a minute with the screening), but 10 million cells
    from one."""
    return ods_bytes(ods_row("Supplier") + ods_row("Alpha Seafood", repeat_cells=1000, repeat_rows=10_000))


def _xls_sector_loop() -> bytes:
    """old_excel.xls with its directory's sector chain pointing back at itself (found by the fuzzer)."""
    data = bytearray((CORPUS / "old_excel.xls").read_bytes())
    dir_start, first_fat = struct.unpack_from("<I", data, 48)[0], struct.unpack_from("<I", data, 76)[0]
    struct.pack_into("<I", data, (first_fat + 1) * 512 + dir_start * 4, dir_start)
    return bytes(data)


def _xls_far_cell() -> bytes:
    """old_excel.xls with the 'Gamma Timber' cell moved to row 65,536, column 65,536: a sparse bomb in BIFF."""
    data = bytearray((CORPUS / "old_excel.xls").read_bytes())
    at = data.find(bytes.fromhex("fd000a00040000"))  # LabelSst, 10 bytes, row 4 (spreadsheet row 5), column A
    struct.pack_into("<HH", data, at + 4, 0xFFFF, 0xFFFF)
    return bytes(data)


def _truncated() -> bytes:
    data = simple_xlsx(VENDORS)
    return data[: len(data) // 2]


def _corrupt() -> bytes:
    """A workbook whose worksheet's compressed bytes were overwritten (a bad download)."""
    data = bytearray(simple_xlsx(VENDORS))
    start = data.find(b"xl/worksheets/sheet1.xml") + len("xl/worksheets/sheet1.xml")
    for i in range(start + 10, start + 60):
        data[i] ^= 0x5A
    return bytes(data)


def _not_a_workbook_zip() -> bytes:
    return zip_bytes({"word/document.xml": _XML + "<document/>", "[Content_Types].xml": _XML + "<Types/>"})


def _plain_zip() -> bytes:
    return zip_bytes({"suppliers.csv": "Supplier,Country\nAlpha,China\n"})


def _binary() -> bytes:
    seeded = random.Random(7)
    return b"\x89PNG\r\n\x1a\n" + bytes(seeded.getrandbits(8) for _ in range(4000))


def _hostile_names() -> bytes:
    """Sheet names that look like paths and hold control characters; cells aimed at HTML and formulas."""
    body = (
        row(1, "Supplier", "Country", "Notes")
        + row(2, "<script>alert(1)</script>", "China", '<img src=x onerror="alert(2)">')
        + row(3, '=HYPERLINK("http://evil.invalid","click")', "Chile", "+1-2")
        + row(4, "@SUM(A1)", "Peru", "-3")
        + row(5, "\tTabbed Ltd", "Peru", "\rcarriage")
    )
    sheets = [
        ("../../escape", sheet_xml(body)),
        ("..\\..\\new&#10;line&#27;[31m", sheet_xml(row(1, "Supplier") + row(2, "Delta"))),
    ]
    return zip_bytes(xlsx_members(sheets))


def _mixed_encoding() -> bytes:
    """UTF-8, except lines 3 and 5, pasted from a Windows-1252 export."""
    return (
        b"Supplier,Country,Address\n"
        + "Überseefisch GmbH,Germany,Bremerhaven\n".encode()
        + "Café Export SARL,France,Boulogne-sur-Mer\n".encode("cp1252")
        + "珲春海洋水产有限公司,中国,珲春市\n".encode()
        + "Müller Fischhandel GmbH,Deutschland,Köln\n".encode("cp1252")
        + "Ørsted Fisk AS,Norway,Ålesund\n".encode()
    )


CASES: dict[str, Callable[[], bytes]] = {
    "empty.csv": lambda: b"",
    "blank_lines.csv": lambda: b"\r\n \r\n\t\r\n",
    "header_only.csv": lambda: b"Supplier,Country,Address\r\n",
    "no_name_column.csv": lambda: b"Colour,Weight,Origin\nred,3,China\nblue,4,Chile\n",
    "csv_renamed.xlsx": lambda: b"Supplier,Country\nAlpha Seafood,China\n",
    "pdf_renamed.xlsx": lambda: (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    ),
    "truncated.xlsx": _truncated,
    "corrupt.xlsx": _corrupt,
    "word_renamed.xlsx": _not_a_workbook_zip,
    "plain.zip": _plain_zip,
    "image_renamed.csv": _binary,
    "duplicate_blank_headers.csv": lambda: (
        b"Supplier,Supplier,,Country,country,\nAlpha Seafood,Alpha Seafood Co Ltd,x,China,CN,\nBeta,,,Chile,,y\n"
    ),
    "no_name_rows.csv": lambda: (
        b"Supplier,Country,Address,Notes\n"
        b"Alpha Seafood,China,Dalian,\n"
        b",DPRK,Pyongyang,North Korean workers on site\n"
        b",,,\n"
        b",Chile,Santiago,\n"
        b"Omega Trading,Peru,Lima,\n"
    ),
    "mixed_encoding.csv": _mixed_encoding,
    "utf16_no_bom.csv": lambda: "Supplier\tCountry\r\n珲春海洋水产\t中国\r\nAlpha\tChile\r\n".encode(
        "utf-16-le"
    ),
    "nul_byte.csv": lambda: b"Supplier,Country\nAlpha\x00 Seafood,China\nBeta,Chi\x00le\n",
    "hostile_text.xlsx": _hostile_names,
    "xxe_billion_laughs.xlsx": _billion_laughs,
    "xxe_external_entity.xlsx": _external_entity,
    "zip_bomb_ratio.xlsx": _zip_bomb_ratio,
    "zip_bomb_lying_sizes.xlsx": _lying_sizes,
    "sparse_bomb.xlsx": _sparse_bomb,
    "sparse_bomb_no_refs.xlsx": _refless_sparse_bomb,
    "sparse_bomb_ws.xlsx": _sparse_bomb_at("ws/sheet1.xml"),
    "sparse_bomb_sub.xlsx": _sparse_bomb_at("worksheets/sub/sheet1.xml"),
    "sparse_bomb_case.xlsx": _sparse_bomb_at("Worksheets/Sheet1.XML"),
    "shared_string_bomb.xlsx": _shared_string_bomb,
    "ods_repeated_rows.ods": _ods_repeated_rows,
    "ods_repeated_cells.ods": _ods_repeated_cells,
    "xls_sector_loop.xls": _xls_sector_loop,
    "xls_far_cell.xls": _xls_far_cell,
}

BOOKS: dict[str, Callable[[object], None]] = {
    "merged_header.xlsx": merged_header,
    "formulas.xlsx": formulas,
    "dates_numbers.xlsx": dates_numbers,
}

OPTIONAL: dict[str, tuple[str, Callable[[Path], None]]] = {
    "old_excel.xls": ("xlwt", old_excel),
    "password.xlsx": ("msoffcrypto", password),
}


# --- text written to read differently from how it displays, and headers the file leaves blank (issue 13) ----

# (name, notes) of rows in China: each name shows, or reads, as "Dandong Seafood Co"; the notes as a sentence
# about North Korean workers; the last row is initials that stay as written
EVASION_ROWS = [
    ("\u202egnodnaD\u202c Seafood Co", ""),  # a right-to-left override: displays as "Dandong"
    ("D a n d o n g Seafood Co", ""),
    ("D-a-n-d-o-n-g Seafood Co", ""),
    ("D.a.n.d.o.n.g Seafood Co", ""),
    ("Dan\u200bdong Seafood Co", ""),  # a zero-width space
    ("Da\u00adnd\u00adong Seafood Co", ""),  # soft hyphens
    ("Ｄａｎｄｏｎｇ Seafood Co", ""),  # full-width letters
    ("Acme Apparel", "About 40 No\u200brth Kor\u200bean workers in the plant"),
    ("A B C Trading Co", ""),
]


def _evasion_names() -> bytes:
    lines = ["Supplier,Country,Notes", *(f"{name},China,{notes}" for name, notes in EVASION_ROWS)]
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


def _short_header() -> bytes:
    """A header row of two cells over rows of 240: the columns past it have no header; 'Column HS' (the
    227th) holds an HS code and 'Column ID' an id, which their made-up labels must not map."""
    rows = [["Supplier", "Country"]]
    suppliers = [
        ("Alpha Seafood Co", "Chile", "North Korean workers on site"),
        ("Beta Trading", "Peru", "family-owned since 1990"),
        ("Gamma Fish", "Norway", "ISO 22000 certified"),
    ]
    for number, (name, country, remark) in enumerate(suppliers, start=1):
        row = [name, country, remark, *[""] * 237]
        row[226], row[237] = "0304.75", f"V-{number}"
        rows.append(row)
    return "".join(",".join(row) + "\r\n" for row in rows).encode("ascii")


CASES.update({"evasion_names.csv": _evasion_names, "short_header.csv": _short_header})


def write_corpus(folder: Path = CORPUS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in CASES.items():
        (folder / name).write_bytes(make())
        written.append(folder / name)
    for name, fill in BOOKS.items():
        _xlsxwriter_book(folder / name, fill)
        written.append(folder / name)
    for name, (module, make) in OPTIONAL.items():
        try:
            __import__(module)
        except ImportError:
            print(f"{name}: {module} is not installed, keeping the committed file", file=sys.stderr)
            continue
        make(folder / name)
        written.append(folder / name)
    return written


# --- the huge cases, made at test time -----------------------------------------------------------------------


def formatted_rows(rows: int = 1_000_000) -> bytes:
    """Two suppliers, then ``rows`` rows formatted with a fill colour but empty (as after formatting whole
    columns and deleting the data), each with a styled empty cell in A-C: about 9 MB on disk."""
    head = row(1, *VENDORS[0]) + row(2, *VENDORS[1]) + row(3, *VENDORS[2])
    empty = "".join(
        f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/><c r="B{r}" s="1"/><c r="C{r}" s="1"/></row>'
        for r in range(4, rows + 4)
    )
    xml = sheet_xml(head + empty).replace("<sheetData>", f'<dimension ref="A1:D{rows + 3}"/><sheetData>')
    return zip_bytes(xlsx_members([("Vendors", xml)]), level=1)


def wide(columns: int = 16_000, rows: int = 5) -> bytes:
    """``columns`` columns: an ID, the supplier name in the middle, a country in the last column."""
    headers = [f"Attribute {c}" for c in range(columns)]
    headers[0], headers[columns // 2], headers[-1] = "Vendor ID", "Supplier Name", "Country"
    data = [headers]
    for r in range(1, rows + 1):
        values = [f"v{r}.{c}" for c in range(columns)]
        values[0], values[columns // 2], values[-1] = str(r), f"Supplier {r}", "China"
        data.append(values)
    return simple_xlsx(data)


def wide_csv(columns: int = 16_000, rows: int = 5) -> bytes:
    headers = [f"Attribute {c}" for c in range(columns)]
    headers[columns // 2] = "Supplier"
    lines = [",".join(headers)]
    for r in range(1, rows + 1):
        values = [str(r * c) for c in range(columns)]
        values[columns // 2] = f"Supplier {r}"
        lines.append(",".join(values))
    return ("\n".join(lines) + "\n").encode()


LONG = 1_000_000


def long_text(size: int = LONG) -> str:
    """``size`` characters of ordinary words (no indicator terms), ending with a mark a test can find."""
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()
    seeded = random.Random(3)
    text = " ".join(seeded.choice(words) for _ in range(size // 5))
    return text[: size - 4] + " END"


def long_cells_csv(size: int = LONG) -> bytes:
    text = long_text(size)
    return f'Supplier,Country,Notes\nAlpha Seafood,China,"{text}"\n"{text}",Chile,short\n'.encode()


def long_cells_xlsx(size: int = LONG) -> bytes:
    text = long_text(size)
    return simple_xlsx(
        [["Supplier", "Country", "Notes"], ["Alpha Seafood", "China", text], [text, "Chile", "x"]]
    )


def long_line_csv(size: int, rows: int = 200) -> bytes:
    """``rows`` suppliers, then a line of ``size`` bytes without a line break (a file run together into one
    line, or binary data after a CSV head): past the rows a streamed file reads before screening starts."""
    head = "Supplier,Notes\n" + "".join(f"Supplier {r},ok\n" for r in range(rows))
    return head.encode() + b"Alpha Seafood," + b"x" * size


def ods_rows_needing(cells: int) -> bytes:
    """An ODS of ``cells`` cells (a supplier repeated 1,000 times across, the row repeated down): under the
    cell limit, but more than a few megabytes for the reader to build."""
    return ods_bytes(
        ods_row("Supplier") + ods_row("Alpha Seafood", repeat_cells=1000, repeat_rows=cells // 1000)
    )


def zip_bomb(gigabytes: float = 1.1) -> bytes:
    """A real bomb: one worksheet padded with ``gigabytes`` GB of spaces, about 1 MB compressed.

    The deflate stream repeats one compressed megabyte (made once, ended by a full flush so that copies can
    follow each other) instead of compressing a gigabyte.
    """
    mb = 1 << 20
    count = int(gigabytes * 1e9 / mb)
    before, after = sheet_xml(row(1, *VENDORS[0]) + row(2, *VENDORS[1])).encode().split(b"<sheetData>")
    before += b"<sheetData>"

    def deflate(data: bytes, mode: int) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(mode)

    stream = deflate(before, zlib.Z_FULL_FLUSH) + deflate(b" " * mb, zlib.Z_FULL_FLUSH) * count
    stream += deflate(after, zlib.Z_FINISH)
    crc = zlib.crc32(before)
    for _ in range(count):
        crc = zlib.crc32(b" " * mb, crc)
    crc = zlib.crc32(after, crc)
    members = xlsx_members([("Vendors", "")])
    del members["xl/worksheets/sheet1.xml"]
    size = len(before) + count * mb + len(after)
    return _append_raw_member(zip_bytes(members), "xl/worksheets/sheet1.xml", stream, size, crc)


def _append_raw_member(archive: bytes, name: str, raw: bytes, size: int, crc: int) -> bytes:
    """Add a member whose deflate stream is already made (sizes under 4 GB: no ZIP64)."""
    end = archive.rfind(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack_from("<HII", archive, end + 10)
    body, central = archive[:cd_offset], archive[cd_offset : cd_offset + cd_size]
    encoded = name.encode()
    dos_time = (FIXED_TIME[3] << 11) | (FIXED_TIME[4] << 5) | (FIXED_TIME[5] // 2)
    dos_date = ((FIXED_TIME[0] - 1980) << 9) | (FIXED_TIME[1] << 5) | FIXED_TIME[2]
    offset = len(body)
    body += struct.pack(
        "<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, dos_time, dos_date, crc, len(raw), size, len(encoded), 0
    )
    body += encoded + raw
    central += struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        dos_time,
        dos_date,
        crc,
        len(raw),
        size,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    central += encoded
    eocd = struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, entries + 1, entries + 1, len(central), len(body), 0
    )
    return body + central + eocd


HUGE: dict[str, Callable[[], bytes]] = {
    "formatted_rows_1m.xlsx": formatted_rows,
    "columns_16000.xlsx": wide,
    "columns_16000.csv": wide_csv,
    "long_cells_1mb.csv": long_cells_csv,
    "long_cells_1mb.xlsx": long_cells_xlsx,
    "zip_bomb_1gb.xlsx": zip_bomb,
    "long_line_2mb.csv": lambda: long_line_csv(2_000_000),
    "long_cells_20mb.csv": lambda: long_cells_csv(20_000_000),
    "long_cells_3mb.csv": lambda: long_cells_csv(3_000_000),
    "long_cells_3mb.xlsx": lambda: long_cells_xlsx(3_000_000),
}


def write_huge(folder: Path, names: list[str] | None = None) -> dict[str, Path]:
    """Make the huge cases (or only ``names``) in ``folder``; returns name → path."""
    out = {}
    for name in names or list(HUGE):
        path = folder / name
        path.write_bytes(HUGE[name]())
        out[name] = path
    return out


# --- hostile rule files (YAML), made at test time: `rules check` and rule uploads refuse them at once --------

_CITATION = "citations: [{source: seed.003, summary: 'x'}]"


def _nested_aliases(levels: str, width: int, key: str = "") -> list[str]:
    """YAML lines anchoring one list per level, each holding ``width`` aliases of the level before."""
    lines = [f"{key}{levels[0]}: &{levels[0]} [" + ",".join(['"lol"'] * width) + "]"]
    lines += [f"{key}{b}: &{b} [" + ",".join([f"*{a}"] * width) + "]" for a, b in itertools.pairwise(levels)]
    return lines


def alias_bomb() -> bytes:
    """The "billion laughs" in YAML: nine levels of nine aliases, 387,420,489 strings once expanded, under
    ``disable:`` (which the rules validate whole)."""
    return ("\n".join([*_nested_aliases("abcdefghi", 9), "disable: *i"]) + "\n").encode()


def alias_bomb_terms() -> bytes:
    """Ten levels of ten aliases (10 billion strings) as one indicator's terms, anchored in its own keys."""
    head = ["indicators:", "- id: acme.bomb", "  name: Bomb", "  category: sector", "  points: 1"]
    lines = [*head, f"  {_CITATION}", *_nested_aliases("abcdefghij", 10, "  x"), "  terms: *j"]
    return ("\n".join(lines) + "\n").encode()


def catastrophic_pattern() -> bytes:
    """A pattern that takes a backtracking engine 2^n steps on n letters (36 s for 31 characters)."""
    return f"""indicators:
  - id: acme.redos
    name: Nested repetition
    category: sector
    patterns: ["^(a+)+$"]
    points: 5
    {_CITATION}
""".encode()


def redos_rows() -> bytes:
    """Rows for ``catastrophic_pattern``: 31 and 10,000 characters that do not match, 10,000 that do."""
    return (
        "Supplier,Notes\nShort," + "a" * 30 + "!\nLong," + "a" * 9_999 + "!\nHit," + "a" * 10_000 + "\n"
    ).encode()


RULE_FILES: dict[str, Callable[[], bytes]] = {
    "alias_bomb.yaml": alias_bomb,
    "alias_bomb_terms.yaml": alias_bomb_terms,
    "deep_nesting.yaml": lambda: b"indicators: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "big_number.yaml": lambda: b"tiers: {high: " + b"9" * 5_000 + b", medium: 20, low: 10}\n",
    "oversized.yaml": lambda: b"# padding\n" * 250_000 + b"tiers: {high: 60, medium: 35, low: 10}\n",
    "lookbehind_pattern.yaml": lambda: (
        catastrophic_pattern()
        .replace(b"acme.redos", b"acme.lookbehind")
        .replace(b"^(a+)+$", b"(?<!non-)dprk")
    ),
    "catastrophic_pattern.yaml": catastrophic_pattern,
}


def write_rules(folder: Path) -> dict[str, Path]:
    """Write the hostile rule files in ``folder``; returns name → path."""
    out = {}
    for name, make in RULE_FILES.items():
        out[name] = folder / name
        out[name].write_bytes(make())
    return out


if __name__ == "__main__":
    for path in write_corpus():
        print(
            f"{path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}: {path.stat().st_size:,} bytes"
        )
