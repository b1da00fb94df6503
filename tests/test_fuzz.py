"""Property tests (hypothesis): nothing is lost and nothing but the project's own errors escapes.

* Random workbooks (.xlsx written by openpyxl) and CSV files (in several encodings) go through the library
  and every report writer; each output holds exactly one result per non-blank data row, in order, with its
  spreadsheet row number.
* ``read_input`` gets random bytes, mutated valid files and worksheets with random cell references; the
  text normalisers, header mapping and the matcher get random text. Only ``SupplyscreenError`` subclasses
  may escape.

Example counts are set per test so the file runs in well under 30 s; ``pytest tests/test_fuzz.py
--hypothesis-show-statistics`` prints how many each one ran.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from supplyscreen.errors import InputError, SupplyscreenError
from supplyscreen.ingest.headers import map_header
from supplyscreen.ingest.mapping import build_sheet
from supplyscreen.ingest.read import read_input
from supplyscreen.ingest.text import decode_text
from supplyscreen.ingest.workbook import cell_text
from supplyscreen.match import names
from supplyscreen.match.rows import Matcher
from supplyscreen.normalize import text as normalize
from supplyscreen.pipeline import screen as api
from supplyscreen.pipeline import screener
from supplyscreen.report import write_reports
from supplyscreen.rules import FIELDS, RuleSet, load_rules
from supplyscreen.score import score_hits

from .bad_inputs import generate


def fast(examples: int) -> settings:
    """``examples`` examples, no per-example deadline (file I/O varies), fixtures shared by the examples."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Text a supplier may type: any script, punctuation, formula starts, markup; no control characters (an
# .xlsx cannot hold them) and no surrogates (no decoder produces them).
_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"),
    max_size=15,
)
_HOSTILE = st.sampled_from(
    ["<script>alert(1)</script>", "=1+1", "+SUM(A1)", "-2", "@x", "North Korean workers", "Hunchun", "  ", ""]
)
_CELL = st.one_of(
    st.none(),
    _TEXT,
    _HOSTILE,
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
)
HEADER = ["Supplier", "Country", "Notes", "HS Code"]  # each maps to its own field: no data row can outrank it


def _blank(value: Any) -> bool:
    return cell_text(value) == ""


class _Rows(HTMLParser):
    """Counts report.html's rows: one card per flagged supplier and one table row per unflagged one."""

    def __init__(self) -> None:
        super().__init__()
        self.cards = 0
        self.unflagged = 0
        self._section = ""
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "section":
            self._section = attr.get("id") or ""
        if tag == "article" and "card" in (attr.get("class") or ""):
            self.cards += 1
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body and self._section == "unflagged":
            self.unflagged += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False


def _check_outputs(result: api.ScreeningResult, out: Path, expected: list[int]) -> None:
    """Every output holds exactly the rows ``expected`` (spreadsheet row numbers), in order."""
    write_reports(result, out, ["html", "json", "xlsx", "csv"], force=True)
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [s["source"]["row"] for s in data["suppliers"]] == expected
    assert data["summary"]["rows"] == len(expected)
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [int(r["Row"]) for r in csv.DictReader(handle)] == expected
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    results = book.worksheets[1:-1]  # between the Summary and the Columns sheet
    assert [r[2] for ws in results for r in list(ws.iter_rows(values_only=True))[1:]] == expected
    rows = _Rows()
    rows.feed((out / "report.html").read_text(encoding="utf-8"))
    assert rows.cards + rows.unflagged == len(expected)


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


@pytest.fixture()
def screen_once(monkeypatch: pytest.MonkeyPatch, rules: RuleSet) -> None:
    """api.screen with the real bundled rules, loaded once for the module instead of once per example."""
    monkeypatch.setattr(screener, "load_rules", lambda layers=None: rules)


