"""The store's tables as SQLAlchemy models. The schema itself is made and changed by the migrations
(``store/migrations/versions``); a test checks that the migrations give exactly these models.

The review tables (users, decisions, supplier statuses, evidence, documents, events) are written and read by
``supplyscreen.review``; none of them refers to a run by foreign key, so deleting a run never deletes what
was decided on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class FileRow(Base):
    __tablename__ = "files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # compressed when codec is "zlib" (store.compact)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    codec: Mapped[str] = mapped_column(String(8), default="", server_default="")


class RunRow(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now, index=True)
    source: Mapped[str] = mapped_column(String(16), default="web")  # web, api, cli
    status: Mapped[str] = mapped_column(String(16), default="mapping", index=True)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tool_version: Mapped[str] = mapped_column(String(32), default="")
    rules_sha256: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    high: Mapped[int] = mapped_column(Integer, default=0)
    medium: Mapped[int] = mapped_column(Integer, default=0)
    low: Mapped[int] = mapped_column(Integer, default=0)
    clear: Mapped[int] = mapped_column(Integer, default=0)
    presumption: Mapped[int] = mapped_column(Integer, default=0)
    # the process that queued or screens the run (leftovers.Owner): a dead one's run is interrupted
    owner_host: Mapped[str] = mapped_column(String(255), default="", server_default="")
    owner_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_started: Mapped[float | None] = mapped_column(Float, nullable=True)
    # results.json's run and summary, and what the run's result rows share (store.compact)
    results_head: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    catalogue: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class RunFileRow(Base):
    __tablename__ = "run_files"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8), primary_key=True)  # input, rules, list
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # display only, never a path
    sha256: Mapped[str] = mapped_column(ForeignKey("files.sha256"))
    size: Mapped[int] = mapped_column(Integer)


class ResultRow(Base):
    __tablename__ = "results"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    file: Mapped[str] = mapped_column(Text)
    sheet: Mapped[str] = mapped_column(Text, default="")
    row: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text, default="")
    country: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[int] = mapped_column(Integer, index=True)
    tier: Mapped[str] = mapped_column(String(8), index=True)
    presumption: Mapped[bool] = mapped_column(Boolean, index=True)
    # the results.json supplier object and the checklist of its track, packed (store.compact.Catalogue)
    supplier: Mapped[dict[str, Any]] = mapped_column(JSON)
    checklist: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # keys.search_key(name) and keys.country_key(country, address): searched and grouped in SQL
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    country_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    # review.keys.supplier_key: the supplier across runs (decisions are kept against it)
    supplier_key: Mapped[str] = mapped_column(Text, default="", server_default="", index=True)


class ReportRow(Base):
    __tablename__ = "reports"
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str] = mapped_column(String(8), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # compressed when codec is "zlib" (store.compact)
    codec: Mapped[str] = mapped_column(String(8), default="", server_default="")


class MetaRow(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- review (supplyscreen.review) ------------------------------------------------------------------------


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # reviewer, admin
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, with its parameters and salt
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class DecisionRow(Base):
    """A decision on a hit (``hit_key``) or on a supplier as a whole (``hit_key`` ""): rows are only added;
    the latest for a key is the one in force."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_keys", "supplier_key", "hit_key", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    supplier_key: Mapped[str] = mapped_column(Text)
    hit_key: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(
        String(24)
    )  # false_positive, confirmed, needs_information, escalated
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    run_id: Mapped[str] = mapped_column(String(32))  # the run it was made on (kept when the run is deleted)
    position: Mapped[int] = mapped_column(Integer)
    # the hit as it was when decided (a later hit that scores more is not covered), or for a supplier decision
    # every hit then: {hit_key: [points, similarity]}
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    hits: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class SupplierStatusRow(Base):
    """A supplier's review status (open, in_review, awaiting_evidence, closed); the latest row is in force."""

    __tablename__ = "supplier_status"
    __table_args__ = (Index("ix_supplier_status_key", "supplier_key", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    supplier_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    run_id: Mapped[str] = mapped_column(String(32))


class DocumentRow(Base):
    """A document attached to an evidence item: its bytes, compressed when that makes them smaller."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(Text)  # display only, never a path
    kind: Mapped[str] = mapped_column(String(32))  # what its content is (review.documents.KINDS)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    codec: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class EvidenceRow(Base):
    """An evidence item of a supplier's checklist marked requested, received or accepted, with the document
    attached to it (kept from the item's earlier row when none is given); the latest row is in force."""

    __tablename__ = "evidence"
    __table_args__ = (Index("ix_evidence_keys", "supplier_key", "item_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    supplier_key: Mapped[str] = mapped_column(Text)
    item_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    run_id: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)


class EventRow(Base):
    """The audit trail: events are only ever added. ``hash`` is sha256 of ``prev_hash`` and the event's
    canonical JSON (``review.audit``), so a changed, removed or reordered event breaks the chain."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(16))  # login, name, cli, system
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(Text, index=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
