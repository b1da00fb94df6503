"""Screening runs kept in a database: SQLite by default, PostgreSQL (or any SQLAlchemy URL) on request.

Tables:

- ``files``: uploaded bytes, keyed by their sha256 (stored once however often they are uploaded), compressed
  when that makes them smaller. Their names are never used as paths: a run refers to them by hash, and
  names are kept only for display.
- ``runs``: one screening run — status, options (column mapping, sheet), rule-set hash, summary counts,
  progress and timings; the process that queued or screens it (host, pid, start time: a run whose process
  died is marked ``interrupted`` by whichever process opens or reads the store next, and can be screened
  again at once); ``results.json``'s head and the catalogue its result rows refer to (``compact.py``).
- ``run_files``: which files a run used, in order, with their role (``input``, ``rules``, ``list``) and the
  name the user gave them.
- ``results``: one row per screened supplier (file, sheet, row, name, country, score, tier, presumption) with
  the supplier's ``results.json`` object and the checklist of its legal track, for tables and supplier pages.
  The track itself is read from the stored object (``track``; absent for runs stored before it existed), so
  the table needs no new column. Two keys are kept beside the name and country, worked out in Python
  (``keys.py``): ``search_key`` (the name folded in every script, and read as ASCII: pinyin for Chinese) and
  ``country_key`` (the resolved country, so China, CHINA and 中国 are one). What a hit takes from its rule
  and the checklist items' text are kept once per run, in its catalogue.
- ``reports``: the generated ``report.html`` and ``results.xlsx``, compressed. They are kept rather than
  regenerated, because they need the original spreadsheet columns and the rule set as they were at
  screening time; a download is then exactly what was produced. ``results.json`` is put together from the
  head and the result rows when it is asked for, byte for byte the same (runs stored before keep theirs).
- ``meta``: key/value pairs (the web app's session-signing secret, the audit trail's lock row).
- the review tables (``users``, ``decisions``, ``supplier_status``, ``evidence``, ``documents``, ``events``):
  written and read by ``supplyscreen.review``, which uses this store's engine and sessions. A run's
  creation, its results and its deletion are events of the audit trail (``review.audit``), written in the
  same transaction; each result row keeps its supplier key (``review.keys``), which decisions follow.

A run is deleted with everything that is only its own (``delete_runs``; ``prune`` deletes those older than
a number of days). The models are in ``models.py``; the schema is made and upgraded by the Alembic migrations in
``migrations/`` (``migrate.py``) whenever a store opens a database, a database made before migrations
included.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, delete, event, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from supplyscreen.errors import InputError, OutputError
from supplyscreen.leftovers import Owner
from supplyscreen.settings import env_name, env_value
from supplyscreen.store import migrate
from supplyscreen.store.compact import Catalogue, pack_bytes, results_json, unpack_bytes
from supplyscreen.store.keys import CountryGroup, country_key, group_countries, search_key, search_terms
from supplyscreen.store.models import (
    Base,
    FileRow,
    MetaRow,
    ReportRow,
    ResultRow,
    RunFileRow,
    RunRow,
    now,
)

if TYPE_CHECKING:
    from supplyscreen.pipeline.screen import ScreeningResult
    from supplyscreen.review.audit import Actor

__all__ = [
    "Base",
    "CountryGroup",
    "FileRow",
    "MetaRow",
    "ReportRow",
    "ResultRow",
    "Run",
    "RunBusy",
    "RunFileRow",
    "RunRow",
    "Store",
    "StoredFile",
    "Supplier",
    "default_db_url",
    "now",
    "sha256",
]

DB_ENV = env_name("db")  # declared in supplyscreen.settings
DB_FILENAME = "supplyscreen.db"
REPORT_FORMATS = ("html", "xlsx", "json")
ROLES = ("input", "rules", "list")
STATUSES = ("mapping", "queued", "running", "done", "failed", "interrupted")
ACTIVE = ("queued", "running")  # a process owns the run


def default_db_url() -> str:
    """``$SUPPLYSCREEN_DB`` if set, else a SQLite file in the per-user data directory.

    The data directory is the platform's usual place (``~/.local/share/supplyscreen`` on Linux,
    ``~/Library/Application Support/supplyscreen`` on macOS, ``%LOCALAPPDATA%\\supplyscreen`` on Windows), so
    the runs are found again whatever directory the app is started from.
    """
    env = env_value("db")
    if env:
        return env
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('supplyscreen', appauthor=False)) / DB_FILENAME}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- plain snapshots handed to callers (no session attached) -------------------------------------------


@dataclass(frozen=True)
class StoredFile:
    role: str
    position: int
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Run:
    id: str
    created_at: dt.datetime
    source: str
    status: str
    error: dict[str, Any] | None
    options: dict[str, Any]
    tool_version: str
    rules_sha256: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    seconds: float | None
    progress_done: int
    progress_total: int
    rows: int
    by_tier: dict[str, int]
    presumption: int
    files: tuple[StoredFile, ...]

    def files_of(self, role: str) -> list[StoredFile]:
        return [f for f in self.files if f.role == role]

    @property
    def inputs(self) -> list[StoredFile]:
        return self.files_of("input")

    @property
    def title(self) -> str:
        return ", ".join(f.name for f in self.inputs) or "(no input)"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": _iso(self.created_at),
            "source": self.source,
            "status": self.status,
            "error": self.error,
            "options": self.options,
            "tool_version": self.tool_version or None,
            "rules_sha256": self.rules_sha256 or None,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "seconds": self.seconds,
            "progress": {"done": self.progress_done, "total": self.progress_total},
            "summary": {"rows": self.rows, "by_tier": self.by_tier, "presumption": self.presumption}
            if self.status == "done"
            else None,
            "files": [
                {"role": f.role, "name": f.name, "sha256": f.sha256, "size": f.size} for f in self.files
            ],
        }


@dataclass(frozen=True)
class Supplier:
    position: int
    file: str
    sheet: str
    row: int
    name: str
    country: str
    score: int
    tier: str
    presumption: bool
    supplier: dict[str, Any]
    checklist: list[dict[str, Any]]

    @property
    def track(self) -> str | None:
        """The legal track (``score.TRACKS``) from the stored ``results.json`` object; None for a run stored
        before tracks were recorded."""
        track = self.supplier.get("track")
        return str(track) if track is not None else None

    @property
    def main_reason(self) -> str:
        hits = self.supplier.get("hits") or []
        return str(hits[0]["indicator"]) if hits else ""


def _iso(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


SORTS = {
    "position": ResultRow.position,
    "score": ResultRow.score,
    "name": ResultRow.name,
    "country": ResultRow.country,
    "tier": ResultRow.score,
    "file": ResultRow.file,
    "row": ResultRow.row,
}


# --- the store ------------------------------------------------------------------------------------------


class Store:
    """All database access. Thread-safe: every method opens its own short session."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_db_url()
        self.engine = _engine(self.url)
        try:
            self.found_revision = migrate.upgrade(self.engine)  # the schema it had: None when new
        except (SQLAlchemyError, migrate.MigrationError) as exc:
            raise OutputError(
                f"cannot open the database {self.engine.url.render_as_string(hide_password=True)}: "
                f"{str(exc.orig if isinstance(exc, OperationalError) else exc).strip().splitlines()[0]}",
                hint="check --db (e.g. sqlite:///runs.db or postgresql+psycopg://user@host/db) and that the server "
                "is running; a database upgraded by a newer supplyscreen needs that version",
            ) from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.reap()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    # meta

    def secret(self, key: str = "session_secret") -> str:
        """A random secret created once per database and kept in it (survives restarts)."""
        with self.session() as s:
            row = s.get(MetaRow, key)
            if row is not None:
                return row.value
            value = secrets.token_urlsafe(32)
            s.add(MetaRow(key=key, value=value))
        return value

    # runs

    def create_run(
        self,
        inputs: Sequence[tuple[str, bytes]],
        rules: Sequence[tuple[str, bytes]] = (),
        lists: Sequence[tuple[str, bytes]] = (),
        options: Mapping[str, Any] | None = None,
        source: str = "web",
        status: str = "mapping",
        actor: Actor | None = None,
    ) -> str:
        """Store the uploaded files (by content hash) and a new run that uses them; returns the run id. The
        run's creation is an event of the audit trail, by ``actor`` (default: supplyscreen itself)."""
        try:
            return self._create_run(inputs, rules, lists, options, source, status, actor)
        except IntegrityError:  # the same file stored at the same moment by another request
            return self._create_run(inputs, rules, lists, options, source, status, actor)

    def _create_run(
        self,
        inputs: Sequence[tuple[str, bytes]],
        rules: Sequence[tuple[str, bytes]],
        lists: Sequence[tuple[str, bytes]],
        options: Mapping[str, Any] | None,
        source: str,
        status: str,
        actor: Actor | None,
    ) -> str:
        from supplyscreen.review import audit

        run_id = uuid.uuid4().hex
        stored: list[dict[str, Any]] = []
        with self.session() as s:
            s.add(RunRow(id=run_id, source=source, status=status, options=dict(options or {})))
            s.flush()
            for role, files in (("input", inputs), ("rules", rules), ("list", lists)):
                for position, (name, data) in enumerate(files):
                    digest = sha256(data)
                    if s.get(FileRow, digest) is None:
                        codec, packed = pack_bytes(data)
                        s.add(FileRow(sha256=digest, size=len(data), data=packed, codec=codec))
                        s.flush()
                    s.add(
                        RunFileRow(
                            run_id=run_id,
                            role=role,
                            position=position,
                            name=name,
                            sha256=digest,
                            size=len(data),
                        )
                    )
                    stored.append({"role": role, "name": name, "sha256": digest, "size": len(data)})
            after = {"source": source, "status": status, "files": stored}
            audit.append(s, actor or audit.Actor.system(), "run.create", f"run:{run_id}", after=after)
        return run_id

    def get_run(self, run_id: str) -> Run | None:
        with self.session() as s:
            row = s.get(RunRow, run_id)
            if row is None:
                return None
            _reap_rows(s, [row])
            files = s.scalars(
                select(RunFileRow).where(RunFileRow.run_id == run_id).order_by(RunFileRow.position)
            ).all()
            return _snapshot(row, files)

    def list_runs(self, limit: int = 200) -> list[Run]:
        with self.session() as s:
            rows = s.scalars(select(RunRow).order_by(RunRow.created_at.desc()).limit(limit)).all()
            _reap_rows(s, rows)
            ids = [r.id for r in rows]
            files = s.scalars(
                select(RunFileRow).where(RunFileRow.run_id.in_(ids)).order_by(RunFileRow.position)
            ).all()
            by_run: dict[str, list[RunFileRow]] = {}
            for f in files:
                by_run.setdefault(f.run_id, []).append(f)
            return [_snapshot(r, by_run.get(r.id, [])) for r in rows]

    def file_bytes(self, digest: str) -> bytes:
        with self.session() as s:
            row = s.get(FileRow, digest)
            if row is None:
                raise InputError(f"stored file {digest[:12]} is missing from the database")
            return unpack_bytes(row.codec, row.data)

    def update_run(self, run_id: str, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(RunRow).where(RunRow.id == run_id).values(**values))

    def set_progress(self, run_id: str, done: int, total: int) -> None:
        self.update_run(run_id, progress_done=done, progress_total=total)

    def claim(self, run_id: str, options: Mapping[str, Any] | None = None) -> bool:
        """Move a run that is waiting for its mapping (or failed/interrupted) to ``queued``, owned by this
        process; False if not. A run whose process died is interrupted first, so it can be claimed at once."""
        values: dict[str, Any] = {"status": "queued", "error": None, "progress_done": 0, **_owner_values()}
        if options is not None:
            values["options"] = dict(options)
        self.reap(run_id)
        with self.session() as s:
            result = s.execute(
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.status.in_(("mapping", "failed", "interrupted")))
                .values(**values)
            )
            return bool(getattr(result, "rowcount", 0))

    def start(self, run_id: str, total: int = 0) -> None:
        """The run is being screened, by this process."""
        self.update_run(
            run_id,
            status="running",
            started_at=now(),
            progress_done=0,
            progress_total=total,
            **_owner_values(),
        )

    def start_run(
        self,
        inputs: Sequence[tuple[str, bytes]],
        rules: Sequence[tuple[str, bytes]] = (),
        options: Mapping[str, Any] | None = None,
        source: str = "cli",
        actor: Actor | None = None,
    ) -> str:
        """A new run of these files, being screened by this process (``screen --db``); its id."""
        run_id = self.create_run(
            inputs, rules=rules, options=options, source=source, status="running", actor=actor
        )
        self.start(run_id)
        return run_id

    def reap(self, run_id: str | None = None) -> int:
        """Mark ``interrupted`` the queued and running runs (all, or ``run_id``) whose process is gone: it died
        before they finished (a run recorded without a process, by an older version, counts as gone).
        Returns how many."""
        stmt = select(RunRow).where(RunRow.status.in_(ACTIVE))
        if run_id is not None:
            stmt = stmt.where(RunRow.id == run_id)
        with self.session() as s:
            return _reap_rows(s, s.scalars(stmt).all())

    def interrupt_own(self, message: str) -> int:
        """Mark ``interrupted`` the queued and running runs of this process, which is stopping; how many."""
        me = Owner.current()
        with self.session() as s:
            result = s.execute(
                update(RunRow)
                .where(RunRow.status.in_(ACTIVE), RunRow.owner_host == me.host, RunRow.owner_pid == me.pid)
                .values(status="interrupted", error=_interrupted(message), finished_at=now())
            )
            return int(getattr(result, "rowcount", 0))

    def interrupt(self, run_id: str, message: str) -> None:
        self.update_run(run_id, status="interrupted", error=_interrupted(message), finished_at=now())

    def fail(self, run_id: str, error: Mapping[str, Any]) -> None:
        self.update_run(run_id, status="failed", error=dict(error), finished_at=now())

    def save_result(
        self,
        run_id: str,
        result: ScreeningResult,
        reports: Mapping[str, bytes],
        seconds: float | None = None,
    ) -> None:
        """Store every supplier's verdict, the reports (``results.json`` is not kept: it is put together from
        the rows when asked for) and the summary; the run becomes ``done``. Each row keeps its supplier key;
        the run's results are an event of the audit trail, with how many hits earlier decisions cover
        (``review.decisions``) and how many need review."""
        from supplyscreen.report.html import checklist_dicts, checklist_for
        from supplyscreen.review import audit
        from supplyscreen.review.decisions import run_finished
        from supplyscreen.review.keys import supplier_key_of

        tiers = result.by_tier
        catalogue = Catalogue()
        with self.session() as s:
            s.query(ResultRow).filter(ResultRow.run_id == run_id).delete()
            s.query(ReportRow).filter(ReportRow.run_id == run_id).delete()
            for position, sup in enumerate(result.suppliers):
                country = sup.fields.get("country", "")
                record = sup.as_dict()
                s.add(
                    ResultRow(
                        run_id=run_id,
                        position=position,
                        file=sup.sheet.file,
                        sheet=sup.sheet.sheet or "",
                        row=sup.row,
                        name=sup.name,
                        country=country,
                        search_key=search_key(sup.name),
                        country_key=country_key(country, sup.fields.get("address", "")),
                        score=sup.verdict.score,
                        tier=sup.verdict.tier,
                        presumption=sup.verdict.presumption,
                        supplier=catalogue.pack_supplier(record),
                        checklist=catalogue.pack_checklist(checklist_dicts(checklist_for(sup, result.rules))),
                        supplier_key=supplier_key_of(record),
                    )
                )
            for fmt, data in reports.items():
                if fmt != "json":
                    codec, packed = pack_bytes(data)
                    s.add(ReportRow(run_id=run_id, format=fmt, data=packed, codec=codec))
            s.execute(
                update(RunRow)
                .where(RunRow.id == run_id)
                .values(
                    status="done",
                    error=None,
                    tool_version=result.tool_version,
                    rules_sha256=result.rules.sha256,
                    finished_at=now(),
                    seconds=seconds,
                    rows=len(result.suppliers),
                    progress_done=len(result.suppliers),
                    progress_total=len(result.suppliers),
                    high=tiers["high"],
                    medium=tiers["medium"],
                    low=tiers["low"],
                    clear=tiers["clear"],
                    presumption=result.presumption_count,
                    results_head=result.header_json(),
                    catalogue=catalogue.as_json(),
                )
            )
            s.flush()
            summary = {
                "rows": len(result.suppliers),
                "by_tier": tiers,
                "presumption": result.presumption_count,
            }
            hits = sum(len(sup.verdict.hits) for sup in result.suppliers)
            after = {**summary, "rules_sha256": result.rules.sha256, **run_finished(s, run_id, hits)}
            audit.append(s, audit.Actor.system(), "run.finish", f"run:{run_id}", after=after)

    def record(
        self,
        result: ScreeningResult,
        reports: Mapping[str, bytes],
        options: Mapping[str, Any] | None = None,
        rules: Sequence[tuple[str, bytes]] = (),
        source: str = "cli",
        actor: Actor | None = None,
    ) -> str:
        """Record a finished screening (``supplyscreen screen --db``): its inputs, results and reports."""
        inputs = [(f.display, f.read_bytes()) for f in result.inputs]
        run_id = self.start_run(inputs, rules=rules, options=options, source=source, actor=actor)
        self.finish(run_id, result, reports)
        return run_id

    def finish(self, run_id: str, result: ScreeningResult, reports: Mapping[str, bytes]) -> None:
        """Store the result of a run started with :meth:`start_run`, with its screening times."""
        started = _parse_iso(result.started_at)
        finished = _parse_iso(result.finished_at)
        self.update_run(run_id, started_at=started)
        seconds = (finished - started).total_seconds() if started and finished else None
        self.save_result(run_id, result, reports, seconds=seconds)

    # deleting

    def find_runs(self, ids: Sequence[str]) -> list[str]:
        """The runs named by ids or unique id prefixes (as the pages show them, 8 characters); InputError
        naming the first that matches no run, or several."""
        found = []
        with self.session() as s:
            for given in ids:
                key = given.strip().lower()
                matches = (
                    s.scalars(
                        select(RunRow.id).where(RunRow.id.startswith(key, autoescape=True)).limit(2)
                    ).all()
                    if key.isalnum()
                    else []
                )
                if len(matches) != 1:
                    what = "no run has" if not matches else "several runs have"
                    raise InputError(f"{what} the id {given!r}", hint="supplyscreen runs list shows the ids")
                found.append(matches[0])
        return list(dict.fromkeys(found))

    def delete_runs(self, run_ids: Sequence[str], actor: Actor | None = None) -> int:
        """Delete runs with their files, result rows and reports — files only where no other run uses them.
        A run being screened by a live process is refused (``RunBusy``). Returns how many were deleted. Each
        deletion is an event of the audit trail, by ``actor`` (default: supplyscreen itself); what was
        decided on a run is kept."""
        from supplyscreen.review import audit

        deleted = 0
        for run_id in run_ids:
            self.reap(run_id)
            with self.session() as s:
                audit.lock(s)
                row = s.get(RunRow, run_id)
                if row is None:
                    continue
                if row.status in ACTIVE:
                    raise RunBusy(
                        f"run {run_id[:8]} is {row.status}",
                        hint="wait until it is done, or stop the process screening it, then delete it",
                    )
                digests = set(s.scalars(select(RunFileRow.sha256).where(RunFileRow.run_id == run_id)).all())
                for table in (ResultRow, ReportRow, RunFileRow):
                    s.execute(delete(table).where(table.run_id == run_id))
                s.delete(row)
                s.flush()
                used = set(s.scalars(select(RunFileRow.sha256).where(RunFileRow.sha256.in_(digests))).all())
                if digests - used:
                    s.execute(delete(FileRow).where(FileRow.sha256.in_(digests - used)))
                before = {"status": row.status, "rows": row.rows, "created_at": _iso(row.created_at)}
                audit.append(s, actor or audit.Actor.system(), "run.delete", f"run:{run_id}", before=before)
                deleted += 1
        return deleted

    def prune(self, days: float, at: dt.datetime | None = None) -> list[str]:
        """Delete the runs created more than ``days`` days ago (none when ``days`` is 0 or less), but those
        still being screened; their ids."""
        if days <= 0:
            return []
        self.reap()
        cutoff = (at or now()) - dt.timedelta(days=days)
        with self.session() as s:
            ids = list(
                s.scalars(
                    select(RunRow.id).where(RunRow.created_at < cutoff, RunRow.status.not_in(ACTIVE))
                ).all()
            )
        self.delete_runs(ids)
        return ids

    # results

    def suppliers(
        self,
        run_id: str,
        tier: str | None = None,
        country: str | None = None,
        presumption: bool | None = None,
        q: str | None = None,
        sort: str = "position",
        descending: bool = False,
    ) -> list[Supplier]:
        """A run's suppliers, filtered and sorted. ``country`` is any spelling of a country or its key
        (``CountryGroup.key``) and finds every spelling that resolves to it; ``q`` finds names containing it,
        in any script and case, Chinese names also by their pinyin (``keys.search_terms``)."""
        stmt = select(ResultRow).where(ResultRow.run_id == run_id)
        if tier:
            stmt = stmt.where(ResultRow.tier == tier)
        key = country_key(country) if country else ""
        if key:
            stmt = stmt.where(ResultRow.country_key == key)
        if presumption is not None:
            stmt = stmt.where(ResultRow.presumption == presumption)
        terms = search_terms(q) if q else ()
        if terms:
            stmt = stmt.where(or_(*(ResultRow.search_key.contains(t, autoescape=True) for t in terms)))
        column = SORTS.get(sort, ResultRow.position)
        order: list[Any] = [column.desc() if descending else column.asc()]
        if column is not ResultRow.position:
            order.append(ResultRow.position.asc())
        with self.session() as s:
            catalogue = _catalogue(s, run_id)
            return [_supplier(r, catalogue) for r in s.scalars(stmt.order_by(*order)).all()]

    def supplier(self, run_id: str, position: int) -> Supplier | None:
        with self.session() as s:
            row = s.get(ResultRow, (run_id, position))
            return _supplier(row, _catalogue(s, run_id)) if row is not None else None

    def track_counts(self, run_id: str) -> dict[str | None, int]:
        """Suppliers by legal track, read from the stored ``results.json`` objects (None: stored before tracks
        were recorded)."""
        track = ResultRow.supplier["track"].as_string()
        with self.session() as s:
            rows = s.execute(
                select(track, func.count()).where(ResultRow.run_id == run_id).group_by(track)
            ).all()
        return {value: count for value, count in rows}

    def countries(self, run_id: str) -> list[CountryGroup]:
        """The run's countries for the country filter: one entry per resolved country, whatever the
        spellings (China, CHINA and 中国 are one)."""
        stmt = (
            select(ResultRow.country_key, ResultRow.country, func.count(), func.min(ResultRow.position))
            .where(ResultRow.run_id == run_id)
            .group_by(ResultRow.country_key, ResultRow.country)
        )
        with self.session() as s:
            rows = s.execute(stmt).all()
        return group_countries(rows)

    def report(self, run_id: str, fmt: str) -> bytes | None:
        """A report as it was produced; ``results.json`` put together from the run's head and rows."""
        with self.session() as s:
            row = s.get(ReportRow, (run_id, fmt))
            if row is not None:
                return unpack_bytes(row.codec, row.data)
            run = s.get(RunRow, run_id)
            if fmt != "json" or run is None or run.results_head is None:
                return None
            return b"".join(results_json(run.results_head, _records(s, run)))

    def results_json(self, run_id: str) -> dict[str, Any] | None:
        data = self.report(run_id, "json")
        return json.loads(data) if data is not None else None

    def supplier_records(self, run_id: str) -> list[dict[str, Any]]:
        """The run's ``results.json`` supplier objects, in order, without putting ``results.json`` together
        (a third of the time)."""
        with self.session() as s:
            run = s.get(RunRow, run_id)
            return list(_records(s, run)) if run is not None else []

    def results_head(self, run_id: str) -> dict[str, Any] | None:
        """``results.json``'s ``run`` and ``summary`` without its suppliers (None for a run stored before heads
        were kept, or not done)."""
        with self.session() as s:
            head = s.scalar(select(RunRow.results_head).where(RunRow.id == run_id))
        return dict(head) if head else None


