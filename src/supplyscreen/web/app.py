"""The web app: an app factory, the HTML pages and the JSON API over the same library and store.

Errors are translated once, here: every ``SupplyscreenError`` (and any HTTP or unexpected error) becomes an
error page for the pages and ``{"error": {...}}`` for ``/api/``; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from importlib.resources import files
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from supplyscreen._version import __version__
from supplyscreen.errors import InputError, OutputError, SupplyscreenError
from supplyscreen.ingest.columns import PSEUDO_FIELDS
from supplyscreen.ingest.mapping import parse_fields
from supplyscreen.report.html import TIER_COLOURS, TRACK_LABELS, SupplierCard, tier_chart, track_rows
from supplyscreen.rules import FIELDS
from supplyscreen.score import TIERS
from supplyscreen.store import Run, Store
from supplyscreen.store.keys import country_key
from supplyscreen.web import jobs, lists_api
from supplyscreen.web.settings import LOOPBACK, Settings
from supplyscreen.web.uploads import (
    BodyLimit,
    Upload,
    UploadError,
    display_name,
    files_of,
    read_form,
    rule_file,
    spreadsheet,
    watchlist,
)

log = logging.getLogger("supplyscreen.web")

DOWNLOADS = {
    "report.html": ("html", "text/html; charset=utf-8"),
    "results.xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "results.json": ("json", "application/json"),
}
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
SORT_KEYS = ("score", "name", "country", "file", "position")
MAP_MAX_COLUMNS = 300  # columns listed one by one (with a use to pick) on the map page


class CsrfError(UploadError):
    status = 403


class CrossOrigin(UploadError):
    status = 403


class NotFinished(InputError):
    status = 409


_env = Environment(
    # the report's templates too: the supplier card (_supplier_card.html.j2) and the legal track
    # (legal.html.j2) are rendered by the same templates on the web pages as in report.html
    loader=ChoiceLoader(
        [PackageLoader("supplyscreen.web", "templates"), PackageLoader("supplyscreen.report", "templates")]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["track_labels"] = TRACK_LABELS


def when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


STATUS_LABELS = {
    "mapping": "waiting for column check",
    "queued": "queued",
    "running": "screening",
    "done": "done",
    "failed": "failed",
    "interrupted": "interrupted",
}


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


class ScreenIn(BaseModel):
    mapping: dict[str, str | list[str]] | None = Field(
        None,
        description="field → header(s) for every file and sheet, like --map: "
        '{"country": "Ctry", "address": ["City", "Street"]}; "text" screens columns as free text, "skip" '
        "leaves them unscreened",
    )
    file_mapping: dict[str, dict[str, str | list[str]]] | None = Field(
        None, description='per input (index "0", "1", …): field → header(s)'
    )
    sheet_mapping: dict[str, dict[str, dict[str, str | list[str]]]] | None = Field(
        None,
        description="per input index and sheet name: field → header(s), e.g. "
        '{"0": {"Approved Vendors": {"id": "Vendor #"}}}; other sheets keep the automatic mapping',
    )


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "bad input or rules"},
    404: {"model": ErrorOut, "description": "no such run"},
}

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "one or more spreadsheets (.xlsx, .xls, .ods, .csv), by content",
                        },
                        "rules": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "optional YAML rule files, layered over the bundled rules",
                        },
                        "lists": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "optional watchlists (CSV, OFAC SDN CSV, OpenSanctions)",
                        },
                        "mapping": {
                            "type": "string",
                            "description": 'optional JSON: field → header(s), like --map: {"name": "Vendor"}',
                        },
                        "sheet": {"type": "string", "description": "optional: screen only this sheet"},
                        "screen": {
                            "type": "boolean",
                            "default": True,
                            "description": "false: only detect the columns (status mapping); "
                            "then POST /api/v1/runs/{id}/screen",
                        },
                    },
                }
            }
        },
    }
}


# --- the app --------------------------------------------------------------------------------------------


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app. ``store`` defaults to the database named by ``settings.db``."""
    settings = settings or Settings.load()
    store = store or Store(settings.db_url)
    interrupted = store.mark_interrupted()
    if interrupted:
        log.warning("%d run(s) left unfinished by an earlier server are marked interrupted", interrupted)
    runner = jobs.Runner(store, settings.runs, settings.workers)

    app = FastAPI(
        title="supplyscreen",
        version=__version__,
        description="Screen supplier spreadsheets for DPRK forced-labour risk (CAATSA §321(b)). "
        "The JSON API uses no cookies; see /api.",
        docs_url=None,  # the bundled Swagger page loads scripts from a CDN; /api is self-contained
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.runner = runner
    app.router.add_event_handler("shutdown", runner.shutdown)

    # outermost first: trusted hosts, body size, session cookie (HTML pages only use it)
    app.add_middleware(SessionForPages, secret_key=store.secret())
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    if settings.on_loopback:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=[*LOOPBACK, "[::1]"])

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    _errors(app)
    _pages(app, settings, store, runner)
    _api(app, settings, store, runner)
    app.include_router(lists_api.router, dependencies=[Depends(_same_origin)])
    app.mount("/static", StaticFiles(packages=[("supplyscreen.web", "static")]), name="static")
    return app


