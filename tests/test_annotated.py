"""``--format annotated``: the user's own workbook given back with the verdict columns added right of the
data — every sheet, formatting and formula kept — and CSV inputs as a new workbook of their cells."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.styles import Font, PatternFill

from supplyscreen.cli import cli
from supplyscreen.errors import OutputError
from supplyscreen.pipeline import screen as api
from supplyscreen.report import check_out_dir, write_reports
from supplyscreen.report.annotated import ADDED, LEGEND_SHEET, _put_text, annotated_names
from supplyscreen.report.tables import neutralise

from .conftest import ROOT, SAMPLES

FORMULA_TEXT = '=HYPERLINK("http://evil.invalid","click")'


def _workbook(path: Path) -> Path:
    """A vendor master as people keep one: a merged title, the header on row 3, formulas, fills, number
    formats, a frozen pane and a filter; a second sheet to screen; a third of rates that is not screened."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Vendors"
    ws["A1"] = "ACME vendor master (export 2026-10-01)"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(["Vendor #", "Vendor Name", "Country", "Workforce Notes", "Unit price", "Price incl. tax"])
    rows = [
        [1001, "Brennerwerk Präzisionsteile GmbH", "Germany", "", 12.5],
        [1002, "Hunchun Haifeng Aquatic Products Co., Ltd.", "China", "About 40 North Korean workers", 3.2],
        [1003, "Fortuna Foods S.p.A.", "Italy", "", 7],
        [1004, "Korea Sobaeksu Trading Company", "DPRK", "construction brigades", 1000],
    ]
    for values in rows:
        ws.append(values)
        r = ws.max_row
        ws.cell(row=r, column=6, value=f"=E{r}*1.2")
        ws.cell(row=r, column=5).number_format = "#,##0.00"
    ws.append([])  # row 8, blank
    ws.append([1005, "Golden Bridge Manpower Ltd", "", "", 2])  # row 9
    ws["F9"] = "=E9*1.2"
    ws["D9"].value = "=1+2 is what the buyer wrote"  # text that looks like a formula, kept as text
    ws["D9"].data_type = "s"
    ws["B5"].fill = PatternFill("solid", start_color="FFFF00", end_color="FFFF00")
    ws["A10"] = "Total"
    ws["E10"] = "=SUM(E4:E9)"
    ws.freeze_panes = "A4"
    ws.auto_filter.ref = "A3:F9"
    ws.column_dimensions["B"].width = 44
    second = wb.create_sheet("New Suppliers 2026")
    second.append(["编号", "供应商名称", "国家", "备注"])
    second.append([260001, "珲春市鑫源水产品有限公司", "中国", "车间有朝鲜工人约40名"])
    second.append([260002, "义乌市星辰饰品有限公司", "中国", None])
    rates = wb.create_sheet("Rates")
    rates.append(["Currency", "Rate"])
    rates.append(["EUR", 1.08])
    rates["C2"] = "=Vendors!E4*B2"
    wb.save(path)
    return path


def _run(args: list[str]) -> Any:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result


def _added_columns(ws: Any, header_row: int) -> int:
    """The first added column: where 'supplyscreen score' is on the header row."""
    for cell in ws[header_row]:
        if cell.value == ADDED[0]:
            return int(cell.column)
    raise AssertionError(f"no added columns on row {header_row} of {ws.title}")


def _check_rows(book: Any, suppliers: list[dict[str, Any]], headers: dict[str, int]) -> int:
    """Every supplier of results.json has its verdict at its row of the annotated sheet."""
    firsts = {sheet: _added_columns(book[sheet], row) for sheet, row in headers.items()}
    for s in suppliers:
        sheet, row = s["source"]["sheet"] or next(iter(headers)), s["source"]["row"]
        ws, first = book[sheet], firsts[sheet]
        values = [ws.cell(row=row, column=first + k).value for k in range(len(ADDED))]
        assert values[:4] == [s["score"], s["tier"], s["presumption"], s["track"]], (sheet, row)
        reasons = values[4]
        if s["hits"]:
            assert reasons is not None and ws.cell(row=row, column=first + 4).data_type == "s"
            assert not reasons.startswith(("=", "+", "-", "@"))
            for hit in s["hits"]:
                assert hit["indicator"] in reasons
        else:
            assert reasons is None
    return len(suppliers)


