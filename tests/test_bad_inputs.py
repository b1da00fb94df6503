"""Hostile and broken spreadsheets (tests/bad_inputs/): one exact line and exit 1 for each refused file, and
every row of each readable one in every output, with its source row. The cases and their expected results
are listed in tests/bad_inputs/README.md."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen import report
from supplyscreen.cli import cli
from supplyscreen.errors import InputError, RulesError
from supplyscreen.ingest.read import read_input
from supplyscreen.ingest.sheet import NO_NAME_NOTE
from supplyscreen.pipeline import screener
from supplyscreen.pipeline.screener import Screener
from supplyscreen.report.tables import SOURCE_COLUMNS, VERDICT_COLUMNS, XLSX_MAX_CELL_CHARS, neutralise
from supplyscreen.rules import layered, load_rules
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

from .bad_inputs import generate
from .conftest import ROOT
from .htmlparts import HtmlParts
from .weberrors import error_line

CORPUS = Path(__file__).parent / "bad_inputs" / "corpus"
SCHEMA = json.loads((ROOT / "src/supplyscreen/schema/results.schema.json").read_text(encoding="utf-8"))
ALL_FORMATS = "html,json,xlsx,csv"

# file -> the line after "Error: <path>: "
REFUSED = {
    "empty.csv": "the file is empty — export the supplier list again",
    "blank_lines.csv": "the file is empty — export the supplier list again",
    "no_name_column.csv": "no supplier name column found (headers seen: 'Colour', 'Weight', 'Origin') — "
    "name it e.g. 'Supplier Name', or pass --map name=HEADER",
    "csv_renamed.xlsx": "is not a real .xlsx workbook (its content is plain text) — "
    "rename it to .csv if it is a CSV export, or save it again from Excel",
    "pdf_renamed.xlsx": "is a PDF, not a spreadsheet — export the table as .xlsx or .csv",
    "truncated.xlsx": "cannot read the workbook: the file is damaged (a truncated or corrupt ZIP container) — "
    "download or export it again; if Excel still opens it, save it again as .xlsx",
    "corrupt.xlsx": "cannot read the workbook: the file is damaged: 'xl/worksheets/sheet1.xml' cannot be "
    "unpacked — download or export it again; if Excel still opens it, save it again as .xlsx",
    "word_renamed.xlsx": "is a Word document, not a spreadsheet — "
    "copy the table into Excel and save it as .xlsx, or export it as .csv",
    "plain.zip": "is a ZIP archive, not a workbook — unzip it and screen the spreadsheets inside",
    "image_renamed.csv": "is a PNG image, not a spreadsheet — export the table as .xlsx or .csv",
    "password.xlsx": "the workbook is password-protected — "
    "remove the password in Excel (File › Info › Protect Workbook) and save again",
    "xxe_billion_laughs.xlsx": "refused: 'xl/sharedStrings.xml' declares a DTD or XML entities, which Excel "
    "never writes and which can expand to fill memory or read other files — "
    "save the workbook again from Excel, or export the sheet as CSV",
    "xxe_external_entity.xlsx": "refused: 'xl/sharedStrings.xml' declares a DTD or XML entities, which Excel "
    "never writes and which can expand to fill memory or read other files — "
    "save the workbook again from Excel, or export the sheet as CSV",
    "zip_bomb_ratio.xlsx": "refused: 'xl/worksheets/sheet1.xml' would unpack 1,023:1 to 60 MB "
    "(limit 100:1 for parts over 10 MB; a zip bomb) — screen the original file, or export the sheet as CSV",
    "zip_bomb_lying_sizes.xlsx": "refused: 'xl/sharedStrings.xml' unpacks to more than the 1,000 bytes the "
    "ZIP directory declares (a zip bomb) — screen the original file, or export the sheet as CSV",
    "sparse_bomb.xlsx": "refused: 'xl/worksheets/sheet1.xml' has a value in cell XFD1048576, so its used "
    "range is 17,179,869,184 cells (limit 10,000,000) — delete the stray cells far from the table "
    "(Ctrl+End shows the last one) and save again, or export the sheet as CSV",
    "sparse_bomb_no_refs.xlsx": "refused: 'xl/worksheets/sheet1.xml' has a value in cell ACOF1048576, so its "
    "used range is 20,971,520,000 cells (limit 10,000,000) — delete the stray cells far from the table "
    "(Ctrl+End shows the last one) and save again, or export the sheet as CSV",
    **{
        f"sparse_bomb_{case}.xlsx": f"refused: '{part}' has a value in cell XFD1048576, so its used range is "
        "17,179,869,184 cells (limit 10,000,000) — delete the stray cells far from the table (Ctrl+End shows "
        "the last one) and save again, or export the sheet as CSV"
        for case, part in [
            ("ws", "xl/ws/sheet1.xml"),
            ("sub", "xl/worksheets/sub/sheet1.xml"),
            ("case", "xl/Worksheets/Sheet1.XML"),
        ]
    },
    "shared_string_bomb.xlsx": "refused: its shared strings would be written out to 18.0 GB of cell text (limit "
    "1.0 GB; a workbook bomb) — split it into smaller workbooks or export each sheet as CSV",
    "ods_repeated_rows.ods": "refused: sheet 'Vendors' has a value in cell ALL99001, so its used range is "
    "99,001,000 cells (limit 10,000,000) — delete the stray cells far from the table (Ctrl+End shows the last "
    "one) and save again, or export the sheet as CSV",
    "ods_repeated_cells.ods": "refused: sheet 'Vendors' has a value in cell ALL10001, so its used range is "
    "10,001,000 cells (limit 10,000,000) — delete the stray cells far from the table (Ctrl+End shows the last "
    "one) and save again, or export the sheet as CSV",
    "xls_sector_loop.xls": "cannot read the workbook: the file is damaged (a sector chain loops) — "
    "download or export it again; if Excel still opens it, save it again as .xlsx",
    "xls_far_cell.xls": "refused: sheet 1 has a value in cell CRXP65536, so its used range is 4,294,967,296 "
    "cells (limit 10,000,000) — delete the stray cells far from the table (Ctrl+End shows the last one) and "
    "save again, or export the sheet as CSV",
}

# file -> [(sheet, row, fields)] in results.json, in order
READ: dict[str, list[tuple[str | None, int, dict[str, str]]]] = {
    "header_only.csv": [],
    "no_name_rows.csv": [
        (None, 2, {"name": "Alpha Seafood", "country": "China", "address": "Dalian", "notes": ""}),
        (None, 3, {"country": "DPRK", "address": "Pyongyang", "notes": "North Korean workers on site"}),
        (None, 5, {"country": "Chile", "address": "Santiago", "notes": ""}),
        (None, 6, {"name": "Omega Trading", "country": "Peru", "address": "Lima", "notes": ""}),
    ],
    "duplicate_blank_headers.csv": [
        (None, 2, {"name": "Alpha Seafood | Alpha Seafood Co Ltd", "country": "China | CN"}),
        (None, 3, {"name": "Beta", "country": "Chile"}),
    ],
    "merged_header.xlsx": [
        (
            "Vendors",
            5,
            {
                "name": "Alpha Seafood Co",
                "country": "China",
                "address": "Hunchun",
                "description": "Frozen pollock fillets",
            },
        ),
        (
            "Vendors",
            6,
            {
                "name": "Beta Textiles",
                "country": "Vietnam",
                "address": "Hanoi",
                "description": "Knitted garments",
            },
        ),
    ],
    "formulas.xlsx": [
        ("Vendors", 2, {"name": "Alpha Seafood", "country": "China", "notes": "click me"}),
        ("Vendors", 3, {"name": "Beta Trading", "country": "Chile", "notes": "5"}),
    ],
    "dates_numbers.xlsx": [
        (
            "Vendors",
            2,
            {"id": "1001", "name": "Alpha Seafood", "country": "China", "hs_code": "304.87", "notes": ""},
        ),
        (
            "Vendors",
            3,
            {"id": "1002", "name": "2024-03-01", "country": "86", "hs_code": "160414", "notes": "TRUE"},
        ),
        (
            "Vendors",
            4,
            {
                "id": "1003",
                "name": "12345.5",
                "country": "Chile",
                "hs_code": "",
                "notes": "2024-03-01 14:30:00",
            },
        ),
    ],
    "old_excel.xls": [
        (
            "Vendors",
            2,
            {
                "name": "Alpha Seafood Co",
                "country": "China",
                "address": "Hunchun, Jilin",
                "description": "Frozen fish",
            },
        ),
        (
            "Vendors",
            3,
            {"name": "Beta Textiles", "country": "Vietnam", "address": "Hanoi", "description": "Garments"},
        ),
        (
            "Vendors",
            4,
            {"name": "丹东服装厂", "country": "中国", "address": "辽宁省丹东市", "description": "服装"},
        ),
        ("Vendors", 5, {"name": "Gamma Timber", "country": "Russia", "address": "", "description": "4403"}),
    ],
    "mixed_encoding.csv": [
        (None, 2, {"name": "Überseefisch GmbH", "country": "Germany", "address": "Bremerhaven"}),
        (None, 3, {"name": "Café Export SARL", "country": "France", "address": "Boulogne-sur-Mer"}),
        (None, 4, {"name": "珲春海洋水产有限公司", "country": "中国", "address": "珲春市"}),
        (None, 5, {"name": "Müller Fischhandel GmbH", "country": "Deutschland", "address": "Köln"}),
        (None, 6, {"name": "Ørsted Fisk AS", "country": "Norway", "address": "Ålesund"}),
    ],
    "utf16_no_bom.csv": [
        (None, 2, {"name": "珲春海洋水产", "country": "中国"}),
        (None, 3, {"name": "Alpha", "country": "Chile"}),
    ],
    "nul_byte.csv": [
        (None, 2, {"name": "Alpha Seafood", "country": "China"}),
        (None, 3, {"name": "Beta", "country": "Chile"}),
    ],
    "hostile_text.xlsx": [
        (
            "../../escape",
            2,
            {
                "name": "<script>alert(1)</script>",
                "country": "China",
                "notes": '<img src=x onerror="alert(2)">',
            },
        ),
        (
            "../../escape",
            3,
            {"name": '=HYPERLINK("http://evil.invalid","click")', "country": "Chile", "notes": "+1-2"},
        ),
        ("../../escape", 4, {"name": "@SUM(A1)", "country": "Peru", "notes": "-3"}),
        ("../../escape", 5, {"name": "Tabbed Ltd", "country": "Peru", "notes": "carriage"}),
        ("..\\..\\new?line?[31m", 2, {"name": "Delta"}),
    ],
}

# issue 13: text that displays (or reads) otherwise than it is written, and a header row shorter than its rows
READ["evasion_names.csv"] = [
    (None, row, {"name": name, "country": "China", "notes": notes})
    for row, (name, notes) in enumerate(generate.EVASION_ROWS, start=2)
]
READ["short_header.csv"] = [
    (None, 2, {"name": "Alpha Seafood Co", "country": "Chile", "notes": "North Korean workers on site"}),
    (None, 3, {"name": "Beta Trading", "country": "Peru", "notes": "family-owned since 1990"}),
    (None, 4, {"name": "Gamma Fish", "country": "Norway", "notes": "ISO 22000 certified"}),
]

# file -> the notes printed for it (after "  note: ")
NOTES = {
    "header_only.csv": ["{path}: header only (row 1), no data rows"],
    "mixed_encoding.csv": [
        "{path}: lines 3, 5 are not UTF-8 like the rest of the file; read as cp1252: check those rows"
    ],
}


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


_RULES: dict[tuple[str, ...] | None, Any] = {}


@pytest.fixture(autouse=True)
def _rules_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each screening loads the real bundled rules; here once per layer list rather than per run (0.3 s)."""
    real = screener.load_rules

    def once(dirs: Any = None) -> Any:
        key = None if dirs is None else tuple(str(d) for d in dirs)
        if key not in _RULES:
            _RULES[key] = real(dirs)
        return _RULES[key]

    monkeypatch.setattr(screener, "load_rules", once)


