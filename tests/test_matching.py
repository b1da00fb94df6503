"""Table-driven matching cases, including every trap of DESIGN §3."""

from __future__ import annotations

import pytest

from supplyscreen.match.rows import Matcher
from supplyscreen.rules import RuleSet
from supplyscreen.score import Verdict, score_hits

TIER_ORDER = ["clear", "low", "medium", "high"]


def verdict(matcher: Matcher, ruleset: RuleSet, **fields: str) -> Verdict:
    return score_hits(matcher.match_row(fields), ruleset)


def rules_fired(v: Verdict) -> set[str]:
    return {h.rule for h in v.hits}


# (fields, rules that must fire, rules that must not fire)
FIRES = [
    ({"address": "88 Binhai Road, Hunchun, Jilin"}, {"place.hunchun"}, set()),
    ({"address": "吉林省珲春市边境经济合作区"}, {"place.hunchun"}, set()),
    ({"address": "Hun Chun city"}, {"place.hunchun"}, set()),
    ({"address": "Dandong, Liaoning"}, {"place.dandong"}, set()),
    ({"address": "辽宁省丹东市振兴区"}, {"place.dandong"}, set()),
    ({"address": "Donggang, Liaoning"}, {"place.donggang"}, set()),
    ({"address": "г. Уссурийск, ул. Ленина 5"}, {"place.ussuriysk"}, set()),
    ({"address": "во Владивостоке"}, {"place.vladivostok"}, set()),
    ({"address": "Khabarovsk Krai"}, {"place.khabarovsk"}, set()),
    ({"address": "Krasnoyarsk"}, {"place.krasnoyarsk"}, set()),
    ({"description": "Frozen tuna loins"}, {"sector.tuna"}, set()),
    ({"description": "水产品加工"}, {"sector.seafood_processing"}, set()),
    ({"description": "Sea food processing"}, {"sector.seafood_processing"}, set()),
    ({"description": "лесозаготовка"}, {"sector.logging"}, set()),
    ({"notes": "Approx. 40 North Korean workers in the packing hall"}, {"nexus.dprk_workers"}, set()),
    ({"notes": "车间有朝鲜工人约40名"}, {"nexus.dprk_workers"}, set()),
    ({"country": "DPRK"}, {"nexus.dprk_origin"}, set()),
    ({"country": "Korea DPR"}, {"nexus.dprk_origin"}, set()),
    ({"country": "Korea", "address": "Pyongyang"}, {"nexus.dprk_origin"}, set()),
    ({"name": "Korea Rungrado General Trading Corp."}, {"entity.rungrado"}, set()),
    ({"name": "Mansudae Overseas Project Group of Companies"}, {"entity.mansudae_overseas_project"}, set()),
    ({"name": "Beijing Sukbakso"}, {"entity.beijing_sukbakso"}, set()),
    ({"hs_code": "304.87"}, {"hs.tuna", "hs.ch03_fish"}, set()),
    ({"hs_code": "1604.14"}, {"hs.tuna"}, set()),
    # DESIGN §3 traps: substrings are not words, near-miss places
    ({"name": "Fortuna Foods"}, set(), {"sector.tuna"}),
    ({"name": "Hunchback Brewing Co.", "address": "Portland, Oregon"}, set(), {"place.hunchun"}),
    ({"address": "Dongguan, Guangdong"}, set(), {"place.donggang", "place.dandong"}),
    ({"address": "Dandenong South, Victoria, Australia"}, set(), {"place.dandong"}),
    ({"address": "Pyeongtaek, Gyeonggi-do"}, set(), {"nexus.dprk_city", "nexus.dprk_origin"}),
    ({"address": "Pyeongchang, Gangwon"}, set(), {"nexus.dprk_city", "nexus.dprk_origin"}),
    ({"address": "Vladimir, Russia"}, set(), {"place.vladivostok"}),
    ({"address": "Changsha, Hunan"}, set(), {"place.hunchun"}),
    (
        {"address": "吉林省延边朝鲜族自治州"},
        {"place.yanbian"},
        {"nexus.dprk_origin", "nexus.dprk_named", "nexus.dprk_workers"},
    ),
    ({"address": "吉林省图们市"}, {"place.tumen"}, set()),
    ({"address": "Владивосток, Приморский край"}, {"place.vladivostok"}, set()),
    (
        {"address": "延边朝鲜族自治州延吉市"},
        {"place.yanji"},
        {"nexus.dprk_origin", "nexus.dprk_named", "nexus.dprk_workers"},
    ),
    ({"notes": "Audit 2025: no North Korean workers on site"}, set(), {"nexus.dprk_workers"}),
    ({"notes": "无朝鲜工人"}, set(), {"nexus.dprk_workers"}),
    ({"name": "Genco Shipping & Trading Limited"}, set(), {"entity.genco", "entity.genco_acronym"}),
    ({"name": "Jinhai Hotel Management"}, set(), {"sector.seafood_processing"}),
]


