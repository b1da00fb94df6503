from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplyscreen.errors import InputError
from supplyscreen.ingest.headers import map_header
from supplyscreen.ingest.read import read_input
from supplyscreen.ingest.text import decode
from supplyscreen.ingest.workbook import cell_text


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Vendor Name", "name"),
        ("Supplier", "name"),
        ("SUPPLIER NAME", "name"),
        ("Company", "name"),
        ("Shipper", "name"),
        ("供应商名称", "name"),
        ("供应商名称（中文）", "name"),
        ("Поставщик", "name"),
        ("Наименование", "name"),
        ("Ctry", "country"),
        ("Country of Origin", "country"),
        ("国家", "country"),
        ("Страна", "country"),
        ("Factory Address", "address"),
        ("Port of Loading", "address"),
        ("地址", "address"),
        ("Адрес", "address"),
        ("Goods Description", "description"),
        ("Product", "description"),
        ("产品", "description"),
        ("Товар", "description"),
        ("HS Code", "hs_code"),
        ("HTS", "hs_code"),
        ("HS编码", "hs_code"),
        ("Код ТН ВЭД", "hs_code"),
        ("Vessel / IMO", "vessel"),
        ("船名", "vessel"),
        ("Workforce Notes", "notes"),
        ("Remarks", "notes"),
        ("备注", "notes"),
        ("Примечание", "notes"),
        ("Vendor #", "id"),
        ("Vendor ID", "id"),
        ("编号", "id"),
        ("Adress", "address"),  # typo, fuzzy
        ("Supplier Nmae", "name"),  # typo, fuzzy
    ],
)
def test_header_synonyms(header: str, field: str) -> None:
    assert map_header(header)[0] == field


