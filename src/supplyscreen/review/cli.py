"""The ``review``, ``audit`` and ``users`` commands: thin click adapters over ``supplyscreen.review`` (added to
the main command group by ``supplyscreen.cli``). Each opens the database given by ``--db`` (default: the web
app's) and acts as ``--reviewer`` (default: the operating-system user), recorded as via ``cli``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from supplyscreen.review.decisions import SupplierReview
    from supplyscreen.store import Store

F = TypeVar("F", bound=Callable[..., Any])

DB = click.option(
    "--db", "db_url", default=None, help="Database URL; default $SUPPLYSCREEN_DB, else the web app's."
)
REVIEWER = click.option(
    "--reviewer", default=None, help="Who decides (recorded in the audit trail); default: the system user."
)
COMMENT = click.option("--comment", "-m", default="", help="Why (kept with the decision).")


def _translated(func: F) -> F:
    """The main CLI's error translation (one line, exit 1), looked up when the command runs."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from supplyscreen.cli import translate_errors

        return translate_errors(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _say(line: str, err: bool = False) -> None:
    from supplyscreen.cli import _say as say

    say(line, err=err)


@contextmanager
def _store(db_url: str | None) -> Iterator[Store]:
    from supplyscreen.store import Store

    store = Store(db_url)
    try:
        yield store
    finally:
        store.close()


def _run_id(store: Store, given: str) -> str:
    return store.find_runs([given])[0]


# --- review ---------------------------------------------------------------------------------------------


@click.group()
def review() -> None:
    """Decide hits and suppliers of a run, set supplier statuses, mark evidence items and attach documents."""


@review.command("list")
@click.argument("run")
@click.option("--all", "show_all", is_flag=True, help="Also the hits that decisions cover.")
@DB
@_translated
def review_list(run: str, show_all: bool, db_url: str | None) -> None:
    """The hits of RUN that need review (no decision covers them), supplier by supplier."""
    from supplyscreen.review import decisions_for_run

    with _store(db_url) as store:
        run_id = _run_id(store, run)
        reviews = decisions_for_run(store, run_id)
    waiting = 0
    for position, r in reviews.items():
        shown = r.hits if show_all else tuple(r.needing_review)
        if not shown:
            continue
        _say(f"{position}  {r.name or '(no name)'}  [{r.supplier_key}]")
        for h in shown:
            _say(f"    {_hit_line(h, run_id)}")
        waiting += len(r.needing_review)
    click.echo(f"{waiting} hit(s) of {len(reviews)} supplier(s) need review")


def _hit_line(h: Any, run_id: str) -> str:
    hit = h.hit
    head = f"{h.number}. +{hit.get('points') or 0} {hit.get('rule')} · {hit.get('field')} “{hit.get('text')}”"
    if h.decision is not None:
        carried = " (carried over)" if h.decision.made_on_another_run(run_id) else ""
        return f"{head} — {h.decision.sentence()}{carried}"
    if h.changed_since is not None:
        return f"{head} — changed since {h.changed_since.sentence()}: needs review"
    return f"{head} — needs review"


@review.command("show")
@click.argument("run")
@click.argument("position", type=click.IntRange(0))
@DB
@_translated
def review_show(run: str, position: int, db_url: str | None) -> None:
    """One supplier of RUN: its hits and decisions, its status, evidence items and history."""
    from supplyscreen.review import history, supplier_review

    with _store(db_url) as store:
        run_id = _run_id(store, run)
        r = supplier_review(store, run_id, position)
        checklist = (store.supplier(run_id, position) or _missing()).checklist
        events = history(store, r)
    _say(f"{position}  {r.name or '(no name)'}  [{r.supplier_key}]")
    _say("  supplier: " + _supplier_line(r))
    for h in r.hits:
        _say(f"  {_hit_line(h, run_id)}")
    for item in checklist:
        ev = r.evidence.get(str(item["id"]))
        state = f"{ev.status} by {ev.reviewer} on {ev.at:%Y-%m-%d}" if ev else "not marked"
        doc = f"; document {ev.document.name} ({ev.document.size:,} bytes)" if ev and ev.document else ""
        _say(f"  evidence {item['id']}: {state}{doc} — {item['text']}")
    for e in events:
        _say(f"  {e.at[:19]}Z  {e.actor} ({e.via})  {e.action}")


def _missing() -> Any:
    from supplyscreen.review import NotFound

    raise NotFound("no such supplier")


def _supplier_line(r: SupplierReview) -> str:
    said = r.decision.sentence() if r.decision else "no decision"
    if r.decision is None and r.changed_since is not None:
        said = f"changed since {r.changed_since.sentence()}"
    status = f"; status {r.status.status}" if r.status else ""
    return said + status


@review.command("decide")
@click.argument("run")
@click.argument("position", type=click.IntRange(0))
@click.argument("hit")
@click.argument(
    "decision", type=click.Choice(["false_positive", "confirmed", "needs_information", "escalated"])
)
@COMMENT
@REVIEWER
@DB
@_translated
def review_decide(
    run: str, position: int, hit: str, decision: str, comment: str, reviewer: str | None, db_url: str | None
) -> None:
    """Decide HIT (its number as `review list` shows it, or its key) of supplier POSITION of RUN."""
    from supplyscreen.review import Actor, decide_hit

    with _store(db_url) as store:
        made = decide_hit(store, _run_id(store, run), position, hit, decision, comment, Actor.cli(reviewer))
    _say(f"Hit {hit} of supplier {position}: {made.sentence()}")


@review.command("supplier")
@click.argument("run")
@click.argument("position", type=click.IntRange(0))
@click.argument(
    "decision", type=click.Choice(["false_positive", "confirmed", "needs_information", "escalated"])
)
@COMMENT
@click.option(
    "--status",
    type=click.Choice(["open", "in_review", "awaiting_evidence", "closed"]),
    default=None,
    help="Also set the supplier's review status.",
)
@REVIEWER
@DB
@_translated
def review_supplier(
    run: str,
    position: int,
    decision: str,
    comment: str,
    status: str | None,
    reviewer: str | None,
    db_url: str | None,
) -> None:
    """Decide supplier POSITION of RUN as a whole (it covers the hits it has now)."""
    from supplyscreen.review import Actor, decide_supplier, set_status

    actor = Actor.cli(reviewer)
    with _store(db_url) as store:
        run_id = _run_id(store, run)
        made = decide_supplier(store, run_id, position, decision, comment, actor)
        if status:
            set_status(store, run_id, position, status, "", actor)
    _say(f"Supplier {position}: {made.sentence()}" + (f"; status {status}" if status else ""))


@review.command("status")
@click.argument("run")
@click.argument("position", type=click.IntRange(0))
@click.argument("status", type=click.Choice(["open", "in_review", "awaiting_evidence", "closed"]))
@COMMENT
@REVIEWER
@DB
@_translated
def review_status(
    run: str, position: int, status: str, comment: str, reviewer: str | None, db_url: str | None
) -> None:
    """Set the review status of supplier POSITION of RUN."""
    from supplyscreen.review import Actor, set_status

    with _store(db_url) as store:
        set_status(store, _run_id(store, run), position, status, comment, Actor.cli(reviewer))
    click.echo(f"Supplier {position}: status {status}")


@review.command("evidence")
@click.argument("run")
@click.argument("position", type=click.IntRange(0))
@click.argument("item")
@click.argument("status", type=click.Choice(["requested", "received", "accepted"]))
@COMMENT
@click.option(
    "--attach",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A document to keep with the item (PDF, image, Word, spreadsheet or text; checked by content).",
)
@REVIEWER
@DB
@_translated
def review_evidence(
    run: str,
    position: int,
    item: str,
    status: str,
    comment: str,
    attach: Path | None,
    reviewer: str | None,
    db_url: str | None,
) -> None:
    """Mark evidence ITEM (a checklist item id, as `review show` lists them) of supplier POSITION of RUN,
    optionally attaching a document."""
    from supplyscreen.errors import InputError
    from supplyscreen.review import Actor, set_evidence

    document = None
    if attach is not None:
        try:
            document = (attach.name, attach.read_bytes())
        except OSError as exc:
            raise InputError(f"{attach}: cannot be read: {exc.strerror}") from exc
    with _store(db_url) as store:
        ev = set_evidence(
            store, _run_id(store, run), position, item, status, comment, Actor.cli(reviewer), attach=document
        )
    doc = f" with {ev.document.name} ({ev.document.kind}, {ev.document.size:,} bytes)" if ev.document else ""
    _say(f"Supplier {position}, evidence {item}: {status}{doc}")


# --- audit ----------------------------------------------------------------------------------------------


@click.group()
def audit() -> None:
    """The audit trail: every decision, attachment, run, export and sign-in, hash-chained."""


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File to write; default: standard output.",
)
@REVIEWER
@DB
@_translated
def audit_export(fmt: str, out: Path | None, reviewer: str | None, db_url: str | None) -> None:
    """Write every event with its hashes (the export is itself the last event)."""
    from supplyscreen.errors import OutputError
    from supplyscreen.review import Actor, audit

    with _store(db_url) as store:
        data = audit.export(store, fmt, Actor.cli(reviewer))
    verdict = audit.verify(audit.loads(data))
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror}") from exc
    click.echo(f"Wrote {verdict.count} events to {out}; head sha256 {verdict.head}")


