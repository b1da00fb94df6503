"""Where the rows are screened: one small interface over chunks, three backends behind it.

A :class:`Job` is one sheet with the compiled rules and lists; a backend's :meth:`~Backend.run` yields the
sheet's screened :class:`Chunk` s in order. :class:`InProcess` screens them in the calling process,
:class:`LocalProcesses` in forked worker processes (large sheets only), :class:`DaskCluster` on a Dask
cluster. Every backend screens a chunk with the same :func:`screen_chunk`, so their results are the same.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from supplyscreen.errors import ConfigError
from supplyscreen.ingest.sheet import Sheet
from supplyscreen.leftovers import die_with_parent
from supplyscreen.match.lists import ListMatcher
from supplyscreen.match.rows import Matcher
from supplyscreen.normalize.text import load_tables
from supplyscreen.rules import RuleSet
from supplyscreen.score import CLEAR, TIERS, TRACKS, Verdict, score_rows

CHUNK_ROWS = 5000  # rows screened together (and between progress reports)
PARALLEL_MIN_ROWS = 20_000  # smaller sheets are screened in the calling process
DASK_CONNECT_TIMEOUT = "10s"
# Writes a chunk of screened rows in one report format: (sheet, row numbers, fields, verdicts) -> bytes.
# Run where the chunk was screened (in a worker process for large sheets), so it must be a module function.
Encoder = Callable[[Sheet, Sequence[int], Sequence[dict[str, str]], Sequence[Verdict]], bytes]


@dataclass
class Tally:
    """Counts over screened rows (kept when the rows themselves are not)."""

    rows: int = 0
    by_tier: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))
    presumption: int = 0
    by_track: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRACKS, 0))

    def add(self, verdicts: Sequence[Verdict]) -> None:
        self.rows += len(verdicts)
        for v in verdicts:
            self.by_tier[v.tier] += 1
            self.presumption += v.presumption
            self.by_track[v.track] += 1

    def merge(self, other: Tally) -> None:
        self.rows += other.rows
        self.presumption += other.presumption
        for tier, count in other.by_tier.items():
            self.by_tier[tier] += count
        for track, count in other.by_track.items():
            self.by_track[track] += count


@dataclass(frozen=True)
class Chunk:
    """Screened rows ``start .. start + size`` of a sheet: their verdicts when they are kept (clear rows as
    ``CLEAR``), each encoder's output and the counts."""

    sheet: Sheet
    start: int
    size: int
    flagged: list[tuple[int, Verdict]]  # (index in the sheet, verdict) of the rows that are not clear
    encoded: dict[str, bytes]
    tally: Tally


@dataclass(frozen=True)
class Job:
    """One sheet to screen with the compiled rules and lists; ``encoders`` write each chunk's reports where
    it is screened, and with ``keep`` the verdicts of its flagged rows come back."""

    sheet: Sheet
    matcher: Matcher
    rules: RuleSet
    lists: ListMatcher | None
    encoders: Mapping[str, Encoder]
    keep: bool


def screen_chunk(
    job: Job, start: int, numbers: Sequence[int] | None, rows: Sequence[Sequence[str]] | None
) -> Chunk:
    """Screen one chunk: watchlists column-wise, then rules row by row; encode it; count it. ``rows`` None
    means the sheet's own rows from ``start`` (a forked worker has them already)."""
    sheet = job.sheet
    if rows is None or numbers is None:
        rows = sheet.rows[start : start + CHUNK_ROWS]
        numbers = sheet.row_numbers[start : start + CHUNK_ROWS]
    read = sheet.field_reader()
    fields = [read(row) for row in rows]
    listed = job.lists.match_rows(fields) if job.lists is not None else {}
    enforced = job.matcher.enforcement.match_rows(fields) if job.matcher.enforcement is not None else {}
    raw = [job.matcher.match_row(row_fields) for row_fields in fields]
    for found in (listed, enforced):
        for k, hits in found.items():
            raw[k] = [*raw[k], *hits]
    verdicts = score_rows(raw, job.rules)
    tally = Tally()
    tally.add(verdicts)
    return Chunk(
        sheet,
        start,
        len(rows),
        [(start + k, v) for k, v in enumerate(verdicts) if v is not CLEAR] if job.keep else [],
        {fmt: encode(sheet, numbers, fields, verdicts) for fmt, encode in job.encoders.items()},
        tally,
    )


class Backend(Protocol):
    """Screens a job's chunks, in order, a bounded number in flight (a streamed CSV is never read further
    ahead than that)."""

    def run(self, job: Job) -> Iterator[Chunk]: ...

    def close(self) -> None: ...


class InProcess:
    """Every chunk in the calling process, one after the other."""

    def run(self, job: Job) -> Iterator[Chunk]:
        for start, numbers, rows in job.sheet.chunks(CHUNK_ROWS):
            yield screen_chunk(job, start, numbers, rows)

    def close(self) -> None:
        pass


# What worker processes screen: set in the parent just before the pool forks (inherited by the children), or
# in each child by the pool's initializer (a forkserver or spawned child gets it pickled).
_WORK: Job | None = None