@pytest.mark.parametrize(
    "header", ["Contact Name", "Payment Terms", "Buyer", "Onboarded", "ETA", "", "B/L No."]
)
def test_headers_that_are_not_fields(header: str) -> None:
    assert map_header(header)[0] in (None, "id") if header == "B/L No." else map_header(header)[0] is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (304.87, "304.87"),
        (12.0, "12"),
        (160414, "160414"),
        (True, "TRUE"),
        (None, ""),
        (dt.datetime(2026, 1, 2), "2026-01-02"),
        (dt.date(2026, 1, 2), "2026-01-02"),
        ("  padded  ", "padded"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def _workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Vendors"
    ws["A1"] = "ACME vendor master"
    ws.append([])
    ws.append(["Vendor Name", "Ctry", "HS Code", "Payment Terms"])
    ws.append(["Alpha Seafood", "China", 304.87, "30 days"])
    ws.append([])
    ws.append(["Beta Textiles", "Vietnam", 6110.2, None])
    second = wb.create_sheet("Empty")
    del second
    wb.save(path)
    return path


def test_xlsx_title_rows_blank_rows_and_numbers(tmp_path: Path) -> None:
    result = read_input(_workbook(tmp_path / "v.xlsx"))
    [sheet] = result.sheets
    assert sheet.sheet == "Vendors"
    assert sheet.header_row == 3
    assert sheet.row_numbers == [4, 6]
    assert sheet.blank_rows == 1
    assert sheet.fields(0) == {"name": "Alpha Seafood", "country": "China", "hs_code": "304.87"}
    assert sheet.fields(1)["hs_code"] == "6110.2"
    assert result.skipped == ["%s [sheet 'Empty']: empty, skipped" % (tmp_path / "v.xlsx")]


def test_sheet_option(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "v.xlsx")
    with pytest.raises(InputError, match="no sheet named 'Nope'"):
        read_input(path, sheet="Nope")
    assert read_input(path, sheet="Vendors").rows == 2


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "Supplier,Country\n珲春海洋水产有限公司,中国\nООО Лес,Россия\n"),
        ("utf-8-sig", "Supplier,Country\n珲春海洋水产有限公司,中国\n"),
        (
            "gb18030",
            "供应商名称,国家,地址\n珲春海洋水产有限公司,中国,吉林省珲春市边境经济合作区\n丹东服装厂,中国,辽宁省丹东市\n",
        ),
        (
            "cp1251",
            "Поставщик,Страна,Адрес\nООО Дальлес,Россия,Хабаровский край\nООО Приморлес,Россия,Приморский край\n",
        ),
    ],
)
def test_csv_encodings(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(text.encode(encoding))
    result = read_input(path)
    expected = [line.split(",")[0] for line in text.strip().splitlines()[1:]]
    assert [result.sheets[0].fields(i)["name"] for i in range(result.rows)] == expected


def test_decode_prefers_utf8() -> None:
    assert decode("名称".encode()) == ("名称", "utf-8")


def test_semicolon_csv(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Name;Country\nAlpha;Chile\nBeta;Peru\n", encoding="utf-8")
    assert read_input(path).sheets[0].fields(1) == {"name": "Beta", "country": "Peru"}


def test_a_lone_apostrophe_is_no_quote(tmp_path: Path) -> None:
    """Two rows whose cells are a lone ' (found by the fuzzer): the sniffer took them for one quoted cell."""
    path = tmp_path / "in.csv"
    path.write_bytes(b"Supplier,Country,Notes\r\n'\r\n',\r\n")
    assert read_input(path).sheets[0].row_numbers == [2, 3]


def test_missing_name_column_lists_headers(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Colour,Weight\nred,3\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_input(path)
    assert str(info.value) == (
        f"{path}: no supplier name column found (headers seen: 'Colour', 'Weight') — "
        "name it e.g. 'Supplier Name', or pass --map name=HEADER"
    )


def test_map_override(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Colour,Weight,Origin\nAlpha,3,Chile\n", encoding="utf-8")
    result = read_input(path, overrides={"name": ["colour"]})
    assert result.sheets[0].fields(0) == {"name": "Alpha", "country": "Chile"}
    assert result.sheets[0].how["name"] == "--map"


def test_map_by_column_letter(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Colour,Weight\nAlpha,3\n", encoding="utf-8")
    assert read_input(path, overrides={"name": ["A"]}).sheets[0].fields(0) == {"name": "Alpha"}


def test_map_unknown_header(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Supplier,Weight\nAlpha,3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"--map country='Land' matches no column"):
        read_input(path, overrides={"country": ["Land"]})


def test_map_unknown_field(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Supplier\nAlpha\n", encoding="utf-8")
    with pytest.raises(InputError, match="--map names unknown field 'colour'"):
        read_input(path, overrides={"colour": ["Supplier"]})


def test_two_columns_for_one_field_are_joined(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("Supplier,City,Address\nAlpha,Hunchun,88 Binhai Rd\n", encoding="utf-8")
    assert read_input(path).sheets[0].fields(0)["address"] == "Hunchun | 88 Binhai Rd"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"%PDF-1.7 fake", "is a PDF, not a spreadsheet"),
        (b"Supplier,Country\nAlpha,Chile\n", "is not a real .xlsx workbook"),
        (b"PK\x03\x04broken zip", "cannot read the workbook"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_input(path)


_cell = st.one_of(
    st.none(),
    # openpyxl stores a string starting with "=" as a formula without a cached value: not a text cell
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).filter(
        lambda t: not t.startswith("=")
    ),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=3, max_size=3), max_size=25))
def test_every_nonblank_row_is_kept_with_its_row_number(tmp_path: Path, rows: list[list[object]]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Supplier", "Country", "Notes"])
    for row in rows:
        ws.append(row)
    path = tmp_path / "p.xlsx"
    wb.save(path)
    result = read_input(path)
    [sheet] = result.sheets
    expected = [i + 2 for i, row in enumerate(rows) if any(cell_text(c) for c in row)]
    assert sheet.row_numbers == expected
    # blank rows between data rows are counted; trailing ones are not part of the sheet at all
    last = expected[-1] if expected else 1
    assert sheet.blank_rows == last - 1 - len(expected)


def test_map_header_missing_from_some_sheets_keeps_their_rows(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    first.title = "A"
    first.append(["Supplier", "Ctry"])
    first.append(["Alpha", "Chile"])
    second = wb.create_sheet("B")
    second.append(["Supplier", "Country"])
    second.append(["Beta", "Peru"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    result = read_input(path, overrides={"country": ["Ctry"]})
    assert [sh.fields(0) for sh in result.sheets] == [
        {"name": "Alpha", "country": "Chile"},
        {"name": "Beta", "country": "Peru"},
    ]
    assert result.skipped == [f"{path} [sheet 'B']: no column 'Ctry' for --map country, mapped automatically"]
    with pytest.raises(InputError, match=r"--map country='Land' matches no column"):
        read_input(path, overrides={"country": ["Land"]})
