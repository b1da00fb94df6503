"""What the routes depend on, read from ``request.app.state`` (set by the app factory): the settings, the
store, the job runner, and the pages' CSRF check (cross-site requests never reach a route: see
``web/guards.py``)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.datastructures import FormData

from supplyscreen.review.applied import ReviewSource, reviews_for_run
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.jobs import Runner
from supplyscreen.web.uploads import UploadError, read_form


class CsrfError(UploadError):
    status = 403


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_runner(request: Request) -> Runner:
    runner: Runner = request.app.state.runner
    return runner


def get_reviews(request: Request) -> ReviewSource:
    """Where the decisions on a run's suppliers come from (``review.applied``; ``app.state.reviews`` when set)."""
    reviews: ReviewSource = getattr(request.app.state, "reviews", reviews_for_run)
    return reviews


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RunnerDep = Annotated[Runner, Depends(get_runner)]
ReviewsDep = Annotated[ReviewSource, Depends(get_reviews)]
Position = Annotated[
    int, Path(ge=0, le=2**31 - 1, description="the supplier's place in the run's results: 0, 1, …")
]  # bounded: SQLite's integers end at 2**63 - 1, and a larger one was a 500


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use), for the pages' forms."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, form: FormData) -> None:
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and isinstance(expected, str) and secrets.compare_digest(sent, expected)):
        raise CsrfError(
            "the form has expired or did not come from this app",
            hint="reload the page and submit the form again",
        )


async def csrf_form(request: Request) -> FormData:
    """The submitted form of a page, once its CSRF token is checked."""
    form = await read_form(request)
    check_csrf(request, form)
    return form
