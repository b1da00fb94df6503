"""The one line of a web error as a person or a script reads it — ``message — hint`` — from the JSON error of
the API or from the error page of the HTML pages."""

from __future__ import annotations

import html
import re

import httpx

_ERROR_PAGE = re.compile(
    r'<div class="error-box"[^>]*>\s*<p class="error-message">(.*?)</p>\s*(?:<p class="hint">(.*?)</p>)?',
    re.S,
)


def error_line(response: httpx.Response) -> str:
    """``message — hint`` (or the message alone) of an error answer; fails on anything else."""
    if response.headers.get("content-type", "").startswith("application/json"):
        error = response.json()["error"]
        message, hint = error["message"], error["hint"]
    else:
        page = _ERROR_PAGE.search(response.text)
        assert page, response.text
        message, hint = (html.unescape(p) if p else p for p in page.groups())
    assert "\n" not in message and "Traceback" not in response.text, response.text
    return f"{message} — {hint}" if hint else str(message)
