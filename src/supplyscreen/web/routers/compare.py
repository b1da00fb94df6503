"""Two runs compared (``/runs/{b}/diff?against={a}`` and its JSON), and a supplier's dossier (HTML or PDF)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from supplyscreen.report.dossier import dossier_html, dossier_name, dossier_pdf
from supplyscreen.review import audit
from supplyscreen.review.applied import ReviewSource
from supplyscreen.review.audit import Actor
from supplyscreen.review.diff import RunDiff, SupplierChange, earlier_runs
from supplyscreen.store import Run, Store, now
from supplyscreen.web.auth import request_actor
from supplyscreen.web.changes import compare_stored, default_against
from supplyscreen.web.deps import Position, ReviewsDep, StoreDep
from supplyscreen.web.routers.pages import REPORT_CSP, PageDep
from supplyscreen.web.runs import NotFinished, get_run

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1")
Against = Annotated[
    str,
    Query(max_length=64, description="the earlier run's id (default: the previous run of the same files)"),
]
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such run or supplier, or no earlier run to compare with"},
    409: {"description": "a run is not done"},
}


def _compared(store: Store, reviews: ReviewSource, run_id: str, against: str) -> tuple[Run, Run, RunDiff]:
    b = get_run(store, run_id)
    a = get_run(store, against) if against else default_against(store, b)
    return a, b, compare_stored(store, a, b, reviews)


@pages.get("/runs/{run_id}/diff")
def diff_page(
    page: PageDep, store: StoreDep, reviews: ReviewsDep, run_id: str, against: Against = ""
) -> HTMLResponse:
    a, b, diff = _compared(store, reviews, run_id, against)

    def link(row: SupplierChange) -> str:
        """A changed supplier's page: in run B, or in run A when it was removed."""
        if row.b_position is not None:
            return f"/runs/{b.id}/suppliers/{row.b_position}"
        return f"/runs/{a.id}/suppliers/{row.a_position}"

    return page(
        "compare.html.j2", run=b, against=a, diff=diff, link=link, earlier=earlier_runs(store.list_runs(), b)
    )


@api.get(
    "/runs/{run_id}/diff",
    summary="What changed since an earlier run: summary counts, then the suppliers that changed",
    tags=["results"],
    responses=ERRORS,
)
def diff_json(store: StoreDep, reviews: ReviewsDep, run_id: str, against: Against = "") -> dict[str, Any]:
    return _compared(store, reviews, run_id, against)[2].as_json()


def _dossier(
    store: Store, reviews: ReviewSource, run_id: str, position: int, fmt: str, actor: Actor | None
) -> Response:
    """The dossier as a download; an export event of the audit trail (by ``actor``: default, anonymous)."""
    run = get_run(store, run_id)
    if run.status != "done":
        raise NotFinished(f"run {run.id[:8]} is {run.status}", hint="wait until screening is done")
    supplier = store.supplier(run.id, position)
    if supplier is None:
        raise HTTPException(404)
    made = now().replace(microsecond=0).isoformat(sep=" ") + " UTC"
    html = dossier_html(run, supplier, reviews(store, run.id).get(position), store.results_head(run.id), made)
    name = dossier_name(run, supplier, fmt)
    disposition = f'attachment; filename="{name}"'
    body = dossier_pdf(html) if fmt == "pdf" else html
    audit.record(
        store,
        actor or Actor.anonymous(),
        "export.dossier",
        f"run:{run.id}",
        after={"position": position, "file": name},
    )
    if fmt == "pdf":
        return Response(body, media_type="application/pdf", headers={"Content-Disposition": disposition})
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": disposition, "Content-Security-Policy": REPORT_CSP},
    )


@pages.get("/runs/{run_id}/suppliers/{position}/dossier.{fmt}")
def dossier_download(
    request: Request,
    store: StoreDep,
    reviews: ReviewsDep,
    run_id: str,
    position: Position,
    fmt: Literal["html", "pdf"],
) -> Response:
    return _dossier(store, reviews, run_id, position, fmt, request_actor(request))


@api.get(
    "/runs/{run_id}/suppliers/{position}/dossier",
    summary="One supplier's due-diligence dossier: a self-contained HTML file, or its PDF",
    tags=["results"],
    responses={**ERRORS, 503: {"description": "a PDF needs Chromium and Playwright on the server"}},
)
def dossier_api(
    request: Request,
    store: StoreDep,
    reviews: ReviewsDep,
    run_id: str,
    position: Position,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
) -> Response:
    return _dossier(store, reviews, run_id, position, format, request_actor(request))
