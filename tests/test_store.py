"""The run store on a real SQLite file, and on a real PostgreSQL server when one can be started here."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy import text as sa_text

from supplyscreen.cli import cli
from supplyscreen.errors import InputError, OutputError
from supplyscreen.pipeline.results import ScreeningResult
from supplyscreen.pipeline.screen import screen
from supplyscreen.report import render_report
from supplyscreen.store import Base, RunBusy, Store, default_db_url, migrate, now

from .conftest import ROOT, SAMPLES, own_database

# A database made by the store before it had migrations (create_all), dumped with sqlite3's iterdump: one
# run of seven suppliers whose names and countries are written in several scripts.
BEFORE_MIGRATIONS = ROOT / "tests" / "fixtures" / "store-before-migrations.sql"

CSV = "Supplier,Country,Notes\nAcme Fishing,Chile,\nSinuiju Garment Factory,DPRK,\nBeta Tuna,China,North Korean workers\n"


def _roundtrip(store: Store, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(CSV, encoding="utf-8")
    result = screen([src])
    run_id = store.create_run([("in.csv", src.read_bytes())], options={"sheet": None}, status="running")
    again = store.create_run([("copy.csv", src.read_bytes())])
    store.save_result(run_id, result, {"json": b"{}", "html": b"<html>", "xlsx": b"PK"}, seconds=0.5)

    run = store.get_run(run_id)
    assert run is not None and run.status == "done" and run.seconds == 0.5
    assert run.rows == 3 and run.presumption == 2 and run.by_tier["high"] == 2
    assert run.rules_sha256 == result.rules.sha256
    assert run.inputs[0].name == "in.csv" and len(run.inputs[0].sha256) == 64
    assert store.file_bytes(run.inputs[0].sha256) == src.read_bytes()
    other = store.get_run(again)
    assert other is not None and other.inputs[0].sha256 == run.inputs[0].sha256  # stored once

    names = [s.name for s in store.suppliers(run_id)]
    assert names == ["Acme Fishing", "Sinuiju Garment Factory", "Beta Tuna"]
    high = store.suppliers(run_id, tier="high", sort="score", descending=True)
    assert {s.name for s in high} == {"Sinuiju Garment Factory", "Beta Tuna"}
    assert [s.name for s in store.suppliers(run_id, country="China")] == ["Beta Tuna"]
    assert [s.name for s in store.suppliers(run_id, presumption=False)] == ["Acme Fishing"]
    assert [s.name for s in store.suppliers(run_id, q="tuna")] == ["Beta Tuna"]
    beta = store.supplier(run_id, 2)
    assert beta is not None and beta.supplier["source"] == {"file": str(src), "sheet": None, "row": 4}
    assert beta.checklist and all({"id", "text", "source", "because"} <= set(e) for e in beta.checklist)
    # the legal track, read from the stored results.json object (no column of its own)
    assert [s.track for s in store.suppliers(run_id)] == ["none", "dprk_origin", "presumption"]
    assert store.track_counts(run_id) == {"none": 1, "dprk_origin": 1, "presumption": 1}
    assert store.report(run_id, "html") == b"<html>" and store.report(run_id, "csv") is None
    # results.json is not kept: it is put together from the rows, byte for byte what the CLI writes
    assert store.report(run_id, "json") == render_report(result, "json")
    assert [(g.key, g.label) for g in store.countries(run_id)] == [
        ("CL", "Chile"),
        ("CN", "China"),
        ("KP", "DPRK"),
    ]
    assert {r.id for r in store.list_runs()} == {again, run_id}

    assert store.claim(again, {"mapping": {"name": ["Supplier"]}})
    assert not store.claim(again)  # already queued
    assert store.interrupt_own("stopped") == 1  # this process stops: its queued run is interrupted
    stuck = store.get_run(again)
    assert stuck is not None and stuck.status == "interrupted" and stuck.options["mapping"]
    assert store.secret() == store.secret()


def _schema_differences(store: Store) -> list[object]:
    """What Alembic finds different between the database and the models (nothing, once migrated)."""
    with store.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_sqlite_store(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'nested' / 'runs.db'}")
    assert _schema_differences(store) == []
    _roundtrip(store, tmp_path)
    store.close()
    reopened = Store(f"sqlite:///{tmp_path / 'nested' / 'runs.db'}")
    assert len(reopened.list_runs()) == 2


def _database_before_migrations(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        connection.executescript(BEFORE_MIGRATIONS.read_text(encoding="utf-8"))
    return f"sqlite:///{path}"


def test_a_database_made_before_migrations_is_stamped_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = Store(_database_before_migrations(path))
    with store.engine.connect() as connection:
        assert migrate.stamped(connection) == migrate.head()
    assert _schema_differences(store) == []
    (run,) = store.list_runs()
    assert run.status == "done" and run.rows == 7 and run.by_tier["high"] == 3
    assert store.file_bytes(run.inputs[0].sha256).startswith(b"Supplier,Country")
    # the keys of the stored rows were worked out by the upgrade
    assert [s.name for s in store.suppliers(run.id, q="Дальлеспром")] == ["ДАЛЬЛЕСПРОМ"]
    assert [s.name for s in store.suppliers(run.id, q="dandong")] == ["丹东海产有限公司"]
    china = [s.name for s in store.suppliers(run.id, country="China")]
    assert china == ["丹东海产有限公司", "Beta Tuna", "Gamma Fisheries"]
    assert [(g.label, g.others) for g in store.countries(run.id)][:2] == [
        ("China", ("CHINA", "中国")),
        ("DPRK", ("Korea",)),  # a bare "Korea" with a Pyongyang address
    ]
    store.close()
    assert _schema_differences(Store(f"sqlite:///{path}")) == []  # opened again: nothing to do


def test_db_upgrade_command(tmp_path: Path) -> None:
    old = _database_before_migrations(tmp_path / "old.db")
    new = f"sqlite:///{tmp_path / 'new.db'}"
    head = migrate.head()
    for url, said in (
        (old, f"upgraded from {migrate.BEFORE_MIGRATIONS}"),
        (old, "up to date"),
        (new, "created"),
    ):
        result = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
        assert result.exit_code == 0 and result.output == f"{url}: schema revision {head}, {said}\n"
    bad = CliRunner().invoke(cli, ["db", "upgrade", "--db", "nosuch://x"])
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: cannot use the database URL 'nosuch://x'")


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    Store(url).close()
    with sqlite3.connect(tmp_path / "newer.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(
        OutputError, match=r"cannot open the database .*newer\.db: its schema revision 9999 is"
    ):
        Store(url)


# Searches over supplier names (store.keys.search_key): query → the names found, in file order.
NAMES_CSV = """Supplier,Country,Address
ДАЛЬЛЕСПРОМ,Россия,Владивосток
Дальлесторг,Russia,
丹东海产有限公司,中国,辽宁省丹东市
Dandong Ocean Fishing,China,
大连渔业,CHINA,
Société Générale de Pêche,France,
SOCIETE DU NORD,FRANCE,
ΑΘΗΝΑ Ναυτιλιακή,Greece,
조선무역회사,Korea,Pyongyang
서울수산,Korea,Seoul
Straße Fisch GmbH,Germany,
Acme 100% Tuna_Co,,
"""
SEARCHES = [
    ("Дальлеспром", ["ДАЛЬЛЕСПРОМ"]),  # Cyrillic, another case
    ("дальлес", ["ДАЛЬЛЕСПРОМ", "Дальлесторг"]),
    ("ДАЛЬЛЕСТОРГ", ["Дальлесторг"]),
    ("dallesprom", ["ДАЛЬЛЕСПРОМ"]),  # Cyrillic by its transliteration
    ("dandong", ["丹东海产有限公司", "Dandong Ocean Fishing"]),  # Chinese by its pinyin
    ("Dan Dong", ["丹东海产有限公司", "Dandong Ocean Fishing"]),
    ("丹东", ["丹东海产有限公司", "Dandong Ocean Fishing"]),  # Chinese by its characters (and their pinyin)
    ("渔业", ["大连渔业"]),
    ("dalian", ["大连渔业"]),
    ("societe", ["Société Générale de Pêche", "SOCIETE DU NORD"]),  # accents
    ("SOCIÉTÉ", ["Société Générale de Pêche", "SOCIETE DU NORD"]),
    ("pêche", ["Société Générale de Pêche"]),
    ("ναυτιλιακη", ["ΑΘΗΝΑ Ναυτιλιακή"]),  # Greek, without its accent
    ("Αθηνα", ["ΑΘΗΝΑ Ναυτιλιακή"]),
    ("athina", ["ΑΘΗΝΑ Ναυτιλιακή"]),
    ("조선", ["조선무역회사"]),  # Korean
    ("joseon", ["조선무역회사"]),
    ("수산", ["서울수산"]),
    ("strasse", ["Straße Fisch GmbH"]),
    ("100%", ["Acme 100% Tuna_Co"]),  # LIKE's wildcards are text
    ("tuna_co", ["Acme 100% Tuna_Co"]),
    ("zzz", []),
]
# Country filter: any spelling (or the key) → the suppliers of every spelling resolving to the same country
COUNTRY_FILTERS = [
    ("China", ["丹东海产有限公司", "Dandong Ocean Fishing", "大连渔业"]),
    ("中国", ["丹东海产有限公司", "Dandong Ocean Fishing", "大连渔业"]),
    ("CN", ["丹东海产有限公司", "Dandong Ocean Fishing", "大连渔业"]),
    ("Russian Federation", ["ДАЛЬЛЕСПРОМ", "Дальлесторг"]),
    ("france", ["Société Générale de Pêche", "SOCIETE DU NORD"]),
    ("KP", ["조선무역회사"]),
    ("KR", ["서울수산"]),
    ("Atlantis", []),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def names_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, str]]:
    """A store holding one screened run of NAMES_CSV: on SQLite, and on PostgreSQL (a database of its own)
    when a server can be started here."""
    tmp = tmp_path_factory.mktemp("names")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'names.db'}"
    else:
        url = own_database(request.getfixturevalue("postgres_url"), "names")
    src = tmp / "names.csv"
    src.write_text(NAMES_CSV, encoding="utf-8")
    store = Store(url)
    run_id = store.create_run([("names.csv", src.read_bytes())], status="running")
    store.save_result(run_id, screen([src]), {})
    try:
        yield store, run_id
    finally:
        store.close()


@pytest.mark.parametrize(("query", "names"), SEARCHES)
def test_search_finds_names_in_every_script(
    names_store: tuple[Store, str], query: str, names: list[str]
) -> None:
    store, run_id = names_store
    assert [s.name for s in store.suppliers(run_id, q=query)] == names


@pytest.mark.parametrize(("country", "names"), COUNTRY_FILTERS)
def test_country_filter_finds_every_spelling(
    names_store: tuple[Store, str], country: str, names: list[str]
) -> None:
    store, run_id = names_store
    assert [s.name for s in store.suppliers(run_id, country=country)] == names


def test_countries_are_grouped_by_resolved_country(names_store: tuple[Store, str]) -> None:
    store, run_id = names_store
    groups = [(g.key, g.label, g.others, g.count) for g in store.countries(run_id)]
    assert groups == [
        ("CN", "China", ("CHINA", "中国"), 3),
        ("KP", "DPRK", ("Korea",), 1),
        ("FR", "France", ("FRANCE",), 2),
        ("DE", "Germany", (), 1),
        ("GR", "Greece", (), 1),
        ("KR", "Republic of Korea", ("Korea",), 1),
        ("RU", "Russia", ("Россия",), 2),
    ]


def test_default_url_and_bad_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPLYSCREEN_DB", "sqlite:///elsewhere.db")
    assert default_db_url() == "sqlite:///elsewhere.db"
    monkeypatch.delenv("SUPPLYSCREEN_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_url() == f"sqlite:///{tmp_path / 'xdg' / 'supplyscreen' / 'supplyscreen.db'}"
    with pytest.raises(OutputError, match="cannot use the database URL 'nosuch://x'"):
        Store("nosuch://x")
    with pytest.raises(
        OutputError, match=r"cannot open the database postgresql\+psycopg://u:\*\*\*@127\.0\.0\.1:9/d"
    ):
        Store("postgresql+psycopg://u:secret@127.0.0.1:9/d?connect_timeout=2")


def test_screen_db_records_the_run(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "screen",
            str(SAMPLES / "seafood_shipments.xlsx"),
            "--out",
            str(out),
            "--db",
            db,
            "--map",
            "id=B/L No.",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Recorded run " in result.output
    (run,) = Store(db).list_runs()
    assert run.source == "cli" and run.status == "done" and run.rows == 26
    assert run.options["mapping"] == {"id": ["B/L No."]}
    assert Store(db).report(run.id, "xlsx") == (out / "results.xlsx").read_bytes()
    assert Store(db).report(run.id, "json") == (out / "results.json").read_bytes()


# --- PostgreSQL --------------------------------------------------------------------------------------


def test_postgresql_store(postgres_url: str, tmp_path: Path) -> None:
    store = Store(postgres_url)
    try:
        assert _schema_differences(store) == []
        _roundtrip(store, tmp_path)
    finally:
        store.close()


def test_web_app_on_postgresql(postgres_url: str) -> None:
    from fastapi.testclient import TestClient

    from supplyscreen.settings import Settings
    from supplyscreen.web.app import create_app

    store = Store(postgres_url)
    try:
        with TestClient(create_app(Settings(db=postgres_url), store), base_url="http://127.0.0.1") as client:
            data = (SAMPLES / "seafood_shipments.xlsx").read_bytes()
            run = client.post(
                "/api/v1/runs", params={"wait": 60}, files=[("files", ("seafood_shipments.xlsx", data))]
            ).json()
            assert run["status"] == "done", run
            assert run["summary"]["rows"] == 26
            high = client.get(run["links"]["suppliers"], params={"tier": "high"}).json()
            assert len(high) == run["summary"]["by_tier"]["high"] > 0
            assert client.get(run["links"]["results.xlsx"]).content[:2] == b"PK"
    finally:
        store.close()


# --- runs stored once, deleted, and interrupted when their process died ------------------------------------


def _used_bytes(path: Path) -> int:
    """The bytes of the SQLite file in use (its pages less the free ones)."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (
            connection.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("page_count", "freelist_count", "page_size")
        )
    return int((pages - free) * size)


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {
            t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("runs", "files", "run_files", "results", "reports")
        }


