"""Review decisions, decisions remembered across runs, evidence with documents, accounts and the hash-chained
audit trail — on SQLite, and on a real PostgreSQL server where one can be started here."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text as sa_text

from supplyscreen.errors import InputError
from supplyscreen.pipeline.screen import screen
from supplyscreen.review import (
    DECISIONS,
    Actor,
    NotFound,
    audit,
    decide_hit,
    decide_supplier,
    decisions_for_run,
    history,
    set_evidence,
    set_status,
    supplier_review,
    users,
)
from supplyscreen.review.decisions import document
from supplyscreen.review.keys import supplier_key
from supplyscreen.rules import layered
from supplyscreen.store import Store, migrate

from .conftest import ROOT, own_database

RELEASE_0004 = ROOT / "tests" / "fixtures" / "store-0004.sql"
ANN = Actor("A. Reviewer", "login")
BOB = Actor("Bob Checker", "name")

MONTH_1 = """Vendor ID,Supplier,Country,Notes
V-001,Hunchun Haifeng Aquatic Products Co.,China,
V-002,Acme Fishing,Chile,
V-003,Beta Tuna,China,North Korean workers on site
"""
# next month: V-002 now has North Korean workers (a new hit), V-004 is new; the others are unchanged (a name
# in capitals, a country as its code)
MONTH_2 = """Vendor ID,Supplier,Country,Notes
V-001,HUNCHUN HAIFENG AQUATIC PRODUCTS CO.,CN,
V-002,Acme Fishing,Chile,North Korean workers at the plant
V-003,Beta Tuna,China,North Korean workers on site
V-004,Gamma Fisheries,China,
"""
# a rule layer under which place.hunchun counts more than when it was decided
MORE_POINTS = "override:\n  - id: place.hunchun\n    points: 40\n"


def _run(store: Store, tmp_path: Path, name: str, text: str, rules: Path | None = None) -> str:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    return store.record(screen([src], rules_dirs=layered([rules]) if rules else None), {}, actor=ANN)


def _key(review_hits: object, rule: str) -> str:
    return next(h.key for h in review_hits if h.hit["rule"] == rule)  # type: ignore[attr-defined]


def review_cycle(store: Store, tmp_path: Path) -> None:
    """Decide on one month's run, screen the next month's list, and find the decisions carried over, the
    changed hit and the new ones flagged for review."""
    first = _run(store, tmp_path, "vendors-11.csv", MONTH_1)
    hunchun = supplier_review(store, first, 0)
    assert [h.hit["rule"] for h in hunchun.needing_review][:2] == ["combo.seafood_border", "place.hunchun"]
    made = decide_hit(
        store,
        first,
        0,
        _key(hunchun.hits, "place.hunchun"),
        "false positive",
        "different company, Busan",
        ANN,
    )
    assert made.sentence().startswith("cleared as false positive by A. Reviewer on ")
    assert made.sentence().endswith(": 'different company, Busan'")
    decide_hit(store, first, 0, _key(hunchun.hits, "country.china"), "false_positive", "", ANN)
    decide_hit(store, first, 2, "1", "confirmed", "audit found DPRK crews", BOB)  # by its number
    decide_supplier(store, first, 2, "escalated", "to legal", ANN)
    # another reviewer changes Bob's decision: allowed, and the trail keeps both
    decide_hit(store, first, 2, "1", "needs information", "ask for the payroll", ANN)
    set_status(store, first, 2, "awaiting_evidence", "", ANN)
    tuna = supplier_review(store, first, 2)
    assert tuna.hits[0].decision is not None and tuna.hits[0].decision.decision == "needs_information"
    assert tuna.status is not None and tuna.status.status == "awaiting_evidence"

    layer = tmp_path / "more"
    layer.mkdir(exist_ok=True)
    (layer / "more.yaml").write_text(MORE_POINTS, encoding="utf-8")
    second = _run(store, tmp_path, "vendors-12.csv", MONTH_2, rules=layer)
    reviews = decisions_for_run(store, second)
    assert set(reviews) == {0, 1, 2, 3}
    hunchun2 = reviews[0]
    assert hunchun2.supplier_key == hunchun.supplier_key == supplier_key({"id": "V-001"})
    china = next(h for h in hunchun2.hits if h.hit["rule"] == "country.china")
    assert china.decision is not None and china.decision.run_id == first  # carried over
    assert [d.id for d in hunchun2.carried_over] == [china.decision.id]
    place = next(h for h in hunchun2.hits if h.hit["rule"] == "place.hunchun")
    assert place.needs_review and place.changed_since is not None  # 40 points now, 25 when decided
    assert place.changed_since.sentence().endswith("'different company, Busan'")
    acme = reviews[1]
    assert acme.needing_review[0].hit["rule"] == "nexus.dprk_workers"  # a new hit
    tuna2 = reviews[2]
    assert tuna2.decision is not None and tuna2.decision.decision == "escalated"  # its hits are unchanged
    assert tuna2.hits[0].decision is not None and tuna2.hits[0].decision.comment == "ask for the payroll"
    assert tuna2.status is not None and tuna2.status.status == "awaiting_evidence"
    assert not reviews[3].hits or all(h.needs_review for h in reviews[3].hits)
    # the run's results event says what was carried over when it finished
    finished = [e for e in audit.events(store, target=f"run:{second}") if e.action == "run.finish"]
    assert finished[0].after["decisions_carried_over"] == 3
    assert finished[0].after["hits_changed_since_decided"] == 1
    # the supplier's history: every decision with what it replaced
    trail = history(store, tuna2)
    changes = [(e.actor, e.action, (e.before or {}).get("reviewer")) for e in trail]
    assert changes == [
        ("Bob Checker", "decision.hit", None),
        ("A. Reviewer", "decision.supplier", None),
        ("A. Reviewer", "decision.hit", "Bob Checker"),
        ("A. Reviewer", "status.supplier", None),
    ]
    assert audit.verify_store(store).ok


def test_decide_rerun_carry_over_on_sqlite(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'review.db'}")
    try:
        review_cycle(store, tmp_path)
    finally:
        store.close()


def test_decide_rerun_carry_over_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    store = Store(own_database(postgres_url, "review"))
    try:
        with store.engine.connect() as connection:
            assert migrate.stamped(connection) == migrate.head()
        review_cycle(store, tmp_path)
    finally:
        store.close()


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'review.db'}")


@pytest.fixture()
def run_id(store: Store, tmp_path: Path) -> str:
    return _run(store, tmp_path, "vendors.csv", MONTH_1)


PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_evidence_items_with_documents_follow_the_supplier(store: Store, run_id: str, tmp_path: Path) -> None:
    items = [e["id"] for e in store.supplier(run_id, 2).checklist]  # type: ignore[union-attr]
    assert items
    item = items[0]
    set_evidence(store, run_id, 2, item, "requested", "asked the supplier", ANN)
    got = set_evidence(store, run_id, 2, item, "received", "", BOB, attach=("C:\\scans\\payroll.pdf", PDF))
    assert got.document is not None and got.document.name == "payroll.pdf" and got.document.kind == "pdf"
    kept = set_evidence(store, run_id, 2, item, "accepted", "payroll checked", ANN)
    assert kept.document == got.document  # the document stays with the item
    info, data = document(store, got.document.id)
    assert data == PDF and info.media_type == "application/pdf"
    again = _run(store, tmp_path, "again.csv", MONTH_1)  # the next run of the same list
    evidence = supplier_review(store, again, 2).evidence[item]
    assert evidence.status == "accepted" and evidence.document == got.document
    actions = [e.action for e in history(store, supplier_review(store, again, 2))]
    assert actions == ["evidence.status", "evidence.attach", "evidence.status"]


@pytest.mark.parametrize(
    ("attach", "message"),
    [
        (("tool.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 64), "tool.pdf: is a program, not a document"),
        (("a.zip", b"PK\x05\x06" + b"\0" * 18), "a.zip: is a ZIP archive, not a document"),
        (("empty.pdf", b" \n"), "empty.pdf: the file is empty"),
        (("big.pdf", PDF + b"x" * 2000), "big.pdf: the document is larger than the 1,000 bytes limit"),
    ],
)
def test_documents_are_checked_by_content_and_size(
    store: Store, run_id: str, attach: tuple[str, bytes], message: str
) -> None:
    item = store.supplier(run_id, 2).checklist[0]["id"]  # type: ignore[union-attr]
    with pytest.raises(InputError, match=message):
        set_evidence(store, run_id, 2, item, "received", "", ANN, attach=attach, max_bytes=1000)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s, r: decide_hit(s, r, 0, "99", "confirmed", "", ANN), NotFound, "has no hit '99'"),
        (lambda s, r: decide_hit(s, r, 7, "1", "confirmed", "", ANN), NotFound, "has no supplier 7"),
        (lambda s, r: decide_hit(s, "f" * 32, 0, "1", "confirmed", "", ANN), NotFound, "no run has the id"),
        (lambda s, r: decide_hit(s, r, 0, "1", "maybe", "", ANN), InputError, "unknown decision 'maybe'"),
        (
            lambda s, r: decide_supplier(s, r, 0, "confirmed", "x" * 5000, ANN),
            InputError,
            "longer than 4,000",
        ),
        (lambda s, r: set_status(s, r, 0, "done", "", ANN), InputError, "unknown status 'done'"),
        (lambda s, r: set_evidence(s, r, 1, "x", "received", "", ANN), NotFound, "has no checklist item 'x'"),
    ],
)
def test_bad_decisions_are_one_line_errors(
    store: Store, run_id: str, call: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        call(store, run_id)  # type: ignore[operator]


def test_a_run_not_screened_takes_no_decision(store: Store) -> None:
    run_id = store.create_run([("a.csv", b"Supplier\nAcme\n")])
    with pytest.raises(InputError, match=r"run \w{8} is mapping"):
        decide_supplier(store, run_id, 0, "confirmed", "", ANN)


# --- the audit trail ------------------------------------------------------------------------------------


def _trail(store: Store, run_id: str) -> None:
    decide_hit(store, run_id, 0, "1", "false_positive", "=HYPERLINK(\"http://x\") 'quoted'", ANN)
    decide_hit(store, run_id, 2, "1", "confirmed", "", BOB)
    store.delete_runs([store.create_run([("b.csv", b"Supplier\nB\n")], actor=ANN)], actor=BOB)


def test_every_change_is_a_chained_event(store: Store, run_id: str) -> None:
    _trail(store, run_id)
    actions = [(e.seq, e.actor, e.action) for e in audit.events(store)]
    assert actions == [
        (1, "A. Reviewer", "run.create"),
        (2, "supplyscreen", "run.finish"),
        (3, "A. Reviewer", "decision.hit"),
        (4, "Bob Checker", "decision.hit"),
        (5, "A. Reviewer", "run.create"),
        (6, "Bob Checker", "run.delete"),
    ]
    chain = audit.events(store)
    assert chain[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    verdict = audit.verify_store(store)
    assert verdict.ok and verdict.count == 6 and verdict.head == chain[-1].hash


def _tamper_db(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.executescript(sql)


@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        ("UPDATE events SET actor = 'Mallory' WHERE seq = 3", "event 3: its content does not match its hash"),
        ("DELETE FROM events WHERE seq = 3", "event 4: does not follow event 2"),
        (
            "UPDATE events SET seq = -3 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4;"
            " UPDATE events SET seq = 4 WHERE seq = -3",
            "event 3: its content does not match its hash",
        ),
    ],
    ids=["changed", "removed", "reordered"],
)
def test_tampering_in_the_database_is_found(tmp_path: Path, sql: str, broken: str) -> None:
    path = tmp_path / "review.db"
    store = Store(f"sqlite:///{path}")
    _trail(store, _run(store, tmp_path, "vendors.csv", MONTH_1))
    store.close()
    _tamper_db(path, sql)
    verdict = audit.verify_store(Store(f"sqlite:///{path}"))
    assert verdict.broken is not None and verdict.broken.startswith(broken)


def _lines_changed(data: bytes, how: str) -> bytes:
    head, *rows = data.decode("utf-8").splitlines()
    if how == "changed":
        rows[2] = rows[2].replace("A. Reviewer", "Mallory")
    elif how == "removed":
        del rows[2]
    else:
        rows[2], rows[3] = rows[3], rows[2]
    return ("\n".join([head, *rows]) + "\n").encode("utf-8")


@pytest.mark.parametrize(
    ("how", "broken"),
    [
        ("changed", "event 3: its content does not match its hash"),
        ("removed", "event 4: does not follow event 2"),
        ("reordered", "event 4: does not follow event 2"),
    ],
)
def test_tampering_in_an_export_is_found(store: Store, run_id: str, how: str, broken: str) -> None:
    _trail(store, run_id)
    data = audit.export(store, "csv", ANN)
    assert audit.verify(audit.loads(data)).ok
    verdict = audit.verify(audit.loads(_lines_changed(data, how)))
    assert verdict.broken is not None and verdict.broken.startswith(broken)


def test_exports_round_trip_and_no_cell_is_a_formula(store: Store, run_id: str) -> None:
    _trail(store, run_id)
    csv_data = audit.export(store, "csv", ANN)
    json_data = audit.export(store, "json", ANN)
    doc = json.loads(json_data)
    assert doc["count"] == 8 and doc["events"][-1]["action"] == "export.audit"
    assert audit.loads(csv_data) == audit.loads(json_data)[:7]
    assert audit.verify(audit.loads(json_data)).head == doc["head"]
    for row in csv.reader(io.StringIO(csv_data.decode("utf-8"))):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row
    with pytest.raises(InputError, match="not an audit export"):
        audit.loads(b"name,country\nAcme,CN\n")


def test_names_in_the_trail_are_checked() -> None:
    assert audit.person_name("  A.   Reviewer ") == "A. Reviewer"
    for bad in ("", "=cmd|' /C calc'!A0", "<b>x</b>", "-x", "x" * 65):
        with pytest.raises(InputError):
            audit.person_name(bad)


# --- accounts -------------------------------------------------------------------------------------------


def test_accounts_hash_passwords_and_can_be_disabled(store: Store) -> None:
    admin = users.add_user(store, "Ann Admin", "admin", "correct horse battery", Actor.cli("root"))
    assert admin.is_admin
    with store.engine.connect() as connection:
        stored = connection.execute(sa_text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert users.authenticate(store, "ann admin", "correct horse battery") == admin
    assert users.authenticate(store, "Ann Admin", "wrong password!") is None
    assert users.authenticate(store, "Nobody", "correct horse battery") is None
    with pytest.raises(InputError, match="a user named 'ANN ADMIN' exists"):
        users.add_user(store, "ANN ADMIN", "reviewer", "another password", Actor.cli("root"))
    with pytest.raises(InputError, match="shorter than 10"):
        users.add_user(store, "Bob", "reviewer", "short", Actor.cli("root"))
    with pytest.raises(InputError, match="unknown role 'boss'"):
        users.add_user(store, "Bob", "boss", "long enough pw", Actor.cli("root"))
    assert users.any_active(store)
    users.disable_user(store, "Ann Admin", Actor.cli("root"))
    assert users.authenticate(store, "Ann Admin", "correct horse battery") is None
    assert not users.any_active(store)
    assert [e.action for e in audit.events(store)] == ["user.add", "user.disable"]


# --- upgrading a database of the release before -------------------------------------------------------


def test_a_database_of_the_release_before_upgrades_in_place(tmp_path: Path) -> None:
    """A database made by the release at revision 0004 (its own screen --db) keeps its run; its rows get
    their supplier keys, and decisions, evidence and events work on it."""
    path = tmp_path / "release.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(RELEASE_0004.read_text(encoding="utf-8"))
    store = Store(f"sqlite:///{path}")
    assert store.found_revision == "0004"
    (run,) = store.list_runs()
    assert run.status == "done" and run.rows == 4
    reviews = decisions_for_run(store, run.id)
    assert reviews[0].supplier_key == supplier_key({"id": "100101"})  # the padded id, as stored
    assert reviews[3].supplier_key == supplier_key({"name": "丹东海产", "country": "China"})
    decide_hit(store, run.id, 0, "1", "false_positive", "different company", ANN)
    assert decisions_for_run(store, run.id)[0].applied
    assert [e.action for e in audit.events(store)] == ["decision.hit"]  # the trail starts at the upgrade
    assert store.report(run.id, "html") is not None and store.report(run.id, "json") is not None
    store.close()


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=60)
@given(
    st.lists(st.tuples(TEXT, TEXT, st.one_of(st.none(), st.dictionaries(TEXT, TEXT, max_size=3))), max_size=5)
)
def test_any_event_text_survives_an_export_and_verifies(items: list[tuple[str, str, object]]) -> None:
    """Whatever the events hold (formulas, quotes, line breaks, any script), a CSV or JSON export reads back
    to the same events and the chain holds; changing any one event's text breaks it there."""
    chain: list[audit.Event] = []
    prev = audit.GENESIS
    for seq, (target, comment, after) in enumerate(items, 1):
        body = audit.Event(
            seq,
            "2026-11-30T14:02:11.000001Z",
            "A. Reviewer",
            "login",
            "decision.hit",
            target,
            {"comment": comment},
            after,
            prev,
            "",
        ).body()
        digest = audit.chain_hash(prev, body)
        chain.append(audit.Event(**{**body, "prev_hash": prev, "hash": digest}))
        prev = digest
    for fmt in audit.FORMATS:
        back = audit.loads(audit.dumps(chain, fmt))
        assert back == chain and audit.verify(back).ok
    if chain:
        changed = [*chain[:-1], dataclasses.replace(chain[-1], target=chain[-1].target + "x")]
        assert (
            audit.verify(changed).broken
            == f"event {len(chain)}: its content does not match its hash (changed)"
        )


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_writers_at_the_same_moment_keep_one_chain(
    request: pytest.FixtureRequest, tmp_path: Path, database: str
) -> None:
    """Decisions, downloads and runs recorded from several threads at once: every event is chained after
    the one before it (the lock row), none lost, none forked."""
    url = (
        f"sqlite:///{tmp_path / 'busy.db'}"
        if database == "sqlite"
        else own_database(request.getfixturevalue("postgres_url"), "busy")
    )
    store = Store(url)
    try:
        run_id = _run(store, tmp_path, "vendors.csv", MONTH_1)

        def work(n: int) -> None:
            for i in range(5):
                decide_hit(store, run_id, 0, str(1 + (n + i) % 5), DECISIONS[i % 4], f"{n}/{i}", ANN)
                audit.record(store, BOB, "export.report", f"run:{run_id}", after={"n": n, "i": i})

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(work, range(6)))
        verdict = audit.verify_store(store)
        assert verdict.ok and verdict.count == 2 + 6 * 5 * 2
    finally:
        store.close()


