"""Requests refused before any route reads them: cross-site requests, and JSON bodies too large or nested
too deep. Each is answered with one line (an error page, or JSON under ``/api/``) like every other error.

**Cross-site requests.** A state-changing request (POST, PUT, PATCH, DELETE) that a browser says comes from
a page of another origin is answered 403 before a byte of its body is read. Browsers send ``Origin`` with
every such request: another site's origin, or ``null`` from a sandboxed frame, a ``data:`` page or a form
posted after a cross-site redirect (a page on any site can send that). Where it is missing,
``Sec-Fetch-Site`` still tells. Scripts and the CLI's clients send neither and are let through; the HTML
forms carry a CSRF token as well (``web/deps.py``).

**JSON.** A JSON body is read whole, at most ``max_json_kb`` (413), and refused (400) when it cannot be
read or its arrays and objects nest deeper than ``max_json_depth`` — Python's parser itself gives up near
1,000 levels with a ``RecursionError``, and refuses numbers of more than 4,300 digits with a ``ValueError``:
500s both — before FastAPI parses it. :func:`load_json` reads JSON sent in a form field the same way.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supplyscreen.web import errors, jobs
from supplyscreen.web.uploads import UploadError, UploadTooLarge

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OTHER_PAGE = frozenset({"cross-site", "same-site"})  # Sec-Fetch-Site of a page of another origin
API_HINT = "send JSON as the API describes it at /api"


class CrossOrigin(UploadError):
    status = 403


class NotJson(UploadError):
    """JSON that cannot be read, or nested deeper than the limit."""


async def refuse(exc: UploadError, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer the request with ``exc`` as every error is answered (``web/errors.py``)."""
    response = errors.error_response(Request(scope), exc.status, jobs.error_dict(exc))
    await response(scope, receive, send)


# --- cross-site requests --------------------------------------------------------------------------------


def cross_origin(scope: Scope) -> CrossOrigin | None:
    """The error for a state-changing request sent by a page of another origin, or None."""
    if scope["method"] not in STATE_CHANGING:
        return None
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
    if origin == "null":
        sender = "a page that hides its origin (Origin: null, e.g. a sandboxed frame)"
    elif origin is not None and origin.lower() != own:
        sender = origin[:200]
    elif headers.get("sec-fetch-site", "").lower() in OTHER_PAGE:
        sender = f"a page of another site (Sec-Fetch-Site: {headers['sec-fetch-site'][:20]})"
    else:
        return None
    return CrossOrigin(
        f"requests from {sender} are refused",
        hint="call the API from a server or script, not from a page on another site",
    )


class SameOrigin:
    """ASGI middleware: answer a cross-site state-changing request with 403 without passing it on, so every
    route — present or added later — is covered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = cross_origin(scope) if scope["type"] == "http" else None
        if refused is None:
            await self.app(scope, receive, send)
        else:
            await refuse(refused, scope, receive, send)


# --- JSON -----------------------------------------------------------------------------------------------


def load_json(data: str | bytes, what: str, max_depth: int, hint: str = API_HINT) -> Any:
    """``data`` parsed as JSON; ``NotJson`` naming ``what`` when it cannot be read (not JSON, not UTF-8, a
    number of more than 4,300 digits) or when its arrays and objects nest more than ``max_depth`` deep."""
    try:
        value = json.loads(data)
        deep = _deeper(value, max_depth)
    except RecursionError:  # the parser gives up near 1,000 levels
        deep = True
    except json.JSONDecodeError as exc:
        raise NotJson(
            f"{what} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", hint=hint
        ) from None
    except ValueError as exc:  # bytes that are not UTF-8, a number too long to convert
        raise NotJson(f"{what} cannot be read as JSON: {str(exc).partition(';')[0]}", hint=hint) from None
    if deep:
        raise NotJson(f"{what} nests arrays and objects more than {max_depth} deep", hint=hint)
    return value


def _deeper(value: Any, depth: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``depth`` deep."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return False
    return depth == 0 or any(_deeper(v, depth - 1) for v in value)


def is_json(content_type: str) -> bool:
    """Whether a Content-Type is JSON as FastAPI reads it (``application/json``, ``application/*+json``)."""
    kind = content_type.partition(";")[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


class JsonBodies:
    """ASGI middleware: a JSON request body is read whole, refused when over ``max_bytes``, unreadable or
    nested deeper than ``max_depth``, and otherwise handed on unchanged."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_json(Headers(scope=scope).get("content-type", "")):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._body(receive)
            if body is None:  # the client went away
                return
            load_json(body, "the JSON body", self.max_depth)
        except UploadError as exc:
            await refuse(exc, scope, receive, send)
            return
        given = False

        async def replay() -> Message:
            nonlocal given
            if given:
                return await receive()
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _body(self, receive: Receive) -> bytes | None:
        """The whole body (None when the client disconnects); ``UploadTooLarge`` past ``max_bytes``."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self) -> UploadTooLarge:
        return UploadTooLarge(
            f"the JSON body is larger than the {self.max_bytes // 1024:,} KB limit",
            hint="send the supplier's fields or the column corrections only, or start the app with a larger "
            "--max-json-kb",
        )
