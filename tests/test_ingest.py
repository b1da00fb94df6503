"""Reading real-world exports: header evidence, ERP and foreign-language headers, the column account (every
column mapped, screened as text or not screened with a reason), forms and questionnaires.

Fixtures are built here (openpyxl writes the workbooks into tmp_path). Screening results are checked only
for what reading decides — which text reaches which field, which rows reach the outputs — never for rule
hits, which belong to the text engine.
"""

from __future__ import annotations

import csv
import io
import json
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supplyscreen import report
from supplyscreen.cli import cli
from supplyscreen.errors import InputError
from supplyscreen.ingest.columns import NOT_SCREENED, TEXT, cell_kind
from supplyscreen.ingest.headers import header_kind, is_question, map_header, vocabulary
from supplyscreen.ingest.read import read_input
from supplyscreen.ingest.sheet import SAMPLE_HEAD_ROWS, Sheet
from supplyscreen.normalize.text import country_code
from supplyscreen.pipeline import screen as api
from supplyscreen.pipeline import screener
from supplyscreen.rules import FIELDS, RuleSet

from .conftest import ROOT

SCHEMA = json.loads((ROOT / "src/supplyscreen/schema/results.schema.json").read_text(encoding="utf-8"))


# --- fixtures ------------------------------------------------------------------------------------------------


def _xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    first = True
    for title, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = title
        first = False
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def _csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


SAP_CSV = [
    ["LIFNR", "NAME1", "NAME2", "LAND1", "REGIO", "ORT01", "STRAS"],
    ["0000100001", "Hunchun Haixin Seafood", "Processing Plant 2", "CN", "070", "Hunchun", "Binhai Rd 8"],
    ["0000100002", "Muster Metall GmbH", "", "DE", "08", "Stuttgart", "Hauptstr. 1"],
    ["0000100003", "Korea Rungrado General Trading Corp", "", "KP", "", "Pyongyang", ""],
]
BEMERKUNG = "audit 2025: approx. 60 North Korean workers in fillet line"
LFA1 = [
    ["LIFNR", "NAME1", "NAME2", "LAND1", "ORT01", "PSTLZ", "STRAS", "REGIO", "KTOKK", "TELF1", "ERDAT", "ZZ_BEMERKUNG"],
    ["0000200001", "Dalian Ocean Products", "Fillet Factory", "CN", "Dalian", "116000", "Harbour Rd 5", "080",
     "KRED", "+86 411 1234567", "2019-03-01", BEMERKUNG],
    ["0000200002", "Nordsee Fisch GmbH", None, "DE", "Bremerhaven", "27572", "Am Hafen 3", "04", "KRED",
     "+49 471 123456", "2020-05-02", None],
]  # fmt: skip
GERMAN = [
    ["Kreditor", "Name 1", "Name 2", "Land", "Ort", "Postleitzahl", "Straße", "Region", "Branche", "Telefon",
     "Bemerkung"],
    [100200, "Dalian Ocean Products", "Fillet Factory", "CN", "Dalian", "116000", "Harbour Rd 5", "080",
     "Fischverarbeitung", "+86 411 1234567", BEMERKUNG],
    [100201, "Müller Maschinenbau GmbH", None, "DE", "Göppingen", "73037", "Industriestraße 14", "08",
     "Maschinenbau", "+49 7161 12345", None],
]  # fmt: skip
Q1 = "Q1. What are the nationalities of workers at the facility?"
Q2 = "Q2. Do you employ DPRK nationals?"
Q3 = "Q3. Who holds workers' passports…?"
Q4 = "Q4. How, and to whom, are wages paid?"
QUESTIONNAIRE = [
    ["Supplier", "Country", Q1, Q2, Q3, Q4, "Submitted"],
    ["Hunchun Ocean Fisheries Co.", "China", "Chinese, about 40 from the DPRK", "Yes",
     "The company keeps them in the office safe", "Monthly in cash to the team leader", "2025-04-01"],
    ["Pacific Tuna Ltd", "Thailand", "Thai, Myanmar", "No", "Workers", "Bank transfer to each worker",
     "2025-04-03"],
]  # fmt: skip
FORM_A = [
    ["Supplier questionnaire 2025"],
    [],
    ["Company name / Supplier", "Hunchun Haifeng Aquatic Products Co."],
    ["Country", "China"],
    ["Address", "No. 8 Jingji Road, Hunchun, Jilin"],
    ["Products", "Frozen pollock fillets"],
    ["Wages", "Paid to the dispatching agency, not to workers"],
    ["Do you employ foreign workers?", "Yes, 35 from North Korea"],
    ["Number of employees", 220],
]
FORM_B = [
    ["Company name / Supplier", "Nordsee Fisch GmbH"],
    ["Country", "Germany"],
    ["Address", "Am Hafen 3, Bremerhaven"],
    ["Do you employ foreign workers?", "No"],
]
ORACLE = [
    ["VENDOR_ID", "SEGMENT1", "VENDOR_NAME", "VENDOR_NAME_ALT", "VENDOR_SITE_CODE", "ADDRESS_LINE1", "CITY",
     "STATE", "PROVINCE", "COUNTRY", "ZIP", "CREATION_DATE"],
    ["3001", "V-3001", "Yanbian Timber Co", "延边木业", "YANJI-MAIN", "12 Forest Rd", "Yanji", "", "Jilin", "CN",
     "133000", "2020-01-01"],
    ["3002", "V-3002", "Acme Steel", "", "HQ", "1 Main St", "Pittsburgh", "PA", "", "US", "15201", "2021-02-02"],
]  # fmt: skip
JAPANESE = [
    ["仕入先コード", "仕入先名", "国", "住所", "品名", "HSコード", "備考", "電話番号"],
    ["J-01", "丹東海産物有限公司", "中国", "遼寧省丹東市", "冷凍イカ", "0307.43", "北朝鮮の労働者が加工ラインで働いている",
     "+86 415 1234567"],
    ["J-02", "山田水産株式会社", "日本", "北海道函館市", "干物", "0305.59", None, "0138-12-3456"],
]  # fmt: skip
KOREAN = [
    ["거래처코드", "공급업체명", "국가", "주소", "품목", "선박명", "비고", "담당자"],
    [
        "K-01",
        "훈춘해양수산",
        "중국",
        "길림성 훈춘시",
        "냉동 명태",
        None,
        "북한 노동자 약 50명 근무",
        "김철수",
    ],
    ["K-02", "부산수산", "대한민국", "부산광역시", "냉동 고등어", "동원 7호", None, None],
]