def test_workbook_kept_with_columns_added(tmp_path: Path) -> None:
    src = _workbook(tmp_path / "master.xlsx")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "out"
    result = _run(["screen", str(src), "--format", "annotated,json", "--out", str(out)])
    annotated = out / "master.annotated.xlsx"
    assert f"Wrote {annotated}" in result.output
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # the original is never touched
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(annotated)
    assert book.sheetnames == ["Vendors", "New Suppliers 2026", "Rates", LEGEND_SHEET]
    ws = book["Vendors"]
    # the user's formulas, formats, fills, merges, panes and widths are as they were
    assert ws["F4"].value == "=E4*1.2" and ws["F4"].data_type == "f"
    assert ws["E10"].value == "=SUM(E4:E9)"
    assert ws["E4"].number_format == "#,##0.00"
    assert ws["B5"].fill.fill_type == "solid" and ws["B5"].fill.start_color.rgb.endswith("FFFF00")
    assert ws["A1"].font.bold and ws["A1"].font.size == 14
    assert "A1:F1" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["B"].width == 44
    assert ws["D9"].value == "=1+2 is what the buyer wrote" and ws["D9"].data_type == "s"
    assert book["Rates"]["C2"].value == "=Vendors!E4*B2"
    assert [c.value for c in book["Rates"][1]] == ["Currency", "Rate", None]  # not screened: unchanged
    assert book.calculation.fullCalcOnLoad  # formulas recalculated on opening (openpyxl keeps no values)
    # the columns right of the data, titled on the header row the screening found, each with a comment
    assert [c.value for c in ws[3]][6:] == list(ADDED)
    assert ws["G3"].font.bold and "Added by supplyscreen" in ws["G3"].comment.text
    assert _added_columns(book["New Suppliers 2026"], 1) == 5
    # every screened row, its verdict; the autofilter takes in the added columns
    assert _check_rows(book, data["suppliers"], {"Vendors": 3, "New Suppliers 2026": 1}) == 8
    assert ws.auto_filter.ref == "A3:K9"
    hunchun = ws["G5"].value, ws["H5"].value, ws["I5"].value, ws["J5"].value
    assert hunchun == (100, "high", True, "presumption")
    assert ws["G5"].fill.start_color.rgb.endswith("F4B6B6")
    assert ws["G4"].fill.start_color.rgb.endswith("D9EAD3")  # clear
    assert ws["G8"].value is None  # the blank row is not screened
    # whole rows coloured by tier through conditional formatting; the cells' own fills stay
    rules = {str(cf.sqref): [r.formula[0] for r in cf.rules] for cf in ws.conditional_formatting}
    assert rules["A4:F10"] == ['$H4="high"', '$H4="medium"', '$H4="low"', '$H4="clear"']
    # the legend explains the columns and says what was screened where
    legend = [[c.value for c in row] for row in book[LEGEND_SHEET].iter_rows()]
    firsts = [row[0] for row in legend]
    assert set(ADDED) <= set(firsts)
    assert legend[firsts.index("Vendors")][:4] == ["Vendors", "3", "G–K", 6]
    assert legend[firsts.index("high")][:2] == ["high", "rows at tier high"]


def test_screening_the_copy_again_gives_the_same_verdicts(tmp_path: Path) -> None:
    """The added columns are named so that they are not screened: the copy reads as the original did."""
    out = tmp_path / "out"
    _run(["screen", str(SAMPLES / "vendors.xlsx"), "--format", "annotated,json", "--out", str(out)])
    again = tmp_path / "again"
    result = _run(["screen", str(out / "vendors.annotated.xlsx"), "--format", "json", "--out", str(again)])
    assert "(a verdict added by supplyscreen)" in result.output

    def verdicts(path: Path) -> list[tuple[Any, ...]]:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            (s["source"]["sheet"], s["source"]["row"], s["score"], s["tier"], s["track"])
            for s in data["suppliers"]
        ]

    assert verdicts(again / "results.json") == verdicts(out / "results.json")