def _screen(runner: CliRunner, path: Path, out: Path, *args: str) -> Any:
    return runner.invoke(cli, ["screen", str(path), "--out", str(out), *args])


def test_the_corpus_is_what_generate_writes(tmp_path: Path) -> None:
    written = generate.write_corpus(tmp_path)
    committed = {p.name for p in CORPUS.iterdir()}
    assert {p.name for p in written} <= committed
    assert committed == set(generate.CASES) | set(generate.BOOKS) | set(generate.OPTIONAL)
    for path in written:
        assert path.read_bytes() == (CORPUS / path.name).read_bytes(), path.name
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 1_000_000
    assert set(REFUSED) | set(READ) == committed


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_with_one_line(runner: CliRunner, tmp_path: Path, name: str) -> None:
    path = CORPUS / name
    out = tmp_path / "out"
    result = _screen(runner, path, out)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {path}: {REFUSED[name]}\n"
    assert "Traceback" not in result.output
    assert not out.exists()
    with pytest.raises(InputError) as info:  # library callers get the same, typed
        read_input(path)
    assert str(info.value) == f"{path}: {REFUSED[name]}"


def test_debug_shows_the_traceback_instead(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["--debug", "screen", str(CORPUS / "sparse_bomb.xlsx"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)


def _rows(out: Path) -> list[tuple[str | None, int, dict[str, str]]]:
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    return [(s["source"]["sheet"], s["source"]["row"], s["fields"]) for s in data["suppliers"]]


def _csv_rows(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "results.csv").read_text(encoding="utf-8-sig"))))