class SessionForPages:
    """The signed session cookie (it holds the CSRF token) for the HTML pages only: ``/api/`` neither
    reads nor sets cookies."""

    def __init__(self, app: ASGIApp, secret_key: str) -> None:
        self.app = app
        self.with_session = SessionMiddleware(
            app, secret_key=secret_key, same_site="strict", max_age=12 * 3600
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            scope["path"].startswith("/api/") or scope["path"] == "/openapi.json"
        ):
            await self.app(scope, receive, send)
        else:
            await self.with_session(scope, receive, send)


def _errors(app: FastAPI) -> None:
    async def library_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SupplyscreenError)
        status = int(getattr(exc, "status", 500 if isinstance(exc, OutputError) else 400))
        return error_response(request, status, jobs.error_dict(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = {404: "not found", 405: "method not allowed"}.get(exc.status_code, str(exc.detail))
        if exc.status_code == 400 and "host" in str(exc.detail).lower():
            message = "invalid host header"
        body: dict[str, Any] = {"type": "HTTPError", "message": message, "hint": None, "problems": []}
        return error_response(request, exc.status_code, body)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()]
        body = {
            "type": "InputError",
            "message": "the request is not valid",
            "hint": "see the problems listed",
            "problems": problems,
        }
        return error_response(request, 422, body)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        body = {
            "type": "UnexpectedError",
            "message": f"unexpected {type(exc).__name__}",
            "hint": "the server log has the details; please report this",
            "problems": [],
        }
        return error_response(request, 500, body)

    app.add_exception_handler(SupplyscreenError, library_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)


def error_response(request: Request, status: int, error: Mapping[str, Any]) -> Response:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return JSONResponse({"error": dict(error)}, status_code=status)
    titles = {403: "Refused", 404: "Not found", 409: "Not finished yet", 413: "Upload too large"}
    title = titles.get(status, "Something went wrong" if status >= 500 else "Cannot do that")
    if error.get("type") == "RulesError":
        title = "The rule files have problems"
    elif status == 415:
        title = "Not a spreadsheet"
    html = _env.get_template("error.html.j2").render(title=title, error=error, version=__version__, back="/")
    return HTMLResponse(html, status_code=status)


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _check_csrf(request: Request, form: FormData) -> None:
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and isinstance(expected, str) and secrets.compare_digest(sent, expected)):
        raise CsrfError(
            "the form has expired or did not come from this app",
            hint="reload the page and submit the form again",
        )


def _same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
        raise CrossOrigin(
            f"requests from {origin} are refused",
            hint="call the API from a server or script, not from a page on another site",
        )


def _get_run(store: Store, run_id: str) -> Run:
    run = store.get_run(run_id) if len(run_id) == 32 and run_id.isalnum() else None
    if run is None:
        raise HTTPException(404)
    return run


async def _upload(request: Request, store: Store, source: str) -> tuple[str, FormData]:
    """Read an upload form, then (in a worker thread, off the event loop) check, store and preview it."""
    form = await read_form(request)
    if source == "web":
        _check_csrf(request, form)
    raw_inputs = await files_of(form, "files")
    raw_rules = await files_of(form, "rules")
    raw_lists = await files_of(form, "lists")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    run_id = await run_in_threadpool(_store_upload, store, source, raw_inputs, raw_rules, raw_lists, fields)
    return run_id, form


