"""Untrusted workbooks are read in a child process with limits (supplyscreen.ingest.sandbox): however the child
ends — an abort, a signal, a limit, a timeout, too much output — the caller gets one InputError naming the file
and carries on, in the library, the CLI and the web app. And the bounds on CSV lines (LineBound)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.cli import cli
from supplyscreen.errors import InputError
from supplyscreen.ingest.limits import Limits, LineBound
from supplyscreen.ingest.read import read_input
from supplyscreen.ingest.sandbox import read_in_child
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

from .bad_inputs import generate
from .conftest import ROOT, SAMPLES

DEFAULTS = Limits.from_env({})
BIG_HINT = "split it into smaller workbooks or export each sheet as CSV"

# Readers for the child (module-level: the reader server imports them by name).


def echo(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    yield ["read", display, len(data)]


def aborts(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    os.abort()  # as Rust does when an allocation fails
    yield None


def killed(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    os.kill(os.getpid(), signal.SIGKILL)
    yield None


def allocates(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    yield bytearray(1 << 34)  # 17 GB: over the address space the child may take


def spins(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    while True:
        pass
    yield None


def sleeps(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    time.sleep(60)
    yield None


def floods(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    yield os.getpid()
    while True:
        yield "x" * 100_000


def refuses(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    raise InputError(f"{display}: refused: not today", hint="try tomorrow")
    yield None


def fails(data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    raise ZeroDivisionError("division by zero")
    yield None


SMALL = dataclasses.replace(DEFAULTS, memory_bytes=64_000_000)
QUICK = dataclasses.replace(DEFAULTS, cpu_seconds=1)
CASES = [
    (aborts, DEFAULTS, f"x.xlsx: refused: reading it needed more than the 4.0 GB of memory allowed (a workbook "
     f"bomb, or a workbook too big to read at once) — {BIG_HINT}"),
    (allocates, SMALL, f"x.xlsx: refused: reading it needed more than the 64 MB of memory allowed (a workbook "
     f"bomb, or a workbook too big to read at once) — {BIG_HINT}"),
    (killed, DEFAULTS, "x.xlsx: cannot read the workbook: the reader stopped (SIGKILL) — open it in Excel and save "
     "it again as .xlsx, or export the sheet as CSV"),
    (sleeps, QUICK, f"x.xlsx: refused: reading it took longer than 3 s — {BIG_HINT}"),
    (floods, dataclasses.replace(DEFAULTS, expanded_bytes=1_000_000, cells=1000),
     f"x.xlsx: refused: reading it gave more than 1 MB of cells — {BIG_HINT}"),
    (refuses, DEFAULTS, "x.xlsx: refused: not today — try tomorrow"),
    (fails, DEFAULTS, "x.xlsx: cannot read the workbook: the reader stopped (ZeroDivisionError: division by zero) "
     "— open it in Excel and save it again as .xlsx, or export the sheet as CSV"),
]  # fmt: skip


@pytest.mark.parametrize(("reader", "limits", "line"), CASES, ids=[c[0].__name__ for c in CASES])
def test_however_the_child_ends_the_caller_gets_one_line_and_carries_on(
    reader: Any, limits: Limits, line: str
) -> None:
    with pytest.raises(InputError) as info:
        list(read_in_child(reader, b"data", "x.xlsx", limits))
    assert str(info.value) == line
    assert list(read_in_child(echo, b"data", "y.xlsx", DEFAULTS)) == [["read", "y.xlsx", 4]]


def test_processor_time_is_limited() -> None:
    """A child that spins is stopped by its CPU limit (SIGXCPU) or, on a machine too busy to give it that
    second within three, by the wall clock: either way one line, in seconds."""
    started = time.monotonic()
    with pytest.raises(
        InputError,
        match=r"^x\.xlsx: refused: reading it took (more than 1 s of processor time|longer than 3 s)",
    ):
        list(read_in_child(spins, b"", "x.xlsx", QUICK))
    assert time.monotonic() - started < 30


def test_an_abandoned_read_ends_its_child() -> None:
    """A caller that stops reading (Ctrl-C, an error of its own) does not leave the child running."""
    pieces = read_in_child(floods, b"", "x.xlsx", DEFAULTS)
    pid = next(pieces)
    pieces.close()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, ended but not yet reaped, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


# --- the same through read_input, the CLI and the web app --------------------------------------------------


@pytest.fixture()
def greedy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An 800-byte ODS of 5 million cells (under the cell limit) read with 64 MB for the reader."""
    monkeypatch.setenv("SUPPLYSCREEN_READ_MEMORY_MB", "64")
    path = tmp_path / "greedy.ods"
    path.write_bytes(generate.ods_rows_needing(5_000_000))
    return path


