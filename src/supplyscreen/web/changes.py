"""Runs compared in the web app, for the comparison page, its JSON, the runs list and the report of a run
screened after an earlier one of the same files (``jobs.execute``): ``review.diff`` over stored runs.

The runs list shows, for every done run, what changed since the previous run of the same files. Done runs
do not change, so that line is computed once per pair of runs and kept (a few hundred lines at most), each
run read once per page. Two runs of more than ``HEADLINE_MAX_ROWS`` rows together are not compared for the
list (two runs of 26,000 rows take 3 s), nor, once one page has compared ``HEADLINE_ROWS_PER_PAGE`` rows,
the rest until the next time the list is shown: the list links to their comparison instead.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from supplyscreen.errors import InputError
from supplyscreen.review.applied import ReviewSource, reviews_for_run
from supplyscreen.review.diff import RunDiff, RunSide, compare_runs, earlier_runs, previous_run
from supplyscreen.store import Run, Store

HEADLINES_KEPT = 1000
HEADLINE_MAX_ROWS = 20_000
HEADLINE_ROWS_PER_PAGE = 40_000
TOO_LARGE = "compare"
_headlines: dict[tuple[str, str, str], str] = {}
_lock = threading.Lock()


class NoEarlierRun(InputError):
    status = 404


def compare_stored(store: Store, a: Run, b: Run, reviews: ReviewSource = reviews_for_run) -> RunDiff:
    """Two stored runs compared, with run B's decisions from ``reviews``."""
    return compare_runs(RunSide.of_run(store, a), RunSide.of_run(store, b), reviews(store, b.id))


def default_against(store: Store, run: Run) -> Run:
    """The run ``run`` is compared with when none is chosen: the previous run of the same files."""
    previous = previous_run(store.list_runs(), run)
    if previous is None:
        raise NoEarlierRun(
            f"run {run.id[:8]} has no earlier run of the same files to compare with",
            hint="choose one on the run's page, or give ?against=RUN_ID",
        )
    return previous


def comparable(store: Store, run: Run) -> dict[str, Any]:
    """What a run's page offers to compare it with: the earlier runs, and the previous run of its files."""
    runs = store.list_runs()
    return {"earlier": earlier_runs(runs, run), "previous": previous_run(runs, run)}


def headlines(store: Store, runs: Sequence[Run]) -> dict[str, tuple[Run, str]]:
    """For each done run of ``runs`` that follows an earlier done run of the same files (among ``runs``):
    that run, and what changed since it in one line."""
    out: dict[str, tuple[Run, str]] = {}
    sides: dict[str, RunSide] = {}
    budget = HEADLINE_ROWS_PER_PAGE

    def side(run: Run) -> RunSide:
        if run.id not in sides:
            sides[run.id] = RunSide.of_run(store, run)
        return sides[run.id]

    for run in runs:
        previous = previous_run(runs, run) if run.status == "done" else None
        if previous is None:
            continue
        key = (store.url, previous.id, run.id)
        with _lock:
            line = _headlines.get(key)
        rows = previous.rows + run.rows
        if line is None and (rows > HEADLINE_MAX_ROWS or rows > budget):
            line = TOO_LARGE
        if line is None:
            budget -= rows
            try:
                line = compare_runs(side(previous), side(run)).headline()
            except InputError:  # deleted meanwhile
                continue
            with _lock:
                if len(_headlines) >= HEADLINES_KEPT:
                    _headlines.clear()
                _headlines[key] = line
        out[run.id] = (previous, line)
    return out