def _screen_cli(tmp_path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["screen", *args, "--out", str(out), "--format", "json,xlsx,html", "--force"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    return result, data


def _uses(data: dict[str, Any], sheet: int = 0) -> dict[str, tuple[str, str]]:
    columns = data["run"]["inputs"][0]["sheets"][sheet]["columns"]
    return {c["header"]: (c["use"], c["reason"]) for c in columns}


def _fields(data: dict[str, Any]) -> list[dict[str, str]]:
    return [s["fields"] for s in data["suppliers"]]


# --- headers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        # SAP LFA1 / ADRC
        ("LIFNR", "id"),
        ("NAME1", "name"),
        ("NAME2", "name"),
        ("NAME3", "name"),
        ("NAME4", "name"),
        ("LAND1", "country"),
        ("REGIO", "address"),
        ("ORT01", "address"),
        ("ORT02", "address"),
        ("STRAS", "address"),
        ("BRSCH", "description"),
        ("NAME_CO", "address"),
        ("CITY1", "address"),
        ("STREET", "address"),
        ("HOUSE_NUM1", "address"),
        ("COUNTRY", "country"),
        ("REGION", "address"),
        ("REMARK", "notes"),
        ("ZZ_BEMERKUNG", "notes"),
        # Oracle
        ("VENDOR_NAME", "name"),
        ("VENDOR_NAME_ALT", "name"),
        ("SEGMENT1", "id"),
        ("VENDOR_SITE_CODE", "address"),
        ("ADDRESS_LINE1", "address"),
        ("ADDRESS_LINE4", "address"),
        ("CITY", "address"),
        ("STATE", "address"),
        ("PROVINCE", "address"),
        # NetSuite, Coupa, Ariba
        ("Internal ID", "id"),
        ("Company Name", "name"),
        ("Billing Address 1", "address"),
        ("Billing City", "address"),
        ("Billing Country", "country"),
        ("Comments", "notes"),
        ("Supplier Name", "name"),
        ("Supplier Number", "id"),
        ("Primary Address Street1", "address"),
        ("Primary Address City", "address"),
        ("Primary Address Country Code", "country"),
        ("Supplier ANID", "id"),
        ("SM Vendor ID", "id"),
        ("Country/Region", "country"),
        # German
        ("Lieferant", "name"),
        ("Kreditor", "id"),
        ("Lieferantenname", "name"),
        ("Name 1", "name"),
        ("Land", "country"),
        ("Ort", "address"),
        ("Straße", "address"),
        ("Strasse", "address"),
        ("Bemerkung", "notes"),
        ("Anmerkungen", "notes"),
        ("Warenbeschreibung", "description"),
        ("Branche", "description"),
        ("Zolltarifnummer", "hs_code"),
        # French
        ("Fournisseur", "name"),
        ("Raison sociale", "name"),
        ("Pays", "country"),
        ("Adresse", "address"),
        ("Ville", "address"),
        ("Remarques", "notes"),
        ("Désignation", "description"),
        # Spanish
        ("Proveedor", "name"),
        ("Razón social", "name"),
        ("País", "country"),
        ("Dirección", "address"),
        ("Ciudad", "address"),
        ("Observaciones", "notes"),
        ("Descripción", "description"),
        # Japanese
        ("仕入先", "name"),
        ("仕入先名", "name"),
        ("取引先名", "name"),
        ("会社名", "name"),
        ("国", "country"),
        ("住所", "address"),
        ("所在地", "address"),
        ("備考", "notes"),
        ("品名", "description"),
        ("HSコード", "hs_code"),
        ("仕入先コード", "id"),
        # Korean
        ("공급업체", "name"),
        ("공급업체명", "name"),
        ("거래처", "name"),
        ("상호", "name"),
        ("회사명", "name"),
        ("국가", "country"),
        ("주소", "address"),
        ("비고", "notes"),
        ("품목", "description"),
        ("선박명", "vessel"),
        # English, Chinese and Russian still as before
        ("Vendor Name", "name"),
        ("供应商名称", "name"),
        ("Поставщик", "name"),
        ("Supplier Nmae", "name"),
        ("Product Name", "description"),
        ("商品名称", "description"),
    ],
)
def test_erp_and_foreign_headers(header: str, field: str) -> None:
    assert map_header(header)[0] == field


