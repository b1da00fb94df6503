"""The review pages: signing in and out, the reviewer's name on loopback, the supplier page's decision,
status and evidence forms, attached documents, and the admin's accounts page. Every form carries the CSRF
token; every action is one call of ``supplyscreen.review``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from supplyscreen.errors import InputError
from supplyscreen.review import audit, decisions, users
from supplyscreen.review.decisions import (
    DECISION_LABELS,
    DECISIONS,
    EVIDENCE_STATUSES,
    SUPPLIER_STATUSES,
    SupplierReview,
)
from supplyscreen.store import Store, Supplier
from supplyscreen.web.auth import (
    SESSION_NAME,
    SESSION_USER,
    AdminDep,
    SignInNeeded,
    current_user,
    given_name,
    page_actor,
)
from supplyscreen.web.deps import Position, SettingsDep, StoreDep, csrf_form
from supplyscreen.web.render import Page
from supplyscreen.web.runs import get_run

router = APIRouter(include_in_schema=False)
PageDep = Annotated[Page, Depends()]
FormDep = Annotated[FormData, Depends(csrf_form)]
HISTORY_SHOWN = 200  # the newest events on a supplier page
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="an attached document's number")]


def review_context(request: Request, store: Store, run_id: str, position: int) -> dict[str, Any]:
    """What the supplier page shows of the review: the supplier as reviewed (hits, decisions, status,
    evidence), its history, who acts, and the choices of the forms."""
    review = decisions.supplier_review(store, run_id, position)
    return {
        "review": review,
        "history": audit.events(store, target=review.target, limit=HISTORY_SHOWN),
        "actor": page_actor(request),
        "signed_in": current_user(request),
        "decision_choices": [(d, DECISION_LABELS[d]) for d in DECISIONS],
        "supplier_statuses": SUPPLIER_STATUSES,
        "evidence_statuses": EVIDENCE_STATUSES,
        "describe": describe_event,
    }


def run_reviews(store: Store, run_id: str, shown: Sequence[Supplier]) -> dict[str, Any]:
    """The results table's review column: the suppliers with a decision somewhere, as reviewed (every hit of
    the others needs review), and the counts over the rows shown."""
    reviews = decisions.decided_suppliers(store, run_id)
    waiting = carried = 0
    for s in shown:
        r = reviews.get(s.position)
        waiting += len(r.needing_review) if r else len(s.supplier.get("hits") or [])
        carried += len(r.carried_over) if r else 0
    return {"reviews": reviews, "to_review": waiting, "carried": carried}


def carried_counts(store: Store, run_ids: list[str]) -> dict[str, int]:
    """How many earlier decisions each run took over when it was screened (its ``run.finish`` event)."""
    finished = audit.events_of(store, "run.finish", [f"run:{r}" for r in run_ids])
    return {
        e.target.removeprefix("run:"): int((e.after or {}).get("decisions_carried_over") or 0)
        for e in finished
    }


def hit_label(key: str) -> str:
    """A hit key as people read it: ``place.hunchun · name “hunchun”`` (and the list entry, if any)."""
    rule, _, rest = key.partition("|")
    field, _, text = rest.partition("|")
    text, _, entry = text.partition("|")
    return f"{rule} · {field} “{text}”" + (f" ({entry})" if entry else "")


def describe_event(e: audit.Event) -> str:
    """One line for an event of a supplier's history."""
    after: dict[str, Any] = e.after if isinstance(e.after, dict) else {}
    before: dict[str, Any] = e.before if isinstance(e.before, dict) else {}
    if e.action.startswith("decision."):
        what = "the supplier" if e.action == "decision.supplier" else hit_label(str(after.get("hit_key", "")))
        line = f"{what}: {DECISION_LABELS.get(after.get('decision', ''), after.get('decision'))}"
        if after.get("comment"):
            line += f" — “{after['comment']}”"
        if before:
            line += f" (was {DECISION_LABELS.get(before.get('decision', ''), before.get('decision'))} by {before.get('reviewer')})"
        return line
    if e.action == "status.supplier":
        return f"status: {after.get('status')}" + (f" (was {before.get('status')})" if before else "")
    if e.action.startswith("evidence."):
        doc = after.get("document") or {}
        attached = f", attached {doc.get('name')}" if e.action == "evidence.attach" and doc else ""
        return f"evidence {after.get('item_id')}: {after.get('status')}{attached}"
    return e.action


def _back(run_id: str, position: int, anchor: str = "review") -> RedirectResponse:
    return RedirectResponse(f"/runs/{run_id}/suppliers/{position}#{anchor}", status_code=303)


def _acting(request: Request) -> audit.Actor:
    actor = page_actor(request)
    if actor is None:
        raise SignInNeeded(
            "say who you are before deciding", hint="give your name above the hits, or sign in"
        )
    return actor


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# --- signing in -----------------------------------------------------------------------------------------


@router.get("/login")
def login_page(page: PageDep, request: Request, next: str = "/") -> HTMLResponse:
    return page("login.html.j2", next=_safe_next(next), failed=False)


@router.post("/login")
async def login(request: Request, form: FormDep, page: PageDep, store: StoreDep) -> Response:
    name, password = _text(form, "name").strip()[:200], _text(form, "password")
    user = await run_in_threadpool(users.authenticate, store, name, password)
    if user is None:
        await run_in_threadpool(
            audit.record, store, audit.Actor("anonymous", "web"), "login.failed", f"user:{name[:64]}"
        )
        return page("login.html.j2", status=401, next=_safe_next(_text(form, "next")), failed=True)
    request.session.clear()  # a new session: a token fixed before signing in is worth nothing after
    request.session[SESSION_USER] = {"id": user.id, "name": user.name}
    request.session["csrf"] = secrets.token_urlsafe(32)
    await run_in_threadpool(
        audit.record, store, audit.Actor(user.name, "login"), "login", f"user:{user.name}"
    )
    return RedirectResponse(_safe_next(_text(form, "next")), status_code=303)