def test_multi_sheet_samples(tmp_path: Path) -> None:
    out = tmp_path / "out"
    inputs = [str(SAMPLES / "vendors.xlsx"), str(SAMPLES / "seafood_shipments.xlsx")]
    _run(["screen", *inputs, "--format", "annotated,json", "--out", str(out)])
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    vendors = openpyxl.load_workbook(out / "vendors.annotated.xlsx")
    original = openpyxl.load_workbook(SAMPLES / "vendors.xlsx")
    assert vendors.sheetnames == [*original.sheetnames, LEGEND_SHEET]
    for ws in original.worksheets:  # every original cell, its value and number format, where it was
        copy = vendors[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                kept = copy[cell.coordinate]
                assert (kept.value, kept.number_format) == (cell.value, cell.number_format), cell.coordinate
    mine = [s for s in data["suppliers"] if s["source"]["file"].endswith("vendors.xlsx")]
    headers = {"Approved Vendors": 3, "New Suppliers 2026": 1, "Поставщики ДВ": 1}
    assert _check_rows(vendors, mine, headers) == 74
    shipments = openpyxl.load_workbook(out / "seafood_shipments.annotated.xlsx")
    theirs = [s for s in data["suppliers"] if s["source"]["file"].endswith("seafood_shipments.xlsx")]
    assert _check_rows(shipments, theirs, {"Shipments": 1}) == 26


def test_csv_becomes_a_workbook_of_its_cells(tmp_path: Path) -> None:
    src = tmp_path / "vendor list.csv"
    src.write_text(
        "Supplier,Country,Notes,HS Code\n"
        "Hunchun Haifeng Aquatic Products,China,About 40 North Korean workers,0304.75\n"
        "\n"
        f'"{FORMULA_TEXT.replace(chr(34), chr(34) * 2)}",Chile,+1-2,0303.42\n'
        "@SUM(A1),Peru,-3,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    _run(["screen", str(src), "--format", "annotated,json", "--out", str(out)])
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(out / "vendor list.annotated.xlsx")
    assert book.sheetnames == ["vendor list", LEGEND_SHEET]
    ws = book["vendor list"]
    assert [c.value for c in ws[1]] == ["Supplier", "Country", "Notes", "HS Code", *ADDED]
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert ws["D2"].value == "0304.75"  # cells as text: codes keep their zeros
    assert all(c.value is None for c in ws[3])  # the blank line stays where it was: row numbers match
    # supplier text that reads as a formula is neutralised: text, with an apostrophe in front
    assert ws["A4"].value == "'" + FORMULA_TEXT and ws["A4"].data_type == "s"
    assert (ws["C4"].value, ws["A5"].value, ws["C5"].value) == ("'+1-2", "'@SUM(A1)", "'-3")
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)
    assert [s["source"]["row"] for s in data["suppliers"]] == [2, 4, 5]
    assert _check_rows(book, data["suppliers"], {"vendor list": 1}) == 3
    legend = [row[0].value for row in book[LEGEND_SHEET].iter_rows()]
    assert "vendor list" in legend


def _formula_named_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(
        "indicators:\n"
        "  - id: acme.formula\n"
        f"    name: '{FORMULA_TEXT}'\n"
        "    category: entity\n"
        "    terms: [Golden Bridge Manpower]\n"
        "    points: 40\n"
        '    citations: [{source: acme.memo, summary: "Golden Bridge Manpower supplied crews"}]\n'
        "sources: [{id: acme.memo, kind: advisory, title: Supplier review memo, publisher: ACME}]\n",
        encoding="utf-8",
    )
    return rules


def test_reasons_that_read_as_a_formula_are_neutralised(tmp_path: Path) -> None:
    """The reasons start with the first finding's name; one that would read as a formula is made text."""
    src = _workbook(tmp_path / "master.xlsx")
    out = tmp_path / "out"
    rules = _formula_named_rules(tmp_path)
    _run(["screen", str(src), "--rules", str(rules), "--format", "annotated", "--out", str(out)])
    ws = openpyxl.load_workbook(out / "master.annotated.xlsx")["Vendors"]
    reasons = ws["K9"]  # Golden Bridge Manpower Ltd, row 9
    assert reasons.data_type == "s"
    assert reasons.value.startswith("'" + FORMULA_TEXT + " [name: “Golden Bridge Manpower”] +40")
    # and the same for any cell this writer puts down
    sheet = openpyxl.Workbook().active
    assert _put_text(sheet, 1, 1, "=1+1").value == neutralise("=1+1") == "'=1+1"
    assert _put_text(sheet, 1, 2, "bad \x01 char").value == "bad \ufffd char"


def test_a_form_gets_its_verdict_as_more_pairs(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Questionnaire"
    for row in [
        ["Supplier questionnaire 2025"],
        [],
        ["Company name / Supplier", "Hunchun Haifeng Aquatic Products Co."],
        ["Country", "China"],
        ["Do you employ foreign workers?", "Yes, 35 from North Korea"],
    ]:
        ws.append(row)
    src = tmp_path / "form.xlsx"
    wb.save(src)
    out = tmp_path / "out"
    _run(["screen", str(src), "--format", "annotated", "--out", str(out)])
    sheet = openpyxl.load_workbook(out / "form.annotated.xlsx")["Questionnaire"]
    pairs = [(a.value, b.value) for a, b in sheet.iter_rows(min_row=6, max_row=10, max_col=2)]
    assert [label for label, _ in pairs] == list(ADDED)
    assert pairs[:4] == [(ADDED[0], 100), (ADDED[1], "high"), (ADDED[2], True), (ADDED[3], "presumption")]
    assert sheet.max_column == 2  # nothing right of the form: it still reads as a form
    again = tmp_path / "again"
    result = _run(["screen", str(out / "form.annotated.xlsx"), "--format", "json", "--out", str(again)])
    assert "form of label–value pairs from row 3" in result.output
    assert "row 10 'supplyscreen reasons' (a verdict added by supplyscreen)" in result.output


def test_a_workbook_openpyxl_cannot_open_is_written_as_its_cells(tmp_path: Path) -> None:
    src = ROOT / "tests/bad_inputs/corpus/hostile_text.xlsx"
    out = tmp_path / "out"
    _run(["screen", str(src), "--format", "annotated,json", "--out", str(out)])
    book = openpyxl.load_workbook(out / "hostile_text.annotated.xlsx")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    first = book.worksheets[0]
    assert first["A3"].value == "'" + '=HYPERLINK("http://evil.invalid","click")'
    assert all(cell.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for cell in row)
    notes = [row[1].value for row in book[LEGEND_SHEET].iter_rows() if row[0].value == "Note"]
    assert any(n and n.startswith("openpyxl cannot open this workbook") for n in notes)
    first_sheet = data["suppliers"][0]["source"]["sheet"]
    rows = [s["source"]["row"] for s in data["suppliers"] if s["source"]["sheet"] == first_sheet]
    assert rows == [2, 3, 4, 5]
    column = _added_columns(first, 1)
    assert [first.cell(row=r, column=column + 1).value for r in rows] == [
        s["tier"] for s in data["suppliers"] if s["source"]["sheet"] == first_sheet
    ]


def test_output_names_are_safe_and_unique(tmp_path: Path) -> None:
    names = annotated_names(
        ["a/vendors.xlsx", "b/vendors.csv", "c/VENDORS.xlsx", "weird:na*me\x07.xlsm", ".csv"]
    )
    assert names == [
        "vendors.annotated.xlsx",
        "vendors (2).annotated.xlsx",
        "VENDORS (3).annotated.xlsx",
        "weird_na_me_.annotated.xlsx",
        "csv.annotated.xlsx",
    ]
    src = _workbook(tmp_path / "master.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    (out / "master.annotated.xlsx").write_bytes(b"mine")
    with pytest.raises(OutputError, match=r"master.annotated.xlsx already exists — pass --force"):
        check_out_dir(out, ["annotated"], inputs=[src])
    result = CliRunner().invoke(cli, ["screen", str(src), "--format", "annotated", "--out", str(out)])
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert (out / "master.annotated.xlsx").read_bytes() == b"mine"
    _run(["screen", str(src), "--format", "annotated", "--out", str(out), "--force"])
    assert (out / "master.annotated.xlsx").read_bytes()[:2] == b"PK"


def test_an_input_changed_since_screening_is_not_annotated(tmp_path: Path) -> None:
    src = _workbook(tmp_path / "master.xlsx")
    result = api.screen([src])
    src.write_bytes(src.read_bytes() + b"\0")
    with pytest.raises(OutputError, match=r"master\.xlsx: changed since it was screened"):
        write_reports(result, tmp_path / "out", ["json", "annotated"])
    assert not (tmp_path / "out" / "results.json").exists()  # nothing half-written


def test_db_keeps_results_xlsx_not_the_copy(tmp_path: Path) -> None:
    from supplyscreen.store import Store

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    out = tmp_path / "out"
    src = str(SAMPLES / "seafood_shipments.xlsx")
    _run(["screen", src, "--format", "xlsx,annotated,json", "--out", str(out), "--db", db])
    (run,) = Store(db).list_runs()
    assert Store(db).report(run.id, "xlsx") == (out / "results.xlsx").read_bytes()


def test_an_xls_workbook_is_written_as_its_cells(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run(
        [
            "screen",
            str(ROOT / "tests/bad_inputs/corpus/old_excel.xls"),
            "--format",
            "annotated,json",
            "--out",
            str(out),
        ]
    )
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(out / "old_excel.annotated.xlsx")
    assert book.sheetnames == ["Vendors", LEGEND_SHEET]
    assert [c.value for c in book["Vendors"][1]][:5] == [
        "Supplier",
        "Country",
        "Address",
        "Goods Description",
        ADDED[0],
    ]
    assert _check_rows(book, data["suppliers"], {"Vendors": 1}) == 4
    assert "as text, each at its row and column" in book[LEGEND_SHEET]["A2"].value
