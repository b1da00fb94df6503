"""Screening runs in the background, through the same request model and screener as the CLI.

A run's files live in the database; they are read from memory under the names the user gave (nothing is
written to disk to be read), so messages, list hits and reports name them as the CLI would for
``supplyscreen screen <name>``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from typing import TYPE_CHECKING, Any

from supplyscreen.errors import SupplyscreenError
from supplyscreen.ingest.read import read_input
from supplyscreen.ingest.sheet import Sheet
from supplyscreen.ingest.sources import Source
from supplyscreen.leftovers import Terminated
from supplyscreen.pipeline.request import ScreenRequest
from supplyscreen.pipeline.results import ScreeningResult
from supplyscreen.report import render_report
from supplyscreen.rules import FIELDS, RuleLayer, layered, load_rules, parse_markets
from supplyscreen.store import REPORT_FORMATS, Run, Store
from supplyscreen.web.uploads import Upload

if TYPE_CHECKING:
    from supplyscreen.review.diff import RunDiff

log = logging.getLogger("supplyscreen.web")

PREVIEW_ROWS = 3
SHUTDOWN_SECONDS = 10  # how long a stopping server waits for its screening threads to notice
STOPPED = "the server stopped before this run finished"


def lists_supported() -> bool:
    """Whether uploaded watchlists are matched (they are; the pages and the API's ``watchlists_matched``
    still ask)."""
    return True


def error_dict(exc: SupplyscreenError) -> dict[str, Any]:
    return exc.as_json()


def rule_layers(files: Sequence[Source]) -> tuple[RuleLayer, ...]:
    """Uploaded rule files, each a layer of its own in upload order (as ``--rules FILE`` repeated)."""
    return tuple(RuleLayer(f.name, files=((f.name, f.data or b""),)) for f in files)


def check_rules(rules: Sequence[Upload]) -> None:
    """Validate uploaded rule files layered over the bundled rules; raises RulesError naming them."""
    if rules:
        load_rules(layered(rule_layers([Source(up.name, data=up.data) for up in rules])))


# --- the map step -----------------------------------------------------------------------------------


def preview(uploads: Sequence[Upload], sheet: str | None = None) -> list[dict[str, Any]]:
    """The detected header row and column mapping of every sheet of every file, without screening."""
    out = []
    for up in uploads:
        entry: dict[str, Any] = {"name": up.name, "kind": up.ext, "rows": 0, "sheets": [], "skipped": []}
        try:
            f = read_input(up.data, sheet=sheet, name=up.name)
        except SupplyscreenError as exc:
            entry["error"] = error_dict(exc)
            out.append(entry)
            continue
        entry["kind"] = f.kind
        entry["rows"] = f.rows
        entry["skipped"] = list(f.skipped)
        entry["sheets"] = [_sheet_preview(sh) for sh in f.sheets]
        out.append(entry)
    return out


def _sheet_preview(sh: Sheet) -> dict[str, Any]:
    return {
        "sheet": sh.sheet or "",
        "header_row": sh.header_row,
        "rows": len(sh.rows),
        "headers": sh.headers,
        "mapping": {f: [sh.headers[c] for c in sh.mapping[f]] for f in FIELDS if sh.mapping.get(f)},
        "how": {f: sh.how.get(f, "") for f in FIELDS if sh.mapping.get(f)},
        "sample": sh.rows[:PREVIEW_ROWS],
        "layout": sh.describe_layout(),
        "columns": [u.as_json() for u in sh.columns()],  # every column's use: field, text, not screened
        "notes": list(sh.notes),
    }


def cli_equivalent(run: Run) -> str:
    """The ``supplyscreen screen`` command that gives the same reports, run in a folder holding the run's
    files under the names they were uploaded with."""
    return run_request(run).command()


def run_request(run: Run, store: Store | None = None, workers: int = 1) -> ScreenRequest:
    """A stored run as a request: its files (their content from ``store``; without one, only their names,
    for the command), sheet and column maps, screened in ``workers`` processes."""

    def sources(role: str) -> list[Source]:
        return [
            Source(f.name, data=store.file_bytes(f.sha256) if store is not None else None)
            for f in run.files_of(role)
        ]

    inputs = sources("input")
    opts = run.options
    return ScreenRequest(
        inputs=tuple(inputs),
        maps=ScreenRequest.maps_of(opts, [s.name for s in inputs]),
        sheet=opts.get("sheet") or None,
        rules=rule_layers(sources("rules")),
        lists=tuple(sources("list")),
        formats=REPORT_FORMATS,
        workers=workers,
        markets=parse_markets(opts.get("markets") or ()),
    )


# --- screening --------------------------------------------------------------------------------------


class Progress:
    """Rows screened / all rows, written to the run a few times a second at most. When ``stop`` is set (the
    server is stopping) the next report raises :class:`Terminated`, which ends the screening."""

    def __init__(self, store: Store, run_id: str, total: int, stop: threading.Event | None = None) -> None:
        self.store, self.run_id, self.total = store, run_id, total
        self.stop = stop
        self.done = 0
        self._last = 0.0

    def expect(self, rows: int) -> None:
        self.total = max(self.total, self.done + rows)

    def add(self, rows: int) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Terminated()
        self.done += rows
        self.total = max(self.total, self.done)
        if time.monotonic() - self._last > 0.25:
            self._last = time.monotonic()
            self.store.set_progress(self.run_id, self.done, self.total)


def screen_run(run: Run, store: Store, progress: Progress, workers: int = 1) -> ScreeningResult:
    """Screen a stored run as ``supplyscreen screen`` would: one screener for the run, every input read
    once from memory with its column maps."""
    request = run_request(run, store, workers)
    with request.screener() as screener:
        files = request.read()
        progress.expect(sum(f.estimated_rows for f in files))
        return screener.screen(files, on_progress=progress.add)


def execute(store: Store, run_id: str, workers: int = 1, stop: threading.Event | None = None) -> None:
    """Screen one stored run (large sheets in ``workers`` processes) and keep its results and reports.
    Errors are recorded on the run; a run stopped by ``stop`` is recorded as interrupted."""
    run = store.get_run(run_id)
    if run is None:
        return
    total = sum(int(p.get("rows") or 0) for p in run.options.get("preview") or [])
    store.start(run_id, total)
    started = time.perf_counter()
    try:
        result = screen_run(run, store, Progress(store, run_id, total, stop), workers)
        compared = compare_with_previous(store, run, result)
        reports = {fmt: render_report(result, fmt, compared) for fmt in REPORT_FORMATS}
        store.save_result(run_id, result, reports, seconds=round(time.perf_counter() - started, 3))
    except Terminated:
        store.interrupt(run_id, STOPPED)
    except SupplyscreenError as exc:
        store.fail(run_id, error_dict(exc))
    except Exception as exc:  # the run fails; the server goes on
        log.exception("screening run %s failed", run_id)
        store.fail(
            run_id,
            {
                "type": "UnexpectedError",
                "message": f"unexpected {type(exc).__name__} while screening",
                "hint": "the server log has the details; please report this",
                "problems": [],
            },
        )


def compare_with_previous(store: Store, run: Run, result: ScreeningResult) -> RunDiff | None:
    """The run just screened compared with the previous run of the same files (``review.diff``), for the
    "What changed since" section of its report; None when there is none, or it cannot be read (the run's
    screening does not fail for it)."""
    from supplyscreen.review.applied import reviews_for_run
    from supplyscreen.review.diff import RunSide, compare_runs, previous_run

    previous = previous_run(store.list_runs(), run)
    if previous is None:
        return None
    this = RunSide.of_result(result, run.id, run.created_at.replace(microsecond=0).isoformat() + "Z")
    try:
        return compare_runs(RunSide.of_run(store, previous), this, reviews_for_run(store, run.id))
    except SupplyscreenError as exc:  # the previous run was deleted meanwhile
        log.warning("run %s not compared with run %s: %s", run.id, previous.id, exc)
        return None


class Runner:
    """A small pool of screening threads, ``runs`` at a time, each run screening large sheets in ``workers``
    processes. Requests only queue work and return at once."""

    def __init__(self, store: Store, runs: int = 2, workers: int = 1) -> None:
        self.store = store
        self.runs = runs
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=runs, thread_name_prefix="supplyscreen-screen")
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def submit(self, run_id: str) -> None:
        with self._lock:
            self._futures[run_id] = self._pool.submit(execute, self.store, run_id, self.workers, self._stop)

    async def wait(self, run_id: str, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a run submitted here to finish, on the event loop: a waiting
        request holds no thread, however many wait."""
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            await asyncio.wait([asyncio.wrap_future(future)], timeout=timeout)

    def shutdown(self) -> None:
        """Stop: queued runs are not started, running ones stop at their next progress report (waited for
        ``SHUTDOWN_SECONDS`` at most), and every run of this process left unfinished is marked interrupted —
        it can be screened again at once."""
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            futures = list(self._futures.values())
        wait_all(futures, timeout=SHUTDOWN_SECONDS)
        stopped = self.store.interrupt_own(STOPPED)
        if stopped:
            log.warning("%d unfinished run(s) marked interrupted", stopped)