def _store_upload(
    store: Store,
    source: str,
    raw_inputs: list[tuple[str, bytes]],
    raw_rules: list[tuple[str, bytes]],
    raw_lists: list[tuple[str, bytes]],
    form: Mapping[str, str],
) -> str:
    """Check every file by content, validate uploaded rules, detect the columns and store the run."""
    if not raw_inputs:
        raise UploadError(
            "no spreadsheet was uploaded", hint="choose one or more .xlsx, .xls, .ods or .csv files"
        )
    inputs = _unique(
        [spreadsheet(display_name(n, f"upload-{i}"), d) for i, (n, d) in enumerate(raw_inputs, 1)]
    )
    rules = [rule_file(display_name(n, f"rules-{i}.yaml"), d) for i, (n, d) in enumerate(raw_rules, 1)]
    lists = [watchlist(display_name(n, f"list-{i}"), d) for i, (n, d) in enumerate(raw_lists, 1)]
    jobs.check_rules(rules)
    options: dict[str, Any] = {}
    sheet = form.get("sheet", "")
    if sheet.strip():
        options["sheet"] = sheet.strip()
    mapping = form.get("mapping", "")
    if mapping.strip():
        try:
            options["mapping"] = parse_fields(json.loads(mapping))
        except json.JSONDecodeError as exc:
            raise InputError(f"mapping is not JSON: {exc.msg}", hint='e.g. {"name": "Vendor Name"}') from exc
    preview = jobs.preview(inputs, options.get("sheet"))
    options["preview"] = preview
    return store.create_run(
        [(u.name, u.data) for u in inputs],
        [(u.name, u.data) for u in rules],
        [(u.name, u.data) for u in lists],
        options=options,
        source=source,
    )


def _unique(uploads: list[Upload]) -> list[Upload]:
    """Two uploads with the same name get (2), (3)… so the results tell them apart."""
    seen: dict[str, int] = {}
    out = []
    for up in uploads:
        key = up.name.casefold()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            stem, dot, ext = up.name.rpartition(".")
            up = replace(up, name=f"{stem} ({seen[key]}).{ext}" if dot else f"{up.name} ({seen[key]})")
        out.append(up)
    return out


def _file_corrections(preview: list[dict[str, Any]], form: Mapping[str, str]) -> dict[str, Any]:
    """Map-form fields ``map:<file>:<sheet>:<field>`` and ``use:<file>:<sheet>:<column>`` → per-file and
    per-sheet corrections."""
    sheet_mapping: dict[str, list[list[Any]]] = {}
    file_mapping: dict[str, dict[str, list[str]]] = {}
    for i, entry in enumerate(preview):
        if entry.get("error"):
            chosen = {
                f: [form[f"map:{i}:*:{f}"].strip()] for f in FIELDS if form.get(f"map:{i}:*:{f}", "").strip()
            }
            if chosen:
                file_mapping[str(i)] = chosen
            continue
        sheets = entry.get("sheets") or []
        per = []
        for j, sh in enumerate(sheets):
            picked: dict[str, list[str]] = {}
            for f in FIELDS:
                value = form.get(f"map:{i}:{j}:{f}", "")
                if value and value in sh["headers"] and [value] != sh["mapping"].get(f):
                    picked[f] = [value]
            _column_corrections(sh, form, f"use:{i}:{j}:", picked)
            per.append([sh["sheet"], picked])
        if any(c for _, c in per):
            sheet_mapping[str(i)] = per
    out: dict[str, Any] = {}
    if sheet_mapping:
        out["sheet_mapping"] = sheet_mapping
    if file_mapping:
        out["file_mapping"] = file_mapping
    return out


