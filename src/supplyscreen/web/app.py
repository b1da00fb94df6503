"""The web app factory: settings, store and job runner on ``app.state``, middleware, error handlers, and the
routers (``web/routers/``: the HTML pages, the runs API, the one-supplier lists API).

Errors are translated once (``web/errors.py``): every ``SupplyscreenError`` (and any HTTP or unexpected
error) becomes an error page for the pages and ``{"error": {...}}`` for ``/api/``; never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from supplyscreen._version import __version__
from supplyscreen.leftovers import remove_legacy_run_dirs
from supplyscreen.settings import LOOPBACK, Settings
from supplyscreen.store import Store
from supplyscreen.web import errors, jobs, lists_api
from supplyscreen.web.auth import Accounts, refuse_without_accounts
from supplyscreen.web.guards import JsonBodies, SameOrigin
from supplyscreen.web.routers import compare, pages, review_api, review_pages, runs_api
from supplyscreen.web.uploads import BodyLimit

log = logging.getLogger("supplyscreen.web")

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


# --- the app --------------------------------------------------------------------------------------------


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app. ``store`` defaults to the database named by ``settings.db``."""
    settings = settings or Settings.load()
    store = store or Store(settings.db_url)
    refuse_without_accounts(settings, store)
    interrupted = store.reap()
    if interrupted:
        log.warning("%d run(s) whose process died are marked interrupted", interrupted)
    pruned = store.prune(settings.retention_days)
    if pruned:
        log.warning(
            "%d run(s) older than %g days deleted (retention_days)", len(pruned), settings.retention_days
        )
    remove_legacy_run_dirs()
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

    # outermost first: trusted hosts, cross-site requests refused, body size, JSON bodies bounded, session
    # cookie (HTML pages only use it), the account of the request (required beyond loopback)
    app.add_middleware(Accounts, store=store, required=not settings.on_loopback)
    app.add_middleware(SessionForPages, secret_key=store.secret())
    app.add_middleware(JsonBodies, max_bytes=settings.max_json_bytes, max_depth=settings.max_json_depth)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(SameOrigin)
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

    errors.install(app)
    app.include_router(pages.router)
    app.include_router(review_pages.router)
    app.include_router(runs_api.router)
    app.include_router(review_api.router)
    app.include_router(lists_api.router)
    app.include_router(compare.pages)
    app.include_router(compare.api)
    app.openapi = _openapi_with_limit(app, settings.max_upload_mb)  # type: ignore[method-assign]
    app.mount("/static", StaticFiles(packages=[("supplyscreen.web", "static")]), name="static")
    return app


def _openapi_with_limit(app: FastAPI, max_upload_mb: float) -> Callable[[], dict[str, Any]]:
    """The app's OpenAPI description, with its own upload limit in the upload route's description (the
    routers are shared by every app made here)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            upload = schema.get("paths", {}).get(runs_api.UPLOAD_PATH, {}).get("post")
            if upload is not None:
                upload["description"] = runs_api.upload_description(max_upload_mb)
        return app.openapi_schema or FastAPI.openapi(app)

    return openapi


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