def test_recorded_decisions_reach_the_run_comparison_and_the_dossier(store: Store, tmp_path: Path) -> None:
    """The decisions recorded with ``review`` are what the diff and the dossier read (review.applied): a
    decision made on month 1 is carried over to month 2 with who and why, in the diff's summary and rows."""
    from supplyscreen.report.dossier import dossier_html
    from supplyscreen.review.applied import reviews_for_run
    from supplyscreen.review.diff import RunSide, compare_runs

    first = _run(store, tmp_path, "vendors-11.csv", MONTH_1)
    hunchun = supplier_review(store, first, 0)
    decide_hit(
        store, first, 0, _key(hunchun.hits, "country.china"), "false_positive", "different company", ANN
    )
    second = _run(store, tmp_path, "vendors-12.csv", MONTH_2)
    reviews = reviews_for_run(store, second)
    carried = reviews[0].carried(second)
    assert [(d.decision, d.reviewer, d.comment, d.run_id) for d in carried] == [
        ("false positive", "A. Reviewer", "different company", first)
    ]
    runs = {r.id: r for r in store.list_runs()}
    diff = compare_runs(RunSide.of_run(store, runs[first]), RunSide.of_run(store, runs[second]), reviews)
    assert diff.summary["decisions_carried"] == 1
    row = next(r for r in diff.rows if r.carried)
    assert "false positive by A. Reviewer" in " ".join(row.why)
    run_b = store.get_run(second)
    supplier = store.supplier(second, 0)
    assert run_b is not None and supplier is not None
    page = dossier_html(run_b, supplier, reviews[0])
    assert "different company" in page and "A. Reviewer" in page