@audit.command("verify")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@DB
@_translated
def audit_verify(file: Path | None, db_url: str | None) -> None:
    """Recompute the hash chain of FILE (an audit export), or of the database without FILE; exit 1 naming
    the first event that does not fit."""
    from supplyscreen.errors import InputError
    from supplyscreen.review import audit

    if file is not None:
        verdict = audit.verify(audit.loads(file.read_bytes()))
        where = str(file)
    else:
        with _store(db_url) as store:
            verdict = audit.verify_store(store)
            where = store.engine.url.render_as_string(hide_password=True)
    if verdict.broken is not None:
        raise InputError(
            f"{where}: the chain is broken at {verdict.broken}", hint="it was changed after export"
        )
    click.echo(f"OK: {verdict.count} events, the chain holds; head sha256 {verdict.head}")


# --- users ----------------------------------------------------------------------------------------------


@click.group()
def users() -> None:
    """Accounts of the web app (reviewer or admin); required when it listens on anything but loopback."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), default="reviewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
@DB
@_translated
def users_add(name: str, role: str, password_stdin: bool, db_url: str | None) -> None:
    """Add an account; its password is asked twice (or read from standard input)."""
    from supplyscreen.review import Actor, users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _store(db_url) as store:
        user = users.add_user(store, name, role, password, Actor.cli())
    _say(f"Added {user.role} {user.name}")


@users.command("list")
@DB
@_translated
def users_list(db_url: str | None) -> None:
    """Every account: name, role, whether it is active, when it was added."""
    from supplyscreen.review import users

    with _store(db_url) as store:
        for user in users.list_users(store):
            state = "active" if user.active else "disabled"
            _say(f"{user.name:<24} {user.role:<9} {state:<9} {user.created_at:%Y-%m-%d}")


@users.command("disable")
@click.argument("name")
@DB
@_translated
def users_disable(name: str, db_url: str | None) -> None:
    """Disable an account: it can no longer sign in (accounts are kept: the audit trail names them)."""
    from supplyscreen.review import Actor, users

    with _store(db_url) as store:
        user = users.disable_user(store, name, Actor.cli())
    _say(f"Disabled {user.name}")


COMMANDS = (review, audit, users)
