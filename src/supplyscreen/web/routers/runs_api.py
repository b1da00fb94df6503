"""The JSON API over runs (``/api/v1/runs…``): upload and screen, correct the columns, poll, read results."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from supplyscreen.ingest.mapping import parse_fields
from supplyscreen.web import runs
from supplyscreen.web.auth import request_actor
from supplyscreen.web.deps import Position, RunnerDep, StoreDep
from supplyscreen.web.runs import INDEX, NotFinished, run_json, sheet_corrections
from supplyscreen.web.uploads import files_part, multipart_body

router = APIRouter(prefix="/api/v1")
UPLOAD_PATH = "/api/v1/runs"
UPLOAD_DESCRIPTION = (
    "Multipart upload. Files are checked by content; the screening runs in the background: "
    "poll the run until its status is done (or failed), then fetch its results. "
    "Upload limit {max_upload_mb:g} MB (413)."
)


def upload_description(max_upload_mb: float) -> str:
    """The upload route's description, with this app's upload limit (set by the app factory)."""
    return UPLOAD_DESCRIPTION.format(max_upload_mb=max_upload_mb)


# --- API models (for the OpenAPI description) -----------------------------------------------------------


class ErrorBody(BaseModel):
    type: str
    message: str
    hint: str | None = None
    problems: list[str] = []


class ErrorOut(BaseModel):
    error: ErrorBody


class Progress(BaseModel):
    done: int
    total: int


class Summary(BaseModel):
    rows: int
    by_tier: dict[str, int]
    presumption: int


class FileOut(BaseModel):
    role: Literal["input", "rules", "list"]
    name: str = Field(description="the name given at upload (shown only, never used as a path)")
    sha256: str
    size: int


class RunOut(BaseModel):
    id: str
    created_at: str | None
    source: str = Field(description="web, api or cli")
    status: Literal["mapping", "queued", "running", "done", "failed", "interrupted"]
    error: ErrorBody | None
    options: dict[str, Any]
    tool_version: str | None
    rules_sha256: str | None
    started_at: str | None
    finished_at: str | None
    seconds: float | None = Field(description="screening time, from start of screening to stored results")
    progress: Progress
    summary: Summary | None
    files: list[FileOut]
    preview: list[dict[str, Any]] | None = Field(
        None,
        description="detected header row, column mapping and column account (every column: a field, text or "
        "not screened, with why) of every sheet (while status is mapping)",
    )
    links: dict[str, str]
    watchlists_matched: bool = Field(description="false: watchlists are recorded only (matching: issue 4)")


InputIndex = Annotated[str, StringConstraints(pattern=f"^{INDEX.pattern}$")]  # "0", "1", …


class ScreenIn(BaseModel):
    mapping: dict[str, str | list[str]] | None = Field(
        None,
        description="field → header(s) for every file and sheet, like --map: "
        '{"country": "Ctry", "address": ["City", "Street"]}; "text" screens columns as free text, "skip" '
        "leaves them unscreened",
    )
    file_mapping: dict[InputIndex, dict[str, str | list[str]]] | None = Field(
        None, description='per input (index "0", "1", …): field → header(s)'
    )
    sheet_mapping: dict[InputIndex, dict[str, dict[str, str | list[str]]]] | None = Field(
        None,
        description="per input index and sheet name: field → header(s), e.g. "
        '{"0": {"Approved Vendors": {"id": "Vendor #"}}}; other sheets keep the automatic mapping',
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad input or rules"},
    404: {"model": ErrorOut, "description": "no such run"},
}

UPLOAD_BODY = multipart_body(
    ["files"],
    files=files_part("one or more spreadsheets (.xlsx, .xls, .ods, .csv), by content"),
    rules=files_part("optional YAML rule files, layered over the bundled rules"),
    lists=files_part("optional watchlists (CSV, OFAC SDN CSV, OpenSanctions)"),
    mapping={
        "type": "string",
        "description": 'optional JSON: field → header(s), like --map: {"name": "Vendor"}',
    },
    sheet={"type": "string", "description": "optional: screen only this sheet"},
    screen={
        "type": "boolean",
        "default": True,
        "description": "false: only detect the columns (status mapping); then POST /api/v1/runs/{id}/screen",
    },
)


@router.get("/runs", summary="List runs, newest first", tags=["runs"])
def list_runs(
    request: Request,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="at most this many")] = 100,
) -> list[RunOut]:
    return [RunOut.model_validate(run_json(request, r)) for r in store.list_runs(limit)]


@router.post(
    "/runs",
    summary="Upload spreadsheets (and optional rules and watchlists) and screen them",
    description=upload_description(50),  # the app factory puts in its own limit
    tags=["runs"],
    status_code=202,
    openapi_extra=UPLOAD_BODY,
    responses={
        **ERRORS,
        413: {"model": ErrorOut, "description": "upload too large"},
        415: {"model": ErrorOut, "description": "not a spreadsheet"},
    },
)
async def create_run(
    request: Request,
    store: StoreDep,
    runner: RunnerDep,
    wait: Annotated[float, Query(ge=0, le=300, description="seconds to wait for the result")] = 0,
) -> JSONResponse:
    run_id, form = await runs.upload(request, store, "api")
    screen_now = str(form.get("screen", "true")).strip().lower() not in ("false", "0", "no")
    if screen_now and await run_in_threadpool(store.claim, run_id):
        runner.submit(run_id)
        if wait:
            await runner.wait(run_id, wait)  # on the event loop: no thread is held while waiting
    run = await run_in_threadpool(runs.get_run, store, run_id)
    body = RunOut.model_validate(run_json(request, run)).model_dump(mode="json")
    return JSONResponse(
        body,
        status_code=200 if run.status == "done" else 202,
        headers={"Location": f"/api/v1/runs/{run_id}"},
    )


@router.post(
    "/runs/{run_id}/screen",
    summary="Screen an uploaded run, with column corrections",
    tags=["runs"],
    status_code=202,
    responses={**ERRORS, 409: {"model": ErrorOut, "description": "already screening or done"}},
)
def screen_run(
    request: Request, store: StoreDep, runner: RunnerDep, run_id: str, body: ScreenIn | None = None
) -> RunOut:
    run = runs.get_run(store, run_id)
    options = {k: v for k, v in run.options.items() if k not in ("sheet_mapping", "file_mapping")}
    if body is not None and body.mapping is not None:
        options["mapping"] = parse_fields(body.mapping)
    if body is not None and body.file_mapping:
        options["file_mapping"] = {str(int(k)): parse_fields(v) for k, v in body.file_mapping.items()}
    if body is not None and body.sheet_mapping:
        options["sheet_mapping"] = sheet_corrections(run, body.sheet_mapping)
    if not store.claim(run_id, options):
        raise NotFinished(
            f"run {run.id[:8]} is {run.status}",
            hint="only a run waiting for its columns, failed or interrupted can be screened",
        )
    runner.submit(run_id)
    return RunOut.model_validate(run_json(request, runs.get_run(store, run_id)))


@router.get(
    "/runs/{run_id}",
    summary="A run: status, progress, summary, links",
    tags=["runs"],
    responses=ERRORS,
)
def get_run(request: Request, store: StoreDep, run_id: str) -> RunOut:
    return RunOut.model_validate(run_json(request, runs.get_run(store, run_id)))


@router.delete(
    "/runs/{run_id}",
    summary="Delete a run with its files, results and reports",
    tags=["runs"],
    status_code=204,
    responses={**ERRORS, 409: {"model": ErrorOut, "description": "being screened"}},
)
def delete_run(request: Request, store: StoreDep, run_id: str) -> Response:
    store.delete_runs([runs.get_run(store, run_id).id], actor=request_actor(request))
    return Response(status_code=204)


@router.get(
    "/runs/{run_id}/results",
    summary="The run's results.json (the documented results contract)",
    tags=["results"],
    responses={**ERRORS, 409: {"model": ErrorOut, "description": "not finished"}},
)
def results(request: Request, store: StoreDep, run_id: str) -> Response:
    return runs.download(store, run_id, "results.json", attachment=False, actor=request_actor(request))


@router.get(
    "/runs/{run_id}/suppliers",
    summary="Screened suppliers, filtered and sorted",
    tags=["results"],
    responses=ERRORS,
)
def suppliers(
    store: StoreDep,
    run_id: str,
    tier: Annotated[
        Literal["high", "medium", "low", "clear"] | None, Query(description="only this tier")
    ] = None,
    country: Annotated[
        str | None,
        Query(
            description="only this country: any spelling or its ISO code finds every spelling that "
            "resolves to it (China, CHINA and 中国 are one)"
        ),
    ] = None,
    presumption: Annotated[
        bool | None, Query(description="only with (true) or without (false) the presumption")
    ] = None,
    q: Annotated[
        str | None,
        Query(description="supplier name contains, in any case and script; Chinese names also by pinyin"),
    ] = None,
    sort: Annotated[Literal["score", "name", "country", "file", "position"], Query()] = "position",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
) -> list[dict[str, Any]]:
    run = runs.get_run(store, run_id)
    if run.status != "done":
        raise NotFinished(f"run {run.id[:8]} is {run.status}", hint="wait until screening is done")
    rows = store.suppliers(run.id, tier, country, presumption, q, sort, order == "desc")
    return [{"position": s.position, **s.supplier, "checklist": s.checklist} for s in rows]


@router.get(
    "/runs/{run_id}/suppliers/{position}",
    summary="One supplier: fields, hits with evidence, rebuttal checklist",
    tags=["results"],
    responses=ERRORS,
)
def supplier(store: StoreDep, run_id: str, position: Position) -> dict[str, Any]:
    run = runs.get_run(store, run_id)
    s = store.supplier(run.id, position)
    if s is None:
        raise HTTPException(404)
    return {"position": s.position, **s.supplier, "checklist": s.checklist}


@router.get(
    "/runs/{run_id}/files/{filename}",
    summary="Download report.html, results.xlsx or results.json",
    tags=["results"],
    responses={**ERRORS, 409: {"model": ErrorOut, "description": "not finished"}},
)
def download(
    request: Request,
    store: StoreDep,
    run_id: str,
    filename: Literal["report.html", "results.xlsx", "results.json"],
) -> Response:
    return runs.download(store, run_id, filename, attachment=True, actor=request_actor(request))
