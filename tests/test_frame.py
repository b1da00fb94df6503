"""``screen_frame``: a pandas DataFrame screened by the code ``supplyscreen screen`` runs, the verdicts as
columns of a copy with the index, row order and original columns kept."""

from __future__ import annotations

import contextlib
import doctest
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplyscreen
from supplyscreen import InputError, frame, screen_frame
from supplyscreen.pipeline import screen as api
from supplyscreen.pipeline.screener import Screener
from supplyscreen.report.tables import verdict_reasons
from supplyscreen.rules import layered

from .conftest import ROOT, SAMPLES

ADDED = ["score", "tier", "presumption", "track", "reasons"]
SHEETS = [  # (file, sheet, header row) of every sample sheet
    ("vendors.xlsx", "Approved Vendors", 3),
    ("vendors.xlsx", "New Suppliers 2026", 1),
    ("vendors.xlsx", "Поставщики ДВ", 1),
    ("seafood_shipments.xlsx", "Shipments", 1),
]


@pytest.fixture(scope="module")
def sample_results() -> dict[tuple[str, str, int], tuple[object, ...]]:
    """Every sample row's verdict as ``supplyscreen screen`` finds it, by (file, sheet, row)."""
    result = api.screen([SAMPLES / "vendors.xlsx", SAMPLES / "seafood_shipments.xlsx"])
    return {
        (Path(s.sheet.file).name, s.sheet.sheet or "", s.row): (
            s.verdict.score,
            s.verdict.tier,
            s.verdict.presumption,
            s.verdict.track,
            verdict_reasons(s.verdict),
        )
        for s in result.suppliers
    }


@pytest.mark.parametrize(("file", "sheet", "header"), SHEETS)
def test_sample_rows_get_the_verdicts_of_the_command(
    file: str, sheet: str, header: int, sample_results: dict[tuple[str, str, int], tuple[object, ...]]
) -> None:
    df = pd.read_excel(SAMPLES / file, sheet_name=sheet, header=header - 1, dtype=str, engine="calamine")
    out = screen_frame(df)
    assert list(out.columns) == [*df.columns, *ADDED]
    pd.testing.assert_frame_equal(out[df.columns], df)  # the original columns untouched
    clear = (0, "clear", False, "none", "")
    for position, (_, row) in enumerate(out.iterrows()):
        spreadsheet_row = header + 1 + position  # pandas keeps the blank rows, as NaN: positions match
        want = sample_results.get((file, sheet, spreadsheet_row), clear)
        assert (row.score, row.tier, row.presumption, row.track, row.reasons) == want, spreadsheet_row
    assert (out.tier != "clear").sum() == sum(
        1 for (f, s, _), v in sample_results.items() if (f, s) == (file, sheet) and v[1] != "clear"
    )


def test_result_columns_and_dtypes() -> None:
    df = pd.DataFrame(
        {
            "Supplier": ["Hunchun Xinyuan Aquatic Products", "Brennerwerk GmbH", "Alpha Co"],
            "Country": ["China", "Germany", "North Korea"],
            "HS Code": [304.87, np.nan, None],
            "Notes": ["About 40 North Korean workers in the plant", None, "Pyongyang factory"],
        }
    )
    out = screen_frame(df)
    assert out["score"].dtype == np.int64
    assert out["presumption"].dtype == bool
    assert isinstance(out["tier"].dtype, pd.CategoricalDtype) and out["tier"].cat.ordered
    assert list(out["tier"].cat.categories) == ["clear", "low", "medium", "high"]
    assert out.sort_values("tier", ascending=False).index[-1] == 1  # clear sorts last
    assert list(out.loc[out["tier"] >= "medium", "Supplier"]) == [
        "Hunchun Xinyuan Aquatic Products",
        "Alpha Co",
    ]
    first = out.iloc[0]
    assert first.presumption and first.track == "presumption" and first.score == 100
    assert (
        "North Korean nationals in the workforce [notes: “About 40 North Korean workers in the plant”] +90"
        in (first.reasons)
    )
    assert "[hs_code: “304.87”]" in first.reasons  # a float cell is read as the spreadsheet shows it
    assert out.iloc[1].reasons == "" and out.iloc[1].tier == "clear"
    assert out.iloc[2].track == "dprk_origin"
    assert df.columns.tolist() == ["Supplier", "Country", "HS Code", "Notes"]  # the input is not changed