@pytest.mark.parametrize(("fields", "fire", "silent"), FIRES, ids=[str(c[0]) for c in FIRES])
def test_rules_fire_or_stay_silent(
    matcher: Matcher, ruleset: RuleSet, fields: dict[str, str], fire: set[str], silent: set[str]
) -> None:
    fired = rules_fired(verdict(matcher, ruleset, **fields))
    assert fire <= fired, f"missing {fire - fired}, got {fired}"
    assert not (silent & fired), f"should not fire {silent & fired}"


# Evasion (issue 13): text written to look like a plain name on screen while matching as something else.
# Each is read as a reader sees it (normalize.text.readable) and gets the hits of the plain text.
PLAIN = {
    "name": "Dandong Seafood Co",
    "notes": "About 40 North Korean workers in the plant",
    "country": "DPRK",
}
SPOOFED = [
    ("name", "\u202egnodnaD\u202c Seafood Co"),  # a right-to-left override: shows as "Dandong"
    ("name", "D a n d o n g Seafood Co"),
    ("name", "D-a-n-d-o-n-g Seafood Co"),
    ("name", "D.a.n.d.o.n.g Seafood Co"),
    ("name", "Da\u200bnd\u200bong Seafood Co"),  # zero-width spaces
    ("name", "Dan\u00addong Seafood Co"),  # a soft hyphen
    ("name", "Da\ufe0fnd\u2060ong Seafood Co"),  # a variation selector, a word joiner
    ("name", "Ｄａｎｄｏｎｇ Seafood Co"),  # full-width letters
    ("notes", "\u202etnalp eht ni srekrow naeroK htroN 04 tuobA"),
    ("notes", "About 40 No\u200brth Kor\u200bean workers in the plant"),
    ("notes", "About 40 N o r t h Korean workers in the plant"),
    ("country", "D\u200bP\u200bR\u200bK"),
]


@pytest.mark.parametrize(("field", "text"), SPOOFED, ids=[repr(t) for _, t in SPOOFED])
def test_spoofed_text_hits_like_the_plain_text(
    matcher: Matcher, ruleset: RuleSet, field: str, text: str
) -> None:
    plain = verdict(matcher, ruleset, **{field: PLAIN[field]})
    spoofed = verdict(matcher, ruleset, **{field: text})
    assert rules_fired(plain) and rules_fired(spoofed) == rules_fired(plain)
    assert (spoofed.score, spoofed.tier, spoofed.presumption) == (plain.score, plain.tier, plain.presumption)


# (fields, lowest tier allowed, highest tier allowed, presumption)
SUPPLIERS = [
    (
        {
            "name": "Hunchun Ocean Aquatic Products Co., Ltd.",
            "country": "China",
            "address": "Hunchun, Jilin",
            "description": "Seafood processing, frozen pollock fillets",
        },
        "high",
        "high",
        False,
    ),
    (
        {"name": "丹东服装厂", "country": "中国", "address": "辽宁省丹东市", "description": "服装加工"},
        "medium",
        "high",
        False,
    ),
    (
        {
            "name": "ООО Дальлес",
            "country": "Россия",
            "address": "Хабаровский край",
            "description": "лесозаготовка",
        },
        "medium",
        "high",
        False,
    ),
    (
        {
            "name": "Gulf Build WLL",
            "country": "Qatar",
            "address": "Doha",
            "description": "Construction subcontractor",
        },
        "medium",
        "high",
        False,
    ),
    ({"name": "Pyongyang Textile Export", "country": "DPRK"}, "high", "high", True),
    (
        {"name": "Shenyang Garments", "country": "China", "notes": "Employs DPRK nationals"},
        "high",
        "high",
        True,
    ),
    ({"name": "Korea Rungrado General Trading Corp."}, "high", "high", True),
    # traps stay low or clear
    (
        {"name": "Seoul Fine Foods", "country": "Korea", "address": "12 Teheran-ro, Seoul"},
        "clear",
        "low",
        False,
    ),
    (
        {
            "name": "Chosun Apparel Co.",
            "country": "South Korea",
            "address": "Seoul",
            "description": "Knitwear",
        },
        "clear",
        "low",
        False,
    ),
    (
        {"name": "Joseon Ceramics", "country": "Korea", "address": "Icheon, Gyeonggi-do"},
        "clear",
        "low",
        False,
    ),
    (
        {
            "name": "Dongguan Bright Electronics",
            "country": "China",
            "address": "Dongguan, Guangdong",
            "description": "PCB assembly",
        },
        "clear",
        "low",
        False,
    ),
    (
        {
            "name": "Manta Canned Tuna SA",
            "country": "Ecuador",
            "address": "Manta",
            "hs_code": "1604.14",
            "description": "Canned tuna",
        },
        "clear",
        "low",
        False,
    ),
    ({"name": "Fortuna Foods", "country": "USA", "description": "Snacks"}, "clear", "clear", False),
    ({"name": "Genco Shipping & Trading", "country": "USA"}, "clear", "clear", False),
    ({"name": "Vladimir Bearings", "country": "Russia", "address": "Vladimir"}, "clear", "low", False),
    ({"name": "Hunan Rice Co", "country": "China", "address": "Changsha, Hunan"}, "clear", "low", False),
    (
        {
            "name": "Mexico Textiles",
            "country": "Mexico",
            "notes": "Audit 2025: no North Korean workers on site",
        },
        "clear",
        "low",
        False,
    ),
]


