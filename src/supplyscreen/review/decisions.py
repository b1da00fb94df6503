"""Decisions on hits and suppliers, supplier statuses and evidence items: one engine function per action,
which the command line, the JSON API and the pages call alike, and the decisions that apply to a run.

Everything is kept against the supplier key and the hit key (``review.keys``), in rows that are only added:
the latest row for a key is the one in force, and every row is an event of the audit trail with what was in
force before it (a reviewer may change another reviewer's decision; the trail shows both).

**Decisions remembered.** For a run, each hit's decision is the latest one for its (supplier key, hit key),
whichever run it was made on, when it still covers the hit: a hit that now has more points or a higher
similarity than when it was decided (``keys.changed``) is not covered, is shown as changed since decided and
needs review again. A supplier decision covers the supplier while every hit it has now was there when it was
decided, with no more against it. The supplier's status and its evidence items follow the supplier key from
run to run as they are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from supplyscreen.errors import InputError
from supplyscreen.review import audit
from supplyscreen.review.audit import Actor, Event
from supplyscreen.review.documents import DocumentInfo, document_kind
from supplyscreen.review.keys import changed, hit_key, supplier_key_of
from supplyscreen.store.compact import Catalogue, pack_bytes, unpack_bytes
from supplyscreen.store.models import (
    DecisionRow,
    DocumentRow,
    EvidenceRow,
    ResultRow,
    RunRow,
    SupplierStatusRow,
)
from supplyscreen.web.uploads import display_name

if TYPE_CHECKING:
    from supplyscreen.store import Store

DECISIONS = ("false_positive", "confirmed", "needs_information", "escalated")
DECISION_LABELS = {
    "false_positive": "false positive",
    "confirmed": "confirmed",
    "needs_information": "needs information",
    "escalated": "escalated",
}
VERBS = {
    "false_positive": "cleared as false positive",
    "confirmed": "confirmed",
    "needs_information": "marked as needing information",
    "escalated": "escalated",
}
SUPPLIER_STATUSES = ("open", "in_review", "awaiting_evidence", "closed")
EVIDENCE_STATUSES = ("requested", "received", "accepted")
MAX_COMMENT = 4000
_KEY_BATCH = 500  # supplier keys per IN (...) query


class NotFound(InputError):
    """No such run, supplier, hit, checklist item or document."""

    status = 404


class NotReviewable(InputError):
    """The run is not screened (yet): there is nothing to decide."""

    status = 409


# --- what is in force -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    id: int
    supplier_key: str
    hit_key: str  # "" for a decision on the supplier as a whole
    decision: str
    comment: str
    reviewer: str
    at: dt.datetime
    run_id: str  # the run it was made on
    position: int
    points: int | None
    similarity: float | None
    hits: Mapping[str, Any] | None  # a supplier decision: every hit then, {hit_key: [points, similarity]}

    @property
    def label(self) -> str:
        return DECISION_LABELS[self.decision]

    def sentence(self) -> str:
        """``cleared as false positive by A. Reviewer on 2026-11-30: 'different company, Busan'``"""
        said = f": '{self.comment}'" if self.comment else ""
        return f"{VERBS[self.decision]} by {self.reviewer} on {self.at:%Y-%m-%d}{said}"

    def made_on_another_run(self, run_id: str) -> bool:
        return self.run_id != run_id

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "decision": self.decision,
            "comment": self.comment,
            "reviewer": self.reviewer,
            "at": self.at.isoformat(timespec="seconds") + "Z",
            "run_id": self.run_id,
            "position": self.position,
            "hit_key": self.hit_key,
            "points": self.points,
            "similarity": self.similarity,
            "sentence": self.sentence(),
        }


@dataclass(frozen=True)
class Status:
    status: str
    comment: str
    reviewer: str
    at: dt.datetime
    run_id: str

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "comment": self.comment,
            "reviewer": self.reviewer,
            "at": self.at.isoformat(timespec="seconds") + "Z",
            "run_id": self.run_id,
        }


@dataclass(frozen=True)
class Evidence:
    item_id: str
    status: str
    comment: str
    reviewer: str
    at: dt.datetime
    run_id: str
    document: DocumentInfo | None

    def as_json(self) -> dict[str, Any]:
        doc = self.document
        return {
            "item_id": self.item_id,
            "status": self.status,
            "comment": self.comment,
            "reviewer": self.reviewer,
            "at": self.at.isoformat(timespec="seconds") + "Z",
            "run_id": self.run_id,
            "document": {
                "id": doc.id,
                "name": doc.name,
                "kind": doc.kind,
                "size": doc.size,
                "sha256": doc.sha256,
            }
            if doc
            else None,
        }


@dataclass(frozen=True)
class HitReview:
    """One hit of a supplier in a run, and the decision that covers it (None: it needs review)."""

    number: int  # 1, 2, … in the supplier's order of hits
    key: str
    hit: Mapping[str, Any]  # the results.json hit
    decision: Decision | None
    changed_since: Decision | None  # the latest decision, when it no longer covers the hit

    @property
    def needs_review(self) -> bool:
        return self.decision is None

    def as_json(self, run_id: str) -> dict[str, Any]:
        return {
            "number": self.number,
            "hit_key": self.key,
            "rule": self.hit.get("rule"),
            "indicator": self.hit.get("indicator"),
            "field": self.hit.get("field"),
            "text": self.hit.get("text"),
            "points": self.hit.get("points"),
            "similarity": self.hit.get("similarity"),
            "decision": self.decision.as_json() if self.decision else None,
            "carried_over": bool(self.decision and self.decision.made_on_another_run(run_id)),
            "changed_since_decided": self.changed_since.as_json() if self.changed_since else None,
            "needs_review": self.needs_review,
        }


@dataclass(frozen=True)
class SupplierReview:
    """A supplier of a run as reviewed: its hits and their decisions, the supplier decision, status and
    evidence items in force."""

    run_id: str
    position: int
    supplier_key: str
    name: str
    hits: tuple[HitReview, ...]
    decision: Decision | None = None
    changed_since: Decision | None = None  # the latest supplier decision, when it no longer covers
    status: Status | None = None
    evidence: Mapping[str, Evidence] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return target_of(self.supplier_key)

    @property
    def applied(self) -> list[HitReview]:
        return [h for h in self.hits if h.decision is not None]

    @property
    def needing_review(self) -> list[HitReview]:
        return [h for h in self.hits if h.decision is None]

    @property
    def carried_over(self) -> list[Decision]:
        """The decisions in force that were made on another run."""
        found = [h.decision for h in self.hits if h.decision is not None]
        if self.decision is not None:
            found.append(self.decision)
        return [d for d in found if d.made_on_another_run(self.run_id)]

    def hit(self, given: str) -> HitReview:
        """A hit by its number as listed (``2``) or its key; NotFound otherwise."""
        for h in self.hits:
            if given.strip() in (str(h.number), h.key):
                return h
        raise NotFound(
            f"supplier {self.position} of run {self.run_id[:8]} has no hit {given[:80]!r}",
            hint="give the hit's number as supplyscreen review show lists it, or its key",
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "position": self.position,
            "supplier_key": self.supplier_key,
            "name": self.name,
            "hits": [h.as_json(self.run_id) for h in self.hits],
            "decision": self.decision.as_json() if self.decision else None,
            "changed_since_decided": self.changed_since.as_json() if self.changed_since else None,
            "status": self.status.as_json() if self.status else None,
            "evidence": {k: e.as_json() for k, e in self.evidence.items()},
            "needs_review": len(self.needing_review),
            "carried_over": len(self.carried_over),
        }


def target_of(key: str) -> str:
    """The audit trail's target for a supplier."""
    return f"supplier:{key}"


