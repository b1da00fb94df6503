"""Legal frameworks and the rebuttal checklist come from rules/legal.yaml and are tied to the hits."""

from __future__ import annotations

import pytest

from supplyscreen.ingest.sheet import Sheet
from supplyscreen.match.rows import Matcher
from supplyscreen.pipeline.screen import SupplierResult
from supplyscreen.report.html import checklist_for, frameworks_for
from supplyscreen.rules import RuleSet
from supplyscreen.score import score_hits


def _supplier(matcher: Matcher, ruleset: RuleSet, **fields: str) -> SupplierResult:
    sheet = Sheet("x.csv", None, 1, list(fields), {}, {}, rows=[list(fields.values())], row_numbers=[2])
    return SupplierResult(sheet, 0, fields, score_hits(matcher.match_row(fields), ruleset))


def test_frameworks_are_data(ruleset: RuleSet) -> None:
    ids = {f.id for f in ruleset.frameworks}
    assert {
        "caatsa_321b",
        "usc_19_1307",
        "usc_22_9241b_c",
        "unsc_2371",
        "unsc_2375",
        "unsc_2397",
        "uflpa",
        "eo_13570",
        "unsc_dprk_export_bans",
    } <= ids
    caatsa = next(f for f in ruleset.frameworks if f.id == "caatsa_321b")
    assert "clear and convincing evidence" in caatsa.text
    assert '"convict labor, forced labor, or indentured labor"' in caatsa.text


ORIGIN_ITEMS = [
    "origin_do_not_import",
    "origin_stop_shipment",
    "origin_ofac_licence",
    "origin_voluntary_disclosure",
]


def test_goods_from_the_dprk_get_what_to_do_and_no_rebuttal_evidence(
    matcher: Matcher, ruleset: RuleSet
) -> None:
    s = _supplier(matcher, ruleset, name="Sinpo Marine Products", country="KP", description="Frozen squid")
    assert s.verdict.track == "dprk_origin" and s.verdict.presumption
    entries = checklist_for(s, ruleset)
    assert [e.item.id for e in entries] == ORIGIN_ITEMS
    assert all(h.rule == "nexus.dprk_origin" for e in entries for h in e.because)
    assert {"eo_13570", "unsc_dprk_export_bans", "caatsa_321b"} <= {f.id for f in frameworks_for(s, ruleset)}
    eo = next(f for f in ruleset.frameworks if f.id == "eo_13570")
    assert (
        '"the importation into the United States, directly or indirectly, of any goods, services, or technology '
        'from North Korea is prohibited"'
    ) in eo.text


def test_medium_supplier_without_nexus_gets_due_diligence(matcher: Matcher, ruleset: RuleSet) -> None:
    s = _supplier(matcher, ruleset, name="Dandong Apparel", country="China", description="Garment factory")
    assert s.verdict.tier == "medium" and s.verdict.track == "due_diligence"
    ids = [e.item.id for e in checklist_for(s, ruleset)]
    assert "supply_chain_map" in ids and "worker_nationality" in ids
    assert not set(ids) & set(ORIGIN_ITEMS)
    assert "eo_13570" not in {f.id for f in frameworks_for(s, ruleset)}


def test_dprk_workers_call_for_nationality_and_payroll_records(matcher: Matcher, ruleset: RuleSet) -> None:
    s = _supplier(matcher, ruleset, name="Shenyang Garments", notes="About 40 North Korean workers in sewing")
    items = {e.item.id: e for e in checklist_for(s, ruleset)}
    assert "worker_nationality" in items and "wage_payment" in items
    assert "vessel_records" not in items
    assert {h.rule for h in items["worker_nationality"].because} >= {"nexus.dprk_workers"}
    assert {"caatsa_321b", "usc_22_9241b_c"} <= {f.id for f in frameworks_for(s, ruleset)}


def test_vessel_hits_call_for_vessel_logs_and_transshipment_records(
    matcher: Matcher, ruleset: RuleSet
) -> None:
    s = _supplier(
        matcher,
        ruleset,
        name="Zhoushan Ocean Fishing",
        country="China",
        vessel="LU RONG YUAN YU 196",
        hs_code="0303.42",
        description="Frozen yellowfin tuna",
        notes="trans-shipped at sea to reefer",
    )
    assert s.verdict.tier == "high", [(h.rule, h.points) for h in s.verdict.hits]
    items = {e.item.id: e for e in checklist_for(s, ruleset)}
    assert "vessel_records" in items
    assert any(h.category == "vessel" for h in items["vessel_records"].because)
    assert "worker_nationality" not in items or items["worker_nationality"].because


@pytest.mark.parametrize(
    ("fields", "lowest"),
    [
        (
            {
                "name": "Zhoushan Ocean Fishing",
                "country": "China",
                "hs_code": "0303.42",
                "description": "Frozen tuna",
                "vessel": "ZHONG YU 12",
            },
            "medium",
        ),
        (
            {
                "name": "Ningbo Fisheries",
                "country": "China",
                "hs_code": "304.87",
                "description": "Frozen tuna loins",
            },
            "medium",
        ),
    ],
)
def test_frozen_tuna_from_chinese_fleet_scores(
    matcher: Matcher, ruleset: RuleSet, fields: dict[str, str], lowest: str
) -> None:
    v = score_hits(matcher.match_row(fields), ruleset)
    assert v.tier in ("medium", "high") if lowest == "medium" else v.tier == "high"


def test_canned_tuna_from_ecuador_does_not_score_by_itself(matcher: Matcher, ruleset: RuleSet) -> None:
    v = score_hits(
        matcher.match_row(
            {
                "name": "Manta Conservas",
                "country": "Ecuador",
                "hs_code": "1604.14",
                "description": "Canned tuna in oil",
            }
        ),
        ruleset,
    )
    assert v.tier in ("clear", "low") and not v.presumption


def test_clear_suppliers_get_no_checklist(matcher: Matcher, ruleset: RuleSet) -> None:
    s = _supplier(matcher, ruleset, name="Plain Wines", country="Chile")
    assert checklist_for(s, ruleset) == []