def _xlsx_rows(out: Path) -> list[dict[str, Any]]:
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    rows = []
    for ws in book.worksheets[1:-1]:  # between the Summary and the Columns sheet
        values = list(ws.iter_rows(values_only=True))
        rows += [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    return rows


@pytest.mark.parametrize("name", sorted(READ))
def test_readable_files_keep_every_row(runner: CliRunner, tmp_path: Path, name: str) -> None:
    path = CORPUS / name
    out = tmp_path / "out"
    result = _screen(runner, path, out, "--format", ALL_FORMATS)
    assert result.exit_code == 0, result.output
    assert _rows(out) == READ[name]
    expected_sources = [(sheet or "", row) for sheet, row, _ in READ[name]]
    assert [(r["Sheet"], int(r["Row"])) for r in _csv_rows(out)] == [
        (neutralise(s), n) for s, n in expected_sources
    ]
    assert [(r["Sheet"] or "", r["Row"]) for r in _xlsx_rows(out)] == [
        (neutralise(s), n) for s, n in expected_sources
    ]
    notes = [
        line.removeprefix("  note: ") for line in result.stdout.splitlines() if line.startswith("  note: ")
    ]
    assert notes == [note.format(path=path) for note in NOTES.get(name, [])]


def test_rows_without_a_name_carry_the_reason_everywhere(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _screen(runner, CORPUS / "no_name_rows.csv", out, "--format", ALL_FORMATS).exit_code == 0
    assert [r["Note"] for r in _csv_rows(out)] == ["", NO_NAME_NOTE, NO_NAME_NOTE, ""]
    assert [r["Note"] for r in _xlsx_rows(out)] == [None, NO_NAME_NOTE, NO_NAME_NOTE, None]
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    dprk = data["suppliers"][1]
    assert "name" not in dprk["fields"] and dprk["tier"] == "high"  # screened on the other fields
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("(no supplier name: screened on the other fields only)") == 3  # top table, card, list


def test_hostile_text_is_inert_in_every_output(runner: CliRunner, tmp_path: Path) -> None:
    before = set(tmp_path.rglob("*"))
    out = tmp_path / "deep" / "out"
    assert _screen(runner, CORPUS / "hostile_text.xlsx", out, "--format", ALL_FORMATS).exit_code == 0
    created = set(tmp_path.rglob("*")) - before
    assert created == {tmp_path / "deep", out, *(out / n for n in report.FILENAMES.values())}
    parsed = HtmlParts((out / "report.html").read_text(encoding="utf-8"))
    assert not {"script", "img", "iframe", "object", "embed"} & set(parsed.tags)
    assert parsed.tags.count("svg") == 1  # the tier chart only
    assert not [a for a in parsed.attrs if a.startswith("on")]
    text = "".join(parsed.text)
    assert "<script>alert(1)</script>" in text and 'onerror="alert(2)"' in text
    for cells in (
        [v for r in _xlsx_rows(out) for v in r.values()],
        [v for r in _csv_rows(out) for v in r.values()],
    ):
        texts = [v for v in cells if isinstance(v, str)]
        assert not [v for v in texts if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
        assert {'\'=HYPERLINK("http://evil.invalid","click")', "'+1-2", "'@SUM(A1)", "'-3"} <= set(texts)
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", ".. .. escape", ".. .. new line  31m", "Columns"]  # never paths


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_formula_starts_are_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text


# file -> {row: (tier, presumption, {rule: the text its hit quotes})} in results.json (tests/bad_inputs/README.md)
DANDONG = ("high", False, {"place.dandong": "Dandong", "sector.seafood_processing": "Seafood"})
FINDINGS: dict[str, dict[int, tuple[str, bool, dict[str, str]]]] = {
    "evasion_names.csv": {
        **dict.fromkeys(range(2, 9), DANDONG),
        9: ("high", True, {"nexus.dprk_workers": "About 40 North Korean workers in the plant"}),
        10: ("clear", False, {"country.china": "China"}),
    },
    "short_header.csv": {
        2: ("high", True, {"nexus.dprk_workers": "North Korean workers on site"}),
        3: ("clear", False, {}),
        4: ("clear", False, {}),
    },
}
# file -> {column: (header, use, reason)} of its column account in results.json
ACCOUNTS = {
    "short_header.csv": {
        "A": ("Supplier", "name", "synonym"),
        "B": ("Country", "country", "synonym"),
        "C": ("Column C", "text", "unnamed: free text (1 of 3 sampled cells have 3+ words)"),
        "D": ("Column D", "not screened", "unnamed: empty"),
        "HS": ("Column HS", "not screened", "unnamed: numbers (3 of 3 sampled cells)"),
        "ID": ("Column ID", "not screened", "unnamed: codes (3 of 3 sampled cells)"),
    },
}


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_text_is_screened_as_it_reads_and_shown_as_it_is(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    """Each row is screened as a reader sees it (an override read as it displays, invisible characters
    removed, letters written one by one joined) and report.html shows what the file holds, its invisible
    characters as ⟨U+…⟩; columns the header row leaves unnamed are never mapped by their made-up labels."""
    out = tmp_path / "out"
    result = _screen(runner, CORPUS / name, out, "--format", "json,html")
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    found = {
        s["source"]["row"]: (s["tier"], s["presumption"], {h["rule"]: h["text"] for h in s["hits"]})
        for s in data["suppliers"]
    }
    for row, (tier, presumption, hits) in FINDINGS[name].items():
        assert found[row][:2] == (tier, presumption), row
        assert hits.items() <= found[row][2].items(), row
    columns = data["run"]["inputs"][0]["sheets"][0]["columns"]
    account = {c["column"]: (c["header"], c["use"], c["reason"]) for c in columns}
    assert ACCOUNTS.get(name, {}).items() <= account.items()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not {"\u202e", "\u202c", "\u200b", "\u00ad"} & set(html)
    assert not {"\u202e", "\u202c", "\u200b", "\u00ad"} & set(result.output)


# --- the huge cases, made at test time ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate.write_huge(tmp_path_factory.mktemp("huge"))


def test_a_million_formatted_empty_rows(huge: dict[str, Path]) -> None:
    started = time.perf_counter()
    result = read_input(huge["formatted_rows_1m.xlsx"])
    assert time.perf_counter() - started < 20
    [sheet] = result.sheets
    assert sheet.row_numbers == [2, 3]
    assert sheet.blank_rows == 0  # trailing formatted rows are not part of the table


@pytest.mark.parametrize("name", ["columns_16000.xlsx", "columns_16000.csv"])
def test_sixteen_thousand_columns(
    runner: CliRunner, tmp_path: Path, huge: dict[str, Path], name: str
) -> None:
    out = tmp_path / "out"
    started = time.perf_counter()
    result = _screen(runner, huge[name], out, "--format", "json,xlsx")
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 30
    rows = _rows(out)
    assert [(r[1], r[2]["name"]) for r in rows] == [(n, f"Supplier {n - 1}") for n in range(2, 7)]
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    ws = book.worksheets[1]
    assert ws.max_column == 16_000 + len(SOURCE_COLUMNS) + len(VERDICT_COLUMNS) and ws.max_row == 6


@pytest.mark.parametrize("name", ["long_cells_1mb.csv", "long_cells_1mb.xlsx"])
def test_one_megabyte_cells(runner: CliRunner, tmp_path: Path, huge: dict[str, Path], name: str) -> None:
    out = tmp_path / "out"
    result = _screen(runner, huge[name], out, "--format", ALL_FORMATS)
    assert result.exit_code == 0, result.output
    text = generate.long_text()
    rows = _rows(out)
    assert [r[1] for r in rows] == [2, 3]
    assert rows[0][2]["notes"] == text and rows[1][2]["name"] == text  # kept whole
    assert _csv_rows(out)[0]["notes"] == text
    assert text in (out / "report.html").read_text(encoding="utf-8")
    xlsx = _xlsx_rows(out)
    cut = xlsx[0]["Notes"]
    assert len(cut) == XLSX_MAX_CELL_CHARS and cut.startswith(text[:1000])
    assert cut.endswith(
        "… [cut at Excel's 32,767-character cell limit; 1,000,000 characters in all, see results.json]"
    )
    assert xlsx[0]["Note"] == "'Notes' cut at Excel's cell limit (1,000,000 characters)"
    assert xlsx[1]["Note"] == "'Supplier' cut at Excel's cell limit (1,000,000 characters)"
    summary = dict(
        openpyxl.load_workbook(out / "results.xlsx", read_only=True)["Summary"].iter_rows(values_only=True)
    )
    assert summary["Cells cut"].startswith("2 cell(s) longer than Excel's 32,767-character limit")


def test_a_real_zip_bomb_is_refused_from_its_directory(
    runner: CliRunner, tmp_path: Path, huge: dict[str, Path]
) -> None:
    path = huge["zip_bomb_1gb.xlsx"]
    assert path.stat().st_size < 2_000_000
    started = time.perf_counter()
    result = _screen(runner, path, tmp_path / "out")
    assert time.perf_counter() - started < 5
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}: refused: it would unpack to 1.1 GB, over the 1.0 GB limit (a zip bomb, or a workbook "
        "too big to screen at once) — split it into smaller workbooks or export each sheet as CSV\n"
    )


# file made at test time -> (settings, what follows "Error: <path>"): lines and cells are refused as soon as
# they pass the limit, whether the file is read whole (html, xlsx) or streamed (json, csv)
REFUSED_HUGE = {
    "long_line_2mb.csv": (
        {"SUPPLYSCREEN_MAX_LINE_MB": "1"},  # the 500 MB line of issue 13, at a limit 16 times lower
        ": refused: line 202 is longer than 1 MB (a CSV line is a row of cells, far shorter) — check that this "
        "is a CSV export; the limit is SUPPLYSCREEN_MAX_LINE_MB",
    ),
    "long_cells_20mb.csv": (
        {},
        ": refused: line 2 is longer than 16 MB (a CSV line is a row of cells, far shorter) — check that this "
        "is a CSV export; the limit is SUPPLYSCREEN_MAX_LINE_MB",
    ),
    "long_cells_3mb.csv": (
        {},
        ": refused: line 2 has a cell of more than 2,000,000 characters — shorten that cell or split its text "
        "over several cells; the limit is SUPPLYSCREEN_MAX_CELL_CHARS",
    ),
    "long_cells_3mb.xlsx": (
        {},
        " [sheet 'Suppliers']: refused: row 2 has a cell of more than 2,000,000 characters — shorten that cell "
        "or split its text over several cells; the limit is SUPPLYSCREEN_MAX_CELL_CHARS",
    ),
}


@pytest.mark.parametrize("formats", ["html,json,xlsx", "json,csv"])
@pytest.mark.parametrize("name", sorted(REFUSED_HUGE))
def test_long_lines_and_cells_are_refused_early(
    runner: CliRunner,
    tmp_path: Path,
    huge: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    formats: str,
) -> None:
    environment, line = REFUSED_HUGE[name]
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    path = huge[name]
    result = _screen(runner, path, tmp_path / "out", "--format", formats)
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {path}{line}\n"


# --- where and how reports are written ---------------------------------------------------------------------

GOOD = CORPUS / "no_name_rows.csv"


def test_out_is_a_file(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("mine", encoding="utf-8")
    result = _screen(runner, GOOD, target)
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: --out {target} is a file, not a directory — choose a directory for the reports\n"
    )
    assert target.read_text(encoding="utf-8") == "mine"


def test_out_under_a_file(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    out = tmp_path / "file" / "out"
    result = _screen(runner, GOOD, out)
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: cannot create {out}: Not a directory — choose a writable --out directory\n"
    )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_out_not_writable(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = _screen(runner, GOOD, out, "--format", "json")
    finally:
        out.chmod(0o700)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {out / 'results.json'}: Permission denied — check the disk and permissions\n"
    )


def test_a_symlink_in_out_is_never_written_through(runner: CliRunner, tmp_path: Path) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").symlink_to(outside)
    refused = _screen(runner, GOOD, out, "--format", "html")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"Error: {out / 'report.html'} already exists — pass --force to overwrite, or choose another --out\n"
    )
    forced = _screen(runner, GOOD, out, "--format", "html", "--force")
    assert forced.exit_code == 0, forced.output
    assert not (out / "report.html").is_symlink()
    assert outside.read_text(encoding="utf-8") == "precious"


def _interrupt_xlsx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the XLSX writer stop half-way, as Ctrl-C would: it has written bytes when the signal arrives."""
    real: Callable[[Any, IO[bytes]], None] = report.write_xlsx

    def half_then_interrupt(result: Any, handle: IO[bytes]) -> None:
        buffer = io.BytesIO()
        real(result, buffer)
        handle.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_xlsx", half_then_interrupt)


def test_an_interrupted_run_leaves_no_report(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _interrupt_xlsx(monkeypatch)
    out = tmp_path / "out"
    result = _screen(runner, GOOD, out, "--format", "html,json,xlsx,csv")
    assert result.exit_code == 130
    assert result.stderr == "Error: interrupted; no report was left half-written\n"
    assert list(out.iterdir()) == []  # html and json were complete, but nothing was renamed into place


def test_an_interrupted_rerun_keeps_the_old_reports(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert _screen(runner, GOOD, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _interrupt_xlsx(monkeypatch)
    assert _screen(runner, GOOD, out, "--force").exit_code == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no .part file, nothing half-replaced


def test_rows_past_excels_row_limit_continue_on_another_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplyscreen.pipeline.screen import screen
    from supplyscreen.report import tables

    src = tmp_path / "in.csv"
    src.write_text("Supplier\n" + "".join(f"S{i}\n" for i in range(7)), encoding="utf-8")
    monkeypatch.setattr(tables, "XLSX_MAX_ROWS", 4)  # 3 data rows a sheet
    report.write_reports(screen([src]), tmp_path / "out", ["xlsx"])
    book = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "in", "in (2)", "in (3)", "Columns"]
    rows = [r[2] for ws in book.worksheets[1:-1] for r in list(ws.iter_rows(values_only=True))[1:]]
    assert rows == list(range(2, 9))
    limits = [v for k, v in book["Summary"].iter_rows(values_only=True) if k == "Excel limit"]
    assert limits == [
        f"{src}: rows from 5 continue on a further sheet (Excel's 4-row limit)",
        f"{src}: rows from 8 continue on a further sheet (Excel's 4-row limit)",
    ]


# --- web requests (README: "Web requests"): 4xx with one line, never a 500 --------------------------------

DEEP = "[" * 100_000
ROWS = [("files", ("a.csv", b"Supplier,Country\nAcme Trading,Chile\n", "text/csv"))]
JSON = {"content-type": "application/json"}
NOT_VALID = "the request is not valid: {} — see the problems listed"
MAPPING_HINT = 'e.g. {"name": "Vendor Name"}'
API_HINT = "send JSON as the API describes it at /api"
# case -> (method, URL ({done}: a screened run, {mapping}: one waiting for its columns), request, status, line)
WEB_REFUSED: dict[str, tuple[str, str, dict[str, Any], int, str]] = {
    "Origin: null": (
        "POST",
        "/api/v1/runs",
        {"files": ROWS, "headers": {"Origin": "null"}},
        403,
        "requests from a page that hides its origin (Origin: null, e.g. a sandboxed frame) are refused — "
        "call the API from a server or script, not from a page on another site",
    ),
    "supplier position 2^63 (API)": (
        "GET",
        "/api/v1/runs/{done}/suppliers/9223372036854775808",
        {},
        422,
        NOT_VALID.format("path.position: Input should be less than or equal to 2147483647"),
    ),
    "supplier position 2^63 (page)": (
        "GET",
        "/runs/{done}/suppliers/9223372036854775808",
        {},
        422,
        NOT_VALID.format("path.position: Input should be less than or equal to 2147483647"),
    ),
    "mapping of 100,000 '[' (API)": (
        "POST",
        "/api/v1/runs",
        {"files": ROWS, "data": {"mapping": DEEP}},
        400,
        f"mapping nests arrays and objects more than 2 deep — {MAPPING_HINT}",
    ),
    "mapping of 100,000 '[' (page)": (
        "POST",
        "/runs",
        {"files": ROWS, "data": {"mapping": DEEP, "csrf_token": "{csrf}"}},
        400,
        f"mapping nests arrays and objects more than 2 deep — {MAPPING_HINT}",
    ),
    "mapping of 5,000 digits": (
        "POST",
        "/api/v1/runs",
        {"files": ROWS, "data": {"mapping": "1" * 5000}},
        400,
        "mapping cannot be read as JSON: Exceeds the limit (4300 digits) for integer string conversion: value "
        f"has 5000 digits — {MAPPING_HINT}",
    ),
    "JSON body with a number of 5,000 digits": (
        "POST",
        "/api/v1/screen",
        {"content": '{"supplier": {"name": ' + "1" * 5000 + "}}", "headers": JSON},
        400,
        "the JSON body cannot be read as JSON: Exceeds the limit (4300 digits) for integer string conversion: "
        f"value has 5000 digits — {API_HINT}",
    ),
    "JSON body not UTF-8": (
        "POST",
        "/api/v1/screen",
        {"content": b'{"supplier": {"name": "\xff"}}', "headers": JSON},
        400,
        "the JSON body cannot be read as JSON: 'utf-8' codec can't decode byte 0xff in position 23: invalid "
        f"start byte — {API_HINT}",
    ),
    "JSON body of 100,000 '[' (corrections)": (
        "POST",
        "/api/v1/runs/{mapping}/screen",
        {"content": '{"mapping": ' + DEEP, "headers": JSON},
        400,
        f"the JSON body nests arrays and objects more than 32 deep — {API_HINT}",
    ),
    "JSON body of 100,000 '[' (one supplier)": (
        "POST",
        "/api/v1/screen",
        {"content": DEEP, "headers": JSON},
        400,
        f"the JSON body nests arrays and objects more than 32 deep — {API_HINT}",
    ),
    "sheet_mapping key '²'": (
        "POST",
        "/api/v1/runs/{mapping}/screen",
        {"json": {"sheet_mapping": {"²": {"Sheet1": {"name": "Supplier"}}}}},
        422,
        NOT_VALID.format("body.sheet_mapping.².[key]: String should match pattern '^[0-9]{1,6}$'"),
    ),
    "file_mapping key '²'": (
        "POST",
        "/api/v1/runs/{mapping}/screen",
        {"json": {"file_mapping": {"²": {"name": "Supplier"}}}},
        422,
        NOT_VALID.format("body.file_mapping.².[key]: String should match pattern '^[0-9]{1,6}$'"),
    ),
    "JSON body over 1 MB": (
        "POST",
        "/api/v1/screen",
        {"json": {"supplier": {"name": "x" * 1_100_000}}},
        413,
        "the JSON body is larger than the 1,024 KB limit — send the supplier's fields or the column corrections "
        "only, or start the app with a larger --max-json-kb",
    ),
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A web app, and what the cases' URLs name: a screened run, a run waiting for its columns, the pages'
    CSRF token."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}"
    with TestClient(create_app(Settings(db=url), Store(url)), base_url="http://127.0.0.1") as client:
        done = client.post("/api/v1/runs", params={"wait": 60}, files=ROWS).json()
        mapping = client.post("/api/v1/runs", data={"screen": "false"}, files=ROWS).json()
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
        assert done["status"] == "done" and mapping["status"] == "mapping" and csrf
        yield client, {"done": done["id"], "mapping": mapping["id"], "csrf": csrf.group(1)}


@pytest.mark.parametrize("case", sorted(WEB_REFUSED))
def test_hostile_web_requests_get_one_line(web: tuple[TestClient, dict[str, str]], case: str) -> None:
    client, names = web
    method, url, request, status, line = WEB_REFUSED[case]
    if "data" in request:  # the pages' CSRF token
        request = {
            **request,
            "data": {k: names["csrf"] if v == "{csrf}" else v for k, v in request["data"].items()},
        }
    response = client.request(method, url.format(**names), **request)
    assert response.status_code == status, response.text
    assert error_line(response) == line


# --- hostile rule files (rules check, screen --rules, rule uploads), made at test time -----------------------

# file -> the one line `rules check FILE` prints after "Error: FILE", refused before any of it is expanded
RULES_REFUSED = {
    "alias_bomb.yaml": ":5: refused: its aliases (*name) repeat more than 10,000 values (an alias bomb; limit "
    "SUPPLYSCREEN_RULES_MAX_ALIAS_NODES) — write the repeated parts out",
    "alias_bomb_terms.yaml": ":10: refused: its aliases (*name) repeat more than 10,000 values (an alias bomb; "
    "limit SUPPLYSCREEN_RULES_MAX_ALIAS_NODES) — write the repeated parts out",
    "deep_nesting.yaml": ":1: refused: nested more than 20 levels deep (limit SUPPLYSCREEN_RULES_MAX_DEPTH) — "
    "a rule file needs about 7: check its brackets and indentation",
    "oversized.yaml": ": refused: the file is 2.4 MB, over the 2 MB limit for a rule file "
    "(SUPPLYSCREEN_RULES_MAX_MB) — split it into several files",
}
# file -> the one problem `rules check FILE` lists (after "FILE") under "Error: 1 problem(s) in the rule files"
RULES_PROBLEM = {
    "big_number.yaml": ":1: not valid YAML (cannot read '999999999999999999999999999999…': Exceeds the limit "
    "(4300 digits) for integer string conversion: value has 5000 digits) — check indentation",
    "lookbehind_pattern.yaml": ":2: acme.lookbehind: indicators.patterns: Value error, pattern "
    "'(?<!non-)dprk' uses a lookbehind (?<=…) or (?<!…), which RE2 cannot run: list the phrases that must not "
    "count under 'exclude:' instead",
}


@pytest.fixture(scope="module")
def rule_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate.write_rules(tmp_path_factory.mktemp("rules"))


def test_every_rule_file_case_is_checked() -> None:
    assert {*RULES_REFUSED, *RULES_PROBLEM, "catastrophic_pattern.yaml"} == set(generate.RULE_FILES)


@pytest.mark.parametrize("name", sorted(RULES_REFUSED))
def test_hostile_rule_files_are_refused_at_once(
    runner: CliRunner, rule_files: dict[str, Path], name: str
) -> None:
    path = rule_files[name]
    started = time.perf_counter()
    with pytest.raises(RulesError) as info:
        load_rules(layered([path]))
    assert time.perf_counter() - started < 1  # before the bundled rules are read
    assert str(info.value) == f"{path}{RULES_REFUSED[name]}"
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {path}{RULES_REFUSED[name]}\n"


@pytest.mark.parametrize("name", sorted(RULES_PROBLEM))
def test_rule_files_rules_cannot_read_are_one_problem(
    runner: CliRunner, rule_files: dict[str, Path], name: str
) -> None:
    path = rule_files[name]
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: 1 problem(s) in the rule files\n  {path}{RULES_PROBLEM[name]}\n"


def test_a_catastrophic_pattern_runs_in_linear_time(
    runner: CliRunner, rule_files: dict[str, Path], tmp_path: Path
) -> None:
    path = rule_files["catastrophic_pattern.yaml"]
    assert runner.invoke(cli, ["rules", "check", str(path)]).exit_code == 0  # RE2 runs it: nothing to refuse
    rows = tmp_path / "rows.csv"
    rows.write_bytes(generate.redos_rows())
    with Screener.build(layered([path])) as engine:
        started = time.perf_counter()
        result = engine.screen([read_input(rows)])
        assert time.perf_counter() - started < 2  # a backtracking engine: 36 s for the 31 characters
    fired = {s.name: [h.rule for h in s.verdict.hits] for s in result.suppliers}
    assert fired == {"Short": [], "Long": [], "Hit": ["acme.redos"]}


def test_hostile_rule_uploads_get_a_400_with_the_line(rule_files: dict[str, Path]) -> None:
    url = f"sqlite:///{rule_files['alias_bomb.yaml'].parent / 'web.db'}"
    with TestClient(create_app(Settings(db=url), Store(url)), base_url="http://127.0.0.1") as client:
        for name, line in {**RULES_REFUSED, **RULES_PROBLEM}.items():
            started = time.perf_counter()
            response = client.post(
                "/api/v1/runs",
                files=[
                    ("files", ("a.csv", b"Supplier\nAcme\n", "text/csv")),
                    ("rules", (name, rule_files[name].read_bytes(), "text/yaml")),
                ],
            )
            assert response.status_code == 400, name
            assert time.perf_counter() - started < (1 if name in RULES_REFUSED else 30), name
            error = response.json()["error"]
            assert error["type"] == "RulesError"
            said = [f"{error['message']} — {error['hint']}"] if name in RULES_REFUSED else error["problems"]
            assert said == [f"{name}{line}"]
        ok = client.post(
            "/api/v1/runs",
            params={"wait": 30},
            files=[
                ("files", ("rows.csv", generate.redos_rows(), "text/csv")),
                ("rules", ("redos.yaml", rule_files["catastrophic_pattern.yaml"].read_bytes(), "text/yaml")),
            ],
        ).json()
        assert ok["status"] == "done", ok
        hits = {
            s["fields"]["name"]: [h["rule"] for h in s["hits"]]
            for s in client.get(ok["links"]["suppliers"]).json()
        }
        assert hits == {"Short": [], "Long": [], "Hit": ["acme.redos"]}


# A far cell written unlike Excel writes it: the used-range guard sees it however it is spelt.
FAR_CELLS = [
    "<c r='XFD1048576' t='inlineStr'><is><t>far</t></is></c>",  # other quotes
    '<c r="xfd1048576" t="inlineStr"><is><t>far</t></is></c>',  # lower case
    '<c r = "XFD1048576" t="inlineStr"><is><t>far</t></is></c>',  # spaces around =
    '<c\tr="XFD1048576" t="inlineStr"><is><t>far</t></is></c>',  # a tab before the attribute
    '<c t="inlineStr" r="XFD1048576"><is><t>far</t></is></c>',  # the reference last
    '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="XFD1048576" t="inlineStr">'
    "<x:is><x:t>far</x:t></x:is></x:c>",  # a prefix
]


@pytest.mark.parametrize("far", FAR_CELLS)
def test_a_far_cell_is_seen_however_it_is_spelt(tmp_path: Path, far: str) -> None:
    body = generate.row(1, "Supplier") + generate.row(2, "Alpha") + f'<row r="1048576">{far}</row>'
    path = tmp_path / "far.xlsx"
    path.write_bytes(generate.zip_bytes(generate.xlsx_members([("S", generate.sheet_xml(body))])))
    with pytest.raises(InputError) as info:
        read_input(path)
    assert str(info.value).startswith(
        f"{path}: refused: 'xl/worksheets/sheet1.xml' has a value in cell XFD1048576, so its used range is "
    ), str(info.value)
