"""The library API: one function that screens spreadsheets and returns results. The CLI and the web app
are thin adapters over it."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from supplyscreen._version import __version__
from supplyscreen.io import InputFile, Sheet, read_input
from supplyscreen.listmatch import ListMatcher
from supplyscreen.match import Matcher
from supplyscreen.rules import RuleSet, load_rules
from supplyscreen.score import CLEAR, TIERS, Verdict, score_hits
from supplyscreen.watchlist import load_watchlist


@dataclass(frozen=True)
class SupplierResult:
    """One input row and its verdict."""

    sheet: Sheet
    index: int  # position in ``sheet.rows``
    fields: dict[str, str]
    verdict: Verdict

    @property
    def row(self) -> int:
        return self.sheet.row_numbers[self.index]

    @property
    def original(self) -> list[str]:
        return self.sheet.rows[self.index]

    @property
    def name(self) -> str:
        return self.fields.get("name", "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": {"file": self.sheet.file, "sheet": self.sheet.sheet, "row": self.row},
            "fields": self.fields,
            "score": self.verdict.score,
            "tier": self.verdict.tier,
            "presumption": self.verdict.presumption,
            "hits": [hit.as_dict() for hit in self.verdict.hits],
        }


@dataclass
class ScreeningResult:
    inputs: list[InputFile]
    rules: RuleSet
    suppliers: list[SupplierResult]
    started_at: str
    finished_at: str = ""
    lists: list[dict[str, Any]] = field(default_factory=list)
    tool_version: str = __version__

    @property
    def by_tier(self) -> dict[str, int]:
        counts = Counter(s.verdict.tier for s in self.suppliers)
        return {tier: counts.get(tier, 0) for tier in TIERS}

    @property
    def presumption_count(self) -> int:
        return sum(1 for s in self.suppliers if s.verdict.presumption)

    def header_json(self) -> dict[str, Any]:
        """``run`` and ``summary`` of ``results.json``."""
        tiers = self.rules.tiers
        return {
            "run": {
                "tool_version": self.tool_version,
                "started_at": self.started_at,
                "inputs": [{"path": f.display, "sha256": f.sha256, "rows": f.rows} for f in self.inputs],
                "rules": {"sha256": self.rules.sha256},
                "lists": self.lists,
                "tiers": {"high": tiers.high, "medium": tiers.medium, "low": tiers.low},
            },
            "summary": {
                "rows": len(self.suppliers),
                "by_tier": self.by_tier,
                "presumption": self.presumption_count,
            },
        }

    def to_json(self) -> dict[str, Any]:
        """The ``results.json`` document (DESIGN §2 contract)."""
        return {**self.header_json(), "suppliers": [s.as_dict() for s in self.suppliers]}

    def write_json(self, handle: IO[bytes]) -> None:
        """``results.json`` written supplier by supplier (one per line), never held whole in memory."""
        head = json.dumps(self.header_json(), ensure_ascii=False)
        handle.write(head[:-1].encode("utf-8") + b', "suppliers": [')
        for i, supplier in enumerate(self.suppliers):
            handle.write((",\n" if i else "\n").encode("utf-8"))
            handle.write(json.dumps(supplier.as_dict(), ensure_ascii=False).encode("utf-8"))
        handle.write(b"\n]}\n")


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


CHUNK_ROWS = 5000  # rows screened together (and between progress reports)
PARALLEL_MIN_ROWS = 20_000  # smaller sheets are screened in the calling process
Progress = Callable[[int], None]  # called with the number of rows just screened


def _screen_rows(
    sheet: Sheet, start: int, end: int, matcher: Matcher, rules: RuleSet, lists: ListMatcher | None
) -> tuple[list[dict[str, str]], list[Verdict]]:
    """Fields and verdicts for rows ``start:end`` of a sheet: watchlists column-wise, then rules row by row."""
    rows = [sheet.fields(i) for i in range(start, end)]
    listed = lists.match_rows(rows) if lists is not None else {}
    verdicts = []
    for k, fields in enumerate(rows):
        hits = matcher.match_row(fields)
        if k in listed:
            hits = [*hits, *listed[k]]
        verdicts.append(score_hits(hits, rules))
    return rows, verdicts


# What forked workers screen: set in the parent just before the pool forks, read by the children.
_WORK: tuple[Sheet, Matcher, RuleSet, ListMatcher | None] | None = None


def _work_range(bounds: tuple[int, int]) -> tuple[int, list[tuple[int, Verdict]]]:
    assert _WORK is not None
    sheet, matcher, rules, lists = _WORK
    start, end = bounds
    _, verdicts = _screen_rows(sheet, start, end, matcher, rules, lists)
    return start, [
        (start + k, v) for k, v in enumerate(verdicts) if v is not CLEAR
    ]  # clear rows cost nothing


def screen_sheet(
    sheet: Sheet,
    matcher: Matcher,
    rules: RuleSet,
    lists: ListMatcher | None = None,
    on_progress: Progress | None = None,
    workers: int = 1,
) -> list[SupplierResult]:
    """Screen every data row of one sheet, in order. With ``workers`` > 1 and a large sheet, row ranges are
    screened in forked worker processes (each inherits the compiled rules and lists) and put back in order."""
    n = len(sheet.rows)
    if workers > 1 and n >= PARALLEL_MIN_ROWS and "fork" in multiprocessing.get_all_start_methods():
        global _WORK
        verdicts: list[Verdict] = [CLEAR] * n  # workers send back only the rows that are not clear
        _WORK = (sheet, matcher, rules, lists)
        try:
            ranges = [(i, min(n, i + CHUNK_ROWS)) for i in range(0, n, CHUNK_ROWS)]
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for start, flagged in pool.imap_unordered(_work_range, ranges):
                    for i, verdict in flagged:
                        verdicts[i] = verdict
                    if on_progress is not None:
                        on_progress(min(n, start + CHUNK_ROWS) - start)
        finally:
            _WORK = None
        return [SupplierResult(sheet, i, sheet.fields(i), verdicts[i]) for i in range(n)]
    out: list[SupplierResult] = []
    for start in range(0, n, CHUNK_ROWS):
        end = min(n, start + CHUNK_ROWS)
        rows, chunk = _screen_rows(sheet, start, end, matcher, rules, lists)
        out.extend(SupplierResult(sheet, start + k, rows[k], chunk[k]) for k in range(end - start))
        if on_progress is not None:
            on_progress(end - start)
    return out


def screen(
    inputs: Sequence[str | Path],
    rules_dirs: Sequence[str | Path] | None = None,
    sheet: str | None = None,
    mapping: Mapping[str, Sequence[str]] | None = None,
    on_input: Callable[[InputFile], None] | None = None,
    lists: Sequence[str | Path] = (),
    on_start: Callable[[int], None] | None = None,
    on_progress: Progress | None = None,
    workers: int = 1,
) -> ScreeningResult:
    """Read, match and score every row of every input. Raises SupplyscreenError subclasses on bad input.

    ``on_input`` is called with each file as read; ``on_start`` with the total number of rows once all are
    read; ``on_progress`` with the number of rows screened since its last call. ``workers`` > 1 screens large
    sheets in that many forked processes (not from a multi-threaded program such as the web app)."""
    started = now_iso()
    rules = load_rules([Path(d) for d in rules_dirs] if rules_dirs else None)
    matcher = Matcher(rules)
    watchlists = [load_watchlist(p) for p in lists]
    list_matcher = ListMatcher(watchlists, rules.watchlist) if watchlists else None
    files = [read_input(path, sheet=sheet, overrides=mapping) for path in inputs]
    for input_file in files:
        if on_input is not None:
            on_input(input_file)
    if on_start is not None:
        on_start(sum(f.rows for f in files))
    suppliers: list[SupplierResult] = []
    for input_file in files:
        for sh in input_file.sheets:
            suppliers.extend(screen_sheet(sh, matcher, rules, list_matcher, on_progress, workers))
    return ScreeningResult(
        inputs=files,
        rules=rules,
        suppliers=suppliers,
        started_at=started,
        finished_at=now_iso(),
        lists=[w.as_json() for w in watchlists],
    )