def _set_work(job: Job | None) -> None:
    global _WORK
    _WORK = job


def _start_worker(parent: int | None, job: Job | None = None) -> None:
    """A worker's start: it ends with its parent (``parent``, the forking process, or whichever started it:
    a forkserver ends with the app), even killed; and gets the work when it is sent."""
    die_with_parent(parent)
    if job is not None:
        _set_work(job)


def _work_chunk(task: tuple[int, Sequence[int] | None, Sequence[Sequence[str]] | None]) -> Chunk:
    assert _WORK is not None
    chunk = screen_chunk(_WORK, *task)
    return replace(chunk, sheet=None)  # type: ignore[arg-type]  # the parent puts its own sheet back


class LocalProcesses:
    """A large sheet's chunks in ``workers`` processes on this machine; smaller sheets in the calling
    process. From a single-threaded program (the CLI) the workers are forked and inherit the compiled rules
    and lists; from a multi-threaded one (the web app), where forking is unsafe, they start clean
    (forkserver, else spawn) and get them pickled once each."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(self, job: Job) -> Iterator[Chunk]:
        if job.sheet.estimated_rows < PARALLEL_MIN_ROWS:
            yield from InProcess().run(job)
            return
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods and threading.active_count() == 1:
            yield from self._forked(job)
            return
        bare = replace(job, sheet=replace(job.sheet, rows=[], row_numbers=[], stream=None))
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        with context.Pool(self.workers, initializer=_start_worker, initargs=(None, bare)) as pool:
            yield from self._ordered(pool, job.sheet, send_rows=True)

    def _forked(self, job: Job) -> Iterator[Chunk]:
        _set_work(job)
        load_tables()  # loaded once here, shared by the children, rather than in each of them
        gc.freeze()  # what the children inherit stays out of their collections (and shared with the parent)
        try:
            with multiprocessing.get_context("fork").Pool(
                self.workers, initializer=_start_worker, initargs=(os.getpid(),)
            ) as pool:
                # rows held in memory are in the children already: send only where they start
                yield from self._ordered(pool, job.sheet, send_rows=job.sheet.stream is not None)
        finally:
            _set_work(None)
            gc.unfreeze()

    def _ordered(self, pool: Any, sheet: Sheet, send_rows: bool) -> Iterator[Chunk]:
        """The sheet's chunks through the pool, in order, at most ``2 × workers`` in flight."""
        pending: deque[Any] = deque()
        for start, numbers, rows in sheet.chunks(CHUNK_ROWS):
            task = (start, numbers, rows) if send_rows else (start, None, None)
            pending.append(pool.apply_async(_work_chunk, (task,)))
            if len(pending) > 2 * self.workers:
                yield replace(pending.popleft().get(), sheet=sheet)
        while pending:
            yield replace(pending.popleft().get(), sheet=sheet)

    def close(self) -> None:
        pass


class DaskCluster:
    """Screening on a Dask cluster, for work bigger than one machine: each sheet's compiled rules and lists
    go to every worker once, then its chunks (with their rows) are screened there, in order, a few in flight
    per worker. ``address`` is a scheduler (``tcp://host:8786``) or ``"local"`` for a cluster of ``workers``
    processes on this machine. Needs the ``dask`` extra (``pip install 'supplyscreen[dask]'``)."""

    def __init__(self, address: str, workers: int = 1) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise ConfigError(
                "screening on Dask needs dask.distributed, which is not installed",
                hint="pip install 'supplyscreen[dask]'",
            ) from exc
        try:
            if address == "local":
                self._local: Any = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self.client: Any = Client(self._local)
            else:
                self._local = None
                self.client = Client(address, timeout=DASK_CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"cannot reach the Dask scheduler at {address} ({exc})",
                hint="check the address (tcp://HOST:8786) and that the scheduler is running",
            ) from exc
        self.slots = max(1, sum(self.client.nthreads().values()))

    def run(self, job: Job) -> Iterator[Chunk]:
        sheet = job.sheet
        bare = replace(job, sheet=replace(sheet, rows=[], row_numbers=[], stream=None))
        remote = self.client.scatter(bare, broadcast=True)
        pending: deque[Any] = deque()
        for start, numbers, rows in sheet.chunks(CHUNK_ROWS):
            pending.append(self.client.submit(screen_chunk, remote, start, numbers, rows, pure=False))
            if len(pending) > 2 * self.slots:
                yield replace(pending.popleft().result(), sheet=sheet)
        while pending:
            yield replace(pending.popleft().result(), sheet=sheet)

    def close(self) -> None:
        self.client.close()
        if self._local is not None:
            self._local.close()


def make_backend(workers: int = 1, scheduler: str | None = None) -> Backend:
    """The backend for ``--workers`` and ``--scheduler``: Dask with a scheduler, else forked processes for
    more than one worker, else this process."""
    if scheduler:
        return DaskCluster(scheduler, workers)
    if workers > 1:
        return LocalProcesses(workers)
    return InProcess()
