"""The audit trail: every decision, attachment, run, export and sign-in is an event that is only ever added.

An event says who (``actor``, and ``via``: ``login`` — an account whose password was checked, ``name`` — a
name given on a loopback server, ``web`` — an anonymous visitor of a loopback server, ``cli`` — the command
line, ``system`` — supplyscreen itself), when (``at``, UTC), what
(``action``), on what (``target``: ``run:ID``, ``supplier:KEY``, ``user:NAME``, ``audit``) and the state
before and after (JSON). Events are numbered from 1 (``seq``) and chained: each event's ``hash`` is the
sha256 of the previous event's hash (64 zeros for the first) followed by the event's canonical JSON (keys
sorted, no spaces, UTF-8). Changing an event changes its hash; removing or reordering events breaks the link
to the previous hash. :func:`verify` recomputes the chain of the database or of an export and names the
first event that does not fit.

There is no function that changes or deletes an event. Writers take the lock row (``meta``
``audit_lock``) before reading the chain's end, so two processes never chain to the same event (the
sequence number is the primary key besides).
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from supplyscreen.errors import InputError
from supplyscreen.store.models import EventRow, MetaRow, now

if TYPE_CHECKING:
    from supplyscreen.store import Store

GENESIS = "0" * 64
LOCK_KEY = "audit_lock"
VIA = ("login", "name", "web", "cli", "system")
FIELDS = ("seq", "at", "actor", "via", "action", "target", "before", "after", "prev_hash", "hash")
FORMATS = ("csv", "json")
MAX_NAME = 64
_NAME = re.compile(r"[^\W_][\w .'@-]*", re.UNICODE)  # starts with a letter or digit: no formula, no path
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


# --- who ------------------------------------------------------------------------------------------------


def person_name(raw: str, what: str = "the reviewer's name") -> str:
    """A person's name as events and decisions record it: trimmed, at most 64 characters, starting with a
    letter or digit and holding letters, digits, spaces and . ' @ - _ only (a name is shown in pages and
    spreadsheets: it can never be a formula or markup). InputError otherwise."""
    name = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if not name or len(name) > MAX_NAME or not _NAME.fullmatch(name):
        raise InputError(
            f"{what} {name[:MAX_NAME]!r} is not accepted" if name else f"{what} is missing",
            hint=f"use 1 to {MAX_NAME} letters, digits, spaces and . ' @ - _, starting with a letter or digit",
        )
    return name


@dataclass(frozen=True)
class Actor:
    """Who did something, and how they were identified (``VIA``)."""

    name: str
    via: str

    @classmethod
    def system(cls) -> Actor:
        return cls("supplyscreen", "system")

    @classmethod
    def anonymous(cls) -> Actor:
        """A visitor of a loopback server who neither signed in nor gave a name."""
        return cls("anonymous", "web")

    @classmethod
    def cli(cls, name: str | None = None) -> Actor:
        """A person at the command line: ``name`` (``--reviewer``), else the operating-system user (or
        "unknown user" when that has no name a record can hold)."""
        if name:
            return cls(person_name(name), "cli")
        try:
            return cls(person_name(getpass.getuser()), "cli")
        except (InputError, OSError, KeyError):
            return cls("unknown user", "cli")


# --- events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    seq: int
    at: str  # ISO 8601, UTC, microseconds: 2026-11-30T14:02:11.123456Z
    actor: str
    via: str
    action: str
    target: str
    before: Any
    after: Any
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """What the hash covers: every field but the hashes."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "via": self.via,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
        }

    def as_json(self) -> dict[str, Any]:
        return {**self.body(), "prev_hash": self.prev_hash, "hash": self.hash}

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.at.removesuffix("Z"))


