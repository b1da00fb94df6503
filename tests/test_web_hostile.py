"""The web app against hostile requests: cross-site requests refused on every state-changing route, waiting
requests that hold no server thread (against a live uvicorn server), files readable by their owner only, and
hostile path, query and body values answered 4xx with one line, never 500."""

from __future__ import annotations

import os
import re
import socket
import stat
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from supplyscreen.cli import cli
from supplyscreen.ingest.sources import Source
from supplyscreen.match.compiled import ListCache, compile_lists
from supplyscreen.rules import RuleSet
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web import jobs
from supplyscreen.web.app import create_app
from supplyscreen.web.guards import STATE_CHANGING

from .weberrors import error_line

BASE = "http://127.0.0.1"
CSV = b"Supplier,Country\nAcme Trading,Chile\n"


def _app(tmp_path: Path, **settings: Any) -> FastAPI:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    return create_app(Settings(db=url, **settings), Store(url))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module's requests (none of them changes what the others see)."""
    app = _app(tmp_path_factory.mktemp("web"))
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def _token(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert match
    return match.group(1)


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on loopback (a free port) in a thread of this process; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# --- waiting requests -----------------------------------------------------------------------------------

WAITERS = 60  # more than the server's 40 threads for sync routes


def test_waiting_requests_hold_no_server_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """60 uploads asking ``?wait=30`` for runs that do not finish; the pages still answer at once, and every
    waiter answers as soon as its run is done."""
    release = threading.Event()

    def stalled(store: Store, run_id: str, workers: int = 1) -> None:
        release.wait(60)

    monkeypatch.setattr(jobs, "execute", stalled)

    app = _app(tmp_path)
    store: Store = app.state.store

    def upload_and_wait(base: str) -> int:
        files = [("files", ("a.csv", CSV, "text/csv"))]
        return httpx.post(f"{base}/api/v1/runs", params={"wait": 30}, files=files, timeout=60).status_code

    try:
        with live_server(app) as base, ThreadPoolExecutor(WAITERS) as clients:
            waiters = [clients.submit(upload_and_wait, base) for _ in range(WAITERS)]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # until every run is queued and its request waiting
                if sum(r.status == "queued" for r in store.list_runs(1000)) == WAITERS:
                    break
                time.sleep(0.1)
            started = time.perf_counter()
            page = httpx.get(f"{base}/", timeout=35)
            page_seconds = time.perf_counter() - started
            release.set()
            started = time.perf_counter()
            statuses = [w.result() for w in waiters]
            answer_seconds = time.perf_counter() - started
    finally:
        release.set()
    assert page.status_code == 200
    assert page_seconds < 1.0, f"GET / took {page_seconds:.1f} s with {WAITERS} requests waiting"
    assert statuses == [202] * WAITERS
    assert answer_seconds < 5.0, (
        f"the waiters took {answer_seconds:.1f} s to answer once their runs were done"
    )


# --- cross-site requests --------------------------------------------------------------------------------

PATH_VALUES = {"run_id": "0" * 32, "list_id": "0" * 64, "position": "0"}


def _url(path: str, values: Mapping[str, str]) -> str:
    """A route's path with its parameters filled in from ``values`` ("0" for any other)."""
    return re.sub(r"{(\w+)(:\w+)?}", lambda m: values.get(m.group(1), "0"), path)


def _state_changing_routes() -> list[tuple[str, str]]:
    """(method, URL) of every state-changing route of the app, path parameters filled in."""
    app = create_app(Settings(db="sqlite://"), Store("sqlite://"))
    out = []
    for route in iter_route_contexts(app.routes):  # the routes of the included routers too
        url = _url(route.path or "", PATH_VALUES)
        out += [(method, url) for method in sorted((route.methods or set()) & STATE_CHANGING)]
    return out


ROUTES = _state_changing_routes()
OTHER_PAGES = {
    "Origin: null": {"Origin": "null"},
    "another site": {"Origin": "https://evil.example"},
    "another port": {"Origin": "http://127.0.0.1:8001"},
    "Sec-Fetch-Site: cross-site": {"Sec-Fetch-Site": "cross-site"},
}
CROSS_SITE_HINT = "call the API from a server or script, not from a page on another site"
SENDERS = {
    "Origin: null": "a page that hides its origin (Origin: null, e.g. a sandboxed frame)",
    "another site": "https://evil.example",
    "another port": "http://127.0.0.1:8001",
    "Sec-Fetch-Site: cross-site": "a page of another site (Sec-Fetch-Site: cross-site)",
}


def test_every_state_changing_route_is_enumerated() -> None:
    assert {("POST", "/api/v1/runs"), ("POST", "/runs"), ("POST", "/api/v1/screen")} <= set(ROUTES)
    assert ("POST", f"/api/v1/runs/{'0' * 32}/screen") in ROUTES


@pytest.mark.parametrize(("method", "url"), ROUTES)
@pytest.mark.parametrize("sender", sorted(OTHER_PAGES))
def test_cross_site_requests_are_refused(client: TestClient, method: str, url: str, sender: str) -> None:
    token = _token(client)
    response = client.request(method, url, data={"csrf_token": token}, headers=OTHER_PAGES[sender])
    assert response.status_code == 403, response.text
    assert error_line(response) == f"requests from {SENDERS[sender]} are refused — {CROSS_SITE_HINT}"


@pytest.mark.parametrize(("method", "url"), ROUTES)
@pytest.mark.parametrize("headers", [{}, {"Origin": BASE}, {"Origin": BASE, "Sec-Fetch-Site": "same-origin"}])
def test_same_origin_and_scripts_are_let_through(
    client: TestClient, method: str, url: str, headers: dict[str, str]
) -> None:
    token = _token(client)
    response = client.request(method, url, data={"csrf_token": token}, headers=headers)
    assert response.status_code != 403, response.text


@pytest.mark.parametrize(("body", "status"), [(b"{", 400), (b'{"mapping": 5}', 422)])
def test_origin_is_checked_before_the_request_is_read(client: TestClient, body: bytes, status: int) -> None:
    """A cross-site request that is also invalid answers 403, not 400 or 422: nothing of it is read."""
    url = f"/api/v1/runs/{'0' * 32}/screen"
    json = {"content-type": "application/json"}
    assert client.post(url, content=body, headers=json).status_code == status
    assert client.post(url, content=body, headers={**json, "Origin": "null"}).status_code == 403


# --- files readable by their owner only -------------------------------------------------------------------


@pytest.fixture()
def open_umask() -> Iterator[None]:
    """A umask that takes nothing away, so that the modes seen are the ones the code asked for."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_the_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "new" / "web.db"
    store = Store(f"sqlite:///{db}")
    store.create_run([("a.csv", CSV)], options={}, source="api")  # the WAL and its index are written
    modes = {p.name: _mode(p) for p in [db.parent, db, *db.parent.glob("web.db-*")]}
    assert modes == {"new": 0o700, "web.db": 0o600, "web.db-wal": 0o600, "web.db-shm": 0o600}


@pytest.mark.usefixtures("open_umask")
def test_compiled_lists_are_readable_by_their_owner_only(tmp_path: Path, ruleset: RuleSet) -> None:
    data = b"name,aliases,type,country,identifiers,source,reason\nKorea Songi Trading,,organization,KP,,t,r\n"
    cache = ListCache(tmp_path / "cache" / "lists")
    compile_lists([Source("l.csv", data=data)], ruleset.matching, ruleset.watchlist, cache)
    files = list((tmp_path / "cache" / "lists").iterdir())
    assert files and {_mode(p) for p in files} == {0o600}
    assert _mode(tmp_path / "cache" / "lists") == 0o700


# --- hostile path and query values: 4xx with one line, never a 500 ----------------------------------------

HOSTILE = ["9223372036854775808", "-1", "nan", "1e999", "²", "1" * 5000, "\x00", "..%2f..%2fetc", "<b>"]
FILLED = {"run_id": "{done}", "position": "0", "filename": "report.html", "list_id": "0" * 64}


@pytest.fixture(scope="module")
def done(client: TestClient) -> str:
    """The id of a screened run (so a value reaches the database, not only a 404)."""
    response = client.post("/api/v1/runs", params={"wait": 60}, files=[("files", ("a.csv", CSV, "text/csv"))])
    assert response.json()["status"] == "done", response.text
    return str(response.json()["id"])


def _parameters() -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every path and query parameter of every route."""
    app = create_app(Settings(db="sqlite://"), Store("sqlite://"))
    out = []
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None or route.path is None:
            continue
        for method in sorted(route.methods or ()):
            out += [(method, route.path, "path", p.alias) for p in dependant.path_params]
            out += [(method, route.path, "query", q.alias) for q in dependant.query_params]
    return out


@pytest.mark.parametrize(("method", "path", "where", "name"), _parameters())
def test_hostile_parameters_get_4xx_with_one_line(
    client: TestClient, done: str, method: str, path: str, where: str, name: str
) -> None:
    token = _token(client)
    for value in HOSTILE:
        filled = {k: v.format(done=done) for k, v in FILLED.items()}
        params = {}
        if where == "path":
            filled[name] = quote(value, safe="")
        else:
            params[name] = value
        response = client.request(method, _url(path, filled), params=params, data={"csrf_token": token})
        assert response.status_code < 500, (value[:20], response.text)
        if response.status_code >= 400:
            error_line(response)


# --- JSON bodies ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "line"),
    [
        ({"supplier": {"name": "Acme"}}, 200, None),
        ({"supplier": {"name": "x" * 2000}}, 413, "the JSON body is larger than the 1 KB limit"),
        (
            {"supplier": {"name": "Acme"}, "list": [[["x"]]]},
            400,
            "the JSON body nests arrays and objects more ",
        ),
        ({"supplier": {"name": "Acme"}, "list": [["x"]]}, 422, "the request is not valid: body.list: "),
    ],
)
def test_json_bodies_are_bounded_by_the_settings(
    tmp_path: Path, body: dict[str, Any], status: int, line: str | None
) -> None:
    with TestClient(_app(tmp_path, max_json_kb=1, max_json_depth=3), base_url=BASE) as client:
        response = client.post("/api/v1/screen", json=body)
    assert response.status_code == status, response.text
    if line is not None:
        assert error_line(response).startswith(line)


def test_serve_writes_for_its_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` keeps whatever the server writes — uploads, temporary files — from other users (umask 077)."""
    seen = []

    def run(app: FastAPI, **options: Any) -> None:
        umask = os.umask(0)
        os.umask(umask)
        seen.append(umask)

    monkeypatch.setattr(uvicorn, "run", run)
    before = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, ["serve", "--db", f"sqlite:///{tmp_path / 'web.db'}"])
    finally:
        os.umask(before)
    assert result.exit_code == 0, result.output
    assert seen == [0o077]