@pytest.mark.parametrize(
    ("header", "why"),
    [
        # short codes and generic words never become a wrong field, fuzzily or inside a longer header
        ("LANDX", None),
        ("ORT99", None),
        ("STRAS2", None),
        ("NAMEX", None),
        ("Number of employees", None),
        ("Origin of workers", None),
        ("Product Code", None),
        ("Q3. Country of the workers' agency?", None),
        # columns that hold no evidence, by kind
        ("PSTLZ", "postal codes"),
        ("Postleitzahl", "postal codes"),
        ("ZIP", "postal codes"),
        ("STCD1", "tax or registration numbers"),
        ("STCEG", "tax or registration numbers"),
        ("Supplier Tax ID", "tax or registration numbers"),
        ("TELF1", "phone or fax numbers"),
        ("電話番号", "phone or fax numbers"),
        ("E-Mail", "e-mail addresses"),
        ("Contact Name", "contact person"),
        ("거래처 담당자", "contact person"),
        ("Bank Name", "bank details"),
        ("ERDAT", "dates"),
        ("Payment Terms", "payment terms"),
        ("KTOKK", "ERP record keeping"),
        ("Consignee", "the buying side, not the supplier"),
    ],
)
def test_headers_that_are_no_field(header: str, why: str | None) -> None:
    kind, _ = header_kind(header)
    assert map_header(header)[0] is None
    if is_question(header):
        return
    assert (kind[len("skip:") :] if kind else None) == why


def test_the_vocabulary_is_data_shipped_in_the_package() -> None:
    vocab = vocabulary()
    assert set(vocab.synonyms) >= set(FIELDS)
    assert (ROOT / "src/supplyscreen/ingest/headers.yaml").is_file()
    assert vocab.codes["lifnr"] == "id" and vocab.codes["name2"] == "name"


@pytest.mark.parametrize(
    ("cell", "code"),
    [("KP", "KP"), ("PRK", "KP"), ("KR", "KR"), ("KOR", "KR"), ("CN", "CN"), ("CHN", "CN"), ("RU", "RU"),
     ("RUS", "RU"), ("DE", "DE"), ("DEU", "DE"), ("JP", "JP"), ("JPN", "JP"), ("VNM", "VN"), ("prk", "KP")],
)  # fmt: skip
def test_iso_country_codes(cell: str, code: str) -> None:
    assert country_code(cell) == code


@pytest.mark.parametrize(
    ("cell", "kind"),
    [
        ("116000", "number"),
        ("1,234.50 EUR", "number"),
        ("2019-03-01", "date"),
        ("14.02.2025", "date"),
        ("2025年4月1日", "date"),
        ("+86 411 1234567", "phone"),
        ("0138-12-3456", "phone"),
        ("ops@example.com", "email"),
        ("https://example.com/x", "url"),
        ("V-3001", "code"),
        ("X", "code"),
        ("DPRK", "text"),
        ("Hunchun", "text"),
        ("Frozen pollock fillets", "prose"),
        ("北朝鮮の労働者が働いている", "prose"),
    ],
)
def test_cell_kinds(cell: str, kind: str) -> None:
    assert cell_kind(cell) == kind


# --- the problem files through the CLI ---------------------------------------------------------------------


def test_sap_csv_export_keeps_every_row(tmp_path: Path) -> None:
    src = _csv(tmp_path / "lfa1.csv", SAP_CSV)
    result, data = _screen_cli(tmp_path, str(src))
    assert "table: header row 1; id ← 'LIFNR'; name ← 'NAME1', 'NAME2'; country ← 'LAND1'" in result.output
    assert [s["source"]["row"] for s in data["suppliers"]] == [2, 3, 4]
    assert _fields(data)[0] == {
        "id": "0000100001",
        "name": "Hunchun Haixin Seafood | Processing Plant 2",
        "country": "CN",
        "address": "Hunchun | Binhai Rd 8",
    }
    assert _uses(data)["REGIO"][0] == NOT_SCREENED  # region codes, not place names
    assert "not screened: E 'REGIO' (codes only" in result.output


def test_lfa1_sheet_with_customer_remarks_field(tmp_path: Path) -> None:
    src = _xlsx(tmp_path / "vendors.xlsx", {"LFA1": LFA1})
    result, data = _screen_cli(tmp_path, str(src))
    assert "sheet 'LFA1': header row 1" in result.output and "skipped" not in result.output
    first = _fields(data)[0]
    assert first["notes"] == BEMERKUNG
    assert first["address"] == "Dalian | Harbour Rd 5" and first["country"] == "CN"
    uses = _uses(data)
    assert uses["ZZ_BEMERKUNG"][0] == "notes"
    assert {h: u for h, (u, _) in uses.items() if u == NOT_SCREENED} == dict.fromkeys(
        ["PSTLZ", "REGIO", "KTOKK", "TELF1", "ERDAT"], NOT_SCREENED
    )
    assert uses["TELF1"][1] == "phone or fax numbers"


