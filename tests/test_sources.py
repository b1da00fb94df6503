"""Inputs from anything: spreadsheets, watchlists and rule files from a path, bytes or a binary file object,
named by the name they are shown by; the column maps of --map, forms and the API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from supplyscreen.errors import InputError, RulesError
from supplyscreen.ingest.mapping import ColumnMaps, parse_fields
from supplyscreen.ingest.read import read_input
from supplyscreen.ingest.sources import Source
from supplyscreen.ingest.watchlist import list_sources, load_watchlist
from supplyscreen.rules import RuleLayer, layered, load_rules

from .conftest import SAMPLES

CSV = b"Supplier,Country\nAcme Fishing,Chile\nPyongyang Trading,DPRK\n"
LIST = b"name,aliases,type,country,identifiers,source,reason\nAcme Fishing,,organization,CN,,memo,test\n"


def _given(kind: str, data: bytes, path: Path) -> Any:
    path.write_bytes(data)
    return {
        "path": path,
        "str": str(path),
        "bytes": data,
        "file": io.BytesIO(data),
        "source": Source.of(path),
    }[kind]


@pytest.mark.parametrize("kind", ["path", "str", "bytes", "file", "source"])
@pytest.mark.parametrize("sample", ["vendors.xlsx", "seafood_shipments.xlsx", "suppliers.csv"])
def test_a_spreadsheet_reads_the_same_from_a_path_bytes_or_a_file_object(
    tmp_path: Path, kind: str, sample: str
) -> None:
    data = (SAMPLES / sample).read_bytes() if sample.endswith(".xlsx") else CSV
    (tmp_path / "original").mkdir()
    (tmp_path / "original" / sample).write_bytes(data)
    got = read_input(_given(kind, data, tmp_path / sample), name=sample)
    want = read_input(tmp_path / "original" / sample, name=sample)
    assert got.display == sample and got.sha256 == want.sha256 and got.kind == want.kind
    assert [(s.sheet, s.headers, s.rows, s.row_numbers) for s in got.sheets] == [
        (s.sheet, s.headers, s.rows, s.row_numbers) for s in want.sheets
    ]
    assert all(s.file == sample for s in got.sheets)
    assert got.read_bytes() == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "upload 1.csv: the file is empty"),
        (b"%PDF-1.7 fake", "upload 1.csv: is a PDF, not a spreadsheet"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "upload 1.csv: is a PNG image, not a spreadsheet"),
        (bytes(range(256)) * 20, "upload 1.csv: is a binary file, not a spreadsheet"),
        (b"PK\x05\x06" + bytes(18), "upload 1.csv: is a ZIP archive, not a workbook"),
        (b"Colour,Weight\nred,3\n", "upload 1.csv: no supplier name column found"),
    ],
)
def test_errors_name_the_input_by_its_given_name(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_input(data, name="upload 1.csv")
    assert caught.value.message.startswith(message)


def test_a_missing_path_is_one_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        read_input(tmp_path / "nope.csv")
    with pytest.raises(InputError, match=r"nope\.csv: no such watchlist file"):
        load_watchlist(tmp_path / "nope.csv")


@pytest.mark.parametrize("kind", ["path", "bytes", "file"])
def test_a_watchlist_from_a_path_bytes_or_a_file_object(tmp_path: Path, kind: str) -> None:
    listed = load_watchlist(_given(kind, LIST, tmp_path / "block.csv"), name="my block list.csv")
    assert listed.display == "my block list.csv" and listed.format == "simple"
    assert [e.name for e in listed.entries] == ["Acme Fishing"]
    with pytest.raises(InputError, match=r"^my list\.csv: not a watchlist format"):
        load_watchlist(b"colour,weight\nred,3\n", name="my list.csv")


def test_ofac_companions_belong_to_the_list_beside_them(tmp_path: Path) -> None:
    ofac = tmp_path / "ofac"
    ofac.mkdir()
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        (ofac / name).write_bytes(b"1,x\n")
    other = tmp_path / "block.csv"
    other.write_bytes(LIST)
    by_folder = list_sources([ofac / "sdn.csv", other])  # companions found beside sdn.csv
    assert [[c.name for c in s.companions] for s in by_folder] == [
        [str(ofac / "alt.csv"), str(ofac / "add.csv")],
        [],
    ]
    given = list_sources([ofac / "sdn.csv", ofac / "alt.csv"])  # given too: not read twice, not a list
    assert [s.name for s in given] == [str(ofac / "sdn.csv")]
    assert sorted(c.name for c in given[0].companions) == [str(ofac / "add.csv"), str(ofac / "alt.csv")]
    uploads = list_sources([Source("sdn.csv", data=b"1"), Source("ALT.csv", data=b"2")])  # by upload
    assert [(s.name, [c.name for c in s.companions]) for s in uploads] == [("sdn.csv", ["ALT.csv"])]
    with pytest.raises(InputError, match=r"add\.csv: is one of OFAC's companion files"):
        list_sources([other, Source("add.csv", data=b"3")])


def test_rule_files_as_uploads_are_layers_named_by_their_names(tmp_path: Path) -> None:
    good = RuleLayer("mine.yaml", files=(("mine.yaml", b"tiers: {high: 50, medium: 20, low: 1}\n"),))
    rules = load_rules(layered([good]))
    assert (rules.tiers.high, rules.tiers.low) == (50, 1)
    assert rules.sources[-1].name == "mine.yaml"
    on_disk = tmp_path / "mine.yaml"
    on_disk.write_bytes(good.files[0][1])
    assert load_rules(layered([on_disk])).sources[-1].sha256 == rules.sources[-1].sha256  # --rules FILE
    bad = RuleLayer("bad.yaml", files=(("bad.yaml", b"tiers: [1\n"),))
    with pytest.raises(RulesError) as caught:
        load_rules(layered([bad]))
    assert caught.value.problems[0].startswith("bad.yaml:")


@pytest.mark.parametrize(
    ("values", "every", "inputs", "sheets"),
    [
        (["name=Vendor"], {"name": ("Vendor",)}, {}, {}),
        (["Name = Vendor ", "name=Firm"], {"name": ("Vendor", "Firm")}, {}, {}),
        (["address=Ort", "text=A=B: c"], {"address": ("Ort",), "text": ("A=B: c",)}, {}, {}),
        (["a.csv:id=Code"], {}, {"a.csv": {"id": ("Code",)}}, {}),
        (["dir/a b.xlsx[Sheet 1]:skip=Notes"], {}, {}, {("dir/a b.xlsx", "Sheet 1"): {"skip": ("Notes",)}}),
        (["x=y.csv:name=Firm"], {}, {"x=y.csv": {"name": ("Firm",)}}, {}),
    ],
)
def test_map_values_and_their_command_form(
    values: list[str], every: dict[str, Any], inputs: dict[str, Any], sheets: dict[Any, Any]
) -> None:
    maps = ColumnMaps.parse(values)
    assert (dict(maps.every), dict(maps.inputs), dict(maps.sheets)) == (every, inputs, sheets)
    assert ColumnMaps.parse(maps.args()) == maps


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("name", "--map 'name' is not FIELD=HEADER"),
        ("name=", "--map 'name=' is not FIELD=HEADER"),
        (":name=Firm", "--map ':name=Firm' is not FIELD=HEADER"),
        ("colour=Red", "--map names unknown field 'colour'"),
        ("a.csv:colour=Red", "--map names unknown field 'colour'"),
    ],
)
def test_bad_map_values_are_one_error(value: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        ColumnMaps.parse([value])
    assert caught.value.message == message


def test_maps_for_an_input_and_its_sheets() -> None:
    maps = ColumnMaps.parse(["name=Vendor", "a.csv:name=Firm", "a.csv:id=Code", "b.xlsx[S]:name=Who"])
    assert maps.for_input("data/a.csv") == {"name": ["Firm"], "id": ["Code"]}  # by file name too
    assert maps.for_input("b.xlsx") == {"name": ["Vendor"]}
    assert maps.sheet_maps("b.xlsx") == {"S": {"name": ["Who"]}}
    assert parse_fields({"Name": "Firm", "address": ["City", "Street"]}) == {
        "name": ["Firm"],
        "address": ["City", "Street"],
    }
    with pytest.raises(InputError, match="mapping names unknown field 'colour'"):
        parse_fields({"colour": "Red"})


def test_a_sheet_map_applies_to_that_sheet_only(tmp_path: Path) -> None:
    book = SAMPLES / "vendors.xlsx"
    plain = read_input(book)
    first = plain.sheets[0].sheet
    assert first is not None
    maps = ColumnMaps.parse([f"vendors.xlsx[{first}]:id=Payment Terms"])
    mapped = read_input(book, overrides=maps)
    headers = mapped.sheets[0].headers
    assert [headers[c] for c in mapped.sheets[0].mapping["id"]] == ["Payment Terms"]
    assert [s.mapping for s in mapped.sheets[1:]] == [s.mapping for s in plain.sheets[1:]]
    with pytest.raises(InputError, match=r"no sheet named 'Nope' for --map"):
        read_input(book, overrides=ColumnMaps.parse(["vendors.xlsx[Nope]:id=X"]))
    with pytest.raises(InputError, match=r"--map id='Nothing' matches no column"):
        read_input(book, overrides=ColumnMaps.parse([f"vendors.xlsx[{first}]:id=Nothing"]))