# --- reading --------------------------------------------------------------------------------------------


def decisions_for_run(
    store: Store, run_id: str, positions: Iterable[int] | None = None
) -> dict[int, SupplierReview]:
    """Per supplier position of the run (all, or ``positions``): the decisions that apply to its hits and to
    it (with who, when, the comment and the run each was made on), the hits needing review, its status and
    evidence items."""
    with store.session() as s:
        return _reviews(s, run_id, positions)


def supplier_review(store: Store, run_id: str, position: int) -> SupplierReview:
    """One supplier of a run as reviewed; NotFound when the run has no such supplier."""
    found = decisions_for_run(store, run_id, [position])
    if position not in found:
        raise NotFound(f"run {run_id[:8]} has no supplier {position}", hint="positions start at 0")
    return found[position]


def history(store: Store, review: SupplierReview) -> list[Event]:
    """Every event about the supplier (its decisions, status, evidence and documents), oldest first."""
    return audit.events(store, target=review.target)


def document(store: Store, document_id: int) -> tuple[DocumentInfo, bytes]:
    with store.session() as s:
        row = s.get(DocumentRow, document_id)
        if row is None:
            raise NotFound(f"no document {document_id}")
        return _document_info(row), unpack_bytes(row.codec, row.data)


def all_decisions(store: Store, supplier_keys: Iterable[str]) -> list[Decision]:
    """Every decision ever made on these suppliers and their hits, oldest first (their history)."""
    out: list[Decision] = []
    with store.session() as s:
        for batch in _batches(set(supplier_keys)):
            rows = s.scalars(
                select(DecisionRow).where(DecisionRow.supplier_key.in_(batch)).order_by(DecisionRow.id)
            )
            out.extend(_decision(row) for row in rows)
    return sorted(out, key=lambda d: d.id)


