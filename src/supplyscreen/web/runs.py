"""Runs as the web app handles them, shared by the pages and the JSON API: upload (check, store, preview),
column corrections from the map form or the API, a run's JSON and its downloads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from supplyscreen.errors import InputError
from supplyscreen.ingest.columns import PSEUDO_FIELDS
from supplyscreen.ingest.mapping import parse_fields
from supplyscreen.review.audit import Actor
from supplyscreen.rules import FIELDS, MARKETS, parse_markets
from supplyscreen.store import Run, Store
from supplyscreen.web import jobs
from supplyscreen.web.auth import request_actor
from supplyscreen.web.deps import check_csrf
from supplyscreen.web.guards import load_json
from supplyscreen.web.uploads import (
    Upload,
    UploadError,
    display_name,
    files_of,
    read_form,
    rule_file,
    spreadsheet,
    watchlist,
)

DOWNLOADS = {
    "report.html": ("html", "text/html; charset=utf-8"),
    "results.xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "results.json": ("json", "application/json"),
}
INDEX = re.compile(r"[0-9]{1,6}")  # an input's index: ASCII digits ("²".isdigit() is true; int() refuses it)
MAPPING_DEPTH = 2  # {"field": ["Header", …]}: parse_fields takes nothing deeper


class NotFinished(InputError):
    status = 409


def get_run(store: Store, run_id: str) -> Run:
    run = store.get_run(run_id) if len(run_id) == 32 and run_id.isalnum() else None
    if run is None:
        raise HTTPException(404)
    return run


async def upload(request: Request, store: Store, source: str) -> tuple[str, FormData]:
    """Read an upload form, then (in a worker thread, off the event loop) check, store and preview it."""
    form = await read_form(request)
    if source == "web":
        check_csrf(request, form)
    raw_inputs = await files_of(form, "files")
    raw_rules = await files_of(form, "rules")
    raw_lists = await files_of(form, "lists")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    actor = request_actor(request)
    run_id = await run_in_threadpool(
        _store_upload, store, source, raw_inputs, raw_rules, raw_lists, fields, actor
    )
    return run_id, form


def _store_upload(
    store: Store,
    source: str,
    raw_inputs: list[tuple[str, bytes]],
    raw_rules: list[tuple[str, bytes]],
    raw_lists: list[tuple[str, bytes]],
    form: Mapping[str, str],
    actor: Actor,
) -> str:
    """Check every file by content, validate uploaded rules, detect the columns and store the run."""
    if not raw_inputs:
        raise UploadError(
            "no spreadsheet was uploaded", hint="choose one or more .xlsx, .xls, .ods or .csv files"
        )
    inputs = _unique(
        [spreadsheet(display_name(n, f"upload-{i}"), d) for i, (n, d) in enumerate(raw_inputs, 1)]
    )
    rules = [rule_file(display_name(n, f"rules-{i}.yaml"), d) for i, (n, d) in enumerate(raw_rules, 1)]
    lists = [watchlist(display_name(n, f"list-{i}"), d) for i, (n, d) in enumerate(raw_lists, 1)]
    jobs.check_rules(rules)
    options: dict[str, Any] = {}
    sheet = form.get("sheet", "")
    if sheet.strip():
        options["sheet"] = sheet.strip()
    mapping = form.get("mapping", "")
    if mapping.strip():
        hint = 'e.g. {"name": "Vendor Name"}'
        options["mapping"] = parse_fields(load_json(mapping, "mapping", MAPPING_DEPTH, hint))
    markets = parse_markets([form.get("markets", "")])
    if set(markets) != set(MARKETS):  # both, the default, is not stored: runs stored before it are both
        options["markets"] = list(markets)
    preview = jobs.preview(inputs, options.get("sheet"))
    options["preview"] = preview
    return store.create_run(
        [(u.name, u.data) for u in inputs],
        [(u.name, u.data) for u in rules],
        [(u.name, u.data) for u in lists],
        options=options,
        source=source,
        actor=actor,
    )


def _unique(uploads: list[Upload]) -> list[Upload]:
    """Two uploads with the same name get (2), (3)… so the results tell them apart."""
    seen: dict[str, int] = {}
    out = []
    for up in uploads:
        key = up.name.casefold()
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            stem, dot, ext = up.name.rpartition(".")
            up = replace(up, name=f"{stem} ({seen[key]}).{ext}" if dot else f"{up.name} ({seen[key]})")
        out.append(up)
    return out


def file_corrections(preview: list[dict[str, Any]], form: Mapping[str, str]) -> dict[str, Any]:
    """Map-form fields ``map:<file>:<sheet>:<field>`` and ``use:<file>:<sheet>:<column>`` → per-file and
    per-sheet corrections."""
    sheet_mapping: dict[str, list[list[Any]]] = {}
    file_mapping: dict[str, dict[str, list[str]]] = {}
    for i, entry in enumerate(preview):
        if entry.get("error"):
            chosen = {
                f: [form[f"map:{i}:*:{f}"].strip()] for f in FIELDS if form.get(f"map:{i}:*:{f}", "").strip()
            }
            if chosen:
                file_mapping[str(i)] = chosen
            continue
        sheets = entry.get("sheets") or []
        per = []
        for j, sh in enumerate(sheets):
            picked: dict[str, list[str]] = {}
            for f in FIELDS:
                value = form.get(f"map:{i}:{j}:{f}", "")
                if value and value in sh["headers"] and [value] != sh["mapping"].get(f):
                    picked[f] = [value]
            _column_corrections(sh, form, f"use:{i}:{j}:", picked)
            per.append([sh["sheet"], picked])
        if any(c for _, c in per):
            sheet_mapping[str(i)] = per
    out: dict[str, Any] = {}
    if sheet_mapping:
        out["sheet_mapping"] = sheet_mapping
    if file_mapping:
        out["file_mapping"] = file_mapping
    return out


def _column_corrections(
    sheet: Mapping[str, Any], form: Mapping[str, str], prefix: str, chosen: dict[str, list[str]]
) -> None:
    """Map-form fields ``use:<file>:<sheet>:<column>`` (one per column: a field, ``text`` or ``skip``) →
    corrections in ``chosen``: a column given a field is added to that field's columns (several columns
    per field), ``text`` screens it as free text, ``skip`` leaves it unscreened."""
    headers = sheet["headers"]
    current = {k: str(c.get("use", "")) for k, c in enumerate(sheet.get("columns") or [])}
    for k, header in enumerate(headers):
        use = form.get(f"{prefix}{k}", "")
        if not use or use == {"not screened": "skip"}.get(current.get(k, ""), current.get(k)):
            continue
        if use in FIELDS:
            base = chosen.get(use) or list(sheet["mapping"].get(use) or [])
            chosen[use] = [*(h for h in base if h != header), header]
        elif use in PSEUDO_FIELDS:
            chosen.setdefault(use, []).append(header)
        for f in FIELDS:  # the column leaves the field it had
            if f != use and header in chosen.get(f, []):
                chosen[f] = [h for h in chosen[f] if h != header]
                if not chosen[f]:
                    del chosen[f]


def sheet_corrections(run: Run, given: Mapping[str, Mapping[str, Any]]) -> dict[str, list[list[Any]]]:
    """API per-sheet corrections → the stored form: every sheet of a corrected file, in order."""
    preview = run.options.get("preview") or []
    out: dict[str, list[list[Any]]] = {}
    for key, sheets in given.items():
        index = int(key) if INDEX.fullmatch(key) else -1
        if not 0 <= index < len(preview) or preview[index].get("error"):
            raise InputError(f"sheet_mapping names input {key!r}, which has no detected sheets")
        known = [sh["sheet"] for sh in preview[index]["sheets"]]
        unknown = [name for name in sheets if name not in known]
        if unknown:
            raise InputError(
                f"sheet_mapping names unknown sheet {unknown[0]!r} of input {key}",
                hint=f"sheets: {', '.join(repr(k) for k in known)}",
            )
        out[str(index)] = [[name, parse_fields(sheets.get(name) or {})] for name in known]
    return out


def run_json(request: Request, run: Run) -> dict[str, Any]:
    base = f"/api/v1/runs/{run.id}"
    out = run.as_json()
    opts = dict(out["options"])
    preview = opts.pop("preview", None)
    out["options"] = opts
    out["preview"] = preview if run.status in ("mapping", "failed", "interrupted") else None
    links = {"self": base, "page": f"/runs/{run.id}"}
    if run.status in ("mapping", "failed", "interrupted"):
        links["screen"] = f"{base}/screen"
    if run.status == "done":
        links["results"] = f"{base}/results"
        links["suppliers"] = f"{base}/suppliers"
        links.update({name: f"{base}/files/{name}" for name in DOWNLOADS})
    out["links"] = links
    out["watchlists_matched"] = jobs.lists_supported()
    return out


def download(
    store: Store, run_id: str, filename: str, attachment: bool, actor: Actor | None = None
) -> Response:
    """A report of a finished run as it was produced; the download is an export event of the audit trail
    (by ``actor``: default, an anonymous visitor)."""
    from supplyscreen.review import audit

    run = get_run(store, run_id)
    if filename not in DOWNLOADS:
        raise HTTPException(404)
    if run.status != "done":
        raise NotFinished(f"run {run.id[:8]} is {run.status}", hint="wait until screening is done")
    fmt, media = DOWNLOADS[filename]
    data = store.report(run.id, fmt)
    if data is None:
        raise HTTPException(404)
    audit.record(
        store, actor or Actor.anonymous(), "export.report", f"run:{run.id}", after={"file": filename}
    )
    disposition = "attachment" if attachment else "inline"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'}
    )