@router.post("/logout")
async def logout(request: Request, form: FormDep, store: StoreDep) -> Response:
    user = current_user(request)
    if user is not None:
        await run_in_threadpool(
            audit.record, store, audit.Actor(user.name, "login"), "logout", f"user:{user.name}"
        )
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


_OWN_PATH = re.compile(r"/(?![/\\])[^\x00-\x20\\]*")  # no "//host", no backslash, space or control


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path of this app only (never another site: browsers drop tabs and
    read backslashes as slashes, so neither may appear)."""
    return target if _OWN_PATH.fullmatch(target) else "/"


@router.post("/reviewer")
async def reviewer_name(request: Request, form: FormDep, settings: SettingsDep) -> Response:
    """The name of a reviewer who has not signed in (loopback only), kept in the session."""
    if not settings.on_loopback:
        raise SignInNeeded("this server needs an account", hint="sign in")
    request.session[SESSION_NAME] = await run_in_threadpool(given_name, request, _text(form, "reviewer"))
    return RedirectResponse(_safe_next(_text(form, "next")), status_code=303)


# --- deciding -------------------------------------------------------------------------------------------


@router.post("/runs/{run_id}/suppliers/{position}/hits/decision")
async def decide_hit(
    request: Request, run_id: str, position: Position, form: FormDep, store: StoreDep
) -> Response:
    actor = _acting(request)
    run = get_run(store, run_id)
    made = await run_in_threadpool(
        decisions.decide_hit,
        store,
        run.id,
        position,
        _text(form, "hit_key"),
        _text(form, "decision"),
        _text(form, "comment"),
        actor,
    )
    return _back(run.id, position, f"hit-{_number(store, run.id, position, made.hit_key)}")


def _number(store: Store, run_id: str, position: int, key: str) -> int:
    review: SupplierReview = decisions.supplier_review(store, run_id, position)
    return next((h.number for h in review.hits if h.key == key), 0)


@router.post("/runs/{run_id}/suppliers/{position}/decision")
async def decide_supplier(
    request: Request, run_id: str, position: Position, form: FormDep, store: StoreDep
) -> Response:
    actor = _acting(request)
    run = get_run(store, run_id)
    chosen, status, comment = _text(form, "decision"), _text(form, "status"), _text(form, "comment")
    if not chosen and not status:
        raise InputError("choose a decision or a status", hint="pick one from the lists and record it again")

    def act() -> None:
        if chosen:
            decisions.decide_supplier(store, run.id, position, chosen, comment, actor)
        if status:
            decisions.set_status(store, run.id, position, status, "" if chosen else comment, actor)

    await run_in_threadpool(act)
    return _back(run.id, position, "supplier-review")


@router.post("/runs/{run_id}/suppliers/{position}/evidence")
async def evidence(
    request: Request, run_id: str, position: Position, form: FormDep, store: StoreDep
) -> Response:
    actor = _acting(request)
    run = get_run(store, run_id)
    attach = await attached_file(form)
    item = _text(form, "item_id")
    await run_in_threadpool(
        decisions.set_evidence,
        store,
        run.id,
        position,
        item,
        _text(form, "status"),
        _text(form, "comment"),
        actor,
        attach,
    )
    return _back(run.id, position, "evidence")


async def attached_file(form: FormData, name: str = "document") -> tuple[str, bytes] | None:
    """The file sent in a form's ``name`` part, as (name as given, bytes); None when none was chosen."""
    upload = form.get(name)
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        return upload.filename or "document", await upload.read()
    return None


@router.get("/runs/{run_id}/suppliers/{position}/documents/{document_id}")
def document(run_id: str, position: Position, document_id: DocumentId, store: StoreDep) -> Response:
    """A document attached to one of the supplier's evidence items, as a download."""
    return attached_document(store, run_id, position, document_id)


def attached_document(store: Store, run_id: str, position: int, document_id: int) -> Response:
    """A document attached to one of the supplier's evidence items (404 for any other), as an attachment of
    its media type, never rendered by the browser."""
    run = get_run(store, run_id)
    review = decisions.supplier_review(store, run.id, position)
    if document_id not in {e.document.id for e in review.evidence.values() if e.document is not None}:
        raise HTTPException(404)
    info, data = decisions.document(store, document_id)
    name = info.name.replace('"', "'")
    return Response(
        data,
        media_type=info.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name.encode("ascii", "replace").decode()}"; '
            f"filename*=UTF-8''{_quoted(info.name)}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _quoted(name: str) -> str:
    return quote(name, safe="")


# --- accounts (admin) -----------------------------------------------------------------------------------


@router.get("/users")
def users_page(page: PageDep, store: StoreDep, user: AdminDep) -> HTMLResponse:
    return page("users.html.j2", users=users.list_users(store), roles=users.ROLES)


@router.post("/users")
async def add_user(request: Request, form: FormDep, store: StoreDep, user: AdminDep) -> Response:
    await run_in_threadpool(
        users.add_user,
        store,
        _text(form, "name"),
        _text(form, "role"),
        _text(form, "password"),
        audit.Actor(user.name, "login"),
    )
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/disable")
async def disable_user(name: str, form: FormDep, store: StoreDep, user: AdminDep) -> Response:
    await run_in_threadpool(users.disable_user, store, name[:200], audit.Actor(user.name, "login"))
    return RedirectResponse("/users", status_code=303)