def decided_suppliers(store: Store, run_id: str) -> dict[int, SupplierReview]:
    """The suppliers of a run with a decision, status or evidence item on their key (made on any run), as
    reviewed; every hit of the others needs review. Cheaper than :func:`decisions_for_run` on a large run with few decisions."""
    with store.session() as s:
        return _decided(s, run_id)


def _decided(s: Session, run_id: str) -> dict[int, SupplierReview]:
    keys = union(
        select(DecisionRow.supplier_key),
        select(SupplierStatusRow.supplier_key),
        select(EvidenceRow.supplier_key),
    )
    positions = s.scalars(
        select(ResultRow.position).where(ResultRow.run_id == run_id, ResultRow.supplier_key.in_(keys))
    ).all()
    return _reviews(s, run_id, positions) if positions else {}


def run_finished(s: Session, run_id: str, hits: int) -> dict[str, int]:
    """What earlier decisions do to a run whose results (``hits`` hits in all) were just stored
    (``Store.save_result``, in its transaction): the decisions carried over to it, its hits that changed since
    they were decided, and its hits that need review. Only suppliers with a decision somewhere are read."""
    reviews = _decided(s, run_id)
    return {
        "decisions_carried_over": sum(len(r.carried_over) for r in reviews.values()),
        "hits_changed_since_decided": sum(1 for r in reviews.values() for h in r.hits if h.changed_since),
        "hits_to_review": hits - sum(len(r.applied) for r in reviews.values()),
    }


def _reviews(s: Session, run_id: str, positions: Iterable[int] | None) -> dict[int, SupplierReview]:
    catalogue = s.scalar(select(RunRow.catalogue).where(RunRow.id == run_id))
    cat = Catalogue(catalogue)
    stmt = select(ResultRow.position, ResultRow.supplier_key, ResultRow.supplier).where(
        ResultRow.run_id == run_id
    )
    if positions is not None:
        wanted = sorted(set(positions))
        if not wanted:
            return {}
        stmt = stmt.where(ResultRow.position.in_(wanted))
    rows = s.execute(stmt.order_by(ResultRow.position)).all()
    records = {p: cat.unpack_supplier(record) for p, _, record in rows}
    keys = {p: key or supplier_key_of(records[p]) for p, key, _ in rows}
    found = _in_force(s, set(keys.values()))
    return {p: _review(run_id, p, keys[p], records[p], found) for p in keys}


@dataclass
class _Found:
    decisions: dict[tuple[str, str], Decision] = field(default_factory=dict)
    statuses: dict[str, Status] = field(default_factory=dict)
    evidence: dict[str, dict[str, Evidence]] = field(default_factory=dict)


def _batches(keys: set[str]) -> Iterable[list[str]]:
    ordered = sorted(keys)
    for start in range(0, len(ordered), _KEY_BATCH):
        yield ordered[start : start + _KEY_BATCH]


def _in_force(s: Session, keys: set[str]) -> _Found:
    """The latest decision per (supplier key, hit key), status per supplier and evidence row per item."""
    found = _Found()
    for batch in _batches(keys):
        for d in s.scalars(
            select(DecisionRow).where(DecisionRow.supplier_key.in_(batch)).order_by(DecisionRow.id)
        ):
            found.decisions[(d.supplier_key, d.hit_key)] = _decision(d)
        for st in s.scalars(
            select(SupplierStatusRow)
            .where(SupplierStatusRow.supplier_key.in_(batch))
            .order_by(SupplierStatusRow.id)
        ):
            found.statuses[st.supplier_key] = Status(
                st.status, st.comment, st.reviewer, st.created_at, st.run_id
            )
        evidence = s.execute(
            select(EvidenceRow, DocumentRow)
            .outerjoin(DocumentRow, DocumentRow.id == EvidenceRow.document_id)
            .where(EvidenceRow.supplier_key.in_(batch))
            .order_by(EvidenceRow.id)
        ).all()
        for ev, doc in evidence:
            found.evidence.setdefault(ev.supplier_key, {})[ev.item_id] = Evidence(
                ev.item_id,
                ev.status,
                ev.comment,
                ev.reviewer,
                ev.created_at,
                ev.run_id,
                _document_info(doc) if doc is not None else None,
            )
    return found