def _screened(tmp_path: Path, rows: int = 300) -> tuple[Path, ScreeningResult]:
    src = tmp_path / "many.csv"
    lines = [f"Hunchun Seafood {i},China,North Korean workers {i}" for i in range(rows)]
    src.write_text("Supplier,Country,Notes\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return src, screen([src])


def test_a_run_is_stored_once_and_compactly(tmp_path: Path) -> None:
    src, result = _screened(tmp_path)
    path = tmp_path / "runs.db"
    store = Store(f"sqlite:///{path}")
    reports = {fmt: render_report(result, fmt) for fmt in ("html", "xlsx", "json")}
    run_id = store.record(result, reports)
    with sqlite3.connect(path) as connection:
        stored = dict(connection.execute("SELECT format, codec FROM reports").fetchall())
        (codec,) = connection.execute("SELECT codec FROM files").fetchone()
        (catalogue,) = connection.execute("SELECT catalogue FROM runs").fetchone()
        supplier_bytes = connection.execute("SELECT sum(length(supplier)) FROM results").fetchone()[0]
    assert stored == {"html": "zlib", "xlsx": "zlib"} and codec == "zlib"  # results.json is not kept
    quote = next(iter(json.loads(catalogue)["hits"].values()))["citations"][0]["quote"]
    assert supplier_bytes < sum(len(json.dumps(s.as_dict())) for s in result.suppliers) / 2
    with sqlite3.connect(path) as connection:  # each quote is stored once, in the catalogue
        assert (
            connection.execute(
                "SELECT count(*) FROM results WHERE instr(supplier, ?) > 0", (json.dumps(quote)[1:-1],)
            ).fetchone()[0]
            == 0
        )
    for fmt, data in reports.items():  # every download is exactly what was produced
        assert store.report(run_id, fmt) == data
    assert store.file_bytes(store.get_run(run_id).inputs[0].sha256) == src.read_bytes()  # type: ignore[union-attr]
    first = store.supplier(run_id, 0)
    assert first is not None and first.supplier == result.suppliers[0].as_dict()
    store.close()


def test_deleting_runs_removes_their_rows_and_files_but_shared_ones(tmp_path: Path) -> None:
    src, result = _screened(tmp_path)
    path = tmp_path / "runs.db"
    store = Store(f"sqlite:///{path}")
    kept = store.record(result, {"html": render_report(result, "html")})
    empty_counts, empty_bytes = _counts(path), _used_bytes(path)
    other = tmp_path / "other.csv"
    other.write_bytes(b"Supplier\nAcme\n")
    first = store.record(screen([other]), {"html": b"<html>"})
    second = store.record(result, {"html": render_report(result, "html")})  # the same input as ``kept``
    assert _counts(path)["runs"] == 3 and _used_bytes(path) > empty_bytes + 200_000
    assert store.find_runs([first[:8], second]) == [first, second]
    assert store.delete_runs([first, second]) == 2
    # the rows go, and the space they took (the file keeps its free pages, which SQLite reuses)
    assert _counts(path) == empty_counts and _used_bytes(path) <= empty_bytes + 4 * 4096
    assert store.file_bytes(store.get_run(kept).inputs[0].sha256) == src.read_bytes()  # type: ignore[union-attr]
    with pytest.raises(InputError, match="no run has the id 'zzzz'"):
        store.find_runs(["zzzz"])
    store.close()


def test_prune_deletes_runs_older_than_the_retention(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    old = store.create_run([("a.csv", b"Supplier\nAcme\n")])
    new = store.create_run([("b.csv", b"Supplier\nBeta\n")])
    store.update_run(old, created_at=now() - dt.timedelta(days=40))
    assert store.prune(0) == [] and store.prune(90) == []
    assert store.prune(30) == [old]
    assert [r.id for r in store.list_runs()] == [new]
    store.close()


def test_a_run_whose_process_died_is_interrupted_and_claimable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    store = Store(url)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owners = {
        "dead": {"owner_host": socket.gethostname(), "owner_pid": dead.pid},
        "alive": {"owner_host": socket.gethostname(), "owner_pid": os.getpid()},
        "elsewhere": {"owner_host": "another-host.example", "owner_pid": 1},
        "none": {},
    }
    ids = {}
    for name, owner in owners.items():
        ids[name] = store.create_run([(f"{name}.csv", b"Supplier\nAcme\n")], status="running")
        if owner:
            store.update_run(ids[name], **owner)
    with pytest.raises(RunBusy, match="is running"):
        store.delete_runs([ids["alive"]])
    assert store.claim(ids["dead"])  # read lazily: interrupted, so it can be screened at once
    again = Store(url)  # opening the store interrupts the others whose process is gone
    status = {name: again.get_run(run_id).status for name, run_id in ids.items()}  # type: ignore[union-attr]
    assert status == {"dead": "queued", "alive": "running", "elsewhere": "running", "none": "interrupted"}
    assert "an earlier version" in again.get_run(ids["none"]).error["message"]  # type: ignore[union-attr,index]
    again.close()
    store.close()


def test_upgrade_from_the_previous_revision_keeps_its_runs(tmp_path: Path) -> None:
    """0003 → 0004 with data: runs stored before (full hits, checklists, a stored results.json) read as they
    were, a run left running without an owner is interrupted, and new runs are stored compactly beside them."""
    path = tmp_path / "old.db"
    url = _database_before_migrations(path)
    engine = create_engine(url)
    with engine.begin() as connection:
        cfg = migrate.config(connection)
        command.stamp(cfg, migrate.BEFORE_MIGRATIONS)
        command.upgrade(cfg, "0003")
        connection.execute(sa_text("UPDATE runs SET status = 'running'"))
    engine.dispose()
    before = sqlite3.connect(path)
    old_supplier = before.execute("SELECT supplier FROM results ORDER BY position LIMIT 1").fetchone()[0]
    old_checklist = before.execute("SELECT checklist FROM results ORDER BY position LIMIT 1").fetchone()[0]
    before.close()

    store = Store(url)
    assert store.found_revision == "0003" and _schema_differences(store) == []
    (run,) = store.list_runs()
    assert run.status == "interrupted" and store.claim(run.id)
    first = store.suppliers(run.id)[0]
    assert first.supplier == json.loads(old_supplier) and first.checklist == json.loads(old_checklist)
    assert store.report(run.id, "json") == b"{}" and store.report(run.id, "html") == b"<html></html>"
    _, result = _screened(tmp_path, rows=3)
    new = store.record(result, {"html": b"<html>"})
    assert store.report(new, "json") == render_report(result, "json")
    with pytest.raises(RunBusy, match="is queued"):
        store.delete_runs([run.id])
    assert store.interrupt_own("stopped") == 1
    assert store.delete_runs([run.id, new]) == 2 and store.list_runs() == []
    store.close()


def test_runs_commands_list_delete_and_prune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(db)
    old = store.create_run([("old.csv", b"Supplier\nAcme\n")])
    store.update_run(old, created_at=now() - dt.timedelta(days=400))
    new = store.create_run([("new.csv", b"Supplier\nBeta\n")])
    listed = CliRunner().invoke(cli, ["runs", "list", "--db", db])
    assert listed.exit_code == 0 and [line.split()[0] for line in listed.output.splitlines()] == [new, old]
    assert "mapping" in listed.output and "new.csv" in listed.output

    monkeypatch.setenv("SUPPLYSCREEN_RETENTION_DAYS", "365")
    pruned = CliRunner().invoke(cli, ["runs", "prune", "--db", db])
    assert pruned.exit_code == 0 and pruned.output == "Deleted 1 run(s) older than 365 days\n"
    kept = CliRunner().invoke(cli, ["runs", "prune", "--db", db, "--days", "0"])
    assert kept.output == "Retention is 0: runs are kept\n"
    missing = CliRunner().invoke(cli, ["runs", "delete", old[:8], "--db", db])
    assert missing.exit_code == 1 and missing.stderr.startswith(f"Error: no run has the id '{old[:8]}'")
    deleted = CliRunner().invoke(cli, ["runs", "delete", new[:8], "--db", db])
    assert deleted.exit_code == 0 and deleted.output == "Deleted 1 run(s)\n" and store.list_runs() == []
    store.close()