def test_index_and_row_order_are_kept() -> None:
    df = pd.DataFrame(
        {
            "Vendor Name": [
                "Brennerwerk GmbH",
                "Dandong Huayu Garments",
                None,
                "Korea Sobaeksu Trading Company",
            ],
            "Country": ["Germany", "China", None, "DPRK"],
        },
        index=pd.Index(["z-9", "a-1", "m-5", "b-2"], name="vendor"),
    )
    out = screen_frame(df)
    assert out.index.equals(df.index) and out.index.name == "vendor"
    assert list(out["Vendor Name"].fillna("")) == [
        "Brennerwerk GmbH",
        "Dandong Huayu Garments",
        "",
        "Korea Sobaeksu Trading Company",
    ]
    assert out.loc["b-2", "track"] == "dprk_origin" and out.loc["b-2", "presumption"]
    assert out.loc["a-1", "tier"] != "clear"
    assert out.loc["m-5", "tier"] == "clear" and out.loc["m-5", "reasons"] == ""  # a blank row: clear
    # a non-unique, unsorted integer index too
    df.index = pd.Index([3, 3, 1, 0])
    again = screen_frame(df)
    assert again.index.tolist() == [3, 3, 1, 0]
    assert again["score"].tolist() == out["score"].tolist()


def test_explicit_mapping() -> None:
    df = pd.DataFrame(
        {
            "firm": ["Hunchun Haifeng Aquatic Products", "Nordsee Fisch GmbH"],
            "where": ["China", "Germany"],
            "remark 1": ["crew from DPRK", ""],
            "remark 2": ["", "audited 2025"],
            "code": ["0304.75", "0304.75"],
        }
    )
    with pytest.raises(InputError, match=r"no header row found|no supplier name"):
        screen_frame(df)  # nothing says which column is what
    out = screen_frame(
        df, mapping={"name": "firm", "country": "where", "notes": ["remark 1", "remark 2"], "hs_code": "code"}
    )
    assert out.loc[0, "presumption"] and out.loc[0, "track"] == "presumption"
    assert "[notes: “crew from DPRK”]" in out.loc[0, "reasons"]
    assert "[hs_code: “0304.75”]" in out.loc[0, "reasons"]
    assert "[country: “China”]" in out.loc[0, "reasons"]
    assert not out.loc[1, "presumption"]
    # "skip" keeps a column out of the screening; "text" screens one as free text
    skipped = screen_frame(df, mapping={"name": "firm", "skip": ["remark 1", "remark 2"]})
    assert "crew from DPRK" not in skipped.loc[0, "reasons"] and not skipped.loc[0, "presumption"]
    texts = screen_frame(df, mapping={"name": "firm", "text": "remark 1"})
    assert "[notes: “remark 1: crew from DPRK”]" in texts.loc[0, "reasons"]


def test_a_blank_label_is_never_mapped() -> None:
    """A column whose label is blank is unnamed, as a blank header cell is: never mapped to a field by the
    label made up for it, its text still screened."""
    row = ["Hunchun Haifeng", "crew from DPRK", *[""] * 238]
    row[226] = "0304.75"  # under the made-up label "Column HS"
    df = pd.DataFrame([row], columns=["Supplier", " ", *[""] * 238])
    out = screen_frame(df)
    assert "hs_code" not in out.loc[0, "reasons"] and "[notes: “crew from DPRK”]" in out.loc[0, "reasons"]


def test_mapping_by_non_string_labels() -> None:
    df = pd.DataFrame([["Korea Sobaeksu Trading Company", "DPRK"], ["Brennerwerk GmbH", "Germany"]])
    out = screen_frame(df, mapping={"name": 0, "country": 1})  # read with header=None: labels 0, 1
    assert out["track"].tolist() == ["dprk_origin", "none"]
    assert out.columns.tolist() == [0, 1, *ADDED]


def test_empty_frames() -> None:
    empty = pd.DataFrame({"Supplier": pd.Series([], dtype=str), "Country": pd.Series([], dtype=str)})
    out = screen_frame(empty)
    assert out.empty and list(out.columns) == ["Supplier", "Country", *ADDED]
    assert out["score"].dtype == np.int64 and out["presumption"].dtype == bool
    nothing = screen_frame(pd.DataFrame())
    assert nothing.empty and list(nothing.columns) == ADDED
    with pytest.raises(InputError, match=r"mapping name='Vendor' matches no column"):
        screen_frame(empty, mapping={"name": "Vendor"})


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"nam": "Supplier"},
            r"DataFrame: mapping names unknown field 'nam' — use one of: id, name, country",
        ),
        (
            {"name": "Suplier"},
            r"DataFrame: mapping name='Suplier' matches no column \(columns: 'Supplier', 'Country'\) — give a "
            r"column label exactly as it is in df.columns",
        ),
        ({"name": []}, r"DataFrame: mapping 'name' names no column"),
        ({"country": "Country", "name": ["Supplier", "Owner"]}, r"mapping name='Owner' matches no column"),
    ],
)
def test_bad_mapping_is_an_input_error(mapping: dict[str, object], message: str) -> None:
    df = pd.DataFrame({"Supplier": ["Alpha Co"], "Country": ["China"]})
    with pytest.raises(InputError, match=message):
        screen_frame(df, mapping=mapping)  # type: ignore[arg-type]