def _column_corrections(
    sheet: Mapping[str, Any], form: Mapping[str, str], prefix: str, chosen: dict[str, list[str]]
) -> None:
    """Map-form fields ``use:<file>:<sheet>:<column>`` (one per column: a field, ``text`` or ``skip``) →
    corrections in ``chosen``: a column given a field is added to that field's columns (several columns
    per field), ``text`` screens it as free text, ``skip`` leaves it unscreened."""
    headers = sheet["headers"]
    current = {k: str(c.get("use", "")) for k, c in enumerate(sheet.get("columns") or [])}
    for k, header in enumerate(headers):
        use = form.get(f"{prefix}{k}", "")
        if not use or use == {"not screened": "skip"}.get(current.get(k, ""), current.get(k)):
            continue
        if use in FIELDS:
            base = chosen.get(use) or list(sheet["mapping"].get(use) or [])
            chosen[use] = [*(h for h in base if h != header), header]
        elif use in PSEUDO_FIELDS:
            chosen.setdefault(use, []).append(header)
        for f in FIELDS:  # the column leaves the field it had
            if f != use and header in chosen.get(f, []):
                chosen[f] = [h for h in chosen[f] if h != header]
                if not chosen[f]:
                    del chosen[f]


def _sheet_corrections(run: Run, given: Mapping[str, Mapping[str, Any]]) -> dict[str, list[list[Any]]]:
    """API per-sheet corrections → the stored form: every sheet of a corrected file, in order."""
    preview = run.options.get("preview") or []
    out: dict[str, list[list[Any]]] = {}
    for key, sheets in given.items():
        index = int(key) if key.isdigit() else -1
        if not 0 <= index < len(preview) or preview[index].get("error"):
            raise InputError(f"sheet_mapping names input {key!r}, which has no detected sheets")
        known = [sh["sheet"] for sh in preview[index]["sheets"]]
        unknown = [name for name in sheets if name not in known]
        if unknown:
            raise InputError(
                f"sheet_mapping names unknown sheet {unknown[0]!r} of input {key}",
                hint=f"sheets: {', '.join(repr(k) for k in known)}",
            )
        out[str(index)] = [[name, parse_fields(sheets.get(name) or {})] for name in known]
    return out


def _run_json(request: Request, run: Run) -> dict[str, Any]:
    base = f"/api/v1/runs/{run.id}"
    out = run.as_json()
    opts = dict(out["options"])
    preview = opts.pop("preview", None)
    out["options"] = opts
    out["preview"] = preview if run.status in ("mapping", "failed", "interrupted") else None
    links = {"self": base, "page": f"/runs/{run.id}"}
    if run.status in ("mapping", "failed", "interrupted"):
        links["screen"] = f"{base}/screen"
    if run.status == "done":
        links["results"] = f"{base}/results"
        links["suppliers"] = f"{base}/suppliers"
        links.update({name: f"{base}/files/{name}" for name in DOWNLOADS})
    out["links"] = links
    out["watchlists_matched"] = jobs.lists_supported()
    return out