def test_german_labels(tmp_path: Path) -> None:
    src = _xlsx(tmp_path / "kreditoren.xlsx", {"Kreditoren": GERMAN})
    _, data = _screen_cli(tmp_path, str(src))
    first = _fields(data)[0]
    assert first == {
        "id": "100200",
        "name": "Dalian Ocean Products | Fillet Factory",
        "country": "CN",
        "address": "Dalian | Harbour Rd 5",
        "description": "Fischverarbeitung",
        "notes": BEMERKUNG,
    }
    uses = _uses(data)
    assert uses["Region"][0] == NOT_SCREENED and "codes only" in uses["Region"][1]
    assert uses["Postleitzahl"] == (NOT_SCREENED, "postal codes")


def test_questionnaire_answer_columns_reach_notes_with_their_question(tmp_path: Path) -> None:
    src = _xlsx(tmp_path / "self-assessment.xlsx", {"Self-assessment": QUESTIONNAIRE})
    result, data = _screen_cli(tmp_path, str(src))
    notes = _fields(data)[0]["notes"]
    assert notes.split(" | ") == [
        f"{Q1}: Chinese, about 40 from the DPRK",
        f"{Q2}: Yes",
        f"{Q3}: The company keeps them in the office safe",
        f"{Q4}: Monthly in cash to the team leader",
    ]
    assert _fields(data)[1]["notes"].startswith(f"{Q1}: Thai, Myanmar | {Q2}: No")
    uses = _uses(data)
    assert [uses[q] for q in (Q1, Q2, Q3, Q4)] == [(TEXT, "question")] * 4
    assert uses["Submitted"][0] == NOT_SCREENED
    assert "screened as text (into notes): C 'Q1." in result.output
    # the HTML methodology and the XLSX Columns sheet give the same account
    html = (tmp_path / "out/report.html").read_text(encoding="utf-8")
    assert "screened as text (into notes): C &#39;Q1." in html
    book = openpyxl.load_workbook(tmp_path / "out/results.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "Self-assessment", "Columns"]
    rows = list(book["Columns"].iter_rows(values_only=True))
    assert rows[0] == ("Source file", "Sheet", "Column", "Header", "Used as", "Why")
    assert (str(src), "Self-assessment", "D", Q2, "text", "question") in rows


def test_label_value_forms_one_supplier_per_sheet(tmp_path: Path) -> None:
    src = _xlsx(tmp_path / "forms.xlsx", {"Supplier A": FORM_A, "Supplier B": FORM_B})
    result, data = _screen_cli(tmp_path, str(src))
    assert [(s["source"]["sheet"], s["source"]["row"]) for s in data["suppliers"]] == [
        ("Supplier A", 3),
        ("Supplier B", 1),
    ]
    a, b = _fields(data)
    assert a == {
        "name": "Hunchun Haifeng Aquatic Products Co.",
        "country": "China",
        "address": "No. 8 Jingji Road, Hunchun, Jilin",
        "description": "Frozen pollock fillets",
        "notes": "Wages: Paid to the dispatching agency, not to workers | "
        "Do you employ foreign workers?: Yes, 35 from North Korea | Number of employees: 220",
    }
    assert b["name"] == "Nordsee Fisch GmbH"
    labels = {"Country", "Address", "Wages", "Products", "Company name / Supplier"}
    assert not {f.get("name") for f in _fields(data)} & labels  # labels are never screened as suppliers
    sheet = data["run"]["inputs"][0]["sheets"][0]
    assert sheet["layout"] == "form"
    assert {"row": 7, "header": "Wages", "use": "text", "reason": "form answer"} in sheet["columns"]
    assert sheet["notes"][0] == "row 1: title 'Supplier questionnaire 2025', skipped"
    assert "form of label–value pairs from row 3, one supplier (row 3)" in result.output


def test_question_answer_form(tmp_path: Path) -> None:
    rows = [
        ["Supplier self-assessment"],
        ["No.", "Question", "Answer", "Comment"],
        [1, "Supplier name", "Dandong Garments Co.", None],
        [2, "Country", "China", None],
        [3, "Do you employ DPRK nationals?", "Yes", "about 30 sewing workers"],
        [4, "Who holds the passports?", "The dispatching company", None],
    ]
    src = _xlsx(tmp_path / "qa.xlsx", {"Q&A": rows})
    _, data = _screen_cli(tmp_path, str(src))
    [supplier] = data["suppliers"]
    assert supplier["source"]["row"] == 3
    assert supplier["fields"] == {
        "name": "Dandong Garments Co.",
        "country": "China",
        "notes": "Do you employ DPRK nationals?: Yes | about 30 sewing workers | "
        "Who holds the passports?: The dispatching company",
    }


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["Country", "China"], ["Address", "Hunchun"], ["Products", "Frozen fish"], ["Wages", "cash"]],
            "looks like a form (labels in column A, answers beside them) but no label names the supplier",
        ),
        (
            [["Question", "Answer"], ["Country", "China"], ["Do you employ DPRK nationals?", "Yes"]],
            "looks like a questionnaire (a 'Question' | 'Answer' header in row 1) but no question names the "
            "supplier",
        ),
        (
            [["Supplier name", "Alpha Seafood", "Beta Textiles"], ["Country", "China", "Vietnam"],
             ["Address", "Hunchun", "Hanoi"]],
            "looks like suppliers laid out in columns, one per column",
        ),
    ],
)  # fmt: skip
def test_forms_that_cannot_be_read_are_refused_in_one_line(
    tmp_path: Path, rows: list[list[str]], message: str
) -> None:
    src = _xlsx(tmp_path / "form.xlsx", {"Form": rows})
    result = CliRunner().invoke(cli, ["screen", str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {src} [sheet 'Form']: {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_oracle_export(tmp_path: Path) -> None:
    src = _csv(tmp_path / "po_vendors.csv", ORACLE)
    _, data = _screen_cli(tmp_path, str(src))
    first, second = _fields(data)
    assert first["name"] == "Yanbian Timber Co | 延边木业"
    assert first["address"] == "YANJI-MAIN | 12 Forest Rd | Yanji | Jilin"
    assert first["country"] == "CN" and second["country"] == "US"
    uses = _uses(data)
    assert uses["ZIP"] == (NOT_SCREENED, "postal codes") and uses["CREATION_DATE"][0] == NOT_SCREENED


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            JAPANESE,
            {"id": "J-01", "name": "丹東海産物有限公司", "country": "中国", "address": "遼寧省丹東市",
             "description": "冷凍イカ", "hs_code": "0307.43", "notes": "北朝鮮の労働者が加工ラインで働いている"},
        ),
        (
            KOREAN,
            {"id": "K-01", "name": "훈춘해양수산", "country": "중국", "address": "길림성 훈춘시",
             "description": "냉동 명태", "vessel": "", "notes": "북한 노동자 약 50명 근무"},
        ),
    ],
)  # fmt: skip
def test_japanese_and_korean_sheets(tmp_path: Path, rows: list[list[Any]], expected: dict[str, str]) -> None:
    src = _xlsx(tmp_path / "list.xlsx", {"一覧": rows})
    _, data = _screen_cli(tmp_path, str(src))
    assert _fields(data)[0] == expected
    assert [u for u, _ in _uses(data).values()].count(NOT_SCREENED) == 1  # the phone / contact column


