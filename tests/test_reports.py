"""Reports: results.json against its JSON Schema, results.xlsx structure, report.html content and escaping."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import openpyxl
import pytest

from supplyscreen.pipeline.screen import ScreeningResult, screen
from supplyscreen.report import write_reports

from .conftest import ROOT, SAMPLES
from .htmlparts import HtmlParts

SCHEMA = json.loads((ROOT / "src/supplyscreen/schema/results.schema.json").read_text(encoding="utf-8"))

HOSTILE = "<script>alert(1)</script>"
CSV = (
    "Supplier,Country,Address,Goods Description,Notes\n"
    f"{HOSTILE},China,Hunchun,Seafood processing,\n"
    '"<img src=x onerror=alert(2)>",China,Dandong,Garments,\n'
    '=HYPERLINK("http://evil"),Chile,Santiago,Wine,\n'
    "Pyongyang Trading,DPRK,Pyongyang,Textiles,North Korean workers on site\n"
    "Plain Supplier,Chile,Santiago,Wine,\n"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScreeningResult, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    src = tmp / "hostile.csv"
    src.write_text(CSV, encoding="utf-8")
    result = screen([src])
    out = tmp / "out"
    write_reports(result, out, ["html", "json", "xlsx", "csv"])
    return result, out


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScreeningResult, Path]:
    result = screen([SAMPLES / "vendors.xlsx", SAMPLES / "seafood_shipments.xlsx"])
    out = tmp_path_factory.mktemp("samples")
    write_reports(result, out, ["html", "json", "xlsx", "csv"])
    return result, out


def test_json_matches_schema(samples: tuple[ScreeningResult, Path]) -> None:
    result, out = samples
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert data["summary"]["rows"] == len(data["suppliers"]) == sum(f.rows for f in result.inputs)
    assert sum(data["summary"]["by_tier"].values()) == data["summary"]["rows"]


def test_every_point_traces_to_a_hit(samples: tuple[ScreeningResult, Path]) -> None:
    data = json.loads((samples[1] / "results.json").read_text(encoding="utf-8"))
    for supplier in data["suppliers"]:
        assert supplier["score"] == min(100, sum(hit["points"] for hit in supplier["hits"]))
        for hit in supplier["hits"]:
            assert hit["citations"], hit
        if supplier["presumption"]:
            assert supplier["tier"] == "high"
            assert any(h["category"] in ("nexus", "entity") for h in supplier["hits"])


def test_rows_in_input_order_with_source(samples: tuple[ScreeningResult, Path]) -> None:
    result, out = samples
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    expected = [
        (f.display, sh.sheet, row) for f in result.inputs for sh in f.sheets for row in sh.row_numbers
    ]
    got = [(s["source"]["file"], s["source"]["sheet"], s["source"]["row"]) for s in data["suppliers"]]
    assert got == expected


def test_row_count_invariant_across_outputs(samples: tuple[ScreeningResult, Path]) -> None:
    result, out = samples
    n = len(result.suppliers)
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    xlsx_rows = sum(ws.max_row - 1 for ws in book.worksheets[1:-1])  # not the Summary and Columns sheets
    csv_rows = (out / "results.csv").read_text(encoding="utf-8-sig").count("\n") - 1
    html = (out / "report.html").read_text(encoding="utf-8")
    assert xlsx_rows == csv_rows == n
    assert (
        html.count('class="card ') + html.split('id="unflagged"')[1].split("</tbody>")[0].count("<tr>") - 1
        == n
    )


def test_xlsx_has_original_columns_verdict_freeze_and_filter(samples: tuple[ScreeningResult, Path]) -> None:
    result, out = samples
    book = openpyxl.load_workbook(out / "results.xlsx")
    sheet = result.inputs[0].sheets[0]
    ws = book[sheet.sheet or ""]
    header = [c.value for c in ws[1]]
    assert header == [
        "Source file",
        "Sheet",
        "Row",
        *sheet.headers,
        "CBP enforcement",
        "Score",
        "Tier",
        "Presumption",
        "Track",
        "Reasons",
        "Note",
    ]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
    assert len(ws.conditional_formatting) >= 1
    first = result.suppliers[0]
    assert ws.cell(2, 3).value == first.row
    assert ws.cell(2, len(header) - 4).value == first.verdict.tier
    assert ws.cell(2, len(header) - 2).value == first.verdict.track


def test_html_is_self_contained(samples: tuple[ScreeningResult, Path]) -> None:
    html = (samples[1] / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<style>" in html
    assert "<link" not in html and "<script" not in html and "src=" not in html
    for needed in ("CAATSA", "19 U.S.C. 1307", "Methodology", "clear and convincing evidence", "sha256"):
        assert needed in html


def test_supplier_text_is_escaped_in_html(hostile: tuple[ScreeningResult, Path]) -> None:
    parser = HtmlParts((hostile[1] / "report.html").read_text(encoding="utf-8"))
    assert "script" not in parser.tags and "img" not in parser.tags
    assert "onerror" not in parser.attrs
    assert any(HOSTILE in t for t in parser.text)


SPOOFED = "\u202egnodnaD\u202c Seafood Co"  # shows as "Dandong Seafood Co"
INVISIBLE = "\u202e\u202c\u200b\u00ad"


def test_invisible_characters_are_shown_in_html_and_kept_in_the_exports(tmp_path: Path) -> None:
    """report.html shows a right-to-left override, zero-width characters and soft hyphens as ⟨U+…⟩
    wherever it shows supplier text (cards, tables, the column account); the row is screened as it reads.
    The exports keep the text as the file holds it (they are data, joined back to the source system), with
    formulas neutralised as ever."""
    src = tmp_path / "spoofed.csv"
    src.write_text(f"Supplier,Country,Re\u200bmarks\n{SPOOFED},China,Dan\u00addong plant\n", encoding="utf-8")
    result = screen([src])
    write_reports(result, tmp_path / "out", ["html", "json", "xlsx", "csv"])
    [supplier] = result.suppliers
    assert supplier.verdict.tier == "high" and "place.dandong" in {h.rule for h in supplier.verdict.hits}
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for shown in ("⟨U+202E⟩gnodnaD⟨U+202C⟩ Seafood Co", "Dan⟨U+00AD⟩dong plant"):
        assert shown in html
    assert "notes ← &#39;Re\\u200bmarks&#39;" in html  # the column account quotes headers as Python does
    assert not set(INVISIBLE) & set(html)
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["suppliers"][0]["fields"]["name"] == SPOOFED
    csv_text = (tmp_path / "out" / "results.csv").read_text(encoding="utf-8-sig")
    assert SPOOFED in csv_text
    book = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx", read_only=True)
    assert SPOOFED in [c for row in book.worksheets[1].iter_rows(values_only=True) for c in row]


def test_formulas_are_neutralised(hostile: tuple[ScreeningResult, Path]) -> None:
    out = hostile[1]
    csv_text = (out / "results.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    book = openpyxl.load_workbook(out / "results.xlsx")
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://evil")' in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_dprk_origin_supplier_is_barred_outright_not_rebuttable(
    hostile: tuple[ScreeningResult, Path],
) -> None:
    result, out = hostile
    dprk = next(s for s in result.suppliers if s.name == "Pyongyang Trading")
    assert dprk.verdict.presumption and dprk.verdict.tier == "high" and dprk.verdict.track == "dprk_origin"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Barred outright: goods from the DPRK" in html
    assert (
        "Evidence to gather to rebut the presumption" not in html
    )  # no supplier here has only the presumption


def test_results_json_is_json_dumps_of_each_supplier(hostile: tuple[ScreeningResult, Path]) -> None:
    """results.json is written record by record, yet each record is exactly json.dumps of the supplier."""
    result, out = hostile
    text = (out / "results.json").read_text(encoding="utf-8")
    head, _, body = text.partition(', "suppliers": [')
    assert json.loads(head + "}") == result.header_json()
    records = body.removeprefix("\n").removesuffix("\n]}\n").split(",\n")
    assert records == [json.dumps(s.as_dict(), ensure_ascii=False) for s in result.suppliers]
