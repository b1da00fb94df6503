"""Leftovers of stopped processes: whose ``.part`` files are stale, which owners are alive, old upload folders."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supplyscreen.leftovers import (
    LEGACY_STALE_SECONDS,
    Owner,
    host_tag,
    part_prefix,
    pid_alive,
    remove_legacy_run_dirs,
    remove_stale_parts,
)


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


HERE = host_tag(socket.gethostname())
OTHER = host_tag("another-host.example")
HOUR = 3600.0

# (.part file name, seconds since it was last written, removed?)
PARTS = [
    (f".report.html.{HERE}-{os.getpid()}.a1b2c3d4.part", 0, False),  # this process writes it
    (f".report.html.{HERE}-{{dead}}.a1b2c3d4.part", 0, True),  # its writer is gone
    (f".results.json.{OTHER}-{{dead}}.x_y_z123.part", 10 * HOUR, False),  # another host: cannot tell
    (".results.csv.k2j3h4g5.part", 0, False),  # an old version's, being written
    (".results.csv.k2j3h4g5.part", LEGACY_STALE_SECONDS + 60, True),  # an old version's, long untouched
    (f".report.html.{HERE}-{os.getpid()}.q1w2e3r4.part", 10 * 24 * HOUR, True),  # older than this process
]


@pytest.mark.parametrize(("name", "age", "removed"), PARTS)
def test_stale_parts_are_those_whose_writer_is_gone(
    tmp_path: Path, name: str, age: float, removed: bool
) -> None:
    part = tmp_path / name.format(dead=_dead_pid())
    part.write_bytes(b"half a report")
    os.utime(part, (time.time() - age, time.time() - age))
    keep = tmp_path / "report.html"
    keep.write_bytes(b"a finished report")
    assert remove_stale_parts(tmp_path) == ([part] if removed else [])
    assert part.exists() is not removed and keep.exists()


def test_part_names_carry_their_writer(tmp_path: Path) -> None:
    assert part_prefix(tmp_path / "report.html") == f".report.html.{HERE}-{os.getpid()}."


def test_owners_alive_dead_reused_and_elsewhere() -> None:
    me = Owner.current()
    assert me.alive() is True and pid_alive(me.pid, since=me.started)
    assert Owner(me.host, _dead_pid(), None).alive() is False
    if me.started is not None:  # the pid given again to a later process
        assert Owner(me.host, me.pid, me.started - 3600).alive() is False
    assert Owner("another-host.example", me.pid, me.started).alive() is None


def test_old_upload_folders_are_removed_once_stale(tmp_path: Path) -> None:
    old, fresh, other = (tmp_path / n for n in ("supplyscreen-run-old", "supplyscreen-run-new", "other-old"))
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "vendors.xlsx").write_bytes(b"PK")
    for folder in (old, other):
        os.utime(folder, (time.time() - 2 * HOUR, time.time() - 2 * HOUR))
    assert remove_legacy_run_dirs(tmp_path) == [old]
    assert not old.exists() and fresh.exists() and other.exists()


LOST_SIGTERM = """
import os, signal, time
from supplyscreen.leftovers import Terminated, raise_if_terminated, raise_on_sigterm

class Finalised:
    def __del__(self):  # Python ignores an exception raised here: the SIGTERM's would be lost
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)

raise_on_sigterm()
item = Finalised()
del item
print("went on")
try:
    raise_if_terminated()
except Terminated as exc:
    print("stopped by", exc.signum)
"""


def test_a_sigterm_lost_in_a_finaliser_stops_the_process_at_the_next_check() -> None:
    done = subprocess.run([sys.executable, "-c", LOST_SIGTERM], capture_output=True, text=True, timeout=60)
    assert done.stdout == "went on\nstopped by 15\n" and done.stderr == ""
