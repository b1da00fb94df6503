"""ListMatcher: blocking, then comparisons; the cases of issue 11 and the explain --list command."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from supplyscreen.cli import cli
from supplyscreen.ingest.watchlist import Watchlist, load_watchlist
from supplyscreen.match.lists import ListMatcher
from supplyscreen.match.rows import Hit
from supplyscreen.pipeline.screen import screen
from supplyscreen.report import write_reports
from supplyscreen.rules import RuleSet

from .conftest import ROOT, SHARED

OFAC = SHARED / "data" / "ofac-sdn" / "sdn.csv"
needs_shared = pytest.mark.skipif(not OFAC.exists(), reason="../shared/data not beside the project")
SCHEMA = json.loads((ROOT / "src/supplyscreen/schema/results.schema.json").read_text(encoding="utf-8"))

LIST = (
    "name,aliases,type,country,identifiers,source,reason\n"
    "Foreign Trade Bank of the DPRK,Korea Trade Bank,organization,KP,SWIFT/BIC FTBDKPPY,ACME list,DPRK bank\n"
    "Ocean Star,,vessel,KP,IMO 9074729,ACME list,DPRK-flagged tanker\n"
    "Sea Pearl,,vessel,KP,IMO 9912348,ACME list,the list's IMO number has a wrong check digit\n"
    "Haifeng 818,,vessel,CN,,ACME list,fishing vessel with DPRK crew\n"
    "Seaman Taedonggang Crew Agency,,organization,KP,,ACME list,DPRK crewing agency supplying workers\n"
    "Korea Rungrado General Trading Corporation,,organization,KP,,ACME list,DPRK labour exporter\n"
    "EP-ITC,,aircraft,IR,,ACME list,aircraft\n"
    "Dandong Hongda Trade Co. Ltd.,,organization,CN,,ACME list,DPRK trade partner\n"
)


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    path = tmp_path / "acme.csv"
    path.write_text(LIST, encoding="utf-8")
    return path


@pytest.fixture
def matcher(acme: Path, ruleset: RuleSet) -> ListMatcher:
    return ListMatcher([load_watchlist(acme)], ruleset.watchlist)


def _hits(matcher: ListMatcher, **row: str) -> list[Hit]:
    return matcher.match_rows([row]).get(0, [])


def _entries(hits: list[Hit]) -> list[str]:
    return [h.list["entry"] for h in hits if h.list is not None]


@pytest.mark.parametrize(
    ("row", "entry"),
    [
        (
            {"name": "Seaman Tae Dong Gang Crew Agency", "country": "China"},
            "row 6: Seaman Taedonggang Crew Agency",
        ),
        ({"name": "Zhoushan Fishing", "vessel": "Haifeng818"}, "row 5: Haifeng 818"),
        ({"name": "Zhoushan Fishing", "vessel": "Sea Pearl IMO 9912348"}, "row 4: Sea Pearl"),
        ({"name": "Ningbo Reefer", "notes": "transhipped from IMO 9912348 in May"}, "row 4: Sea Pearl"),
        (
            {"name": "Rungrado General Trading LLC", "country": "Russia"},
            "row 7: Korea Rungrado General Trading Corporation",
        ),
        (
            {"name": "Hongda Trade Co., Ltd.", "address": "8 Jiangcheng St, Dandong"},
            "row 9: Dandong Hongda Trade Co. Ltd.",
        ),
    ],
)
def test_hits(matcher: ListMatcher, row: dict[str, str], entry: str) -> None:
    assert _entries(_hits(matcher, **row)) == [entry]


@pytest.mark.parametrize(
    "name",
    [
        "\u202enoitaroproC gnidarT lareneG odargnuR aeroK",  # shows as the listed name
        "K o r e a Rungrado General Trading Corporation",
        "Korea Run\u200bgra\u200bdo General Trading Corporation",
        "Korea Rungra\u00addo General Trading Corporation",
        "Ｋｏｒｅａ Ｒｕｎｇｒａｄｏ General Trading Corporation",
    ],
)
def test_spoofed_names_hit_like_the_listed_name(matcher: ListMatcher, name: str) -> None:
    entry = "row 7: Korea Rungrado General Trading Corporation"
    assert _entries(_hits(matcher, name=name)) == [entry]
    assert [c.entry.name for c in matcher.candidates({"name": name}) if c.kept] == [entry.split(": ")[1]]


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ({"name": "Industrial Bank of Korea", "country": "South Korea"}, "country_mismatch"),
        (
            {"name": "Zhoushan Fishing", "vessel": "Ocean Star IMO 9912347"},
            "different IMO numbers: 9912347 (row) vs 9074729",
        ),
        ({"name": "Ocean Star IMO 9912347"}, "different IMO numbers"),  # a vessel written in the name cell
        ({"name": "ITC Limited", "country": "India"}, "the entry is an aircraft"),
        ({"name": "HONGDA CO.,LTD", "country": "China"}, "place_unstated"),
        (
            {"name": "Korea Rungrado General Trading", "country": "South Korea"},
            "Republic of Korea (row) ≠ DPRK",
        ),
    ],
)
def test_dropped_with_a_reason(matcher: ListMatcher, row: dict[str, str], why: str) -> None:
    assert _hits(matcher, **row) == []
    dropped = [c for c in matcher.candidates(row) if not c.kept]
    reasons = [" | ".join([c.why, *(x.detail for x in c.comparisons)]) for c in dropped]
    assert any(why in r for r in reasons), reasons


def test_same_wrong_imo_on_both_sides_says_so(matcher: ListMatcher) -> None:
    (hit,) = _hits(matcher, name="X", vessel="Sea Pearl IMO 9912348")
    assert hit.list is not None and hit.similarity == 1.0
    details = [c["detail"] for c in hit.list["comparisons"]]
    assert (
        "same IMO number 9912348 (its check digit is wrong, but both sides write it as an IMO number)"
        in details
    )


def test_hits_carry_their_comparisons(matcher: ListMatcher) -> None:
    (hit,) = _hits(matcher, name="Rungrado General Trading LLC", country="Russia")
    listed = hit.list
    assert listed is not None
    assert listed["entry_id"] == "row 7" and listed["threshold"] == 0.88 and listed["score"] == hit.similarity
    names = [c["name"] for c in listed["comparisons"]]
    assert names[0] == "name" and "country" in names  # Russia hosts DPRK firms: no contradiction
    assert listed["why"].startswith("kept: name")
    assert hit.points == 90 and hit.nexus  # a DPRK labour exporter: the presumption


def test_candidates_agree_with_match_rows(matcher: ListMatcher) -> None:
    rows: list[Mapping[str, str]] = [
        {"name": "Seaman Tae Dong Gang Crew Agency"},
        {"name": "Industrial Bank of Korea", "country": "KR"},
        {"name": "Zhoushan Fishing", "vessel": "Haifeng 818", "notes": "IMO 9912348"},
        {"name": "Plain Wines", "country": "Chile"},
    ]
    hits = matcher.match_rows(rows)
    for i, row in enumerate(rows):
        kept = {c.entry.label for c in matcher.candidates(row) if c.kept}
        assert kept == set(_entries(hits.get(i, [])))


def test_one_hit_per_row_and_entry(matcher: ListMatcher) -> None:
    hits = _hits(matcher, name="Sea Pearl IMO 9912348", vessel="Sea Pearl IMO 9912348", notes="IMO 9912348")
    assert _entries(hits) == ["row 4: Sea Pearl"]


def test_results_json_with_comparisons_validates(acme: Path, tmp_path: Path) -> None:
    src = tmp_path / "vendors.csv"
    src.write_text(
        "Supplier,Country,Vessel,Notes\n"
        "Rungrado General Trading LLC,Russia,,\n"
        "Zhoushan Fishing,China,Sea Pearl IMO 9912348,\n"
        "Industrial Bank of Korea,South Korea,,\n",
        encoding="utf-8",
    )
    result = screen([src], lists=[acme])
    data = result.to_json()
    jsonschema.validate(data, SCHEMA)
    listed = [h["list"] for s in data["suppliers"] for h in s["hits"] if h["list"]]
    assert len(listed) == 2 and all(
        {"score", "threshold", "comparisons", "why", "entry_id"} <= set(x) for x in listed
    )
    out = tmp_path / "out"
    write_reports(result, out, ["html", "xlsx", "json"])
    jsonschema.validate(json.loads((out / "results.json").read_text(encoding="utf-8")), SCHEMA)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'class="comparisons"' in html and "same IMO number 9912348 (its check digit is wrong" in html
    cells = [
        c.value for ws in load_workbook(out / "results.xlsx").worksheets for r in ws.iter_rows() for c in r
    ]
    assert any(isinstance(v, str) and "(list score 1.00 ≥ 0.88: " in v for v in cells)


def test_explain_list_shows_candidates_and_why(acme: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["explain", "--name", "Industrial Bank of Korea", "--country", "South Korea", "--list", str(acme)],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Watchlists (" in out and "row: country KR" in out
    assert "dropped row 2: Foreign Trade Bank of the DPRK [organization]" in out
    assert "name 1.00 via the alias “Korea Trade Bank”" in out
    assert "Republic of Korea (row) ≠ DPRK (entry)" in out and "−0.30" in out
    assert "→ dropped: vetoed by generic_only" in out and "name 1.00 − 0.30 country_mismatch = 0.70" in out
    vessel = CliRunner().invoke(cli, ["explain", "--vessel", "Ocean Star IMO 9912347", "--list", str(acme)])
    assert vessel.exit_code == 0, vessel.output
    assert "dropped row 3: Ocean Star [vessel] ← vessel “Ocean Star IMO 9912347”" in vessel.output
    assert (
        "identifier_mismatch 1.00   veto  different IMO numbers: 9912347 (row) vs 9074729 (entry)"
        in vessel.output
    )


def test_explain_list_kept_hit_counts_in_the_score(acme: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "explain",
            "--name",
            "Korea Rungrado General Trading Corp",
            "--country",
            "Russia",
            "--list",
            str(acme),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "KEPT    row 7: Korea Rungrado General Trading Corporation" in result.output
    assert "Presumption: YES" in result.output


# --- the full OFAC snapshot ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ofac() -> Watchlist:
    return load_watchlist(OFAC)


@needs_shared
@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Industrial Bank of Korea", "South Korea"),
        ("Korea Zinc Inc.", "South Korea"),
        ("Daesang Corporation", "South Korea"),
        ("Korea Computer Inc.", "South Korea"),
        ("HONGDA CO.,LTD", "China"),
        ("ITC Limited", "India"),
        ("F&F Holdings Co., Ltd.", "South Korea"),
        ("SL Corporation", "South Korea"),
        ("Carvana", "United States"),
    ],
)
def test_real_names_not_hit(ofac: Watchlist, ruleset: RuleSet, name: str, country: str) -> None:
    matcher = _ofac_matcher(ofac, ruleset)
    assert _hits(matcher, name=name, country=country) == []


@needs_shared
@pytest.mark.parametrize(
    ("name", "country", "entry"),
    [
        ("Московский областной банк ПАО", "Russia", "SDN 19036: PAO MOSOBLBANK"),
        ("Mostotrest", "Russia", "SDN 20029: PJSC MOSTOTREST"),
        (
            "Bank VVB",
            "Russia",
            "SDN 22508: VVB, PAO",
        ),  # listed in Crimea (Ukraine); its SWIFT and BIK are Russian
        ("KOMID", "", "SDN 9345: KOREA MINING DEVELOPMENT TRADING CORPORATION"),  # an a.k.a. in the remarks
        (
            "Korea Mining Development Trading Corp",
            "Russia",
            "SDN 9345: KOREA MINING DEVELOPMENT TRADING CORPORATION",
        ),
    ],
)
def test_listed_names_hit(ofac: Watchlist, ruleset: RuleSet, name: str, country: str, entry: str) -> None:
    matcher = _ofac_matcher(ofac, ruleset)
    assert entry in _entries(_hits(matcher, name=name, country=country))


_MATCHERS: dict[int, ListMatcher] = {}


def _ofac_matcher(ofac: Watchlist, ruleset: RuleSet) -> ListMatcher:
    if id(ofac) not in _MATCHERS:
        _MATCHERS.clear()
        _MATCHERS[id(ofac)] = ListMatcher([ofac], ruleset.watchlist)
    return _MATCHERS[id(ofac)]


def test_a_rules_layer_changes_the_weights_screen_uses(acme: Path, tmp_path: Path) -> None:
    src = tmp_path / "vendors.csv"
    src.write_text("Supplier,Country\nKorea Rungrado General Trading,South Korea\n", encoding="utf-8")
    assert not any(h.list for h in screen([src], lists=[acme]).suppliers[0].verdict.hits)
    layer = tmp_path / "acme-rules"
    layer.mkdir()
    (layer / "matching.yaml").write_text(
        "matching:\n  threshold: 0.88\n  evidence: {name: 1.0}\n  qualifiers: {country_mismatch: 0.0}\n",
        encoding="utf-8",
    )
    hits = screen([src], rules_dirs=[ROOT / "rules", layer], lists=[acme]).suppliers[0].verdict.hits
    assert [h.list["entry"] for h in hits if h.list] == ["row 7: Korea Rungrado General Trading Corporation"]
