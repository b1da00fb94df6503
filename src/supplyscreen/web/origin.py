"""Cross-site requests are refused: a state-changing request (POST, PUT, PATCH, DELETE) that a browser says
comes from a page of another origin is answered 403 before the app reads a byte of its body.

Browsers send ``Origin`` with every such request: another site's origin, or ``null`` from a sandboxed frame,
a ``data:`` page or a form posted after a cross-site redirect (a page on any site can send that). Where it is
missing, ``Sec-Fetch-Site`` still tells. Scripts and the CLI's clients send neither and are let through; the
HTML forms carry a CSRF token as well (``web/deps.py``).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from supplyscreen.web import errors, jobs
from supplyscreen.web.uploads import UploadError

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OTHER_PAGE = frozenset({"cross-site", "same-site"})  # Sec-Fetch-Site of a page of another origin


class CrossOrigin(UploadError):
    status = 403


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
    """ASGI middleware: answer a cross-site state-changing request with 403 (an error page, or JSON under
    ``/api/``) without passing it on, so every route — present or added later — is covered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = cross_origin(scope) if scope["type"] == "http" else None
        if refused is None:
            await self.app(scope, receive, send)
            return
        response = errors.error_response(Request(scope), refused.status, jobs.error_dict(refused))
        await response(scope, receive, send)
