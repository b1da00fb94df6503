"""report.html: a self-contained, printable due-diligence report rendered from a Jinja2 template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from supplyscreen.api import ScreeningResult, SupplierResult
from supplyscreen.match import Hit
from supplyscreen.rules import ChecklistItem, Framework, RuleSet
from supplyscreen.score import TIERS

TIER_COLOURS = {"high": "#b42318", "medium": "#c4570c", "low": "#a17c00", "clear": "#2e7d32"}

_env = Environment(
    loader=PackageLoader("supplyscreen.report", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class ChecklistEntry:
    item: ChecklistItem
    because: list[Hit]


def _item_applies(ref: str, hit: Hit) -> bool:
    if ref == "always":
        return True
    if ref.startswith("category:"):
        return hit.category == ref.split(":", 1)[1]
    if ref.startswith("tag:"):
        return ref.split(":", 1)[1] in hit.tags
    return hit.rule == ref


def checklist_for(supplier: SupplierResult, rules: RuleSet) -> list[ChecklistEntry]:
    """Rebuttal evidence for a high or presumption supplier, each item tied to the hits that call for it."""
    v = supplier.verdict
    if not (v.presumption or v.tier == "high"):
        return []
    out = []
    for item in rules.checklist:
        because = [h for h in v.hits if any(_item_applies(ref, h) for ref in item.when)]
        if because:
            specific = [h for h in because if "always" not in item.when]
            out.append(ChecklistEntry(item, specific))
    return out


def frameworks_for(supplier: SupplierResult, rules: RuleSet) -> list[Framework]:
    v = supplier.verdict
    ranks = {
        "always": True,
        "presumption": v.presumption,
        "high": v.tier == "high",
        "medium": v.tier in ("high", "medium"),
    }
    return [f for f in rules.frameworks if ranks[f.applies_when]]


def tier_chart(by_tier: dict[str, int]) -> dict[str, Any]:
    """Geometry for an inline SVG bar chart of the tiers."""
    total = max(1, max(by_tier.values(), default=0))
    bars = []
    for i, tier in enumerate(TIERS):
        count = by_tier.get(tier, 0)
        bars.append(
            {
                "tier": tier,
                "count": count,
                "y": 8 + i * 30,
                "width": round(360 * count / total, 1),
                "colour": TIER_COLOURS[tier],
            }
        )
    return {"bars": bars, "height": 8 + len(TIERS) * 30}


def badge(s: SupplierResult) -> Markup:
    tier = s.verdict.tier
    return Markup('<span class="badge tier-{0}">{0}</span>').format(escape(tier))


def source(s: SupplierResult) -> str:
    where = s.sheet.file.rsplit("/", 1)[-1]
    if s.sheet.sheet:
        where += f" › {s.sheet.sheet}"
    return f"{where} › row {s.row}"


def render_html(result: ScreeningResult) -> str:
    ordered = sorted(result.suppliers, key=lambda s: (-s.verdict.score, not s.verdict.presumption))
    flagged = [s for s in ordered if s.verdict.hits]
    unflagged = [s for s in result.suppliers if not s.verdict.hits]
    cards = [
        {
            "s": s,
            "checklist": checklist_for(s, result.rules),
            "frameworks": frameworks_for(s, result.rules),
        }
        for s in flagged
    ]
    anchors = {id(s): f"row-{i}" for i, s in enumerate(result.suppliers)}
    template = _env.get_template("report.html.j2")
    return template.render(
        badge=badge,
        source=source,
        anchor=lambda s: anchors[id(s)],
        r=result,
        by_tier=result.by_tier,
        chart=tier_chart(result.by_tier),
        cards=cards,
        unflagged=unflagged,
        colours=TIER_COLOURS,
        frameworks=result.rules.frameworks,
        tiers=result.rules.tiers,
        top=[s for s in ordered if s.verdict.tier in ("high", "medium")][:10],
    )
