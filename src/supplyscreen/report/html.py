"""report.html: a self-contained, printable due-diligence report rendered from a Jinja2 template.

The supplier card (``_supplier_card.html.j2``, from a :class:`SupplierCard`) is shared with the web app's
supplier page, whose template environment loads these templates too. Both environments show supplier text
through :func:`visible`: characters that show nothing or steer the display appear as ``⟨U+202E⟩``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from supplyscreen._version import __version__
from supplyscreen.citations import SourceRow, cited_sources, view
from supplyscreen.match.rows import Hit
from supplyscreen.normalize.text import shown
from supplyscreen.pipeline.screen import ScreeningResult, SupplierResult
from supplyscreen.rules import MARKETS, ChecklistItem, Framework, RuleSet
from supplyscreen.score import TIERS, TRACK_LABELS, TRACKS

if TYPE_CHECKING:
    from supplyscreen.review.diff import RunDiff, SupplierChange

TIER_COLOURS = {"high": "#b42318", "medium": "#c4570c", "low": "#a17c00", "clear": "#2e7d32"}
NO_NAME = "(no supplier name: screened on the other fields only)"


class Written(Markup):
    """A value put in a form field as the file holds it: escaped, its invisible characters kept."""


def as_written(value: object) -> Written:
    """The ``as_written`` filter: for a form field's value that must come back as it was sent (a header
    offered for the mapping, a search typed in), never rewritten by :func:`visible`."""
    return Written(escape(value))


def visible(value: Any) -> Any:
    """The ``finalize`` of the report's and the web pages' templates: every ``{{ … }}`` shows its text with
    the characters that show nothing or steer the display (a right-to-left override, zero-width and control
    characters) made visible as ``⟨U+202E⟩`` (``normalize.text.shown``), so "⟨U+202E⟩gnodnaD" is seen as
    written, not as "Dandong". Markup (a macro's or a filter's output) is shown alike; an ``as_written`` value
    is left as it is."""
    if not isinstance(value, str) or isinstance(value, Written):
        return value
    text = shown(value)
    return Markup(text) if isinstance(value, Markup) else text


def show_text(env: Environment) -> Environment:
    """Register :func:`visible` and the ``as_written`` filter in a template environment (the report's and
    the web app's: one rule for both)."""
    env.finalize = visible
    env.filters["as_written"] = as_written
    return env


_env = Environment(
    loader=PackageLoader("supplyscreen.report", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
show_text(_env)
_env.globals["track_labels"] = TRACK_LABELS  # read by legal.html.j2, shared with the web app's pages
_env.globals["cite_view"] = view  # read by _citation.html.j2, shared with the web app's pages


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
    """The checklist of the supplier's legal track, each item tied to the hits that call for it: what to do
    with goods from the DPRK (``dprk_origin``), the evidence to rebut the presumption (``presumption``) or
    the evidence to gather before import (``due_diligence``); nothing for ``none``."""
    v = supplier.verdict
    if v.track == "none":
        return []
    out = []
    for item in rules.checklist:
        if v.track not in item.tracks:
            continue
        because = [h for h in v.hits if any(_item_applies(ref, h) for ref in item.when)]
        if because:
            specific = [h for h in because if "always" not in item.when]
            out.append(ChecklistEntry(item, specific))
    return out


def checklist_dicts(entries: list[ChecklistEntry]) -> list[dict[str, Any]]:
    """Checklist entries as plain data — what the report and the web app's supplier page render (the web
    app keeps them in its database)."""
    return [
        {
            "id": e.item.id,
            "text": e.item.text,
            "source": e.item.source,
            "because": list(dict.fromkeys(h.indicator for h in e.because)),
        }
        for e in entries
    ]


def market_frameworks(rules: RuleSet, markets: Sequence[str]) -> list[Framework]:
    """The frameworks that bind importers of ``markets`` (``screen --market``): U.S. law for ``us``, the EU
    regulation for ``eu``, the UN Security Council resolutions for both."""
    return [f for f in rules.frameworks if set(f.markets) & set(markets)]


def frameworks_for(
    supplier: SupplierResult, rules: RuleSet, markets: Sequence[str] = MARKETS
) -> list[Framework]:
    v = supplier.verdict
    ranks = {
        "always": True,
        "dprk_origin": v.track == "dprk_origin",
        "detention": v.track == "detention",
        "presumption": v.presumption,
        "high": v.tier == "high",
        "medium": v.tier in ("high", "medium"),
    }
    return [f for f in market_frameworks(rules, markets) if ranks[f.applies_when]]


def track_rows(by_track: dict[str, int]) -> list[dict[str, Any]]:
    """The counts by legal track, strictest first, for the summaries."""
    return [{"track": t, "count": by_track.get(t, 0), "label": TRACK_LABELS[t]} for t in TRACKS]


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


def source_text(file: str, sheet: str | None, row: int) -> str:
    """Where a row is: 'file.xlsx › Sheet › row 4' (the file's name without its directory)."""
    where = file.rsplit("/", 1)[-1]
    if sheet:
        where += f" › {sheet}"
    return f"{where} › row {row}"


def source(s: SupplierResult) -> str:
    return source_text(s.sheet.file, s.sheet.sheet, s.row)


@dataclass(frozen=True)
class SupplierCard:
    """What a supplier card shows (``_supplier_card.html.j2``): in report.html from a screening result, on
    the web app's supplier page from the stored results.json object."""

    name: str
    score: int
    tier: str
    presumption: bool
    track: str | None  # None: stored before legal tracks were recorded
    source: str
    fields: Mapping[str, Any]
    hits: Sequence[Any]  # match.rows.Hit, or its results.json object: the template reads both alike
    checklist: list[dict[str, Any]]  # checklist_dicts
    markets: tuple[str, ...] = MARKETS  # whose law the card shows (screen --market)

    @property
    def title(self) -> str:
        return self.name or NO_NAME

    @classmethod
    def of_result(cls, s: SupplierResult, rules: RuleSet, markets: Sequence[str] = MARKETS) -> SupplierCard:
        v = s.verdict
        checklist = checklist_dicts(checklist_for(s, rules))
        return cls(
            s.name,
            v.score,
            v.tier,
            v.presumption,
            v.track,
            source(s),
            s.fields,
            v.hits,
            checklist,
            tuple(markets),
        )

    @classmethod
    def of_json(
        cls,
        supplier: Mapping[str, Any],
        checklist: Sequence[Mapping[str, Any]],
        markets: Sequence[str] = MARKETS,
    ) -> SupplierCard:
        """From a results.json supplier object and its stored checklist."""
        where = supplier.get("source") or {}
        fields = supplier.get("fields") or {}
        return cls(
            name=str(fields.get("name") or ""),
            score=int(supplier["score"]),
            tier=str(supplier["tier"]),
            presumption=bool(supplier["presumption"]),
            track=supplier.get("track"),
            source=source_text(str(where.get("file") or ""), where.get("sheet"), int(where.get("row") or 0)),
            fields=fields,
            hits=supplier.get("hits") or [],
            checklist=[dict(e) for e in checklist],
            markets=tuple(markets),
        )


def write_html(result: ScreeningResult, handle: IO[bytes], compared: RunDiff | None = None) -> None:
    """The HTML report written to ``handle`` as the template renders it, never held whole: a sheet of a
    million suppliers makes gigabytes of HTML. With ``compared`` (this run compared with an earlier one:
    ``review.diff.compare_runs``) it has a "What changed since" section."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    try:
        for piece in html_pieces(result, compared):
            text.write(piece)
        text.flush()
    finally:
        text.detach()  # the handle stays open: it is the caller's


def _detained(hits: Sequence[Hit]) -> bool:
    """Whether an active CBP enforcement action is among the hits (a supplier on the stricter dprk_origin
    track may be detained too)."""
    return any(h.category == "enforcement" and "detention" in h.tags for h in hits)


def html_pieces(result: ScreeningResult, compared: RunDiff | None = None) -> Iterator[str]:
    """The HTML report in the pieces the template renders."""
    # by score; at equal scores the stricter legal track first (goods from the DPRK, then the presumption)
    ordered = sorted(result.suppliers, key=lambda s: (-s.verdict.score, TRACKS.index(s.verdict.track)))
    flagged = [s for s in ordered if s.verdict.hits]
    unflagged = [s for s in result.suppliers if not s.verdict.hits]
    anchors = {id(s): f"row-{i}" for i, s in enumerate(result.suppliers)}
    cards = [(anchors[id(s)], SupplierCard.of_result(s, result.rules, result.markets)) for s in flagged]
    flagged_at = {i for i, s in enumerate(result.suppliers) if s.verdict.hits}

    def changes_link(row: SupplierChange) -> str | None:
        """A changed supplier's card in this report (only the flagged ones have one)."""
        return f"#row-{row.b_position}" if row.b_position in flagged_at else None

    template = _env.get_template("report.html.j2")
    return template.generate(
        compared=compared,
        changes_link=changes_link,
        badge=badge,
        source=source,
        anchor=lambda s: anchors[id(s)],
        r=result,
        by_tier=result.by_tier,
        chart=tier_chart(result.by_tier),
        by_track=result.by_track,
        tracks=track_rows(result.by_track),
        cards=cards,
        unflagged=unflagged,
        colours=TIER_COLOURS,
        frameworks=market_frameworks(result.rules, result.markets),
        markets=result.markets,
        enforcement=result.rules.enforcement,
        detained=[s for s in ordered if s.verdict.track == "detention" or _detained(s.verdict.hits)],
        tiers=result.rules.tiers,
        top=[s for s in ordered if s.verdict.tier in ("high", "medium")][:10],
        sources=run_sources(result),
        cited=result.rules.cited,
    )


def run_sources(result: ScreeningResult) -> list[SourceRow]:
    """The sources cited by the run's hits, with how many hits cite each (the report's Sources section)."""
    return cited_sources((h.citations for s in result.suppliers for h in s.verdict.hits), result.rules.cited)


def render(template: str, **context: Any) -> str:
    """A page of the report's templates (``templates/``), rendered whole, with the version."""
    return _env.get_template(template).render(version=__version__, **context)


def changes_page(diff: RunDiff) -> str:
    """``supplyscreen diff --format html``: two runs compared, as one self-contained page."""
    return render("changes_page.html.j2", diff=diff, link=lambda row: None)