@pytest.mark.parametrize(
    ("fields", "lowest", "highest", "presumption"), SUPPLIERS, ids=[c[0]["name"] for c in SUPPLIERS]
)
def test_supplier_tiers(
    matcher: Matcher, ruleset: RuleSet, fields: dict[str, str], lowest: str, highest: str, presumption: bool
) -> None:
    v = verdict(matcher, ruleset, **fields)
    assert TIER_ORDER.index(lowest) <= TIER_ORDER.index(v.tier) <= TIER_ORDER.index(highest), (
        v.tier,
        v.score,
        [(h.rule, h.points) for h in v.hits],
    )
    assert v.presumption is presumption


def test_hit_explains_itself(matcher: Matcher, ruleset: RuleSet) -> None:
    v = verdict(matcher, ruleset, address="88 Binhai Road, HUNCHUN, Jilin")
    hit = next(h for h in v.hits if h.rule == "place.hunchun")
    assert (hit.field, hit.text, hit.matched, hit.similarity) == ("address", "HUNCHUN", "Hunchun", 1.0)
    assert hit.citations and hit.citations[0].is_seed  # a seed, named by its source id (sources.yaml)


def test_fuzzy_hit_reports_similarity(matcher: Matcher, ruleset: RuleSet) -> None:
    v = verdict(matcher, ruleset, address="Vladivostoke port")
    hit = next(h for h in v.hits if h.rule == "place.vladivostok")
    assert 0.9 <= hit.similarity < 1.0


def test_groups_count_once(matcher: Matcher, ruleset: RuleSet) -> None:
    v = verdict(matcher, ruleset, address="Hunchun, Yanbian, Jilin Province")
    border = [h for h in v.hits if h.group == "china_border_place"]
    assert len(border) >= 2
    assert sum(1 for h in border if h.points) == 1


def test_combination_scores_more_than_parts(matcher: Matcher, ruleset: RuleSet) -> None:
    both = verdict(matcher, ruleset, address="Hunchun", description="seafood processing")
    place = verdict(matcher, ruleset, address="Hunchun")
    sector = verdict(matcher, ruleset, description="seafood processing")
    assert both.score > place.score + sector.score
    assert any(h.category == "combination" for h in both.hits)


VESSELS = [
    ("Fu Yuan Yu 7788", "FUYUANYU 7788", True),
    ("Fu Yuan Yu 7788", "Fu Yuan Yu 7789", False),
    ("FU YUAN YU 7788 (IMO 9912347)", "IMO9912347", True),
    ("Lu Rong Yuan Yu 196", "LURONGYUANYU 196", True),
    ("Lu Rong Yuan Yu 196", "Lu Rong Yuan Yu 169", False),
    ("Ocean Star IMO 9912347", "Ocean Star IMO 9074729", False),
    ("Zhong Yu 12", "Zhong Yu 012", True),
    ("Kum Song 3", "Kum Sung 3", True),
    ("Haiyang 8", "Hai Yang 8", True),
    ("Haiyang 8", "Taiyang 8", False),
]


@pytest.mark.parametrize(("a", "b", "same"), VESSELS)
def test_vessel_names_respect_numbers(a: str, b: str, same: bool) -> None:
    from supplyscreen.match.rows import compare_vessels

    score, why = compare_vessels(a, b)
    assert (score >= 0.85) is same, why


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("IMO9912347", ["9912347"]),
        ("FU YUAN YU 7788 (IMO 9912347)", ["9912347"]),
        ("imo no. 9074729 and IMO: 9912347", ["9074729", "9912347"]),
        ("9912347", []),  # a bare number is not an IMO reference
    ],
)
def test_imo_numbers(text: str, numbers: list[str]) -> None:
    from supplyscreen.normalize.text import imo_numbers, imo_valid

    assert imo_numbers(text) == numbers
    assert all(imo_valid(n) for n in numbers)
