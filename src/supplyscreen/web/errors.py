"""Errors are translated once, here: every ``SupplyscreenError`` (and any HTTP or unexpected error) becomes an
error page for the pages and ``{"error": {...}}`` for ``/api/``; never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from supplyscreen._version import __version__
from supplyscreen.errors import OutputError, SupplyscreenError
from supplyscreen.web import jobs
from supplyscreen.web.render import env

log = logging.getLogger("supplyscreen.web")


def install(app: FastAPI) -> None:
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
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ()))[:200]}: {e.get('msg', '')}" for e in exc.errors()
        ]
        message = "the request is not valid"  # the one line names the first problem
        if problems:
            message += f": {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
        body = {
            "type": "InputError",
            "message": message,
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
    html = env.get_template("error.html.j2").render(title=title, error=error, version=__version__, back="/")
    return HTMLResponse(html, status_code=status)
