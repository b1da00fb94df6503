"""Untrusted files parsed in a child process with limits, so that nothing in them can end the process that
serves or drives the screening.

A workbook's guards and its read (:func:`~supplyscreen.ingest.workbook.workbook_pieces`) run in one child
process per workbook. The children are forked from a small reader server, started once per process as
``python -c "…; serve(FD)"``: a clean, single-threaded interpreter that imports the readers once,
so that each child starts in milliseconds. Not ``fork`` from the caller: the web app has threads, which a
forked child must not inherit, and a child forked from a large process would inherit its memory, so that the
memory limit would mean something different each time. Not multiprocessing's own forkserver or spawn either:
both import the caller's main module again in every child, which runs a library user's unguarded script
once more. Each request forks twice: the first child waits for the second, which reads, and reports how it
ended (a signal is seen by its parent only).

The reading child limits itself before it reads a byte (``resource``): its address space to what it starts
with plus ``Limits.memory_bytes`` (a failed allocation in Rust aborts it; in Python it raises MemoryError),
its CPU time to ``Limits.cpu_seconds`` (then SIGXCPU), no core file; its output goes nowhere (Rust's abort
message and backtrace included). The caller waits ``Limits.wall_seconds`` at most, reads at most
``Limits.output_bytes`` back, and unpickles plain values only (lists, tuples, strings, numbers: no class can
be named), so that a child subverted by its input cannot run code in the caller. A child that aborts, is
killed, runs out of time or memory, or sends too much becomes one :class:`InputError` naming the file; the
caller carries on. Where there is no ``fork`` (Windows) the reader runs in the calling process.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from supplyscreen.errors import InputError
from supplyscreen.ingest.limits import BIG_HINT, Limits, size_text

Reader = Callable[[bytes, str, Limits], Iterator[Any]]

PRELOAD = ("supplyscreen.ingest.workbook", "python_calamine")
_CPU_GRACE = 5  # seconds between the soft CPU limit (SIGXCPU) and the hard one (SIGKILL)


class _PlainUnpickler(pickle.Unpickler):
    """Unpickles lists, tuples, dicts, strings, bytes and numbers; refuses anything that names a class."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not a plain value")


def _plain(raw: bytes) -> Any:
    return _PlainUnpickler(io.BytesIO(raw)).load()


def _dumps(message: tuple[Any, ...]) -> bytes:
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


# --- in the calling process --------------------------------------------------------------------------------


