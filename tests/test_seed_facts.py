"""The seeds' facts and the frameworks the rules left out (issue 15 item 4) as indicators: a row that states
the fact fires its indicator, in each language it has terms for; a benign look-alike does not. Through the
public Screener; the quotes are checked by the rule loader (rules check)."""

from __future__ import annotations

import pytest

from supplyscreen.pipeline.screener import Screener
from supplyscreen.rules import load_rules

# (indicator or combination, the row's fields besides its name, fires)
CASES: list[tuple[str, dict[str, str], bool]] = [
    # Air Koryo and the trains to Pyongyang: the transport of DPRK workers (seed 003)
    ("place.dprk_air_koryo", {"notes": "Crew rotate home via Air Koryo flights from Vladivostok"}, True),
    ("place.dprk_air_koryo", {"notes": "工人乘坐高丽航空航班回国"}, True),
    ("place.dprk_air_koryo", {"notes": "노동자들은 고려항공 편으로 입국"}, True),
    ("place.dprk_air_koryo", {"notes": "рабочие прилетели рейсом Эйр Корё"}, True),
    ("place.dprk_air_koryo", {"notes": "Cargo flown by Korean Air; the owner is Koryo-saram"}, False),
    ("place.dprk_rail_route", {"notes": "the brigade took the Ussuriysk–Pyongyang train"}, True),
    ("place.dprk_rail_route", {"notes": "рабочие уехали поездом Уссурийск — Пхеньян"}, True),
    ("place.dprk_rail_route", {"notes": "工人乘丹东至平壤列车"}, True),
    (
        "place.dprk_rail_route",
        {"notes": "Warehouse in Ussuriysk; trucks to Vladivostok and Pyongtaek"},
        False,
    ),
    # a group set apart by its overalls (seed 003), not work wear
    (
        "ilo.set_apart_by_overalls",
        {"notes": "One team of 40, distinguished by their overalls, eats apart"},
        True,
    ),
    ("ilo.set_apart_by_overalls", {"notes": "外籍工人穿不同颜色的工作服"}, True),
    ("ilo.set_apart_by_overalls", {"notes": "All staff wear bright blue overalls and safety shoes"}, False),
    # two- or three-year labour contracts (seed 004), upfront payments and opaque contracts (2018 advisory)
    (
        "ilo.fixed_term_labour_contracts",
        {"notes": "The workers signed three-year contracts with an agency"},
        True,
    ),
    ("ilo.fixed_term_labour_contracts", {"notes": "工人签订三年劳务合同"}, True),
    ("ilo.fixed_term_labour_contracts", {"notes": "Labour contracts require a large upfront payment"}, True),
    ("ilo.fixed_term_labour_contracts", {"notes": "Three-year supply contract; advance payment 30%"}, False),
    # screening for political loyalty (seed 004)
    (
        "ilo.political_screening",
        {"notes": "workers selected by their government for political loyalty"},
        True,
    ),
    ("ilo.political_screening", {"notes": "工人出国前经过政审"}, True),
    ("ilo.political_screening", {"notes": "рабочие проверены на политическую благонадёжность"}, True),
    ("ilo.political_screening", {"notes": "customer loyalty programme; political donations policy"}, False),
    # Indonesian and Filipino co-crew (seed 000), not staff ashore
    ("vessel.indonesian_filipino_crew", {"notes": "Indonesian and Filipino crew, 11 months at sea"}, True),
    ("vessel.indonesian_filipino_crew", {"notes": "船上有印尼船员和菲律宾船员"}, True),
    ("vessel.indonesian_filipino_crew", {"notes": "Plant staff Korean and Indonesian"}, False),
    # the European market for the tuna (seed 000): where the goods go, 0 points
    ("sector.eu_market", {"notes": "Canned tuna exported to the EU"}, True),
    ("sector.eu_market", {"notes": "金枪鱼罐头销往欧洲"}, True),
    ("sector.eu_market", {"notes": "Euro pallets; invoiced in EUR"}, False),
    # DPRK fishing rights (UN SC 2397): bought, not denied
    ("nexus.dprk_fishing_rights", {"notes": "squid caught under North Korean fishing licences"}, True),
    ("nexus.dprk_fishing_rights", {"notes": "鱿鱼是公司购买朝鲜捕捞权后捕捞的"}, True),
    ("nexus.dprk_fishing_rights", {"notes": "작년에 북한 어업권을 구매했다"}, True),
    ("nexus.dprk_fishing_rights", {"notes": "улов по лицензии КНДР на вылов"}, True),
    ("nexus.dprk_fishing_rights", {"notes": "we hold no North Korean fishing licences"}, False),
    ("nexus.dprk_fishing_rights", {"notes": "公司未购买朝鲜捕捞权"}, False),
    ("nexus.dprk_fishing_rights", {"notes": "북한 어업권을 구매하지 않았다"}, False),
    ("nexus.dprk_fishing_rights", {"notes": "мы не покупали лицензии КНДР на вылов"}, False),
    ("nexus.dprk_fishing_rights", {"notes": "Fishing licences issued by Fiji"}, False),
    # DPRK textiles (UN SC 2375) and wood (2397): goods from the DPRK of a banned kind
    ("combo.unsc_2375_dprk_textiles", {"country": "KP", "description": "Cotton textiles"}, True),
    ("combo.unsc_2375_dprk_textiles", {"country": "China", "description": "Cotton textiles"}, False),
    ("combo.unsc_2397_dprk_wood", {"country": "DPRK", "description": "Logging, sawn timber"}, True),
    ("combo.unsc_2397_dprk_wood", {"country": "Russia", "description": "Logging, sawn timber"}, False),
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.build()


@pytest.mark.parametrize(("rule", "fields", "fires"), CASES)
def test_a_row_with_the_fact_fires_it_and_a_look_alike_does_not(
    screener: Screener, rule: str, fields: dict[str, str], fires: bool
) -> None:
    hits = screener.screen_one({"name": "Acme Trading", **fields}).verdict.hits
    assert any(h.rule == rule for h in hits) == fires, [h.rule for h in hits]


def test_each_new_indicator_is_tested_both_ways_and_cited() -> None:
    rules = load_rules()
    new = {r for r, _, _ in CASES}
    for rule in new:
        assert {fires for r, _, fires in CASES if r == rule} == {True, False}, rule
    items = {i.id: i for i in [*rules.indicators, *rules.combinations]}
    for rule in new:
        assert items[rule].citations, rule


def test_fishing_rights_are_goods_from_the_dprk_and_the_eu_market_adds_no_points(screener: Screener) -> None:
    bought = screener.screen_one(
        {"name": "Acme", "notes": "squid caught under DPRK fishing licences"}
    ).verdict
    assert bought.presumption and bought.track == "dprk_origin"
    market = screener.screen_one({"name": "Acme", "notes": "exported to the EU"}).verdict
    assert market.score == 0 and [h.rule for h in market.hits] == ["sector.eu_market"]