def test_frames_that_cannot_be_screened() -> None:
    with pytest.raises(InputError, match=r"no supplier name column found .* pass mapping=\{'name': COLUMN"):
        screen_frame(pd.DataFrame({"Supplier ID": ["1"], "Country": ["China"], "Address": ["Hunchun"]}))
    with pytest.raises(InputError, match=r"already has the column\(s\) 'score', 'tier'.*df.drop"):
        screen_frame(pd.DataFrame({"Supplier": ["Alpha Co"], "score": [1], "tier": ["x"]}))
    with pytest.raises(InputError, match="needs a pandas DataFrame, not list"):
        screen_frame([["Alpha Co"]])  # type: ignore[arg-type]


def test_rules_and_lists_as_the_command_takes_them(tmp_path: Path) -> None:
    rules = tmp_path / "acme-rules"
    rules.mkdir()
    (rules / "acme.yaml").write_text(
        "indicators:\n"
        "  - id: acme.blocked_agent\n"
        "    name: Agent on ACME's block list\n"
        "    category: entity\n"
        "    terms: [Golden Bridge Manpower]\n"
        "    points: 40\n"
        '    citations: [{source: acme.memo, summary: "Golden Bridge Manpower supplied crews"}]\n'
        "sources: [{id: acme.memo, kind: advisory, title: Supplier review memo, publisher: ACME}]\n",
        encoding="utf-8",
    )
    watchlist = tmp_path / "acme-list.csv"
    watchlist.write_text(
        "name,aliases,type,country,identifiers,source,reason\n"
        "Ocean Pearl Fishery,,organization,China,,ACME,test entry\n",
        encoding="utf-8",
    )
    df = pd.DataFrame(
        {
            "Supplier": ["Golden Bridge Manpower Ltd", "Ocean Pearl Fishery Co., Ltd."],
            "Country": ["", "China"],
        }
    )
    out = screen_frame(df, rules=rules, lists=[watchlist])
    assert "Agent on ACME's block list [name: “Golden Bridge Manpower”] +40" in out.loc[0, "reasons"]
    assert out.loc[1, "reasons"].startswith(
        "Watchlist name match: Ocean Pearl Fishery (listed entry) [name: “Ocean Pearl Fishery Co., Ltd.”] +40 "
        "(list score 1.00 ≥ 0.88: "
    )
    plain = screen_frame(df)
    assert "ACME" not in plain.loc[0, "reasons"] and plain.loc[1, "score"] < out.loc[1, "score"]
    with Screener.build(layered([rules]), [watchlist]) as screener:  # compiled once, for any number of frames
        for part in (df, df.iloc[::-1]):
            again = screen_frame(part, screener=screener)
            pd.testing.assert_frame_equal(again, out.loc[part.index])


def test_the_same_code_path_as_the_command(tmp_path: Path) -> None:
    """A frame and the same rows written as a CSV for ``supplyscreen screen`` get the same verdicts."""
    df = pd.read_excel(SAMPLES / "seafood_shipments.xlsx", dtype=str, engine="calamine")
    src = tmp_path / "shipments.csv"
    df.to_csv(src, index=False)
    result = api.screen([src])
    by_row = {s.row: s.verdict for s in result.suppliers}
    out = screen_frame(df)
    for position, (_, row) in enumerate(out.iterrows()):
        v = by_row.get(position + 2)
        if v is None:
            assert row.tier == "clear"
            continue
        assert (row.score, row.tier, row.presumption, row.track, row.reasons) == (
            v.score,
            v.tier,
            v.presumption,
            v.track,
            verdict_reasons(v),
        )


def test_docstring_example_runs() -> None:
    failures, tried = doctest.testmod(frame, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried > 0 and failures == 0


def test_imported_lazily() -> None:
    assert supplyscreen.screen_frame is screen_frame
    assert "screen_frame" in supplyscreen.__all__
    with pytest.raises(AttributeError):
        supplyscreen.no_such_thing  # noqa: B018


def test_readme_example_prints_what_the_readme_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's screen_frame example, run from the repository root, prints the output pasted under it
    (when the rules change the scores, run the example again and paste its output)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Screening a pandas DataFrame") :]
    code = section.split("```python\n", 1)[1].split("\n```", 1)[0]
    shown = (
        section.split("```python\n", 1)[1].split("\n```\n", 1)[1].split("```\n", 1)[1].split("\n```", 1)[0]
    )
    monkeypatch.chdir(ROOT)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    assert printed.getvalue().rstrip("\n") == shown
