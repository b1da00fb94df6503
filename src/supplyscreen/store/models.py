"""The store's tables as SQLAlchemy models. The schema itself is made and changed by the migrations
(``store/migrations/versions``); a test checks that the migrations give exactly these models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
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
