"""The HTML pages: upload, the column check (map), progress, results, one supplier, downloads, /api."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from supplyscreen.citations import cited_sources
from supplyscreen.report.html import TIER_COLOURS, SupplierCard, tier_chart, track_rows
from supplyscreen.rules import FIELDS, bundled_sources, parse_markets
from supplyscreen.score import TIERS
from supplyscreen.store import Run
from supplyscreen.store.keys import country_key
from supplyscreen.web import jobs
from supplyscreen.web.auth import request_actor
from supplyscreen.web.changes import comparable, headlines
from supplyscreen.web.deps import Position, RunnerDep, SettingsDep, StoreDep, csrf_form
from supplyscreen.web.render import Page
from supplyscreen.web.routers.review_pages import carried_counts, review_context, run_reviews
from supplyscreen.web.runs import download, file_corrections, get_run, upload

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
SORT_KEYS = ("score", "name", "country", "file", "position")
MAP_MAX_COLUMNS = 300  # columns listed one by one (with a use to pick) on the map page

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends()]


@router.get("/static/report.css")
def report_css() -> Response:
    css = files("supplyscreen.report").joinpath("templates/style.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("/")
def index(page: PageDep, store: StoreDep, settings: SettingsDep) -> HTMLResponse:
    runs = store.list_runs()
    return page(
        "index.html.j2",
        runs=runs,
        changes=headlines(store, runs),
        carried=carried_counts(store, [r.id for r in runs]),
        max_mb=f"{settings.max_upload_mb:g}",
        max_bytes=settings.max_upload_bytes,
    )


@router.post("/runs")
async def upload_run(request: Request, store: StoreDep) -> Response:
    run_id, _ = await upload(request, store, "web")
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/runs/{run_id}/screen")
async def start(
    run_id: str, form: Annotated[FormData, Depends(csrf_form)], store: StoreDep, runner: RunnerDep
) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}

    def claim() -> None:
        run = get_run(store, run_id)
        options = {k: v for k, v in run.options.items() if k not in ("sheet_mapping", "file_mapping")}
        options.update(file_corrections(run.options.get("preview") or [], values))
        if store.claim(run_id, options):
            runner.submit(run_id)

    await run_in_threadpool(claim)
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/runs/{run_id}/delete")
async def delete(
    request: Request, run_id: str, form: Annotated[FormData, Depends(csrf_form)], store: StoreDep
) -> Response:
    actor = request_actor(request)
    await run_in_threadpool(lambda: store.delete_runs([get_run(store, run_id).id], actor=actor))
    return RedirectResponse("/", status_code=303)


@router.get("/runs/{run_id}")
def show(
    page: PageDep,
    store: StoreDep,
    run_id: str,
    tier: str = "",
    country: str = "",
    presumption: str = "",
    q: str = "",
    sort: str = "score",
    order: str = "",
) -> HTMLResponse:
    run = get_run(store, run_id)
    if run.status in ("mapping", "failed", "interrupted"):
        return map_page(page, run)
    if run.status in ("queued", "running"):
        return page("progress.html.j2", run=run)
    sort = sort if sort in SORT_KEYS else "score"
    order = order if order in ("asc", "desc") else ("desc" if sort == "score" else "asc")
    tier = tier if tier in TIERS else ""
    country = country_key(country) if country else ""  # any spelling selects its country's entry
    flag = {"yes": True, "no": False}.get(presumption)
    suppliers = store.suppliers(
        run.id,
        tier=tier or None,
        country=country or None,
        presumption=flag,
        q=q or None,
        sort=sort,
        descending=order == "desc",
    )
    filters = {
        "tier": tier,
        "country": country,
        "presumption": presumption if flag is not None else "",
        "q": q,
        "sort": sort,
        "order": order,
        "active": bool(tier or country or flag is not None or q),
    }

    def sort_url(key: str) -> str:
        flip = (
            "asc"
            if sort == key and order == "desc"
            else "desc"
            if sort == key
            else ("desc" if key == "score" else "asc")
        )
        params = {k: v for k, v in filters.items() if k in ("tier", "country", "presumption", "q") and v}
        return f"/runs/{run.id}?" + urlencode({**params, "sort": key, "order": flip})

    track_counts = store.track_counts(run.id)
    columns = [
        ("score", "Score", "num"),
        ("", "Tier · legal track", ""),
        ("name", "Supplier", ""),
        ("country", "Country", ""),
        ("", "Main reason", ""),
        ("position", "Source", ""),
        ("", "Review", ""),
    ]
    return page(
        "results.html.j2",
        run=run,
        suppliers=suppliers,
        filters=filters,
        countries=store.countries(run.id),
        tiers=TIERS,
        chart=tier_chart(run.by_tier),
        tracks=track_rows({t: n for t, n in track_counts.items() if t is not None}),
        untracked=track_counts.get(None, 0),
        colours=TIER_COLOURS,
        columns=columns,
        sort_url=sort_url,
        cli=jobs.cli_equivalent(run),
        **comparable(store, run),
        **run_reviews(store, run.id, suppliers),
    )


@router.get("/runs/{run_id}/suppliers/{position}")
def supplier(
    request: Request, page: PageDep, store: StoreDep, run_id: str, position: Position
) -> HTMLResponse:
    run = get_run(store, run_id)
    s = store.supplier(run.id, position)
    if s is None:
        raise HTTPException(404)
    return page(
        "supplier.html.j2",
        run=run,
        position=position,
        card=SupplierCard.of_json(s.supplier, s.checklist, parse_markets(run.options.get("markets") or ())),
        prev=position - 1 if position > 0 else None,
        next=position + 1 if position + 1 < run.rows else None,
        **review_context(request, store, run.id, position),
    )


@router.get("/runs/{run_id}/sources")
def sources(page: PageDep, store: StoreDep, run_id: str) -> HTMLResponse:
    """Every source cited by the run's hits, with how many hits cite it (as in report.html's Sources)."""
    run = get_run(store, run_id)
    hits = (h.get("citations") or [] for s in store.suppliers(run.id) for h in s.supplier.get("hits") or [])
    known = {ident: entry for ident, (entry, _) in bundled_sources()}
    return page("sources.html.j2", run=run, sources=cited_sources(hits, known))


@router.get("/runs/{run_id}/download/{filename}")
def download_file(request: Request, store: StoreDep, run_id: str, filename: str) -> Response:
    return download(store, run_id, filename, attachment=True, actor=request_actor(request))


@router.get("/runs/{run_id}/report")
def report(request: Request, store: StoreDep, run_id: str) -> Response:
    response = download(store, run_id, "report.html", attachment=False, actor=request_actor(request))
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


@router.get("/api")
def api_docs(request: Request, page: PageDep, settings: SettingsDep) -> HTMLResponse:
    spec = request.app.openapi()
    schemas = spec.get("components", {}).get("schemas", {})

    def resolve(schema: dict[str, Any]) -> dict[str, Any]:
        for option in schema.get("anyOf", []):
            if "$ref" in option:
                schema = option
        ref = schema.get("$ref", "")
        return dict(schemas.get(ref.rsplit("/", 1)[-1], {})) if ref else schema

    base = f"{request.url.scheme}://{request.headers.get('host', '127.0.0.1')}"
    return page("api.html.j2", spec=spec, resolve=resolve, base=base, max_mb=f"{settings.max_upload_mb:g}")


def map_page(page: Page, run: Run) -> HTMLResponse:
    preview = run.options.get("preview") or []
    chosen_map: dict[tuple[int, str], dict[str, str]] = {}
    for i, per in (run.options.get("sheet_mapping") or {}).items():
        for j, (_, fields) in enumerate(per):
            chosen_map[(int(i), str(j))] = {f: hs[0] for f, hs in fields.items() if hs}
    for i, fields in (run.options.get("file_mapping") or {}).items():
        chosen_map[(int(i), "*")] = {f: hs[0] for f, hs in fields.items() if hs}

    def chosen(i: int, j: int | str, field: str) -> str:
        return chosen_map.get((i, str(j)), {}).get(field, "")

    uses: dict[tuple[int, str], dict[str, str]] = {}
    for i, per in (run.options.get("sheet_mapping") or {}).items():
        for j, (_, fields) in enumerate(per):
            uses[(int(i), str(j))] = {h: f for f, hs in fields.items() for h in hs}

    def chosen_use(i: int, j: int, header: str) -> str:
        """The use picked for a column on the map form (a field, text or skip), or "" for automatic."""
        return uses.get((i, str(j)), {}).get(header, "")

    return page(
        "map.html.j2",
        run=run,
        preview=preview,
        fields=FIELDS,
        chosen=chosen,
        chosen_use=chosen_use,
        max_columns=MAP_MAX_COLUMNS,
        total_rows=sum(int(p.get("rows") or 0) for p in preview),
    )