def canonical(body: Mapping[str, Any]) -> str:
    """The event's canonical JSON: keys sorted, no spaces, non-ASCII kept as UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(body)).encode("utf-8")).hexdigest()


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="microseconds") + "Z"


def _event(row: EventRow) -> Event:
    return Event(
        row.seq,
        _iso(row.at),
        row.actor,
        row.via,
        row.action,
        row.target,
        row.before,
        row.after,
        row.prev_hash,
        row.hash,
    )


def lock(s: Session) -> None:
    """Take the audit trail's lock for the rest of the session's transaction: a writer takes it before it
    reads what its event will record, so the events of two writers are chained one after the other."""
    taken = s.execute(update(MetaRow).where(MetaRow.key == LOCK_KEY).values(value=""))
    if not getattr(taken, "rowcount", 1):  # a database whose lock row was lost: made again
        s.add(MetaRow(key=LOCK_KEY, value=""))
        s.flush()


def append(
    s: Session,
    actor: Actor,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> Event:
    """Add an event to the chain, in the session's transaction (it is kept only if that commits)."""
    lock(s)
    last = s.execute(select(EventRow.seq, EventRow.hash).order_by(EventRow.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last is not None else (1, GENESIS)
    at = now()
    body = Event(seq, _iso(at), actor.name, actor.via, action, target, before, after, prev, "").body()
    digest = chain_hash(prev, body)
    s.add(
        EventRow(
            seq=seq,
            at=at,
            actor=actor.name,
            via=actor.via,
            action=action,
            target=target,
            before=before,
            after=after,
            prev_hash=prev,
            hash=digest,
        )
    )
    s.flush()
    return Event(**{**body, "prev_hash": prev, "hash": digest})


def record(
    store: Store, actor: Actor, action: str, target: str, before: Any = None, after: Any = None
) -> Event:
    """Add an event in a transaction of its own (an export, a sign-in)."""
    with store.session() as s:
        return append(s, actor, action, target, before, after)


def events(store: Store, target: str | None = None, since: int = 0, limit: int | None = None) -> list[Event]:
    """The events in order (those of ``target`` only, when given; after ``since``; at most ``limit``, the
    newest when limited)."""
    stmt = select(EventRow).where(EventRow.seq > since)
    if target is not None:
        stmt = stmt.where(EventRow.target == target)
    if limit is not None:
        stmt = stmt.order_by(EventRow.seq.desc()).limit(limit)
    with store.session() as s:
        rows = [_event(r) for r in s.scalars(stmt).all()]
    return sorted(rows, key=lambda e: e.seq)


def events_of(store: Store, action: str, targets: Sequence[str]) -> list[Event]:
    """The events of one action on any of ``targets``, in order (e.g. the ``run.finish`` of listed runs)."""
    if not targets:
        return []
    stmt = select(EventRow).where(EventRow.action == action, EventRow.target.in_(list(targets)))
    with store.session() as s:
        return [_event(r) for r in s.scalars(stmt.order_by(EventRow.seq)).all()]


# --- export and verification ----------------------------------------------------------------------------


def export(store: Store, fmt: str, actor: Actor) -> bytes:
    """Every event as CSV or JSON, with its hashes; the export itself is recorded first (so it is the last
    event of the file it writes)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown audit export format {fmt!r}", hint="use csv or json")
    record(store, actor, "export.audit", "audit", after={"format": fmt})
    return dumps(events(store), fmt)


def dumps(chain: Sequence[Event], fmt: str) -> bytes:
    if fmt == "json":
        head = chain[-1].hash if chain else GENESIS
        doc = {"events": [e.as_json() for e in chain], "count": len(chain), "head": head}
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180: a cell holding either is quoted
    writer.writerow(FIELDS)
    for e in chain:
        row = e.as_json()
        writer.writerow([_cell(_csv_value(row[f])) for f in FIELDS])
    return out.getvalue().encode("utf-8")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return canonical(value)


def _cell(text: str) -> str:
    """A CSV cell no spreadsheet reads as a formula: one apostrophe before a formula character (or before an
    apostrophe, so that :func:`_uncell` gives the text back exactly)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def loads(data: bytes) -> list[Event]:
    """The events of an export (CSV or JSON, told by content). InputError when it is neither."""
    text = data.decode("utf-8-sig", errors="replace")
    try:
        if text.lstrip().startswith("{"):
            return [_parsed(e) for e in json.loads(text)["events"]]
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        if not rows and text.strip() == ",".join(FIELDS):
            return []
        return [_from_csv(r) for r in rows]
    except (KeyError, TypeError, ValueError, csv.Error) as exc:
        raise InputError(
            f"not an audit export: {type(exc).__name__} {exc}"[:200],
            hint="give a file written by supplyscreen audit export",
        ) from None


def _from_csv(row: Mapping[str, str | None]) -> Event:
    cells = {f: _uncell(row[f] or "") for f in FIELDS}
    return _parsed(
        {
            **cells,
            "seq": int(cells["seq"]),
            "before": json.loads(cells["before"]) if cells["before"] else None,
            "after": json.loads(cells["after"]) if cells["after"] else None,
        }
    )


def _parsed(item: Mapping[str, Any]) -> Event:
    values = {f: item[f] for f in FIELDS}
    if not isinstance(values["seq"], int):
        raise TypeError("seq is not a number")
    return Event(**values)


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: how many events, the head hash, and the first broken event (None: the
    chain holds)."""

    count: int
    head: str
    broken: str | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(chain: Iterable[Event]) -> Verdict:
    """Recompute the chain: each event's hash from its content and the previous hash, each link to the
    previous event, the numbering. Names the first event that does not fit."""
    prev_hash, prev_seq, count = GENESIS, 0, 0
    for e in chain:
        count += 1
        if chain_hash(e.prev_hash, e.body()) != e.hash:
            return Verdict(count, prev_hash, f"event {e.seq}: its content does not match its hash (changed)")
        if e.prev_hash != prev_hash:
            what = f"event {prev_seq}" if prev_seq else "the start of the chain"
            return Verdict(
                count,
                prev_hash,
                f"event {e.seq}: does not follow {what} (an event was removed, added or moved)",
            )
        if e.seq != prev_seq + 1:
            return Verdict(count, prev_hash, f"event {e.seq}: numbered out of order after event {prev_seq}")
        prev_hash, prev_seq = e.hash, e.seq
    return Verdict(count, prev_hash, None)


def verify_store(store: Store) -> Verdict:
    return verify(events(store))
