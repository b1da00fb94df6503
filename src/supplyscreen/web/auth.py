"""Who is asking: accounts signed in to the pages, accounts of API calls, and the reviewer's name on loopback.

**Pages.** Signing in (``/login``) keeps the account's id in the signed session cookie (``SameSite=Strict``)
with a fresh CSRF token; every request reads the account again, so a disabled account is signed out at its
next request. ``/logout`` (a POST with the token) ends the session.

**API.** A call names its account with HTTP Basic authentication (``curl -u NAME:PASSWORD``); the API still
sets and reads no cookie.

**When.** On any address but loopback every page but ``/login`` and every API call needs an account (the
server refuses to start with none). On loopback signing in is optional: a reviewer who has not signed in
gives their name once (kept in the session; an API call gives ``reviewer`` in its body), and the audit trail
records it as a name given (``via: name``), not an account.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from supplyscreen.errors import ConfigError, InputError
from supplyscreen.review import users
from supplyscreen.review.audit import Actor, person_name
from supplyscreen.review.users import User
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.guards import refuse
from supplyscreen.web.uploads import UploadError

PUBLIC = ("/login", "/static/")  # open without an account
SESSION_USER = "user"
SESSION_NAME = "reviewer"
REALM = 'Basic realm="supplyscreen API", charset="UTF-8"'


class SignInNeeded(UploadError):
    """An account is needed (401): the pages send the visitor to the sign-in page."""

    status = 401


class Forbidden(UploadError):
    status = 403


def refuse_without_accounts(settings: Settings, store: Store) -> None:
    """A server listening on anything but loopback needs an account to sign in with: ConfigError if none."""
    if not settings.on_loopback and not users.any_active(store):
        raise ConfigError(
            f"the app would listen on {settings.host}, beyond this machine, and has no account to sign in with",
            hint="add one first: supplyscreen users add NAME --role admin (or listen on 127.0.0.1)",
        )


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/openapi.json"


def _basic(headers: Headers) -> tuple[str, str] | None:
    """The name and password of an ``Authorization: Basic`` header (None when there is none)."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        name, sep, password = "", "", ""
    return (name, password) if sep else ("", "")


class Accounts:
    """ASGI middleware: the account of each request (``request.state.user``: a signed-in page session or an
    API call's Basic credentials), and, where accounts are required, no page or API call without one."""

    def __init__(self, app: ASGIApp, store: Store, required: bool) -> None:
        self.app = app
        self.store = store
        self.required = required

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if _is_api(path):
            user, failed = await self._api_user(Headers(scope=scope))
        else:
            user, failed = await self._page_user(scope), False
        scope.setdefault("state", {})["user"] = user
        if user is None and (failed or (self.required and not path.startswith(PUBLIC))):
            await self._turn_away(scope, receive, send, failed)
            return
        await self.app(scope, receive, send)

    async def _api_user(self, headers: Headers) -> tuple[User | None, bool]:
        given = _basic(headers)
        if given is None:
            return None, False
        user = await run_in_threadpool(users.authenticate, self.store, *given)
        return user, user is None

    async def _page_user(self, scope: Scope) -> User | None:
        session = scope.get("session")
        signed = session.get(SESSION_USER) if isinstance(session, dict) else None
        if not isinstance(signed, dict) or not isinstance(signed.get("id"), int):
            return None
        user = await run_in_threadpool(users.get_user, self.store, signed["id"])
        if user is None or not user.active:
            session.pop(SESSION_USER, None)  # type: ignore[union-attr]
            return None
        return user

    async def _turn_away(self, scope: Scope, receive: Receive, send: Send, failed: bool) -> None:
        if _is_api(scope["path"]):
            line = "the name or password is wrong" if failed else "this server needs an account"
            exc = SignInNeeded(line, hint="send them with HTTP Basic authentication: curl -u NAME:PASSWORD")

            async def challenged(message: dict[str, object]) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers") or [])  # type: ignore[call-overload]
                    message = {**message, "headers": [*headers, (b"www-authenticate", REALM.encode())]}
                await send(message)

            await refuse(exc, scope, receive, challenged)  # type: ignore[arg-type]
            return
        back = scope["path"] + (
            f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
        )
        target = "/login" + (
            f"?next={quote(back, safe='')}" if scope["method"] == "GET" and back != "/" else ""
        )
        await RedirectResponse(target, status_code=303)(scope, receive, send)


# --- the routes' view -------------------------------------------------------------------------------------


def current_user(request: Request) -> User | None:
    user = getattr(request.state, "user", None)
    return user if isinstance(user, User) else None


def page_actor(request: Request) -> Actor | None:
    """Who acts on a page: the signed-in account, else (loopback) the name given in this session."""
    user = current_user(request)
    if user is not None:
        return Actor(user.name, "login")
    name = request.session.get(SESSION_NAME)
    return Actor(name, "name") if isinstance(name, str) and name else None


def request_actor(request: Request) -> Actor:
    """Who uploads, downloads or deletes, on a page or through the API: the account, the name given in the
    page session, or an anonymous visitor of loopback."""
    if "session" in request.scope:
        return page_actor(request) or Actor.anonymous()
    user = current_user(request)
    return Actor(user.name, "login") if user is not None else Actor.anonymous()


def api_actor(request: Request, reviewer: str | None = None) -> Actor:
    """Who acts through the API: the Basic-authenticated account, else (loopback) ``reviewer`` from the
    request, as a name given. SignInNeeded when neither."""
    user = current_user(request)
    if user is not None:
        return Actor(user.name, "login")
    if reviewer:
        return Actor(given_name(request, reviewer), "name")
    raise SignInNeeded(
        "the request does not say who decides",
        hint='give "reviewer": "NAME" in the body, or an account with curl -u NAME:PASSWORD',
    )


def given_name(request: Request, raw: str) -> str:
    """A reviewer's name given without an account: checked, and not the name of an account (whose holder
    signs in)."""
    name = person_name(raw)
    store: Store = request.app.state.store
    if users.find_user(store, name) is not None:
        raise InputError(
            f"{name!r} has an account", hint="sign in with its password instead of giving the name"
        )
    return name


def admin(request: Request) -> User:
    """The signed-in admin; SignInNeeded without an account, Forbidden for a reviewer."""
    user = current_user(request)
    if user is None:
        raise SignInNeeded("managing accounts needs an admin account", hint="sign in as an admin")
    if not user.is_admin:
        raise Forbidden(f"{user.name} is a reviewer: only an admin manages accounts", hint="ask an admin")
    return user


AdminDep = Annotated[User, Depends(admin)]
