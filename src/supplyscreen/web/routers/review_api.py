"""The JSON API of review (``/api/v1/runs/{id}/review`` and ``/api/v1/runs/{id}/suppliers/{n}/…``): what applies
to a run, one supplier as reviewed with its history, and one route per action (decide a hit, decide the
supplier, set its status, mark an evidence item with an optional document). Who acts: the account of HTTP
Basic authentication, or on loopback the ``reviewer`` named in the request."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from supplyscreen.review import decisions
from supplyscreen.web.auth import api_actor
from supplyscreen.web.deps import Position, StoreDep
from supplyscreen.web.routers.review_pages import attached_document, attached_file
from supplyscreen.web.runs import get_run
from supplyscreen.web.uploads import UploadError, multipart_body, read_form

router = APIRouter(prefix="/api/v1", tags=["review"])
SUPPLIER = "/runs/{run_id}/suppliers/{position}"
ItemId = Annotated[str, Path(max_length=128, description="a checklist item's id, as the supplier lists them")]
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="an attached document's number")]
Decisions = Literal["false_positive", "confirmed", "needs_information", "escalated"]
Statuses = Literal["open", "in_review", "awaiting_evidence", "closed"]
REVIEWER = Field(
    None,
    max_length=64,
    description="who decides, on a loopback server without an account (with an account: HTTP Basic)",
)
COMMENT = Field("", max_length=decisions.MAX_COMMENT, description="why")


class HitDecisionIn(BaseModel):
    hit: str = Field(
        max_length=1000, description="the hit's key (hit_key), or its number as listed (1, 2, …)"
    )
    decision: Decisions
    comment: str = COMMENT
    reviewer: str | None = REVIEWER


class SupplierDecisionIn(BaseModel):
    decision: Decisions
    comment: str = COMMENT
    status: Statuses | None = Field(None, description="also set the supplier's status")
    reviewer: str | None = REVIEWER


class StatusIn(BaseModel):
    status: Statuses
    comment: str = COMMENT
    reviewer: str | None = REVIEWER


EVIDENCE_BODY = multipart_body(
    ["status"],
    status={"type": "string", "enum": list(decisions.EVIDENCE_STATUSES)},
    comment={"type": "string"},
    reviewer={"type": "string", "description": "who, on a loopback server without an account"},
    document={"type": "string", "format": "binary", "description": "optional: a PDF, image, Word file, …"},
)


@router.get("/runs/{run_id}/review", summary="Every supplier's decisions in force and hits needing review")
def run_review(store: StoreDep, run_id: str) -> dict[str, Any]:
    run = get_run(store, run_id)
    reviews = decisions.decisions_for_run(store, run.id)
    return {
        "run_id": run.id,
        "needs_review": sum(len(r.needing_review) for r in reviews.values()),
        "carried_over": sum(len(r.carried_over) for r in reviews.values()),
        "suppliers": [r.as_json() for r in reviews.values()],
    }


@router.get(SUPPLIER + "/review", summary="One supplier as reviewed, with its history")
def supplier_review(store: StoreDep, run_id: str, position: Position) -> dict[str, Any]:
    run = get_run(store, run_id)
    review = decisions.supplier_review(store, run.id, position)
    history = decisions.history(store, review)
    return {**review.as_json(), "history": [e.as_json() for e in history]}


@router.post(SUPPLIER + "/hits/decision", summary="Decide one hit", status_code=201)
def decide_hit(
    request: Request, store: StoreDep, run_id: str, position: Position, body: HitDecisionIn
) -> dict[str, Any]:
    actor = api_actor(request, body.reviewer)
    made = decisions.decide_hit(
        store, get_run(store, run_id).id, position, body.hit, body.decision, body.comment, actor
    )
    return made.as_json()


@router.post(SUPPLIER + "/decision", summary="Decide the supplier as a whole", status_code=201)
def decide_supplier(
    request: Request, store: StoreDep, run_id: str, position: Position, body: SupplierDecisionIn
) -> dict[str, Any]:
    actor = api_actor(request, body.reviewer)
    run = get_run(store, run_id)
    made = decisions.decide_supplier(store, run.id, position, body.decision, body.comment, actor)
    if body.status:
        decisions.set_status(store, run.id, position, body.status, "", actor)
    return made.as_json()


@router.post(SUPPLIER + "/status", summary="Set the supplier's review status", status_code=201)
def set_status(
    request: Request, store: StoreDep, run_id: str, position: Position, body: StatusIn
) -> dict[str, Any]:
    actor = api_actor(request, body.reviewer)
    made = decisions.set_status(store, get_run(store, run_id).id, position, body.status, body.comment, actor)
    return made.as_json()


@router.post(
    SUPPLIER + "/evidence/{item_id}",
    summary="Mark an evidence item requested, received or accepted, with an optional document",
    status_code=201,
    openapi_extra=EVIDENCE_BODY,
)
async def set_evidence(
    request: Request, store: StoreDep, run_id: str, position: Position, item_id: ItemId
) -> dict[str, Any]:
    form = await read_form(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    actor = await run_in_threadpool(api_actor, request, fields.get("reviewer"))
    attach = await attached_file(form)
    if "status" not in fields:
        raise UploadError("the form has no status", hint="send status=requested, received or accepted")
    run = get_run(store, run_id)
    made = await run_in_threadpool(
        decisions.set_evidence,
        store,
        run.id,
        position,
        item_id,
        fields["status"],
        fields.get("comment", ""),
        actor,
        attach,
    )
    return made.as_json()


@router.get(SUPPLIER + "/documents/{document_id}", summary="Download a document attached to an evidence item")
def document(store: StoreDep, run_id: str, position: Position, document_id: DocumentId) -> Response:
    return attached_document(store, run_id, position, document_id)
