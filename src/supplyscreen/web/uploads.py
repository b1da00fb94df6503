"""Uploads: the size limit, file types by content, and names that are shown but never used as paths."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from supplyscreen.errors import InputError
from supplyscreen.ingest.sniff import is_text, sniff, spreadsheet_kind

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SPREADSHEET_TYPES = ".xlsx, .xlsm, .xls, .ods or .csv"
MAX_FILES = 20


class UploadError(InputError):
    """An upload the app refuses; ``status`` is the HTTP status to answer with."""

    status = 400


class UploadTooLarge(UploadError):
    status = 413


class UnsupportedType(UploadError):
    status = 415


@dataclass(frozen=True)
class Upload:
    name: str  # for display only
    data: bytes
    ext: str  # chosen from the content: xlsx, xls, ods, xlsb, csv, yaml, json


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` (by Content-Length, then by counting).

    The error is raised from ``receive`` inside the route that reads the body, so the app's one error
    handler turns it into a page or a JSON error like any other.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, limited, send)


def too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(
        f"the upload is larger than the {limit / 1024 / 1024:.3g} MB limit",
        hint="split the spreadsheet into smaller files, or start the app with a larger --max-upload-mb",
    )


async def read_form(request: Request) -> FormData:
    try:
        return await request.form(max_files=MAX_FILES * 3, max_fields=400)
    except MultiPartException as exc:
        raise UploadError(f"the upload could not be read: {exc.message}", hint="try again") from exc


async def files_of(form: FormData, key: str) -> list[tuple[str, bytes]]:
    out = []
    for item in form.getlist(key):
        if isinstance(item, UploadFile) and (item.filename or item.size):
            out.append((item.filename or "", await item.read()))
    if len(out) > MAX_FILES:
        raise UploadError(f"too many files ({len(out)})", hint=f"upload at most {MAX_FILES} at a time")
    return out


def display_name(raw: str | None, fallback: str) -> str:
    """The name to show: the last path component, printable characters only, at most 120 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    name = " ".join(name.split()).strip(" .")
    return name[:120] or fallback


def spreadsheet(name: str, data: bytes) -> Upload:
    """Accept a spreadsheet by its content (not its name): xlsx/xlsm/xlsb, xls, ods or CSV text, told apart
    as the reader tells them (:func:`supplyscreen.ingest.sniff.spreadsheet_kind`)."""
    if not data.strip():
        raise UploadError(f"{name}: the file is empty", hint="export the supplier list again")
    kind = spreadsheet_kind(data)
    if kind.startswith("a "):
        raise UnsupportedType(
            f"{name}: is {kind}, not a spreadsheet", hint=f"upload {SPREADSHEET_TYPES} files"
        )
    return Upload(name, data, kind)


def text_file(name: str, data: bytes, ext: str, what: str) -> Upload:
    """Accept a text upload (rule YAML, watchlist CSV/JSON) by content."""
    if not data.strip():
        raise UploadError(f"{name}: the file is empty", hint=f"upload a {what}")
    if sniff(data) != "text" or not is_text(data):
        raise UnsupportedType(f"{name}: is not a text file", hint=f"upload a {what}")
    return Upload(name, data, ext)


def rule_file(name: str, data: bytes) -> Upload:
    return text_file(name, data, "yaml", "YAML rule file")


def watchlist(name: str, data: bytes) -> Upload:
    head = data.lstrip()[:1]
    return text_file(name, data, "json" if head in (b"{", b"[") else "csv", "watchlist (CSV or JSON lines)")


def files_part(description: str) -> dict[str, Any]:
    """An OpenAPI multipart part of one or more uploaded files."""
    return {"type": "array", "items": {"type": "string", "format": "binary"}, "description": description}


def multipart_body(required: list[str], **parts: dict[str, Any]) -> dict[str, Any]:
    """The ``openapi_extra`` of a route that reads a multipart form itself (FastAPI cannot see its parts)."""
    schema = {"type": "object", "required": required, "properties": parts}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