# --- header evidence and rows above the header ---------------------------------------------------------------


def test_no_header_evidence_is_one_line_with_the_first_rows(tmp_path: Path) -> None:
    src = _csv(tmp_path / "odd.csv", [["Colour", "Firm"], ["red", "Pyongyang Trading"], ["blue", "Acme"]])
    result = CliRunner().invoke(cli, ["screen", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {src}: no supplier name column found: no row in the first 30 looks like a header "
        "(row 1: 'Colour', 'Firm'; row 2: 'red', 'Pyongyang Trading'; row 3: 'blue', 'Acme') — put the column "
        "names in one row (e.g. 'Supplier Name', 'Country'), or pass --map name=HEADER; for a file without a "
        "header row give the column letter, e.g. --map name=B, and every row is read\n"
    )


def test_a_data_row_is_never_taken_as_the_header(tmp_path: Path) -> None:
    """Data cells holding a synonym inside a longer name ("… Trading Company") or a "No" answer are no
    header evidence: the real header, above them, wins."""
    rows = [
        ["LIFNR", "NAME1", "ZZ_FLAG", "LAND1"],
        ["0000000001", "Pacific Trading Company", "No", "CN"],
        ["0000000002", "Factory", "No", "CN"],
        ["0000000003", "Ocean Vendor Services", "Yes", "RU"],
    ]
    sheet = read_input(_csv(tmp_path / "x.csv", rows)).sheets[0]
    assert sheet.header_row == 1 and sheet.row_numbers == [2, 3, 4]


def test_text_labels_above_typed_data_are_a_header(tmp_path: Path) -> None:
    rows = [["Kennung", "Betrieb", "Gewicht"], ["A-1", "Alpha", "12"], ["A-2", "Beta", "13"]]
    sheet = read_input(_csv(tmp_path / "x.csv", rows), overrides={"name": ["Betrieb"]}).sheets[0]
    assert sheet.header_row == 1 and sheet.row_numbers == [2, 3]
    with pytest.raises(InputError, match=r"no supplier name column found \(headers seen: 'Kennung'"):
        read_input(_csv(tmp_path / "x.csv", rows))  # a header, by evidence, but no name column in it


def test_rows_above_the_header(tmp_path: Path) -> None:
    rows = [
        ["ACME vendor master"],  # a title: skipped, and said so
        ["Prepared by", "J. Smith"],  # two cells, no header words: screened as data, and said so
        [],
        ["Supplier", "Location", None],  # the upper line of a two-row header: skipped
        ["Supplier", "Country", "City"],
        ["Alpha Seafood", "China", "Hunchun"],
    ]
    src = _xlsx(tmp_path / "v.xlsx", {"Vendors": rows})
    result, data = _screen_cli(tmp_path, str(src))
    assert [s["source"]["row"] for s in data["suppliers"]] == [2, 6]
    assert _fields(data)[0] == {"name": "Prepared by", "country": "J. Smith", "address": ""}
    notes = data["run"]["inputs"][0]["sheets"][0]["notes"]
    assert notes == [
        "row 1: title 'ACME vendor master', skipped",
        "row 2 is above the header (row 5) but holds data: screened as a data row",
        "row 4: upper line of the header ('Supplier', 'Location'), skipped",
    ]
    assert all(n in result.output for n in notes)


def test_a_sheet_without_header_row_by_column_letter(tmp_path: Path) -> None:
    src = _csv(
        tmp_path / "raw.csv", [["Alpha Seafood", "China", "Hunchun"], ["Beta Ltd", "Chile", "Santiago"]]
    )
    result, data = _screen_cli(tmp_path, str(src), "--map", "name=A", "--map", "country=B")
    assert "no header row (columns named by letter)" in result.output
    assert [s["source"]["row"] for s in data["suppliers"]] == [1, 2]
    # an unnamed column's made-up label is no text of the file: its value alone reaches notes
    assert _fields(data)[0] == {"name": "Alpha Seafood", "country": "China", "notes": "Hunchun"}
    assert "C 'Column C' (unnamed: short text)" in result.output


# --- the column account --------------------------------------------------------------------------------------


def test_a_short_header_maps_only_what_it_names(tmp_path: Path) -> None:
    """Data rows wider than the header row: the columns past it (and a header cell that shows nothing) get
    made-up labels ("Column HS"), which are never mapped to a field — by name or fuzzily — and their cells
    are screened as text or listed as not screened like any unmapped column's, reported as unnamed."""
    rows = [["Supplier", "Country", "\u200b"]]
    for i, remark in enumerate(["North Korean workers on site", "family-owned since 1990"]):
        row = [f"Firm {i}", "Chile", remark, *[""] * 237]
        row[226], row[237] = "0304.75", f"V-{i}"  # under the made-up labels "Column HS" and "Column ID"
        rows.append(row)
    path = _csv(tmp_path / "short.csv", rows)
    sheet = read_input(path).sheets[0]
    assert sheet.mapping == {"name": [0], "country": [1]}
    uses = {u.letter: (u.header, u.use, u.reason) for u in sheet.columns()}
    assert uses["C"] == ("Column C", TEXT, "unnamed: free text (1 of 2 sampled cells have 3+ words)")
    assert uses["D"] == ("Column D", NOT_SCREENED, "unnamed: empty")
    assert uses["HS"] == ("Column HS", NOT_SCREENED, "unnamed: numbers (2 of 2 sampled cells)")
    assert uses["ID"] == ("Column ID", NOT_SCREENED, "unnamed: codes (2 of 2 sampled cells)")
    # the made-up label is no text of the file: the value alone reaches the text engine
    assert sheet.fields(0) == {"name": "Firm 0", "country": "Chile", "notes": "North Korean workers on site"}
    # --map still names such a column, by its letter or its label
    for named in ("HS", "Column HS"):
        mapped = read_input(path, overrides={"hs_code": [named]}).sheets[0]
        assert mapped.mapping["hs_code"] == [226] and mapped.fields(1)["hs_code"] == "0304.75"


def test_unknown_columns_by_their_cells(tmp_path: Path) -> None:
    rows = [["Supplier", "Feedback", "Kostenstelle", "Blank", "Kategorie", "Nachtrag"]]
    for i in range(SAMPLE_HEAD_ROWS + 20):
        feedback = "workers housed on site, passports kept" if i % 3 == 0 else "ok"
        late = "agency staff from Rason" if i == SAMPLE_HEAD_ROWS + 10 else ""
        rows.append([f"Firm {i}", feedback, f"R-{i:04d}", "", "A" if i % 2 else "Fish processing", late])
    sheet = read_input(_csv(tmp_path / "x.csv", rows)).sheets[0]
    uses = {u.header: (u.use, u.reason) for u in sheet.columns()}
    assert uses["Feedback"][0] == TEXT and uses["Feedback"][1].startswith("free text")
    assert uses["Kostenstelle"] == (
        NOT_SCREENED,
        f"codes ({SAMPLE_HEAD_ROWS - 1} of {SAMPLE_HEAD_ROWS - 1} sampled cells)",
    )
    assert uses["Blank"] == (NOT_SCREENED, "empty")
    assert uses["Kategorie"] == (TEXT, "short text")
    # a column first filled after the sample is screened where filled, never dropped
    assert uses["Nachtrag"][0] == TEXT
    late = sheet.fields(SAMPLE_HEAD_ROWS + 10)
    assert late["notes"].endswith("Nachtrag: agency staff from Rason")


def test_map_text_skip_and_several_columns_for_one_field(tmp_path: Path) -> None:
    rows = [["Supplier", "City", "Street", "Payment Terms", "Workforce Notes"],
            ["Alpha", "Hunchun", "Binhai Rd", "Net 30 via Dandong agent", "none"]]  # fmt: skip
    src = _csv(tmp_path / "x.csv", rows)
    args = ["--map", "address=Street", "--map", "address=City", "--map", "text=Payment Terms"]
    _, data = _screen_cli(tmp_path, str(src), *args, "--map", "skip=Workforce Notes")
    assert _fields(data)[0] == {
        "name": "Alpha",
        "address": "Binhai Rd | Hunchun",
        "notes": "Payment Terms: Net 30 via Dandong agent",
    }
    assert _uses(data)["Workforce Notes"] == (NOT_SCREENED, "--map skip")
    assert _uses(data)["Payment Terms"] == (TEXT, "--map text")


def test_a_mapped_notes_column_comes_first_unprefixed(tmp_path: Path) -> None:
    rows = [["Supplier", "Remarks", "Q2. Do you employ DPRK nationals?"], ["Alpha", "audited 2025", "Yes"]]
    sheet = read_input(_csv(tmp_path / "x.csv", rows)).sheets[0]
    assert sheet.fields(0)["notes"] == "audited 2025 | Q2. Do you employ DPRK nationals?: Yes"


def test_streamed_csv_has_the_same_columns_and_fields(tmp_path: Path) -> None:
    rows = [["Vendor", "Country", "Bemerkung", "Inspection", "Phone"]]
    for i in range(400):
        late = "North Korean crew seen on board" if i == 300 else ""
        rows.append([f"Firm {i}", "Chile", "ok" if i % 5 else "", late, f"+56 2 2{i:06d}"])
    src = _csv(tmp_path / "big.csv", rows)
    streamed, _ = report.screen_to_reports([src], tmp_path / "a", ["json", "csv"])
    assert streamed.inputs[0].sheets[0].stream is not None
    whole = api.screen([src])
    report.write_reports(whole, tmp_path / "b", ["json", "csv"])
    a, b = (json.loads((tmp_path / d / "results.json").read_text(encoding="utf-8")) for d in "ab")
    assert a["run"]["inputs"] == b["run"]["inputs"] and a["suppliers"] == b["suppliers"]
    assert (tmp_path / "a/results.csv").read_bytes() == (tmp_path / "b/results.csv").read_bytes()
    assert a["suppliers"][300]["fields"]["notes"] == "Inspection: North Korean crew seen on board"
    columns = a["run"]["inputs"][0]["sheets"][0]["columns"]
    late = "no values in the first 129 data rows: screened where filled"
    assert {"column": "D", "header": "Inspection", "use": "text", "reason": late} in columns
    jsonschema.validate(a, SCHEMA)


# --- the web app's map step --------------------------------------------------------------------------------


def test_web_map_step_shows_the_account_and_adds_columns_to_a_field(tmp_path: Path) -> None:
    from .test_web import _client, _screen, _upload

    rows = [["Supplier", "City", "Werk", "Payment Terms"], ["Alpha", "Hunchun", "Binhai Rd", "Net 30"]]
    data = _csv(tmp_path / "x.csv", rows).read_bytes()
    with _client(tmp_path) as client:
        run_url = _upload(client, [("x.csv", data)])
        page = client.get(run_url).text
        assert "Every column (4)" in page and "payment terms" in page and 'name="use:0:0:2"' in page
        run = client.get(f"/api/v1/runs/{run_url.rsplit('/', 1)[-1]}").json()
        assert run["preview"][0]["sheets"][0]["columns"][3]["use"] == NOT_SCREENED
        done = _screen(client, run_url, **{"use:0:0:2": "address", "use:0:0:3": "text"})
        assert done["status"] == "done", done
        assert done["options"]["sheet_mapping"]["0"][0][1] == {
            "address": ["City", "Werk"],
            "text": ["Payment Terms"],
        }
        first = client.get(f"/api/v1/runs/{done['id']}/suppliers/0").json()
        assert first["fields"] == {
            "name": "Alpha",
            "address": "Hunchun | Binhai Rd",
            "notes": "Payment Terms: Net 30",
        }


# --- properties ----------------------------------------------------------------------------------------------


@pytest.fixture()
def screen_once(monkeypatch: pytest.MonkeyPatch, ruleset: RuleSet) -> None:
    """api.screen with the bundled rules loaded once for the session, not once per example."""
    monkeypatch.setattr(screener, "load_rules", lambda layers=None: ruleset)


_WORD = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=9).filter(
    lambda w: header_kind(w)[0] is None
)
_CELL = st.one_of(
    st.none(),
    st.integers(0, 10**6),
    st.builds(lambda ws: " ".join(ws), st.lists(_WORD, min_size=1, max_size=5)),
    st.sampled_from(["Yes", "No", "2025-01-31", "N/A", "Factory", "Pacific Trading Company", "DPRK"]),
)
_HEADERS = st.lists(
    st.sampled_from(["Supplier", "Country", "Remarks", "LIFNR", "NAME1", "Land", "住所", "Phone", "Mystery"]),
    min_size=2,
    max_size=5,
    unique=True,
).filter(lambda hs: "Supplier" in hs or "NAME1" in hs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    titles=st.integers(0, 2),
    headers=_HEADERS,
    rows=st.lists(st.lists(_CELL, min_size=0, max_size=6), max_size=25),
)
def test_no_row_is_lost_below_a_header(
    tmp_path: Path, screen_once: None, titles: int, headers: list[str], rows: list[list[Any]]
) -> None:
    """Random grids under a header (after title rows): every non-blank row below the header reaches the
    output with its row number, every column is accounted for once, and every cell of a column screened
    as text reaches that row's notes with its header (alone, in a column the header row leaves unnamed)."""
    grid: list[list[Any]] = [[f"Vendor report part {i}"] for i in range(titles)] + [list(headers), *rows]
    path = _xlsx(tmp_path / "p.xlsx", {"S": grid})
    result = api.screen([path])
    [sheet] = result.inputs[0].sheets
    header_row = titles + 1
    assert sheet.header_row == header_row
    expected = [header_row + 1 + i for i, r in enumerate(rows) if any(c not in (None, "") for c in r)]
    assert [s.row for s in result.suppliers] == expected
    uses = sheet.columns()
    assert [u.index for u in uses] == list(range(len(sheet.headers)))
    for supplier in result.suppliers:
        for c in sheet.text_columns:
            cell = supplier.original[c]
            if cell:
                prefix = f"{sheet.headers[c]}: " if uses[c].named else ""
                assert f"{prefix}{cell}" in supplier.fields["notes"]
    data = result.to_json()
    jsonschema.validate(data, SCHEMA)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    labels=st.permutations(["Country", "Address", "Products", "Wages", "Do you employ foreign workers?"]),
    at=st.integers(0, 4),
    values=st.lists(
        st.builds(lambda ws: " ".join(ws), st.lists(_WORD, min_size=1, max_size=4)), min_size=6, max_size=6
    ),
)
def test_a_form_is_one_supplier_at_its_name_label(
    tmp_path: Path, labels: list[str], at: int, values: list[str]
) -> None:
    pairs = [[label, value] for label, value in zip(labels, values, strict=False)]
    pairs.insert(at, ["Supplier name", values[-1]])
    path = _xlsx(tmp_path / "f.xlsx", {"Form": [["Supplier questionnaire"], *pairs]})
    [sheet] = read_input(path).sheets
    assert sheet.layout == "form" and sheet.row_numbers == [at + 2]
    fields = sheet.fields(0)
    assert fields["name"] == values[-1]
    for label, value in pairs:
        if label in ("Wages", "Do you employ foreign workers?"):
            assert f"{label}: {value}" in fields["notes"]


