"""The HTML pages' templates: one Jinja environment (with the report's templates, so the supplier card and
the legal track are the same on the pages as in report.html) and the page renderer the routes depend on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from supplyscreen._version import __version__
from supplyscreen.citations import view as cite_view
from supplyscreen.report.html import show_text
from supplyscreen.score import TRACK_LABELS
from supplyscreen.web import jobs
from supplyscreen.web.deps import csrf_token

env = Environment(
    # the report's templates too: the supplier card (_supplier_card.html.j2) and the legal track
    # (legal.html.j2) are rendered by the same templates on the web pages as in report.html
    loader=ChoiceLoader(
        [PackageLoader("supplyscreen.web", "templates"), PackageLoader("supplyscreen.report", "templates")]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
show_text(env)  # supplier text shown as in report.html: invisible characters as ⟨U+202E⟩
env.globals["track_labels"] = TRACK_LABELS
env.globals["cite_view"] = cite_view  # citations shown as in report.html (_citation.html.j2)


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


class Page:
    """Renders a page template with what every page needs (version, CSRF token, labels)."""

    def __init__(self, request: Request) -> None:
        self.request = request

    def __call__(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template(template).render(
            version=__version__,
            csrf=csrf_token(self.request),
            when=when,
            status_label=lambda s: STATUS_LABELS.get(s, s),
            lists_supported=jobs.lists_supported(),
            user=getattr(self.request.state, "user", None),  # the signed-in account (web/auth.py)
            **context,
        )
        return HTMLResponse(html, status_code=status)
