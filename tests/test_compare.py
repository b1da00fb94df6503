"""The comparison functions of supplyscreen.compare, table by table, and how rules/matching.yaml combines them."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplyscreen.compare import FEATURES, Comparison, combine
from supplyscreen.compare.country import compare_countries
from supplyscreen.compare.entity import compare_types
from supplyscreen.compare.identifiers import compare_identifiers, identifiers_in
from supplyscreen.compare.name import compare_names, generic_only, weak_name
from supplyscreen.compare.place import compare_places
from supplyscreen.compare.vessel import compare_vessel_names, compare_vessels
from supplyscreen.errors import RulesError
from supplyscreen.rules import MatchingRules, RuleSet, default_matching, load_rules

GENERIC = default_matching().generic_words
HOSTS = {k: frozenset(v) for k, v in default_matching().operates_abroad.items()}


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "alias", "primary", "score", "detail"),
    [
        (
            "Korea Rungrado General Trading Corp.",
            "KOREA RUNGRADO GENERAL TRADING CORPORATION",
            None,
            1.0,
            "listed name",
        ),
        (
            "Industrial Bank of Korea",
            "KOREA TRADE BANK",
            "FOREIGN TRADE BANK",
            1.0,
            "alias “KOREA TRADE BANK”",
        ),
        ("Dongguan Jinhai Seafood", "Donggang Jinhai Seafood", None, 0.83, "name 0.83"),  # places differ
    ],
)
def test_compare_names(query: str, alias: str, primary: str | None, score: float, detail: str) -> None:
    c = compare_names(query, alias, primary=primary)
    assert c.name == "name" and c.score == pytest.approx(score, abs=0.01) and detail in c.detail


@pytest.mark.parametrize(
    ("query", "alias", "vetoed"),
    [
        ("Industrial Bank of Korea", "KOREA TRADE BANK", True),  # bank and a place
        ("F&F Holdings Co., Ltd.", "STG HOLDINGS LIMITED", True),
        ("L&T Finance Limited", "B-FINANCE LTD", True),
        ("KIT Finans Bank", "M FINANS", True),  # the listed name is the generic one
        ("MGTS-5", "T.F.M.C. THE FOOD MANAGEMENT CORPORATION LTD", True),
        ("Energy Development Company Limited", "ENERGY GLOBAL INTERNATIONAL FZE", True),
        ("Korea Computer Inc.", "KOREA COMPUTER CENTER", False),  # a sector word: the country decides
        ("Korea Mining Development Trading Corp", "KOREA MINING DEVELOPMENT TRADING CORPORATION", False),
        ("Koryo Commercial Bank", "KORYO BANK", False),
    ],
)
def test_generic_only(query: str, alias: str, vetoed: bool) -> None:
    c = generic_only(query, alias, GENERIC)
    assert (c.name == "generic_only" and c.score == 1.0) is vetoed, c.detail


@pytest.mark.parametrize(
    ("query", "alias", "supported", "vetoed", "detail"),
    [
        ("SL Corporation", "SL", False, True, "short word “sl”"),
        ("Brigade Enterprises Limited", "THE INTERNATIONAL BRIGADE", False, True, "common word “brigade”"),
        ("Brigade Enterprises Limited", "THE INTERNATIONAL BRIGADE", True, False, "supports"),
        ("Bank VVB", "PJSC BANK VVB", True, False, "“vvb”"),
        ("CMT", "OOO 'CMT-K'", True, True, "letters differ"),
        ("Zvezda", "PAO ZVEZDA", False, False, "distinctive word “zvezda”"),
        (
            "EKO Development and Investment Co",
            "EKO DEVELOPMENT AND INVESTMENT COMPANY",
            False,
            False,
            "business words",
        ),
        ("CK International Ltd", "CK INTERNATIONAL LTD", False, False, "“international”"),
        ("Nam Gang Construction", "NAMGANG CONSTRUCTION", False, False, "“namgang”"),  # written apart
        ("Korea Computer Center", "KOREA COMPUTER CENTER", False, False, "“korea”, “computer”"),
    ],
)
def test_weak_name(query: str, alias: str, supported: bool, vetoed: bool, detail: str) -> None:
    c = weak_name(query, alias, supported, GENERIC)
    assert (c.name == "weak_name" and c.score == 1.0) is vetoed, c.detail
    assert detail in c.detail


# --- identifiers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "vessel_cell", "expected"),
    [
        (
            "Vessel Registration Identification IMO 9074729; MMSI 572469210",
            False,
            [("imo", "9074729", ""), ("mmsi", "572469210", "")],
        ),
        ("transhipped from IMO9912347 last month", False, [("imo", "9912347", "")]),
        ("Company Number IMO 5878206.", False, [("imo_company", "5878206", "")]),
        (
            "Tax ID No. 7811038760 (Russia); Registration Number 1037825005085 (Russia).",
            False,
            [("registration", "1037825005085", "RU"), ("tax", "7811038760", "RU")],
        ),
        (
            "SWIFT/BIC YARORU21; BIK (RU) 046711106",
            False,
            [("swift", "YARORU21", "RU"), ("bik", "046711106", "RU")],
        ),
        ("Aircraft Tail Number EP-MMH", False, [("aircraft", "EPMMH", "")]),
        ("SDN 19613 and UN ref KPe.030", False, [("sdn", "19613", ""), ("un", "KPE030", "")]),
        ("Kum Song 7 9912347", True, [("imo", "9912347", "")]),  # a bare number in a vessel cell, valid
        ("Kum Song 7 9912348", True, []),  # its check digit is wrong
        ("order 9912347 shipped", False, []),  # a bare number elsewhere is no IMO number
        ("Holiday Inn 24", False, []),
    ],
)
def test_identifiers_in(text: str, vessel_cell: bool, expected: list[tuple[str, str, str]]) -> None:
    assert [(i.kind, i.value, i.country) for i in identifiers_in(text, bare_imo=vessel_cell)] == expected


@pytest.mark.parametrize(
    ("row", "entry", "name", "detail"),
    [
        (
            "Ocean Star IMO 9912347",
            "Vessel Registration Identification IMO 9074729",
            "identifier_mismatch",
            "different IMO numbers: 9912347 (row) vs 9074729 (entry)",
        ),
        (
            "IMO 9912348",
            "IMO 9912348",
            "identifier_match",
            "its check digit is wrong, but both sides write it as an IMO number",
        ),
        (
            "IMO 9074729",
            "Vessel Registration Identification IMO 9074729",
            "identifier_match",
            "same IMO number 9074729",
        ),
        ("Tax ID 7811038760", "Tax ID No. 7811038760 (Russia)", "identifier_match", "same tax number"),
        (
            "Tax ID 7811038761",
            "Tax ID No. 7811038760 (Russia)",
            "identifier_mismatch",
            "different tax numbers",
        ),
        (
            "Registration Number 02696754 (United Kingdom)",
            "Registration Number 1157847290920 (Russia)",
            "identifier",
            "no identifier of the same kind",
        ),
        ("IMO 9912347", "Company Number IMO 5878206", "identifier", "no identifier of the same kind"),
        ("", "IMO 9074729", "identifier", "the row carries no identifier"),
    ],
)
def test_compare_identifiers(row: str, entry: str, name: str, detail: str) -> None:
    c = compare_identifiers(identifiers_in(row), identifiers_in(entry))
    assert c.name == name and c.score == (0.0 if name == "identifier" else 1.0)
    assert detail in c.detail


# --- countries, entity types, vessels, places ----------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "entry", "name", "detail"),
    [
        ("KR", {"KP"}, "country_mismatch", "Republic of Korea (row) ≠ DPRK (entry)"),
        ("KP", {"KP", "CN"}, "country_match", "DPRK on both sides"),
        ("RU", {"KP"}, "country", "entities of the DPRK are reported working in RU"),
        ("KR", {"KP", "CN"}, "country_mismatch", "≠ CN, DPRK"),  # the Republic of Korea hosts none
        ("JP", {"IR"}, "country_mismatch", "JP (row) ≠ IR (entry)"),
        (None, {"KP"}, "country", "not known"),
        ("KP?", {"KP"}, "country", "without saying which"),
        ("KP?", {"CN"}, "country_mismatch", "Korea (row)"),
        ("RU", set(), "country", "names no country"),
    ],
)
def test_compare_countries(row: str | None, entry: set[str], name: str, detail: str) -> None:
    c = compare_countries(row, entry, HOSTS)
    assert c.name == name and c.score == (0.0 if name == "country" else 1.0)
    assert detail in c.detail


@pytest.mark.parametrize(
    ("query", "entry", "mismatch"),
    [
        ("organization", "aircraft", True),
        ("organization or person", "aircraft", True),
        ("organization", "person", True),
        ("organization or person", "person", False),
        ("organization", "organization", False),
        ("vessel", "vessel", False),
        ("vessel", "organization", True),
    ],
)
def test_compare_types(query: str, entry: str, mismatch: bool) -> None:
    assert (compare_types(query, entry).name == "type_mismatch") is mismatch


@pytest.mark.parametrize(
    ("row", "listed", "at_least", "below"),
    [
        ("Haifeng818", "Haifeng 818", 1.0, None),
        ("MV Haifeng-818", "HAIFENG 818", 1.0, None),
        ("Fu Yuan Yu 7788", "FUYUANYU 7788", 1.0, None),
        ("Fu Yuan Yu 7788", "Fu Yuan Yu 7789", None, 0.01),
        ("Kum Song 3", "Kum Sung 3", 0.85, None),
        ("Haiyang 8", "Taiyang 8", None, 0.01),
    ],
)
def test_compare_vessel_names(row: str, listed: str, at_least: float | None, below: float | None) -> None:
    c = compare_vessel_names(row, listed)
    assert c.name == "vessel"
    if at_least is not None:
        assert c.score >= at_least, c.detail
    if below is not None:
        assert c.score < below, c.detail


def test_compare_vessels_moved_and_still_in_match() -> None:
    from supplyscreen.match.rows import compare_vessels as from_match

    assert from_match is compare_vessels
    assert compare_vessels("Ocean Star IMO 9912347", "Ocean Star IMO 9074729") == (
        0.0,
        "different IMO numbers",
    )


@pytest.mark.parametrize(
    ("row", "address", "alias", "addresses", "name"),
    [
        (
            "HONGDA CO.,LTD",
            "",
            "DANDONG HONGDA TRADE CO. LTD.",
            ["Dandong, Liaoning, China"],
            "place_unstated",
        ),
        (
            "Hongda Trade Co., Ltd.",
            "No. 8 Jiangcheng Street, Dandong",
            "DANDONG HONGDA TRADE CO. LTD.",
            [],
            "place",
        ),
        (
            "上海开开实业股份有限公司",
            "",
            "KAIKAI TECHNOLOGY CO., LTD.",
            ["No. 3 Fangcao Garden, Nanjing, Jiangsu 210038, China"],
            "place_mismatch",
        ),
        ("Sukbakso", "", "BEIJING SUKBAKSO", [], "place"),  # not a pinyin trade name
        ("Rungrado General Trading", "", "KOREA RUNGRADO GENERAL TRADING CORPORATION", [], "place"),
    ],
)
def test_compare_places(row: str, address: str, alias: str, addresses: list[str], name: str) -> None:
    c = compare_places(row, address, alias, addresses, GENERIC)
    assert c.name == name, c.detail


# --- combining -----------------------------------------------------------------------------------------


RULES = MatchingRules(
    threshold=0.88,
    evidence={"name": 1.0, "identifier_match": 1.2},
    qualifiers={"country_mismatch": -0.3},
    vetoes=["type_mismatch"],
)


@pytest.mark.parametrize(
    ("comparisons", "score", "kept", "why"),
    [
        ([Comparison("name", 1.0, "")], 1.0, True, "kept: name 1.00 = 1.00 ≥ 0.88"),
        (
            [Comparison("name", 1.0, ""), Comparison("country_mismatch", 1.0, "")],
            0.7,
            False,
            "dropped: name 1.00 − 0.30 country_mismatch = 0.70 < 0.88",
        ),
        (
            [
                Comparison("name", 0.9, ""),
                Comparison("identifier_match", 1.0, ""),
                Comparison("country_mismatch", 1.0, ""),
            ],
            0.9,
            True,
            "kept: identifier_match 1.20 − 0.30 country_mismatch = 0.90 ≥ 0.88",
        ),
        (
            [Comparison("name", 1.0, ""), Comparison("type_mismatch", 1.0, "an aircraft")],
            0.0,
            False,
            "dropped: vetoed by type_mismatch (an aircraft); weighed: name 1.00 = 1.00",
        ),
        ([Comparison("name", 1.0, ""), Comparison("type_mismatch", 0.0, "")], 1.0, True, "kept"),
        ([Comparison("country", 0.0, "")], 0.0, False, "dropped: no evidence 0.00"),
    ],
)
def test_combine(comparisons: list[Comparison], score: float, kept: bool, why: str) -> None:
    result = combine(comparisons, RULES)
    assert result.score == pytest.approx(score) and result.kept is kept
    assert result.why.startswith(why), result.why


def test_bundled_weights_name_known_features_only() -> None:
    rules = default_matching()
    assert set(rules.evidence) | set(rules.qualifiers) | set(rules.vetoes) <= set(FEATURES)
    assert rules.threshold == 0.88


def test_operates_abroad_is_the_host_states_of_the_indicators(ruleset: RuleSet) -> None:
    hosts = {c for ind in ruleset.indicators if "host_state" in ind.tags for c in ind.countries}
    assert set(default_matching().operates_abroad["KP"]) == hosts
    assert "KR" not in hosts  # the DPRK and the Republic of Korea are always different countries


def _layer(tmp_path: Path, text: str) -> Path:
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "matching.yaml").write_text(text, encoding="utf-8")
    return layer


def test_a_layer_replaces_the_weights(tmp_path: Path) -> None:
    layer = _layer(
        tmp_path,
        "matching:\n  threshold: 0.9\n  evidence: {name: 1.0}\n  qualifiers: {country_mismatch: -0.5}\n",
    )
    rules = load_rules([Path("rules"), layer])
    assert rules.matching is not None and rules.matching.threshold == 0.9
    assert rules.matching.qualifiers == {"country_mismatch": -0.5}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "matching:\n  threshold: 0.88\n  evidence: {name: 1.0}\n  qualifiers: {contry_mismatch: -0.3}\n",
            "unknown comparison 'contry_mismatch' (did you mean 'country_mismatch'?)",
        ),
        (
            "matching:\n  treshold: 0.88\n  evidence: {name: 1.0}\n",
            "unknown key 'treshold' (did you mean 'threshold'?)",
        ),
        ("matching:\n  threshold: 0.88\n  evidence: {name: 5}\n", "weights lie between -1 and 2"),
        (
            "matching:\n  threshold: 0.88\n  evidence: {name: 1.0}\n  vetoes: [name]\n",
            "'name' is in more than one of evidence, qualifiers, vetoes",
        ),
        (
            "matching:\n  threshold: 0.88\n  evidence: {name: 1.0}\n  operates_abroad: {KP: [Russia]}\n",
            "country 'Russia' is not an ISO 3166 alpha-2 code",
        ),
    ],
)
def test_bad_weights_are_rule_problems(tmp_path: Path, text: str, problem: str) -> None:
    layer = _layer(tmp_path, text)
    with pytest.raises(RulesError) as info:
        load_rules([Path("rules"), layer])
    assert any(problem in p and p.startswith(str(layer / "matching.yaml")) for p in info.value.problems), (
        info.value.problems
    )