def test_sheet_json_has_one_entry_per_column() -> None:
    sheet = Sheet("f.csv", None, 1, ["Supplier", "X"], {"name": [0]}, {"name": "synonym"})
    assert sheet.columns_json()["columns"][1] == {
        "column": "B",
        "header": "X",
        "use": NOT_SCREENED,
        "reason": "not read",
    }


_ABOVE_CELL = st.one_of(
    st.integers(1, 10**6), st.builds(lambda ws: " ".join(ws), st.lists(_WORD, min_size=1, max_size=3))
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    above=st.lists(st.lists(st.one_of(st.none(), _ABOVE_CELL), min_size=0, max_size=4), max_size=5),
    below=st.lists(st.lists(_CELL, min_size=1, max_size=3), min_size=1, max_size=5),
)
def test_rows_above_the_header_are_titles_or_data(
    tmp_path: Path, above: list[list[Any]], below: list[list[Any]]
) -> None:
    """Above the header, a row of one cell is a title (reported), a row of several cells is data (screened
    with its row number, before the rows below); blank rows are skipped. Nothing else is left out."""
    header = ["Supplier", "Country", "Mystery"]
    path = _xlsx(tmp_path / "a.xlsx", {"S": [*above, header, *below]})
    [sheet] = read_input(path).sheets
    header_row = len(above) + 1
    assert sheet.header_row == header_row
    filled = [[c for c in row if c is not None] for row in above]
    data = [i + 1 for i, cells in enumerate(filled) if len(cells) >= 2]
    titles = [i + 1 for i, cells in enumerate(filled) if len(cells) == 1]
    rows_below = [header_row + 1 + i for i, r in enumerate(below) if any(c not in (None, "") for c in r)]
    assert sheet.row_numbers == data + rows_below
    assert [n for n in sheet.notes if "title" in n] == [
        f"row {t}: title {str(filled[t - 1][0])!r}, skipped" for t in titles
    ]


def test_a_streamed_row_wider_than_the_header_is_reported(tmp_path: Path) -> None:
    rows: list[list[str]] = [["Supplier", "Country"], *[[f"Firm {i}", "Chile"] for i in range(300)]]
    rows[250] = ["Firm 249", "Chile", "workers from the DPRK"]
    src = _csv(tmp_path / "wide.csv", rows)
    streamed, _ = report.screen_to_reports([src], tmp_path / "a", ["json"])
    assert streamed.inputs[0].sheets[0].notes == [
        "1 row(s) from row 251 have cells past column B, the last of the header's: not screened (the file was "
        "streamed; with --format html or xlsx it is read whole and they are)"
    ]
    whole = api.screen([src]).inputs[0].sheets[0]
    assert whole.fields(249)["notes"] == "workers from the DPRK"  # an unnamed column: its value alone