def _review(run_id: str, position: int, key: str, record: Mapping[str, Any], found: _Found) -> SupplierReview:
    hits = []
    for number, hit in enumerate(record.get("hits") or [], 1):
        hk = hit_key(hit)
        latest = found.decisions.get((key, hk))
        covered = latest is not None and not changed(_decided_hit(latest), hit)
        hits.append(HitReview(number, hk, hit, latest if covered else None, None if covered else latest))
    latest = found.decisions.get((key, ""))
    covers = latest is not None and _covers(latest, record.get("hits") or [])
    return SupplierReview(
        run_id=run_id,
        position=position,
        supplier_key=key,
        name=str((record.get("fields") or {}).get("name") or ""),
        hits=tuple(hits),
        decision=latest if covers else None,
        changed_since=None if covers else latest,
        status=found.statuses.get(key),
        evidence=found.evidence.get(key, {}),
    )


def _decided_hit(d: Decision) -> dict[str, Any]:
    return {"points": d.points, "similarity": d.similarity}


def _hit_snapshot(hits: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    return {hit_key(h): [h.get("points"), h.get("similarity")] for h in hits}


def _covers(d: Decision, hits: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a supplier decision still covers the supplier: every hit now was there, with no more points
    or similarity than then."""
    then = d.hits or {}
    for hit in hits:
        seen = then.get(hit_key(hit))
        if seen is None or changed({"points": seen[0], "similarity": seen[1]}, hit):
            return False
    return True


def _decision(row: DecisionRow) -> Decision:
    return Decision(
        id=row.id,
        supplier_key=row.supplier_key,
        hit_key=row.hit_key,
        decision=row.decision,
        comment=row.comment,
        reviewer=row.reviewer,
        at=row.created_at,
        run_id=row.run_id,
        position=row.position,
        points=row.points,
        similarity=row.similarity,
        hits=row.hits,
    )


def _document_info(row: DocumentRow) -> DocumentInfo:
    return DocumentInfo(row.id, row.name, row.kind, row.size, row.sha256)


# --- deciding -------------------------------------------------------------------------------------------


def _comment(text: str | None) -> str:
    """A comment as kept: control characters (but line breaks and tabs) dropped, at most ``MAX_COMMENT``."""
    kept = "".join(ch for ch in (text or "") if ch in "\n\t" or ch.isprintable()).strip()
    if len(kept) > MAX_COMMENT:
        raise InputError(f"the comment is longer than {MAX_COMMENT:,} characters", hint="shorten it")
    return kept


def _choice(value: str, allowed: Sequence[str], what: str) -> str:
    chosen = value.strip().lower().replace(" ", "_").replace("-", "_")
    if chosen not in allowed:
        raise InputError(f"unknown {what} {value[:40]!r}", hint=f"use one of: {', '.join(allowed)}")
    return chosen


def _reviewable(s: Session, run_id: str, position: int) -> SupplierReview:
    """The supplier as reviewed, read inside the writer's transaction (after the audit lock)."""
    status = s.scalar(select(RunRow.status).where(RunRow.id == run_id))
    if status is None:
        raise NotFound(f"no run has the id {run_id[:40]!r}", hint="supplyscreen runs list shows the ids")
    if status != "done":
        raise NotReviewable(f"run {run_id[:8]} is {status}", hint="decisions are made on a screened run")
    found = _reviews(s, run_id, [position])
    if position not in found:
        raise NotFound(f"run {run_id[:8]} has no supplier {position}", hint="positions start at 0")
    return found[position]


def decide_hit(
    store: Store,
    run_id: str,
    position: int,
    hit: str,
    decision: str,
    comment: str,
    reviewer: Actor,
) -> Decision:
    """Record a decision on one hit (``hit``: its key, or its number as listed) of a supplier of a run."""
    return _decide(store, run_id, position, hit, decision, comment, reviewer)


def decide_supplier(
    store: Store,
    run_id: str,
    position: int,
    decision: str,
    comment: str,
    reviewer: Actor,
) -> Decision:
    """Record a decision on a supplier as a whole, covering the hits it has in this run."""
    return _decide(store, run_id, position, None, decision, comment, reviewer)


def _decide(
    store: Store,
    run_id: str,
    position: int,
    hit: str | None,
    decision: str,
    comment: str,
    reviewer: Actor,
) -> Decision:
    """A decision on a hit, or (``hit`` None) on the supplier, with the event that records it and what it
    replaces."""
    chosen = _choice(decision, DECISIONS, "decision")
    text = _comment(comment)
    with store.session() as s:
        audit.lock(s)
        review = _reviewable(s, run_id, position)
        if hit is None:
            key, before = "", review.decision or review.changed_since
            covers: dict[str, Any] = {"hits": _hit_snapshot([h.hit for h in review.hits])}
        else:
            h = review.hit(hit)
            key, before = h.key, h.decision or h.changed_since
            covers = {
                "points": int(h.hit.get("points") or 0),
                "similarity": float(h.hit.get("similarity") or 0),
            }
        row = DecisionRow(
            supplier_key=review.supplier_key,
            hit_key=key,
            decision=chosen,
            comment=text,
            reviewer=reviewer.name,
            run_id=run_id,
            position=position,
            **covers,
        )
        s.add(row)
        s.flush()
        made = _decision(row)
        audit.append(
            s,
            reviewer,
            "decision.supplier" if hit is None else "decision.hit",
            review.target,
            before=before.as_json() if before else None,
            after=made.as_json(),
        )
        return made


def set_status(
    store: Store, run_id: str, position: int, status: str, comment: str, reviewer: Actor
) -> Status:
    """Set a supplier's review status (``SUPPLIER_STATUSES``)."""
    chosen = _choice(status, SUPPLIER_STATUSES, "status")
    text = _comment(comment)
    with store.session() as s:
        audit.lock(s)
        review = _reviewable(s, run_id, position)
        row = SupplierStatusRow(
            supplier_key=review.supplier_key,
            status=chosen,
            comment=text,
            reviewer=reviewer.name,
            run_id=run_id,
        )
        s.add(row)
        s.flush()
        made = Status(chosen, text, reviewer.name, row.created_at, run_id)
        audit.append(
            s,
            reviewer,
            "status.supplier",
            review.target,
            before=review.status.as_json() if review.status else None,
            after={**made.as_json(), "position": position},
        )
        return made


def set_evidence(
    store: Store,
    run_id: str,
    position: int,
    item_id: str,
    status: str,
    comment: str,
    reviewer: Actor,
    attach: tuple[str, bytes] | None = None,
    max_bytes: int | None = None,
) -> Evidence:
    """Mark an evidence item of the supplier's checklist requested, received or accepted, with a comment and
    optionally a document (``attach``: its name, shown only, and bytes, checked by content and size; without
    one the item keeps the document it had)."""
    chosen = _choice(status, EVIDENCE_STATUSES, "evidence status")
    text = _comment(comment)
    kind = document_kind(attach[0], attach[1], max_bytes) if attach is not None else ""
    with store.session() as s:
        audit.lock(s)
        review = _reviewable(s, run_id, position)
        items = _checklist_ids(s, run_id, position)
        if item_id not in items:
            raise NotFound(
                f"supplier {position} of run {run_id[:8]} has no checklist item {item_id[:80]!r}",
                hint=f"its items: {', '.join(items) or 'none (its legal track needs no evidence)'}",
            )
        before = review.evidence.get(item_id)
        doc = before.document if before is not None else None
        if attach is not None:
            doc = _store_document(s, attach[0], attach[1], kind)
        row = EvidenceRow(
            supplier_key=review.supplier_key,
            item_id=item_id,
            status=chosen,
            comment=text,
            reviewer=reviewer.name,
            run_id=run_id,
            document_id=doc.id if doc is not None else None,
        )
        s.add(row)
        s.flush()
        made = Evidence(item_id, chosen, text, reviewer.name, row.created_at, run_id, doc)
        audit.append(
            s,
            reviewer,
            "evidence.attach" if attach is not None else "evidence.status",
            review.target,
            before=before.as_json() if before else None,
            after={**made.as_json(), "position": position},
        )
        return made


def _checklist_ids(s: Session, run_id: str, position: int) -> list[str]:
    """The ids of the supplier's checklist items, as stored with its result."""
    packed = s.scalar(
        select(ResultRow.checklist).where(ResultRow.run_id == run_id, ResultRow.position == position)
    )
    catalogue = Catalogue(s.scalar(select(RunRow.catalogue).where(RunRow.id == run_id)))
    return [str(e.get("id")) for e in catalogue.unpack_checklist(packed or [])]


def _store_document(s: Session, name: str, data: bytes, kind: str) -> DocumentInfo:
    codec, packed = pack_bytes(data)
    row = DocumentRow(
        sha256=hashlib.sha256(data).hexdigest(),
        name=display_name(name, f"document.{kind}"),
        kind=kind,
        size=len(data),
        data=packed,
        codec=codec,
    )
    s.add(row)
    s.flush()
    return _document_info(row)
