"""What a process leaves behind when it stops, and how the next one tells stale leftovers from live work.

A process that screens is an :class:`Owner` — its host, pid and start time. The store records the owner of
every queued or running run, and a report being written is a hidden ``.part`` file whose name carries its
writer (``.report.html.<host>-<pid>.<random>.part``). Whatever dies without cleaning up (SIGKILL, a power
cut) is then recognised by the next process: an owner on this host whose pid is gone, or whose pid now
belongs to a process started later, is dead, and its runs are interrupted and its ``.part`` files removed.
Owners on other hosts (a database or an output directory shared over the network) cannot be checked and
are left alone.

SIGTERM is turned into :class:`Terminated` (:func:`raise_on_sigterm`), so ``finally`` blocks and context
managers run and remove the ``.part`` files, and the run is recorded as interrupted, as for Ctrl-C. Worker
processes end with the process that started them (:func:`die_with_parent`), killed or not.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import FrameType

# Leftovers that carry no owner (written by versions before owners were recorded) are removed once they
# have not been touched for this long: no live writer leaves a file untouched so long.
LEGACY_STALE_SECONDS = 3600
LEGACY_RUN_DIRS = "supplyscreen-run-"  # uploads were copied to tempdir/supplyscreen-run-*/ by old versions
_received: list[int] = []  # the SIGTERM this process was sent (see raise_if_terminated)
_PART = re.compile(r"^\.(?P<name>.+?)\.(?:(?P<host>[0-9a-f]{8})-(?P<pid>\d+)\.)?[^.]+\.part$")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it stops as for Ctrl-C: cleaning up on the way out."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(f"terminated by signal {signum}")
        self.signum = signum


@dataclass(frozen=True)
class Owner:
    """A process, as the store and the ``.part`` names record it."""

    host: str
    pid: int
    started: float | None  # process start time (epoch seconds); None where the system does not say

    @classmethod
    def current(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), process_started(os.getpid()))

    @property
    def tag(self) -> str:
        """``<host hash>-<pid>``: the writer's part of a ``.part`` name."""
        return f"{host_tag(self.host)}-{self.pid}"

    def alive(self) -> bool | None:
        """Whether the process still runs: None when it is on another host (it cannot be checked)."""
        if self.host != socket.gethostname():
            return None
        return pid_alive(self.pid, since=self.started)


@cache
def host_tag(host: str) -> str:
    return hashlib.sha256(host.encode("utf-8")).hexdigest()[:8]


def process_started(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds, to the clock tick), from ``/proc``; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime, counted after the name
        return _boot_time() + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@cache
def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise ValueError("no btime in /proc/stat")


def pid_alive(pid: int, since: float | None = None) -> bool:
    """Whether ``pid`` is a live process — and, given ``since`` (its recorded start time), the same one and
    not a later process that was given the pid again."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    except OSError:
        return False
    if since is None:
        return True
    started = process_started(pid)
    return started is None or abs(started - since) < 2


def raise_on_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated` in this process (the main thread). A child forked
    later inherits the handler but not the duty: there it ends the child at once, as the default would."""
    me = os.getpid()

    def handler(signum: int, _frame: FrameType | None) -> None:
        if os.getpid() != me:
            os._exit(128 + signum)
        _received.append(signum)
        raise Terminated(signum)

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if not isinstance(info.exc_value, Terminated):  # a lost one is raised again: no traceback for it
            sys.__unraisablehook__(info)

    signal.signal(signal.SIGTERM, handler)
    sys.unraisablehook = unraisable


def raise_if_terminated() -> None:
    """Raise :class:`Terminated` again where the caller can stop if SIGTERM came and its exception was lost:
    Python ignores exceptions raised in some callbacks (those run around a fork, finalizers), so a signal that
    arrives while a worker pool forks would otherwise be forgotten. Cheap: call it once per chunk."""
    if _received:
        raise Terminated(_received[-1])


def die_with_parent(parent: int | None = None) -> None:
    """In a worker process: end when its parent ends, even by SIGKILL (Linux ``PR_SET_PDEATHSIG``), rather
    than wait forever for work that will not come; ``parent`` is the pid it was started by, if known (a
    forked worker's), so that a parent already gone is noticed. Elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid() if parent is None else parent
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def part_prefix(path: Path) -> str:
    """The prefix of ``path``'s hidden ``.part`` files written by this process (``mkstemp`` adds the rest)."""
    return f".{path.name}.{Owner.current().tag}."


def stale_parts(directory: Path, now: float | None = None) -> list[Path]:
    """The ``.part`` files in ``directory`` whose writer is gone: a pid on this host no longer alive (or
    alive but started after the file was last written: the pid was given again), or, for files that name
    no writer, untouched for ``LEGACY_STALE_SECONDS``."""
    now = time.time() if now is None else now
    here = host_tag(socket.gethostname())
    stale = []
    try:
        candidates = list(directory.glob(".*.part"))
    except OSError:
        return []
    for path in candidates:
        found = _PART.match(path.name)
        mtime = _mtime(path)
        if found is None or mtime is None:
            continue
        if found["pid"] is None:
            if now - mtime > LEGACY_STALE_SECONDS:
                stale.append(path)
        elif found["host"] == here and not _wrote(int(found["pid"]), mtime):
            stale.append(path)
    return stale


def _wrote(pid: int, mtime: float) -> bool:
    """Whether live process ``pid`` can be the writer of a file last written at ``mtime``."""
    if not pid_alive(pid):
        return False
    started = process_started(pid)
    return started is None or started <= mtime + 2


def remove_stale_parts(directory: Path) -> list[Path]:
    """Remove the stale ``.part`` files of ``directory`` (see :func:`stale_parts`); those removed."""
    removed = []
    for path in stale_parts(directory):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            continue
        removed.append(path)
    return removed


def remove_legacy_run_dirs(temp: Path | None = None, now: float | None = None) -> list[Path]:
    """Remove the upload folders that versions before uploads were read from memory left in the temporary
    directory (``supplyscreen-run-*``) when they were killed, once untouched for ``LEGACY_STALE_SECONDS``."""
    temp = Path(tempfile.gettempdir()) if temp is None else temp
    now = time.time() if now is None else now
    removed = []
    for path in temp.glob(f"{LEGACY_RUN_DIRS}*"):
        mtime = _mtime(path)
        if (
            path.is_dir()
            and not path.is_symlink()
            and mtime is not None
            and now - mtime > LEGACY_STALE_SECONDS
        ):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _mtime(path: Path) -> float | None:
    try:
        return path.lstat().st_mtime
    except OSError:
        return None
