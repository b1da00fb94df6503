"""Browser tests: the real app under uvicorn on loopback, driven by Debian's Chromium through Playwright.

`make test` installs Chromium (and CJK fonts) with apt when they are missing. Outside CI the tests are
skipped, with the reason, when Chromium or Playwright is not there; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SUPPLYSCREEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 30.0


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server answers any HTTP status (401 too: a server that needs an account is up)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(base + "/api/v1/runs", timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)


@contextmanager
def serving(db_url: str, log: Path, host: str = "127.0.0.1") -> Iterator[str]:
    """`supplyscreen serve --host HOST` on a free port with the database ``db_url``; yields its loopback URL."""
    port = _free_port()
    cmd = [sys.executable, "-m", "supplyscreen.cli", "serve", "--host", host, "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen([*cmd, "--db", db_url], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`supplyscreen serve` on 127.0.0.1 and a free port, with its own SQLite database."""
    db = tmp_path_factory.mktemp("db") / "web.db"
    log = tmp_path_factory.mktemp("log") / "server.log"
    with serving(f"sqlite:///{db}", log) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        _missing(
            f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk (make test does this as root)"
        )
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=30_000
        )
        try:
            yield chromium
        finally:
            chromium.close()
