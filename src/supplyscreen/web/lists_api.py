"""The JSON API for screening one supplier at a time against watchlists the server keeps compiled.

``POST /api/v1/lists`` uploads one or more watchlist files (OFAC's ``alt.csv`` and ``add.csv`` beside
``sdn.csv``) and compiles them once; the answer's ``id`` names them. ``POST /api/v1/screen`` screens one
supplier, given as JSON fields, with the bundled rules and, with ``"list": id``, against those lists — in
milliseconds, since neither the rules nor the lists are compiled again. The compiled lists are kept by
content (``supplyscreen.match.compiled``): uploading the same files again, or screening a run with them,
reuses them; after a restart the user cache directory still has them.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from supplyscreen.errors import InputError
from supplyscreen.ingest.sources import Source
from supplyscreen.match.compiled import (
    CompiledLists,
    Found,
    ListCache,
    compile_lists,
    default_cache,
)
from supplyscreen.pipeline.screener import Screener
from supplyscreen.rules import FIELDS, RuleSet, load_rules
from supplyscreen.web.uploads import (
    display_name,
    files_of,
    files_part,
    multipart_body,
    read_form,
    watchlist,
)

router = APIRouter(prefix="/api/v1", tags=["one supplier"])
LIST_ID = re.compile(r"[0-9a-f]{64}")  # a SHA-256 in hex (str.isalnum() takes "²" too)


@dataclass(frozen=True)
class Bundled:
    """The bundled rules, validated and compiled once for the app; its matcher learns as it goes, so requests
    take turns (each takes milliseconds)."""

    screener: Screener
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def rules(self) -> RuleSet:
        return self.screener.rules


_bundled_lock = threading.Lock()


def bundled(request: Request) -> Bundled:
    """The app's compiled bundled rules (made on first use)."""
    state = request.app.state
    with _bundled_lock:
        if getattr(state, "bundled", None) is None:
            state.bundled = Bundled(Screener(load_rules()))
    found: Bundled = state.bundled
    return found


def list_cache() -> ListCache:
    """Where compiled lists are kept: the process's cache (memory, and the user cache directory)."""
    return default_cache()


class ListOut(BaseModel):
    path: str = Field(description="the name given at upload")
    sha256: str
    entries: int


class ListsOut(BaseModel):
    id: str = Field(description='the compiled lists, for POST /api/v1/screen {"list": id}')
    lists: list[ListOut]
    found: Found = Field(
        description="compiled now, or found already compiled in memory or in the cache directory"
    )
    seconds: float = Field(description="time to read and compile the lists, or to find them")


class ScreenOneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supplier: dict[str, str] = Field(
        description=f"the supplier's fields ({', '.join(FIELDS)}), e.g. "
        '{"name": "Korea Songi Trading", "country": "China"}'
    )
    list: str | None = Field(None, description="the id of lists uploaded with POST /api/v1/lists")


class UnknownLists(InputError):
    status = 404


LISTS_BODY = multipart_body(
    ["lists"],
    lists=files_part(
        "watchlists (simple CSV, OFAC sdn.csv with its alt.csv and add.csv, OpenSanctions), compiled "
        "together under one id"
    ),
)


@router.post(
    "/lists",
    summary="Upload watchlists and compile them once, for screening single suppliers",
    openapi_extra=LISTS_BODY,
    responses={400: {"description": "not a watchlist"}, 413: {"description": "upload too large"}},
)
async def upload_lists(
    request: Request,
    engine: Annotated[Bundled, Depends(bundled)],
    cache: Annotated[ListCache, Depends(list_cache)],
) -> ListsOut:
    form = await read_form(request)
    raw = await files_of(form, "lists")
    if not raw:
        raise InputError("no watchlist was uploaded", hint="send the files as 'lists'")
    uploads = [watchlist(display_name(n, f"list-{i}"), d) for i, (n, d) in enumerate(raw, 1)]
    sources = [Source(u.name, data=u.data) for u in uploads]
    started = time.perf_counter()
    compiled = await run_in_threadpool(
        compile_lists, sources, engine.rules.matching, engine.rules.watchlist, cache
    )
    return _lists_out(compiled, time.perf_counter() - started)


@router.get(
    "/lists/{list_id}",
    summary="Compiled lists the server holds",
    responses={404: {"description": "not compiled on this server"}},
)
def get_lists(list_id: str, cache: Annotated[ListCache, Depends(list_cache)]) -> ListsOut:
    started = time.perf_counter()
    compiled = _held(cache, list_id)
    return _lists_out(compiled, time.perf_counter() - started)


@router.post(
    "/screen",
    summary="Screen one supplier with the bundled rules, against compiled lists",
    description="The verdict as results.json gives it for a row: score, tier, presumption, track and hits "
    "(watchlist hits with their comparisons).",
    responses={400: {"description": "nothing to screen"}, 404: {"description": "no such compiled lists"}},
)
def screen_one(
    body: ScreenOneIn,
    engine: Annotated[Bundled, Depends(bundled)],
    cache: Annotated[ListCache, Depends(list_cache)],
) -> dict[str, Any]:
    unknown = [k for k in body.supplier if k not in FIELDS]
    if unknown:
        raise InputError(
            f"supplier names unknown field '{unknown[0]}'", hint=f"use one of: {', '.join(FIELDS)}"
        )
    fields = {f: body.supplier[f].strip() for f in FIELDS if body.supplier.get(f, "").strip()}
    if not fields:
        raise InputError("nothing to screen", hint=f"give at least one of: {', '.join(FIELDS)}")
    screener = engine.screener
    if body.list:
        compiled = _held(cache, body.list)
        screener = screener.with_lists(compiled.watchlists, compiled.matcher)
    with engine.lock:
        out = screener.screen_one(fields).as_dict()
    del out["source"]
    return out


def _held(cache: ListCache, list_id: str) -> CompiledLists:
    compiled = cache.get(list_id) if LIST_ID.fullmatch(list_id) else None
    if compiled is None:
        raise UnknownLists(
            f"no compiled lists {list_id[:16]!r} on this server",
            hint="upload the lists with POST /api/v1/lists and use the id it answers",
        )
    return compiled


def _lists_out(compiled: CompiledLists, seconds: float) -> ListsOut:
    return ListsOut(
        id=compiled.key,
        lists=[ListOut.model_validate(w.as_json()) for w in compiled.watchlists],
        found=compiled.found,
        seconds=round(seconds, 3),
    )
