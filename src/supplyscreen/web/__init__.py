"""The web app (``supplyscreen serve``): upload spreadsheets, check their columns, screen, review, download.

``create_app`` is imported lazily so that the command line does not load the web framework unless asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(*args: Any, **kwargs: Any) -> FastAPI:
    from supplyscreen.web.app import create_app as factory

    return factory(*args, **kwargs)


__all__ = ["create_app"]