class _Server:
    """The reader server of this process: started on first use, again if it has gone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server now (it takes a second to import the readers), unless it runs."""
        with self._lock:
            self._connected()

    def request(self, reader: Reader, display: str, limits: Limits) -> Connection:
        """A connection to a new reading child (its first message is its process id)."""
        ours, theirs = socket.socketpair()
        with ours, theirs, self._lock:
            for attempt in (1, 2):
                try:
                    socket.send_fds(self._connected(), [_dumps((reader, display, limits))], [theirs.fileno()])
                    break
                except OSError:
                    self._socket = None  # the server has gone: start another, once
                    if attempt == 2:
                        raise
            return Connection(ours.detach())

    def _connected(self) -> socket.socket:
        if self._socket is None or (self._process is not None and self._process.poll() is not None):
            mine, its = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            with its:
                self._process = subprocess.Popen(
                    [sys.executable, "-c", f"from {__name__} import serve; serve({its.fileno()})"],
                    pass_fds=[its.fileno()],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            self._socket = mine
        return self._socket


_SERVER = _Server()


def start_reader() -> None:
    """Start this process's reader server now, so that it is ready by the time a workbook is read (call it
    before other slow work: the rules and lists loading). Does nothing where there is no ``fork``."""
    if hasattr(os, "fork"):
        _SERVER.start()


def read_in_child(reader: Reader, data: bytes, display: str, limits: Limits) -> Iterator[Any]:
    """Run ``reader(data, display, limits)`` — a module-level generator function — in a child process with
    ``limits``, and yield what it yields (plain values) as it comes. Its InputError is raised here as it was;
    any way the child fails — a signal, a limit, a timeout, too much output — is an InputError naming
    ``display``."""
    if not hasattr(os, "fork"):
        yield from reader(data, display, limits)
        return
    conn = _SERVER.request(reader, display, limits)
    pid = 0
    try:
        for message in _receive(conn, data, display, limits):
            if message[0] == "pid":
                pid = message[1]
            else:
                yield message[1]
        pid = 0  # it has ended
    finally:
        conn.close()
        if pid:  # abandoned: a timeout, too much output, or the caller stopped
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _receive(conn: Connection, data: bytes, display: str, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """The child's messages until it is done; how it failed as an InputError."""
    deadline = time.monotonic() + limits.wall_seconds
    budget = limits.output_bytes
    try:
        conn.send_bytes(data)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not conn.poll(left):
                raise InputError(
                    f"{display}: refused: reading it took longer than {limits.wall_seconds:,.0f} s",
                    hint=BIG_HINT,
                )
            raw = conn.recv_bytes(budget + 1)
            if len(raw) > budget:
                raise OSError("too much output")
            budget -= len(raw)
            message = _plain(raw)
            if message[0] in ("pid", "item"):
                yield message
            elif message[0] == "done":
                return
            elif message[0] == "error":
                raise InputError(message[1], hint=message[2])
            else:
                raise _failed(display, message, limits)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        raise _failed(display, ("stopped", "its process ended"), limits) from None
    except OSError as exc:  # recv_bytes: a message longer than what is left of the budget
        raise InputError(
            f"{display}: refused: reading it gave more than {size_text(limits.output_bytes)} of cells",
            hint=BIG_HINT,
        ) from exc
    except pickle.UnpicklingError as exc:
        raise _failed(display, ("stopped", "garbled output"), limits) from exc


def _failed(display: str, message: tuple[Any, ...], limits: Limits) -> InputError:
    """The one-line error for a child that ended without an answer: ``("memory",)``, ``("exit", code)``,
    ``("stopped", how)``."""
    how = message[0]
    if how == "exit":
        code = message[1]
        if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):
            how = "memory"  # a failed allocation aborts Rust code; under RLIMIT_AS, so may a segfault
        elif code == -signal.SIGXCPU:
            how = "cpu"
        else:
            message = ("stopped", signal.Signals(-code).name if code < 0 else f"exit code {code}")
    if how == "memory":
        return InputError(
            f"{display}: refused: reading it needed more than the {size_text(limits.memory_bytes)} of memory "
            "allowed (a workbook bomb, or a workbook too big to read at once)",
            hint=BIG_HINT,
        )
    if how == "cpu":
        return InputError(
            f"{display}: refused: reading it took more than {limits.cpu_seconds:,} s of processor time "
            "(a workbook bomb, or a workbook too big to read at once)",
            hint=BIG_HINT,
        )
    return InputError(
        f"{display}: cannot read the workbook: the reader stopped ({message[1]})",
        hint="open it in Excel and save it again as .xlsx, or export the sheet as CSV",
    )


# --- the reader server and its children --------------------------------------------------------------------


def serve(fd: int) -> None:
    """The reader server: for each request on socket ``fd`` (a reader, a name, limits and the connection
    to answer on), fork a child that forks the reading child, waits for it and reports how it ended. Ends
    when the calling process closes its side."""
    for module in PRELOAD:
        __import__(module)
    gc.freeze()  # what the children inherit stays out of their collections (and shared, not copied)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's: it abandons its reads
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the first children are reaped by the system
    with socket.socket(fileno=fd) as server:
        while True:
            try:
                payload, fds, _, _ = socket.recv_fds(server, 1 << 16, 1)
            except OSError:
                return
            if not payload:
                return
            if fds and os.fork() == 0:
                server.close()
                _watch(fds[0], payload)
            for received in fds:
                os.close(received)


def _watch(fd: int, payload: bytes) -> None:
    """The first child: fork the reading child, wait for it and send how it ended; never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        conn = Connection(fd)
        reader, display, limits = pickle.loads(payload)  # from the calling process: trusted
        pid = os.fork()
        if pid == 0:
            _read(conn, reader, display, limits)
        _, status = os.waitpid(pid, 0)
        conn.send_bytes(_dumps(("exit", os.waitstatus_to_exitcode(status))))
    finally:  # whatever happened, the caller hears that the reader stopped when this process ends
        os._exit(0)


def _read(conn: Connection, reader: Reader, display: str, limits: Limits) -> None:
    """The reading child: limit itself, read the data, send back its id, each piece, then ``done``; never
    returns."""
    gc.disable()  # a short life that makes no cycles: rows are not looked at again
    try:
        _confine(limits)
        conn.send_bytes(_dumps(("pid", os.getpid())))
        data = conn.recv_bytes()
        for item in reader(data, display, limits):
            conn.send_bytes(_dumps(("item", item)))
        conn.send_bytes(_dumps(("done",)))
    except InputError as exc:
        conn.send_bytes(_dumps(("error", exc.message, exc.hint)))
    except MemoryError:
        conn.send_bytes(_dumps(("memory",)))
    except (OSError, EOFError):
        pass  # the caller has gone or given up
    except BaseException as exc:  # an unforeseen failure of a reader: one line, as any other
        conn.send_bytes(_dumps(("stopped", f"{type(exc).__name__}: {' '.join(str(exc).split())[:160]}")))
    finally:
        os._exit(0)


def _confine(limits: Limits) -> None:
    """Limit this process's address space, CPU time and core files; send its output nowhere."""
    import resource

    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + _CPU_GRACE))
    start = _address_space()
    if start is not None:
        resource.setrlimit(resource.RLIMIT_AS, (start + limits.memory_bytes, start + limits.memory_bytes))


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