def _parse_iso(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _snapshot(row: RunRow, files: Sequence[RunFileRow]) -> Run:
    return Run(
        id=row.id,
        created_at=row.created_at,
        source=row.source,
        status=row.status,
        error=row.error,
        options=dict(row.options or {}),
        tool_version=row.tool_version,
        rules_sha256=row.rules_sha256,
        started_at=row.started_at,
        finished_at=row.finished_at,
        seconds=row.seconds,
        progress_done=row.progress_done,
        progress_total=row.progress_total,
        rows=row.rows,
        by_tier={"high": row.high, "medium": row.medium, "low": row.low, "clear": row.clear},
        presumption=row.presumption,
        files=tuple(
            StoredFile(f.role, f.position, f.name, f.sha256, f.size)
            for f in sorted(files, key=lambda f: (ROLES.index(f.role), f.position))
        ),
    )


class RunBusy(InputError):
    """A run that is being screened cannot be deleted."""

    status = 409


def _owner_values() -> dict[str, Any]:
    me = Owner.current()
    return {"owner_host": me.host, "owner_pid": me.pid, "owner_started": me.started}


def _interrupted(message: str) -> dict[str, Any]:
    return {"type": "Interrupted", "message": message, "hint": "screen it again"}


def _reap_rows(s: Session, rows: Sequence[RunRow]) -> int:
    """Interrupt the queued or running runs among ``rows`` whose process is gone; how many."""
    reaped = 0
    for row in rows:
        if row.status not in ACTIVE:
            continue
        owner = Owner(row.owner_host, row.owner_pid or 0, row.owner_started)
        if row.owner_pid is None or owner.alive() is False:
            where = f"pid {row.owner_pid} on {row.owner_host}" if row.owner_pid else "an earlier version"
            row.status = "interrupted"
            row.error = _interrupted(f"the process screening this run ({where}) stopped before it finished")
            reaped += 1
    return reaped


def _records(s: Session, run: RunRow) -> Iterator[dict[str, Any]]:
    """A run's ``results.json`` supplier objects, in order."""
    catalogue = Catalogue(run.catalogue)
    rows = s.scalars(
        select(ResultRow.supplier).where(ResultRow.run_id == run.id).order_by(ResultRow.position)
    )
    return (catalogue.unpack_supplier(r) for r in rows)


def _catalogue(s: Session, run_id: str) -> Catalogue:
    return Catalogue(s.scalar(select(RunRow.catalogue).where(RunRow.id == run_id)))


def _supplier(row: ResultRow, catalogue: Catalogue) -> Supplier:
    return Supplier(
        position=row.position,
        file=row.file,
        sheet=row.sheet,
        row=row.row,
        name=row.name,
        country=row.country,
        score=row.score,
        tier=row.tier,
        presumption=row.presumption,
        supplier=catalogue.unpack_supplier(row.supplier),
        checklist=catalogue.unpack_checklist(row.checklist or []),
    )


def _owner_only(database: Path) -> None:
    """Create a new SQLite file readable by its owner only (0600; its directory 0700 when made here) before
    SQLite opens it: SQLite gives the -wal, -shm and -journal files the database's own mode. An existing
    database keeps its mode."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            database = engine.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                _owner_only(Path(database).expanduser())

            @event.listens_for(engine, "connect")
            def _pragmas(conn: Any, _record: Any) -> None:
                cur = conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            return engine
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError, ValueError) as exc:
        hint = (
            "install the driver: pip install 'supplyscreen[postgres]'"
            if isinstance(exc, ImportError)
            else "use e.g. sqlite:///runs.db or postgresql+psycopg://user:password@localhost/supplyscreen"
        )
        raise OutputError(f"cannot use the database URL {_safe_url(url)!r}: {exc}", hint=hint) from exc
    except OSError as exc:
        raise OutputError(
            f"cannot create the database directory for {_safe_url(url)!r}: {exc.strerror}",
            hint="choose a writable location with --db sqlite:///PATH",
        ) from exc


def _safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
