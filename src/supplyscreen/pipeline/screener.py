"""The screening engine: rules validated and compiled and watchlists indexed once, then any number of inputs
screened with them. The CLI, the web app, ``explain``, :func:`supplyscreen.screen_frame` and the library's
:func:`supplyscreen.screen` all screen through a :class:`Screener`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from supplyscreen.explain import Explanation, explain
from supplyscreen.ingest.sheet import InputFile, Sheet
from supplyscreen.ingest.sources import SourceLike
from supplyscreen.ingest.watchlist import ListSource, Watchlist
from supplyscreen.match.compiled import compile_lists as cached_lists
from supplyscreen.match.lists import ListMatcher
from supplyscreen.match.rows import Matcher
from supplyscreen.pipeline.backends import Backend, Chunk, Encoder, Job, Tally, make_backend, screen_chunk
from supplyscreen.pipeline.results import Progress, ScreeningResult, SupplierResult, now_iso
from supplyscreen.rules import MARKETS, RuleLayer, RuleSet, load_rules
from supplyscreen.score import CLEAR, Verdict


def compile_lists(watchlists: Sequence[Watchlist], rules: RuleSet) -> ListMatcher | None:
    """The watchlists' indexes, built with the rules' watchlist points and matching weights (None: no
    lists)."""
    if not watchlists:
        return None
    return ListMatcher(watchlists, rules.watchlist, matching=rules.matching)


class Screener:
    """Compiled rules (a :class:`Matcher`) and watchlist indexes (a :class:`ListMatcher`), built once; each
    :meth:`screen` runs on the backend chosen by ``workers`` and ``scheduler`` (see
    :func:`supplyscreen.pipeline.backends.make_backend`), made on first use and kept until :meth:`close`."""

    def __init__(
        self,
        rules: RuleSet,
        lists: Sequence[Watchlist] = (),
        *,
        workers: int = 1,
        scheduler: str | None = None,
        list_matcher: ListMatcher | None = None,
        matcher: Matcher | None = None,
        markets: Sequence[str] = MARKETS,
    ) -> None:
        self.rules = rules
        self.markets = tuple(markets)  # whose law the results' reports show (screen --market)
        self.matcher = matcher if matcher is not None else Matcher(rules)
        self.watchlists = list(lists)
        self.lists = list_matcher if list_matcher is not None else compile_lists(self.watchlists, rules)
        self.workers = workers
        self.scheduler = scheduler
        self._backend: Backend | None = None

    @classmethod
    def build(
        cls,
        rules: Sequence[RuleLayer | str | Path] | None = None,
        lists: Sequence[ListSource | SourceLike] = (),
        *,
        workers: int = 1,
        scheduler: str | None = None,
        markets: Sequence[str] = MARKETS,
    ) -> Screener:
        """Load and validate rule layers (None: the bundled rules alone) and watchlists (with their companion
        files: see :func:`~supplyscreen.ingest.watchlist.list_sources`), and compile them; ``markets`` are
        those whose law the reports show. Raises RulesError or InputError naming the file at fault."""
        ruleset = load_rules(rules)
        # compiled once per content: kept in memory (the server) and on disk (the CLI), see match/compiled.py
        compiled = cached_lists(lists, ruleset.matching, ruleset.watchlist)
        return cls(
            ruleset,
            compiled.watchlists,
            workers=workers,
            scheduler=scheduler,
            list_matcher=compiled.matcher,
            markets=markets,
        )

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = make_backend(self.workers, self.scheduler)
        return self._backend

    def screen(
        self,
        inputs: Sequence[InputFile],
        *,
        keep: bool = True,
        encoders: Mapping[str, Encoder] | None = None,
        on_chunk: Callable[[Chunk], None] | None = None,
        on_progress: Progress | None = None,
    ) -> ScreeningResult:
        """Screen every row of every sheet of ``inputs``. ``encoders`` turn each screened chunk into report
        bytes where it was screened, ``on_chunk`` receives every chunk in order and ``on_progress`` the
        number of rows screened since its last call. With ``keep`` false, the rows are not kept
        (``suppliers`` stays empty, ``tally`` counts them): memory stays bounded however many rows a
        streamed CSV has."""
        started = now_iso()
        suppliers: list[SupplierResult] = []
        tally = Tally()
        for input_file in inputs:
            for sheet in input_file.sheets:
                job = Job(sheet, self.matcher, self.rules, self.lists, dict(encoders or {}), keep)
                chunks = self.backend.run(job)
                suppliers += _collect(sheet, chunks, keep, tally, on_chunk, on_progress)
        return ScreeningResult(
            inputs=list(inputs),
            rules=self.rules,
            suppliers=suppliers,
            started_at=started,
            finished_at=now_iso(),
            lists=[w.as_json() for w in self.watchlists],
            tally=None if keep else tally,
            markets=self.markets,
        )

    def with_lists(self, lists: Sequence[Watchlist], list_matcher: ListMatcher | None) -> Screener:
        """The same compiled rules (shared, not rebuilt) with other, compiled watchlists."""
        return Screener(
            self.rules,
            lists,
            workers=self.workers,
            scheduler=self.scheduler,
            list_matcher=list_matcher,
            matcher=self.matcher,
            markets=self.markets,
        )

    def screen_one(self, fields: Mapping[str, str], file: str = "request") -> SupplierResult:
        """One supplier given as canonical fields (``name``, ``country`` …), screened in this process: the
        row ``results.json`` would give for it, from a sheet of that one row named ``file``."""
        headers = list(fields)
        sheet = Sheet(
            file=file,
            sheet=None,
            header_row=1,
            headers=headers,
            mapping={f: [i] for i, f in enumerate(headers)},
            how=dict.fromkeys(headers, "given"),
            rows=[list(fields.values())],
            row_numbers=[2],
        )
        chunk = screen_chunk(Job(sheet, self.matcher, self.rules, self.lists, {}, True), 0, None, None)
        return SupplierResult(sheet, 0, dict(fields), dict(chunk.flagged).get(0, CLEAR))

    def explain(self, fields: Mapping[str, str]) -> Explanation:
        """One supplier's every rule evaluated and, with lists, every watchlist candidate (``explain``)."""
        return explain(fields, self.rules, self.matcher, list_matcher=self.lists)

    def close(self) -> None:
        """Stop the backend's workers (a Dask cluster's client), if it has any."""
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    def __enter__(self) -> Screener:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _collect(
    sheet: Sheet,
    chunks: Iterator[Chunk],
    keep: bool,
    tally: Tally,
    on_chunk: Callable[[Chunk], None] | None,
    on_progress: Progress | None,
) -> list[SupplierResult]:
    """Consume a sheet's screened chunks: count them, pass them on and, with ``keep``, collect every row."""
    verdicts: dict[int, Verdict] = {}
    for chunk in chunks:
        tally.merge(chunk.tally)
        verdicts.update(chunk.flagged)
        if on_chunk is not None:
            on_chunk(chunk)
        if on_progress is not None:
            on_progress(chunk.size)
    if not keep:
        return []
    read = sheet.field_reader()
    return [SupplierResult(sheet, i, read(row), verdicts.get(i, CLEAR)) for i, row in enumerate(sheet.rows)]
