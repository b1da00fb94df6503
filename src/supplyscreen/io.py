"""Reading spreadsheets: file type by content, encodings, header rows, header → canonical field mapping.

Every data row keeps its file, sheet and spreadsheet row number (1-based, as Excel shows it). Only rows with
no content at all are left out, and they are counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from rapidfuzz import fuzz

from supplyscreen.errors import InputError
from supplyscreen.normalize import fold, has_cjk, tokens
from supplyscreen.rules import FIELDS

HEADER_SCAN_ROWS = 30
FUZZY_HEADER_CUTOFF = 86.0

SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "vendor id",
        "vendor no",
        "vendor number",
        "vendor code",
        "supplier id",
        "supplier no",
        "supplier number",
        "supplier code",
        "customer id",
        "account",
        "account no",
        "record id",
        "ref",
        "reference",
        "no",
        "number",
        "编号",
        "供应商编号",
        "代码",
        "序号",
        "код",
        "номер",
        "код поставщика",
    ),
    "name": (
        "name",
        "vendor",
        "vendor name",
        "supplier",
        "supplier name",
        "company",
        "company name",
        "legal name",
        "business name",
        "entity",
        "entity name",
        "shipper",
        "shipper name",
        "exporter",
        "manufacturer",
        "factory",
        "factory name",
        "processor",
        "producer",
        "seller",
        "beneficiary",
        "供应商名称",
        "供应商",
        "公司名称",
        "企业名称",
        "工厂名称",
        "厂商",
        "发货人",
        "出口商",
        "生产商",
        "名称",
        "поставщик",
        "наименование",
        "название",
        "название компании",
        "компания",
        "грузоотправитель",
        "производитель",
        "экспортер",
        "организация",
    ),
    "country": (
        "country",
        "ctry",
        "cntry",
        "country of origin",
        "origin country",
        "origin",
        "coo",
        "nation",
        "country code",
        "country region",
        "国家",
        "原产国",
        "国别",
        "国家地区",
        "страна",
        "страна происхождения",
    ),
    "address": (
        "address",
        "factory address",
        "street",
        "street address",
        "city",
        "location",
        "site",
        "plant address",
        "plant location",
        "site address",
        "registered address",
        "province",
        "region",
        "state",
        "port of loading",
        "loading port",
        "pol",
        "port",
        "地址",
        "工厂地址",
        "所在地",
        "城市",
        "省份",
        "装货港",
        "адрес",
        "местонахождение",
        "город",
        "регион",
        "порт погрузки",
    ),
    "description": (
        "description",
        "goods description",
        "description of goods",
        "product",
        "products",
        "commodity",
        "goods",
        "category",
        "item",
        "item description",
        "product description",
        "material",
        "product category",
        "industry",
        "sector",
        "business",
        "activity",
        "产品",
        "商品描述",
        "货物描述",
        "品名",
        "行业",
        "经营范围",
        "товар",
        "описание",
        "продукция",
        "описание товара",
        "вид деятельности",
    ),
    "hs_code": (
        "hs code",
        "hs",
        "hts",
        "hts code",
        "tariff code",
        "commodity code",
        "hs tariff",
        "customs code",
        "hs编码",
        "海关编码",
        "税则号",
        "商品编码",
        "код тн вэд",
        "тн вэд",
        "код тнвэд",
    ),
    "vessel": (
        "vessel",
        "vessel name",
        "ship",
        "ship name",
        "imo",
        "imo number",
        "vessel imo",
        "carrier vessel",
        "vessel name imo",
        "vessel imo no",
        "船名",
        "船舶",
        "船名航次",
        "судно",
        "название судна",
    ),
    "notes": (
        "notes",
        "note",
        "remarks",
        "comments",
        "comment",
        "workforce",
        "workforce notes",
        "audit notes",
        "audit findings",
        "audit",
        "labour notes",
        "labor notes",
        "due diligence",
        "risk notes",
        "备注",
        "说明",
        "审核备注",
        "用工情况",
        "примечание",
        "комментарии",
        "примечания",
    ),
}

# Words that, inside a longer header, show it is not the field a shorter synonym suggests ("Contact Name").
_DISQUALIFY = frozenset(
    [
        "contact",
        "person",
        "buyer",
        "email",
        "mail",
        "phone",
        "tel",
        "telephone",
        "fax",
        "website",
        "url",
        "date",
        "owner",
        "manager",
        "rep",
        "representative",
        "terms",
        "payment",
        "currency",
        "bank",
        "consignee",
        "notify",
        "agent",
    ]
)


def _header_key(header: str) -> str:
    text = header.replace("#", " no ").replace("№", " no ")
    return " ".join(tokens(text))


_SYN_KEYS: list[tuple[str, str, bool]] = [
    (f, (fold(s) if has_cjk(s) else _header_key(s)), has_cjk(s)) for f, syns in SYNONYMS.items() for s in syns
]


def map_header(header: str) -> tuple[str | None, float]:
    """The canonical field a header means and how sure (0-100)."""
    folded = fold(header).strip()
    key = _header_key(header)
    if not folded:
        return None, 0.0
    best: tuple[str | None, float] = (None, 0.0)
    key_tokens = key.split()
    for fname, syn, is_cjk in _SYN_KEYS:
        if is_cjk:
            if syn == folded:
                score = 100.0
            elif syn in folded:
                score = 90.0 + min(len(syn), 5)
            else:
                continue
        elif not key:
            continue
        elif syn == key:
            score = 100.0
        elif f" {syn} " in f" {key} " and not (set(key_tokens) - set(syn.split())) & _DISQUALIFY:
            extra = len(key_tokens) - len(syn.split())
            score = 95.0 - 2 * extra if extra <= 3 else 0.0
        else:
            score = fuzz.ratio(syn, key) if min(len(syn), len(key)) >= 5 else 0.0
        if score > best[1]:
            best = (fname, score)
    if best[1] < FUZZY_HEADER_CUTOFF:
        return None, best[1]
    return best


@dataclass
class Sheet:
    """One table of one input: its header, the mapping used and its data rows."""

    file: str
    sheet: str | None
    header_row: int
    headers: list[str]
    mapping: dict[str, list[int]]
    how: dict[str, str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    blank_rows: int = 0

    def fields(self, i: int) -> dict[str, str]:
        """The canonical fields of data row ``i``: several columns mapped to one field are joined."""
        row = self.rows[i]
        out: dict[str, str] = {}
        for fname in FIELDS:
            cols = self.mapping.get(fname)
            if cols:
                out[fname] = " | ".join(row[c] for c in cols if row[c])
        return out

    def describe_mapping(self) -> str:
        parts = [
            f"{fname} ← {', '.join(repr(self.headers[c]) for c in self.mapping[fname])}"
            for fname in FIELDS
            if self.mapping.get(fname)
        ]
        return "; ".join(parts)


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
        return sum(len(s.rows) for s in self.sheets)


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
        name = " ".join(header.split()) or f"Column {_column_letter(i)}"
        if name.casefold() in seen:
            seen[name.casefold()] += 1
            name = f"{name} ({seen[name.casefold()]})"
        seen.setdefault(name.casefold(), 1)
        out.append(name)
    return out


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = string.ascii_uppercase[rem] + letters
    return letters


# --- header detection and mapping ---------------------------------------------------------------------


def _parse_overrides(overrides: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for fname, headers in (overrides or {}).items():
        if fname not in FIELDS:
            raise InputError(f"--map names unknown field '{fname}'", hint=f"use one of: {', '.join(FIELDS)}")
        out[fname] = list(headers)
    return out


def _find_column(headers: Sequence[str], wanted: str) -> int | None:
    folded = fold(wanted).strip()
    for i, header in enumerate(headers):
        if fold(header).strip() == folded:
            return i
    if re.fullmatch(r"[A-Za-z]{1,3}", wanted):
        for i in range(len(headers)):
            if _column_letter(i) == wanted.upper():
                return i
    return None


def _auto_mapping(headers: Sequence[str]) -> tuple[dict[str, list[int]], dict[str, str]]:
    mapping: dict[str, list[int]] = {}
    how: dict[str, str] = {}
    for i, header in enumerate(headers):
        fname, score = map_header(header)
        if fname is None:
            continue
        mapping.setdefault(fname, []).append(i)
        how[fname] = "synonym" if score >= 100 else f"fuzzy {score:.0f}"
    return mapping, how


def _detect_header(grid: Sequence[Sequence[str]], wanted: Mapping[str, Sequence[str]]) -> int | None:
    """Index of the header row among the first rows: the one that maps most fields, a name among them.

    A row also qualifies when it holds a header named by ``--map``, or when ``--map name=`` gives a column
    letter (then the first non-empty row with the most recognisable headers is taken).
    """
    wanted_folded = {fold(h).strip() for hs in wanted.values() for h in hs}
    name_by_letter = any(re.fullmatch(r"[A-Za-z]{1,3}", h) for h in wanted.get("name", ()))
    best: tuple[int, int] | None = None
    for idx, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        cells = [c for c in row if c]
        if not cells:
            continue
        fields = {map_header(c)[0] for c in cells} - {None}
        named_by_map = bool(wanted_folded & {fold(c).strip() for c in cells})
        if not ("name" in fields or named_by_map or name_by_letter):
            continue
        score = len(fields) + (2 if named_by_map else 0)
        if best is None or score > best[1]:
            best = (idx, score)
    return best[0] if best else None


def build_sheet(
    display: str,
    sheet_name: str | None,
    grid: list[list[str]],
    overrides: Mapping[str, Sequence[str]] | None = None,
) -> Sheet:
    """Find the header, map it and collect data rows from a grid of cell texts (row 0 = spreadsheet row 1)."""
    where = f"{display}" + (f" [sheet '{sheet_name}']" if sheet_name else "")
    wanted = _parse_overrides(overrides)
    header_idx = _detect_header(grid, wanted)
    if header_idx is None:
        first = next((row for row in grid[:HEADER_SCAN_ROWS] if any(row)), [])
        seen = ", ".join(repr(c) for c in first if c) or "none"
        raise InputError(
            f"{where}: no supplier name column found (headers seen: {seen})",
            hint="name it e.g. 'Supplier Name', or pass --map name=HEADER",
        )
    width = max(len(r) for r in grid)
    headers = _unique_headers([*grid[header_idx], *[""] * (width - len(grid[header_idx]))])
    mapping, how = _auto_mapping(headers)
    for fname, wanted_headers in wanted.items():
        cols: list[int] = []
        for wanted_header in wanted_headers:
            col = _find_column(headers, wanted_header)
            if col is None:
                raise InputError(
                    f"{where}: --map {fname}={wanted_header!r} matches no column "
                    f"(columns: {', '.join(repr(h) for h in headers)})",
                    hint="give the header exactly as it appears, or a column letter",
                )
            cols.append(col)
        for other in mapping.values():
            other[:] = [c for c in other if c not in cols]
        mapping[fname] = cols
        how[fname] = "--map"
    mapping = {f: cols for f, cols in mapping.items() if cols}
    if "name" not in mapping:
        raise InputError(
            f"{where}: no supplier name column found (headers seen: {', '.join(repr(h) for h in headers)})",
            hint="pass --map name=HEADER",
        )
    sheet = Sheet(display, sheet_name, header_idx + 1, headers, mapping, how)
    for offset, row in enumerate(grid[header_idx + 1 :], start=header_idx + 2):
        if not any(row):
            sheet.blank_rows += 1
            continue
        sheet.rows.append([*row, *[""] * (width - len(row))])
        sheet.row_numbers.append(offset)
    return sheet


# --- file types ------------------------------------------------------------------------------------------


def _sniff(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    return "text"


def decode(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: BOMs, then UTF-8, then the most likely of the legacy encodings suppliers use."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = ["gb18030", "cp1251", "cp1252", "big5", "shift_jis", "euc_kr", "koi8_r", "latin_1"]
    best = from_bytes(data[:200_000], cp_isolation=candidates).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin_1"), "latin_1"


def _read_csv(data: bytes) -> tuple[list[list[str]], str]:
    text, encoding = decode(data)
    sample = text[:20_000]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [
        [cell.replace("\x00", "").strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)
    ]
    return rows, encoding


def _read_workbook(path: Path, display: str) -> list[tuple[str, list[list[str]]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        out = []
        for name in workbook.sheet_names:
            values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out.append((name, [[cell_text(v) for v in row] for row in values]))
        return out
    except Exception as exc:  # calamine raises several types for damaged files
        raise InputError(
            f"{display}: cannot read the workbook ({type(exc).__name__}: {str(exc)[:120]})",
            hint="open it in Excel and save it again as .xlsx, or export the sheet as CSV",
        ) from exc


def read_input(
    path: str | Path,
    sheet: str | None = None,
    overrides: Mapping[str, Sequence[str]] | None = None,
) -> InputFile:
    """Read one spreadsheet file into sheets of rows with their mapping. Raises InputError."""
    path = Path(path)
    display = str(path)
    if not path.exists():
        raise InputError(f"{display}: no such file", hint="check the path")
    if path.is_dir():
        raise InputError(f"{display}: is a directory", hint="give the spreadsheet files themselves")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise InputError(f"{display}: the file is empty", hint="export the supplier list again")
    kind = _sniff(data)
    if kind == "pdf":
        raise InputError(f"{display}: is a PDF, not a spreadsheet", hint="export the table as .xlsx or .csv")
    if (
        kind == "ole"
        and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data
    ):
        raise InputError(
            f"{display}: the workbook is password-protected",
            hint="remove the password in Excel (File › Info › Protect Workbook) and save again",
        )
    if kind in ("zip", "ole"):
        grids = _read_workbook(path, display)
        kind = "xlsx" if kind == "zip" else "xls"
    else:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
            raise InputError(
                f"{display}: is not a real {path.suffix} workbook (its content is plain text)",
                hint="rename it to .csv if it is a CSV export, or save it again from Excel",
            )
        rows, encoding = _read_csv(data)
        grids = [("", rows)]
        kind = f"csv ({encoding})"
    if sheet is not None:
        names = [name for name, _ in grids]
        grids = [(name, grid) for name, grid in grids if name == sheet]
        if not grids:
            raise InputError(
                f"{display}: no sheet named '{sheet}'",
                hint=f"sheets in this file: {', '.join(names) or 'none'}",
            )
    result = InputFile(path, display, digest, kind, [])
    problems: list[InputError] = []
    for name, grid in grids:
        label = name or None
        if not any(any(row) for row in grid):
            result.skipped.append(f"{display}" + (f" [sheet '{name}']" if name else "") + ": empty, skipped")
            continue
        try:
            result.sheets.append(build_sheet(display, label, grid, overrides))
        except InputError as exc:
            problems.append(exc)
    if problems and (not result.sheets or sheet is not None):
        raise problems[0]
    for problem in problems:
        result.skipped.append(f"{problem.message}, skipped")
    if not result.sheets:
        raise InputError(f"{display}: no data in any sheet", hint="check you exported the right file")
    return result