@fast(60)
@given(
    title_rows=st.integers(0, 2),
    rows=st.lists(st.lists(_CELL, min_size=1, max_size=4), max_size=20),
)
def test_random_workbooks_keep_every_row(
    tmp_path: Path, screen_once: None, title_rows: int, rows: list[list[Any]]
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for i in range(title_rows):
        ws.append([f"ACME supplier list, part {i + 1}"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text that starts with '=' stays text, as a user typed it
    path = tmp_path / "random.xlsx"
    wb.save(path)
    first = title_rows + 2
    expected = [first + i for i, row in enumerate(rows) if not all(_blank(v) for v in row)]
    result = api.screen([path])
    _check_outputs(result, tmp_path / "out", expected)
    for supplier, number in zip(result.suppliers, expected, strict=True):  # the right row's text, too
        source = rows[number - first][0]
        if source is None or isinstance(source, str):  # openpyxl writes floats to 16 digits: text only
            assert supplier.fields.get("name", "") == cell_text(source)


_UNICODE_CELL = (
    st.text(  # delimiters, quotes and line breaks too: the writer quotes them, the reader must cope
        alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n"), max_size=12
    )
)
_ENCODABLE = {
    "utf-8": _UNICODE_CELL,
    "utf-8-sig": _UNICODE_CELL,
    "utf-16": _UNICODE_CELL,
    "gb18030": st.text(
        alphabet="珲春海洋水产有限公司丹东服装厂中国吉林省辽宁 abcXYZ0123-.()&/,;", max_size=12
    ),
    "cp1251": st.text(alphabet='ООО Дальлес Россия Хабаровский край Ёё abc0123-.()",', max_size=12),
    "cp1252": st.text(alphabet="Café Müller Ørsted Ålesund façade ñ ß abc0123-.()'|", max_size=12),
}


@fast(60)
@given(
    encoding=st.sampled_from(sorted(_ENCODABLE)),
    data=st.data(),
)
def test_random_csv_files_keep_every_row(
    tmp_path: Path, screen_once: None, encoding: str, data: st.DataObject
) -> None:
    text = _ENCODABLE[encoding]
    rows = data.draw(
        st.lists(st.lists(st.one_of(text, st.just(""), st.just("  ")), min_size=1, max_size=3), max_size=20)
    )
    assume(
        any(any(c.strip() for c in r) for r in rows)
    )  # at least one data row (a header alone is its own case)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER[:3])
    writer.writerows(rows)
    path = tmp_path / "random.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    expected = [i + 2 for i, row in enumerate(rows) if any(c.replace("\x00", "").strip() for c in row)]
    result = api.screen([path])
    _check_outputs(result, tmp_path / "out", expected)
    if encoding.startswith(
        "utf"
    ):  # the legacy ones are guessed from a few words: compare the text for UTF only
        names = [rows[n - 2][0].strip() for n in expected]
        assert [s.fields.get("name", "") for s in result.suppliers] == names


def _read(tmp_path: Path, name: str, content: bytes) -> None:
    """read_input either reads the file or raises InputError; nothing else escapes."""
    path = tmp_path / name
    path.write_bytes(content)
    try:
        result = read_input(path)
    except InputError:
        return
    for sheet in result.sheets:
        assert len(sheet.rows) == len(sheet.row_numbers)
        assert sheet.row_numbers == sorted(set(sheet.row_numbers))
        if sheet.layout == "table":  # rows above the header may be data; the header row never is
            assert sheet.header_row not in sheet.row_numbers
        else:  # a form: one supplier, at its name label
            assert len(sheet.rows) == 1


@fast(150)
@given(name=st.sampled_from(["x.csv", "x.xlsx", "x.xls", "x.txt"]), content=st.binary(max_size=2000))
def test_random_bytes_only_raise_input_errors(tmp_path: Path, name: str, content: bytes) -> None:
    _read(tmp_path, name, content)


def _seed_files() -> dict[str, bytes]:
    corpus = Path(__file__).parent / "bad_inputs" / "corpus"
    return {
        "vendors.xlsx": generate.simple_xlsx(generate.VENDORS),
        "merged.xlsx": (corpus / "merged_header.xlsx").read_bytes(),
        "old.xls": (corpus / "old_excel.xls").read_bytes(),
        "mixed.csv": (corpus / "mixed_encoding.csv").read_bytes(),
        "utf16.csv": (corpus / "utf16_no_bom.csv").read_bytes(),
        "vendors.ods": _ods(),
    }


def _ods() -> bytes:
    return generate.ods_bytes("".join(generate.ods_row(*values) for values in generate.VENDORS))


SEEDS = _seed_files()


def test_the_seed_files_are_readable(tmp_path: Path) -> None:
    for name, content in SEEDS.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert read_input(path).rows >= 2, name


@fast(200)
@given(
    name=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["flip", "cut", "insert", "zero"]),
            st.floats(0, 1),
            st.binary(min_size=1, max_size=8),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_files_only_raise_input_errors(
    tmp_path: Path, name: str, edits: list[tuple[str, float, bytes]]
) -> None:
    content = bytearray(SEEDS[name])
    for op, where, payload in edits:
        at = int(where * (len(content) - 1))
        if op == "flip":
            content[at : at + len(payload)] = bytes(
                b ^ p for b, p in zip(content[at : at + len(payload)], payload, strict=False)
            )
        elif op == "cut":
            del content[at:]
        elif op == "insert":
            content[at:at] = payload
        else:
            content[at : at + len(payload)] = bytes(len(payload))
        if not content:
            break
    _read(tmp_path, name, bytes(content))


_REF = st.tuples(st.integers(0, 16_383), st.integers(2, 1_048_576))  # row 1 holds the header


@fast(60)
@given(cells=st.lists(st.tuples(_REF, st.booleans()), max_size=6), refless=st.booleans())
def test_the_used_range_guard_bounds_what_the_reader_allocates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cells: list[tuple[tuple[int, int], bool]], refless: bool
) -> None:
    """Cells anywhere on the sheet, valued or only formatted: either the guard refuses the sheet, or what the
    reader then builds fits within the limit (lowered here so that passing sheets stay small)."""
    monkeypatch.setenv("SUPPLYSCREEN_MAX_CELLS", "200000")
    rows: dict[int, list[str]] = {1: [generate.cell("A1", "Supplier")]}
    for (col, row), valued in sorted(cells, key=lambda c: (c[0][1], c[0][0])):
        ref = "" if refless else f' r="{generate._col(col)}{row}"'
        rows.setdefault(row, []).append(
            f'<c{ref} t="inlineStr"><is><t>v</t></is></c>' if valued else f'<c{ref} s="1"/>'
        )
    body = "".join(f'<row r="{r}">{"".join(cs)}</row>' for r, cs in sorted(rows.items()))
    path = tmp_path / "far.xlsx"
    path.write_bytes(generate.zip_bytes(generate.xlsx_members([("S", generate.sheet_xml(body))])))
    try:
        result = read_input(path)
    except InputError as exc:
        assert "used range" in str(exc)
        return
    [sheet] = result.sheets
    height = max([sheet.header_row, *sheet.row_numbers])
    assert height * len(sheet.headers) <= 200_000


_ANY_TEXT = st.text(max_size=60)


@fast(300)
@given(text=_ANY_TEXT, other=_ANY_TEXT)
def test_normalisers_never_raise(text: str, other: str) -> None:
    try:
        folded = normalize.fold(normalize.readable(text))
        normalize.shown(text)
        normalize.units(folded)
        normalize.tokens(text)
        names.name_key(text)
        names.similarity(text, other)
        normalize.country_code(text, other)
        for digits in normalize.hs_codes(text):
            normalize.format_hs(digits)
        normalize.imo_numbers(text)
        normalize.imo_valid(text)
        normalize.vessel_key(text)
        map_header(text)
        cell_text(text)
        build_sheet("fuzz", None, [[text, other, text, ""], ["a", "b", "c", "d"]])
    except SupplyscreenError:
        pass


@fast(200)
@given(content=st.binary(max_size=400))
def test_decoding_never_raises(content: bytes) -> None:
    decoded = decode_text(content)
    assert isinstance(decoded.text, str)


@fast(150)
@given(fields=st.dictionaries(st.sampled_from(FIELDS), st.one_of(_ANY_TEXT, _HOSTILE), max_size=len(FIELDS)))
def test_matching_and_scoring_never_raise(rules: RuleSet, fields: dict[str, str]) -> None:
    matcher = _matcher(rules)
    verdict = score_hits(matcher.match_row(fields), rules)
    assert 0 <= verdict.score <= 100


_MATCHERS: dict[int, Matcher] = {}


def _matcher(rules: RuleSet) -> Matcher:
    if id(rules) not in _MATCHERS:
        _MATCHERS[id(rules)] = Matcher(rules)
    return _MATCHERS[id(rules)]