GREEDY = (
    "refused: reading it needed more than the 64 MB of memory allowed (a workbook bomb, or a workbook too big to "
    f"read at once) — {BIG_HINT}"
)


def test_a_reader_out_of_memory_is_one_line_in_the_cli_which_carries_on(greedy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["screen", str(greedy), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {greedy}: {GREEDY}\n"
    assert "Traceback" not in result.output
    with pytest.raises(InputError, match="64 MB of memory"):
        read_input(greedy)
    assert read_input(SAMPLES / "vendors.xlsx").rows == 74  # the same process goes on reading


def test_the_web_app_reports_a_refused_workbook_and_keeps_serving(greedy: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    bomb = (ROOT / "tests/bad_inputs/corpus/sparse_bomb_ws.xlsx").read_bytes()
    with TestClient(create_app(Settings(db=url), Store(url)), base_url="http://127.0.0.1") as client:
        for name, data, message in [
            ("greedy.ods", greedy.read_bytes(), f"greedy.ods: {GREEDY}"),
            ("bomb.xlsx", bomb, "bomb.xlsx: refused: 'xl/ws/sheet1.xml' has a value in cell XFD1048576, so its "
             "used range is 17,179,869,184 cells (limit 10,000,000)"),
        ]:  # fmt: skip
            run = client.post(
                "/api/v1/runs", params={"wait": 60}, files=[("files", (name, data, "x"))]
            ).json()
            assert run["status"] == "failed"
            assert run["error"]["message"] == message.split(" — ")[0]
            assert client.get("/").status_code == 200
        vendors = (SAMPLES / "vendors.xlsx").read_bytes()
        done = client.post("/api/v1/runs", params={"wait": 60}, files=[("files", ("v.xlsx", vendors, "x"))])
        assert done.json()["status"] == "done"


def test_a_script_without_a_main_guard_reads_a_workbook_once(tmp_path: Path) -> None:
    """The children do not import the caller's main module again (multiprocessing's spawn and forkserver
    would: an unguarded script would run once more in each)."""
    script = tmp_path / "script.py"
    script.write_text(
        "from supplyscreen.ingest.read import read_input\n"
        f"print('rows', read_input({str(SAMPLES / 'vendors.xlsx')!r}).rows)\n",
        encoding="utf-8",
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.stdout == "rows 74\n", done.stderr


# --- limits and lines ----------------------------------------------------------------------------------------


def test_limits_are_settings_each_read_alone() -> None:
    limits = Limits.from_env({"SUPPLYSCREEN_MAX_LINE_MB": "2", "SUPPLYSCREEN_PORT": "not a port"})
    assert (limits.line_bytes, limits.cells, limits.wall_seconds) == (2_000_000, 10_000_000, 900)
    with pytest.raises(InputError, match=r"^SUPPLYSCREEN_MAX_CELLS must be positive"):
        Limits.from_env({"SUPPLYSCREEN_MAX_CELLS": "0"})
    with pytest.raises(InputError, match=r"^SUPPLYSCREEN_READ_MEMORY_MB='lots' is not a valid float"):
        Limits.from_env({"SUPPLYSCREEN_READ_MEMORY_MB": "lots"})


LINES = [  # text, block size, limit -> line refused (None: none)
    (b"ab\ncd\nef\n", 3, 3, None),
    (b"ab\ncdef\ngh", 4, 3, 2),
    (b"abcd", 1, 3, 1),
    (b"abc", 1, 3, None),
    (b"ab\r\ncd\r\n", 2, 3, None),  # a line ends at CR or LF
    (b"ab\rcd\rlonger\r", 100, 5, 3),  # classic Mac line ends
    (b"a\n" * 1000 + b"b" * 11, 7, 10, 1001),
    (b"a\n" * 1000 + b"b" * 10, 7, 10, None),
]


@pytest.mark.parametrize(("text", "block", "limit", "refused"), LINES)
def test_line_bound(text: bytes, block: int, limit: int, refused: int | None) -> None:
    bound = LineBound("x.csv", dataclasses.replace(DEFAULTS, line_bytes=limit))
    blocks = [text[i : i + block] for i in range(0, len(text), block)]
    if refused is None:
        for chunk in blocks:
            bound.feed(chunk)
        return
    with pytest.raises(InputError, match=rf"^x\.csv: refused: line {refused:,} is longer than"):
        for chunk in blocks:
            bound.feed(chunk)