def _pages(app: FastAPI, settings: Settings, store: Store, runner: jobs.Runner) -> None:
    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = _env.get_template(template).render(
            version=__version__,
            csrf=_csrf(request),
            when=when,
            status_label=lambda s: STATUS_LABELS.get(s, s),
            lists_supported=jobs.lists_supported(),
            **context,
        )
        return HTMLResponse(html, status_code=status)

    @app.get("/static/report.css", include_in_schema=False)
    def report_css() -> Response:
        css = files("supplyscreen.report").joinpath("templates/style.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=300"})

    @app.get("/", include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        return page(
            request,
            "index.html.j2",
            runs=store.list_runs(),
            max_mb=f"{settings.max_upload_mb:g}",
            max_bytes=settings.max_upload_bytes,
        )

    @app.post("/runs", include_in_schema=False)
    async def upload(request: Request) -> Response:
        _same_origin(request)
        run_id, _ = await _upload(request, store, "web")
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    @app.post("/runs/{run_id}/screen", include_in_schema=False)
    async def start(request: Request, run_id: str) -> Response:
        _same_origin(request)
        form = await read_form(request)
        _check_csrf(request, form)
        values = {k: v for k, v in form.items() if isinstance(v, str)}

        def claim() -> None:
            run = _get_run(store, run_id)
            options = {k: v for k, v in run.options.items() if k not in ("sheet_mapping", "file_mapping")}
            options.update(_file_corrections(run.options.get("preview") or [], values))
            if store.claim(run_id, options):
                runner.submit(run_id)

        await run_in_threadpool(claim)
        return RedirectResponse(f"/runs/{run_id}", status_code=303)

    @app.get("/runs/{run_id}", include_in_schema=False)
    def show(
        request: Request,
        run_id: str,
        tier: str = "",
        country: str = "",
        presumption: str = "",
        q: str = "",
        sort: str = "score",
        order: str = "",
    ) -> HTMLResponse:
        run = _get_run(store, run_id)
        if run.status in ("mapping", "failed", "interrupted"):
            return _map_page(request, run, page)
        if run.status in ("queued", "running"):
            return page(request, "progress.html.j2", run=run)
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
        ]
        return page(
            request,
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
        )

    @app.get("/runs/{run_id}/suppliers/{position}", include_in_schema=False)
    def supplier(request: Request, run_id: str, position: int) -> HTMLResponse:
        run = _get_run(store, run_id)
        s = store.supplier(run.id, position)
        if s is None:
            raise HTTPException(404)
        return page(
            request,
            "supplier.html.j2",
            run=run,
            card=SupplierCard.of_json(s.supplier, s.checklist),
            prev=position - 1 if position > 0 else None,
            next=position + 1 if position + 1 < run.rows else None,
        )

    @app.get("/runs/{run_id}/download/{filename}", include_in_schema=False)
    def download(run_id: str, filename: str) -> Response:
        return _download(store, run_id, filename, attachment=True)

    @app.get("/runs/{run_id}/report", include_in_schema=False)
    def report(run_id: str) -> Response:
        response = _download(store, run_id, "report.html", attachment=False)
        response.headers["Content-Security-Policy"] = REPORT_CSP
        return response

    @app.get("/api", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        spec = app.openapi()
        schemas = spec.get("components", {}).get("schemas", {})

        def resolve(schema: dict[str, Any]) -> dict[str, Any]:
            for option in schema.get("anyOf", []):
                if "$ref" in option:
                    schema = option
            ref = schema.get("$ref", "")
            return dict(schemas.get(ref.rsplit("/", 1)[-1], {})) if ref else schema

        base = f"{request.url.scheme}://{request.headers.get('host', '127.0.0.1')}"
        return page(
            request,
            "api.html.j2",
            spec=spec,
            resolve=resolve,
            base=base,
            max_mb=f"{settings.max_upload_mb:g}",
        )


def _map_page(request: Request, run: Run, page: Callable[..., HTMLResponse]) -> HTMLResponse:
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
        request,
        "map.html.j2",
        run=run,
        preview=preview,
        fields=FIELDS,
        chosen=chosen,
        chosen_use=chosen_use,
        max_columns=MAP_MAX_COLUMNS,
        total_rows=sum(int(p.get("rows") or 0) for p in preview),
    )


def _download(store: Store, run_id: str, filename: str, attachment: bool) -> Response:
    run = _get_run(store, run_id)
    if filename not in DOWNLOADS:
        raise HTTPException(404)
    if run.status != "done":
        raise NotFinished(f"run {run.id[:8]} is {run.status}", hint="wait until screening is done")
    fmt, media = DOWNLOADS[filename]
    data = store.report(run.id, fmt)
    if data is None:
        raise HTTPException(404)
    disposition = "attachment" if attachment else "inline"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'}
    )


