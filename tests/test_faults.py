"""Fault injection: the web server and the CLI killed mid-run, with SIGTERM and with SIGKILL, as real processes
on one SQLite database. Afterwards nothing is left behind (``.part`` files, old upload folders: at once on
SIGTERM, at the next start on SIGKILL), the killed runs are ``interrupted`` and can be screened again at once,
and a run finished before the kills still has every row."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from supplyscreen.store import Store

SUPPLIERS = (
    "Hunchun Haifeng Aquatic Products",
    "Acme Fishing",
    "Dandong Textile",
    "Beta Tuna",
    "Gamma Foods",
)
BIG_ROWS = 20_000  # a few seconds of screening: long enough to be killed mid-run
SMALL = b"Supplier,Country,Notes\nAcme Fishing,Chile,\nSinuiju Garment Factory,DPRK,\nBeta Tuna,China,North Korean workers\n"


def _big_csv(path: Path) -> Path:
    lines = ["Supplier,Country,Address,Notes"]
    lines += [
        f"{SUPPLIERS[i % len(SUPPLIERS)]} {i},China,No. {i} Border Road Dandong,workers from agency {i % 13}"
        for i in range(BIG_ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait(check: Callable[[], object], what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Env:
    """The processes of one test: the same database, cache and temporary directory."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = f"sqlite:///{tmp / 'runs.db'}"
        (tmp / "temp").mkdir()
        self.environ = {
            **os.environ,
            "TMPDIR": str(tmp / "temp"),
            "SUPPLYSCREEN_CACHE_DIR": str(tmp / "cache"),
        }
        self.big = _big_csv(tmp / "big.csv")
        self.small = tmp / "small.csv"
        self.small.write_bytes(SMALL)
        self.store = Store(self.db)  # opened once: reading a run interrupts it if its process is gone
        self.processes: list[subprocess.Popen[bytes]] = []

    def cli(self, *args: str) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "supplyscreen.cli", *args]
        process = subprocess.Popen(command, env=self.environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.processes.append(process)
        return process

    def close(self) -> None:
        """Kill whatever a failed test left running, and close the store."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        self.store.close()

    def serve(self) -> tuple[subprocess.Popen[bytes], httpx.Client]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = self.cli("serve", "--port", str(port), "--db", self.db)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)

        def up() -> bool:
            assert server.poll() is None, server.communicate()
            try:
                return client.get("/api/v1/runs").status_code == 200
            except httpx.TransportError:
                return False

        _wait(up, "the server to start")
        return server, client

    def status(self, run_id: str) -> str:
        run = self.store.get_run(run_id)
        assert run is not None
        return run.status

    def running(self, source: str) -> str | None:
        """The id of the run of ``source`` being screened (with rows done, for the web app), if any."""
        for run in self.store.list_runs(10):
            if run.source == source and run.status == "running" and (source == "cli" or run.progress_done):
                return run.id
        return None

    def upload_big(self, client: httpx.Client) -> str:
        answer = client.post(
            "/api/v1/runs", files=[("files", ("big.csv", self.big.read_bytes(), "text/csv"))]
        )
        assert answer.status_code == 202, answer.text
        run_id = str(answer.json()["id"])
        _wait(lambda: self.running("api") == run_id, "the upload to be screened")
        return run_id


def _parts(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob(".*.part")) if directory.exists() else []


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (its worker processes), from /proc where it says."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped


def _stop(process: subprocess.Popen[bytes], signum: int) -> int:
    process.send_signal(signum)
    return process.wait(timeout=30)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    made = Env(tmp_path)
    try:
        yield made
    finally:
        made.close()


def test_killed_server_and_cli_leave_nothing_behind_and_lose_no_finished_row(env: Env) -> None:
    # the CLI killed mid-run: streamed reports (their .part files) and a run recorded with --db
    streamed_term = env.cli("screen", str(env.big), "--format", "json,csv", "--out", str(env.tmp / "o1"))
    streamed_kill = env.cli("screen", str(env.big), "--format", "json,csv", "--out", str(env.tmp / "o2"))
    for out in ("o1", "o2"):
        _wait(lambda out=out: _parts(env.tmp / out), f"{out} to be written")
    assert _stop(streamed_term, signal.SIGTERM) == 128 + signal.SIGTERM
    assert b"terminated; no report was left half-written" in streamed_term.communicate()[1]
    assert _parts(env.tmp / "o1") == [] and not any((env.tmp / "o1").iterdir())
    workers = _children(streamed_kill.pid)  # screening in worker processes: they end with it
    _stop(streamed_kill, signal.SIGKILL)
    assert _parts(env.tmp / "o2")  # left by SIGKILL: removed when the next run writes there
    _wait(lambda: all(_gone(w) for w in workers), "the killed command's worker processes to end", 10)

    server, client = env.serve()
    finished = client.post(
        "/api/v1/runs", params={"wait": 60}, files=[("files", ("small.csv", SMALL, "text/csv"))]
    ).json()
    assert finished["status"] == "done" and finished["summary"]["rows"] == 3
    finished_json = client.get(f"/api/v1/runs/{finished['id']}/results").content

    # the server stopped with SIGTERM mid-run: its run is interrupted at once
    first = env.upload_big(client)
    _stop(server, signal.SIGTERM)
    assert env.status(first) == "interrupted"

    # the server killed with SIGKILL mid-run: the next process to open the store interrupts its run;
    # an old version's upload folder is removed at the next start
    server, client = env.serve()
    second = env.upload_big(client)
    legacy = env.tmp / "temp" / "supplyscreen-run-abc123"
    legacy.mkdir()
    (legacy / "vendors.xlsx").write_bytes(b"PK")
    os.utime(legacy, (time.time() - 7200, time.time() - 7200))
    _stop(server, signal.SIGKILL)
    server, client = env.serve()
    assert env.status(second) == "interrupted" and not legacy.exists()

    # screen --db killed with SIGTERM (it records the interruption) and with SIGKILL (the live server
    # finds its process gone when the run is read)
    killed = [first, second]
    for signum in (signal.SIGTERM, signal.SIGKILL):
        assert env.running("cli") is None
        process = env.cli("screen", str(env.big), "--db", env.db, "--out", str(env.tmp / f"db{signum}"))
        _wait(lambda p=process: env.running("cli") or p.poll() is not None, "screen --db to start")
        assert process.poll() is None, process.communicate()
        killed.append(str(env.running("cli")))
        _stop(process, signum)
        assert client.get(f"/api/v1/runs/{killed[-1]}").json()["status"] == "interrupted"
        assert _parts(env.tmp / f"db{signum}") == []

    # the next run writing to o2 removes what the killed one left there
    after = env.cli("screen", str(env.small), "--format", "json", "--out", str(env.tmp / "o2"))
    assert after.wait(timeout=60) == 0, after.communicate()
    assert _parts(env.tmp / "o2") == [] and (env.tmp / "o2" / "results.json").exists()

    # every interrupted run can be screened again at once; the finished run has all its rows
    for run_id in killed:
        again = client.post(f"/api/v1/runs/{run_id}/screen", json={})
        assert again.status_code == 202, again.text
    assert client.get(f"/api/v1/runs/{finished['id']}/results").content == finished_json
    assert len(client.get(f"/api/v1/runs/{finished['id']}/suppliers").json()) == 3
    _stop(server, signal.SIGTERM)
    assert not any((env.tmp / "temp").iterdir())