def _api(app: FastAPI, settings: Settings, store: Store, runner: jobs.Runner) -> None:
    @app.get("/api/v1/runs", summary="List runs, newest first", tags=["runs"])
    def list_runs(
        request: Request, limit: Annotated[int, Query(ge=1, le=1000, description="at most this many")] = 100
    ) -> list[RunOut]:
        return [RunOut.model_validate(_run_json(request, r)) for r in store.list_runs(limit)]

    @app.post(
        "/api/v1/runs",
        summary="Upload spreadsheets (and optional rules and watchlists) and screen them",
        description="Multipart upload. Files are checked by content; the screening runs in the background: "
        "poll the run until its status is done (or failed), then fetch its results. "
        f"Upload limit {settings.max_upload_mb:g} MB (413).",
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
        wait: Annotated[float, Query(ge=0, le=300, description="seconds to wait for the result")] = 0,
    ) -> JSONResponse:
        _same_origin(request)
        run_id, form = await _upload(request, store, "api")
        screen_now = str(form.get("screen", "true")).strip().lower() not in ("false", "0", "no")
        if screen_now and store.claim(run_id):
            runner.submit(run_id)
            if wait:
                await run_in_threadpool(runner.wait, run_id, wait)
        run = _get_run(store, run_id)
        body = RunOut.model_validate(_run_json(request, run)).model_dump(mode="json")
        return JSONResponse(
            body,
            status_code=200 if run.status == "done" else 202,
            headers={"Location": f"/api/v1/runs/{run_id}"},
        )

    @app.post(
        "/api/v1/runs/{run_id}/screen",
        summary="Screen an uploaded run, with column corrections",
        tags=["runs"],
        status_code=202,
        responses={**ERRORS, 409: {"model": ErrorOut, "description": "already screening or done"}},
    )
    def screen_run(request: Request, run_id: str, body: ScreenIn | None = None) -> RunOut:
        _same_origin(request)
        run = _get_run(store, run_id)
        options = {k: v for k, v in run.options.items() if k not in ("sheet_mapping", "file_mapping")}
        if body is not None and body.mapping is not None:
            options["mapping"] = parse_fields(body.mapping)
        if body is not None and body.file_mapping:
            options["file_mapping"] = {
                str(int(k)): parse_fields(v) for k, v in body.file_mapping.items() if k.isdigit()
            }
        if body is not None and body.sheet_mapping:
            options["sheet_mapping"] = _sheet_corrections(run, body.sheet_mapping)
        if not store.claim(run_id, options):
            raise NotFinished(
                f"run {run.id[:8]} is {run.status}",
                hint="only a run waiting for its columns, failed or interrupted can be screened",
            )
        runner.submit(run_id)
        return RunOut.model_validate(_run_json(request, _get_run(store, run_id)))

    @app.get(
        "/api/v1/runs/{run_id}",
        summary="A run: status, progress, summary, links",
        tags=["runs"],
        responses=ERRORS,
    )
    def get_run(request: Request, run_id: str) -> RunOut:
        return RunOut.model_validate(_run_json(request, _get_run(store, run_id)))

    @app.get(
        "/api/v1/runs/{run_id}/results",
        summary="The run's results.json (the documented results contract)",
        tags=["results"],
        responses={**ERRORS, 409: {"model": ErrorOut, "description": "not finished"}},
    )
    def results(run_id: str) -> Response:
        return _download(store, run_id, "results.json", attachment=False)

    @app.get(
        "/api/v1/runs/{run_id}/suppliers",
        summary="Screened suppliers, filtered and sorted",
        tags=["results"],
        responses=ERRORS,
    )
    def suppliers(
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
        run = _get_run(store, run_id)
        if run.status != "done":
            raise NotFinished(f"run {run.id[:8]} is {run.status}", hint="wait until screening is done")
        rows = store.suppliers(run.id, tier, country, presumption, q, sort, order == "desc")
        return [{"position": s.position, **s.supplier, "checklist": s.checklist} for s in rows]

    @app.get(
        "/api/v1/runs/{run_id}/suppliers/{position}",
        summary="One supplier: fields, hits with evidence, rebuttal checklist",
        tags=["results"],
        responses=ERRORS,
    )
    def supplier(run_id: str, position: int) -> dict[str, Any]:
        run = _get_run(store, run_id)
        s = store.supplier(run.id, position)
        if s is None:
            raise HTTPException(404)
        return {"position": s.position, **s.supplier, "checklist": s.checklist}

    @app.get(
        "/api/v1/runs/{run_id}/files/{filename}",
        summary="Download report.html, results.xlsx or results.json",
        tags=["results"],
        responses={**ERRORS, 409: {"model": ErrorOut, "description": "not finished"}},
    )
    def download(run_id: str, filename: Literal["report.html", "results.xlsx", "results.json"]) -> Response:
        return _download(store, run_id, filename, attachment=True)
