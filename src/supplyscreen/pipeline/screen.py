"""The library API: one function that screens spreadsheets and returns results. The CLI and the web app
are thin adapters over it."""

from __future__ import annotations

import datetime as dt
import gc
import json
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from json.encoder import encode_basestring as _encode_str
from pathlib import Path
from typing import IO, Any

from supplyscreen._version import __version__
from supplyscreen.errors import ConfigError
from supplyscreen.ingest.read import InputFile, Sheet, read_input
from supplyscreen.match.compiled import compile_lists
from supplyscreen.match.lists import ListMatcher
from supplyscreen.match.rows import Hit, Matcher
from supplyscreen.rules import FIELDS, RuleSet, load_rules
from supplyscreen.score import CLEAR, TIERS, TRACKS, Verdict, score_rows


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
            "track": self.verdict.track,
            "hits": [hit.as_dict() for hit in self.verdict.hits],
        }


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


@dataclass
class ScreeningResult:
    inputs: list[InputFile]
    rules: RuleSet
    suppliers: list[SupplierResult]
    started_at: str
    finished_at: str = ""
    lists: list[dict[str, Any]] = field(default_factory=list)
    tool_version: str = __version__
    tally: Tally | None = None  # set when the rows were streamed to reports and not kept in ``suppliers``

    @property
    def rows(self) -> int:
        return self.tally.rows if self.tally is not None else len(self.suppliers)

    @property
    def by_tier(self) -> dict[str, int]:
        if self.tally is not None:
            return dict(self.tally.by_tier)
        counts = Counter(s.verdict.tier for s in self.suppliers)
        return {tier: counts.get(tier, 0) for tier in TIERS}

    @property
    def by_track(self) -> dict[str, int]:
        """Suppliers by legal track (``score.TRACKS``), strictest first."""
        if self.tally is not None:
            return dict(self.tally.by_track)
        counts = Counter(s.verdict.track for s in self.suppliers)
        return {track: counts.get(track, 0) for track in TRACKS}

    @property
    def presumption_count(self) -> int:
        if self.tally is not None:
            return self.tally.presumption
        return sum(1 for s in self.suppliers if s.verdict.presumption)

    def header_json(self) -> dict[str, Any]:
        """``run`` and ``summary`` of ``results.json``."""
        tiers = self.rules.tiers
        return {
            "run": {
                "tool_version": self.tool_version,
                "started_at": self.started_at,
                "inputs": [
                    {
                        "path": f.display,
                        "sha256": f.sha256,
                        "rows": f.rows,
                        "sheets": [sh.columns_json() for sh in f.sheets],
                    }
                    for f in self.inputs
                ],
                "rules": {"sha256": self.rules.sha256},
                "lists": self.lists,
                "tiers": {"high": tiers.high, "medium": tiers.medium, "low": tiers.low},
            },
            "summary": {
                "rows": self.rows,
                "by_tier": self.by_tier,
                "presumption": self.presumption_count,
            },
        }

    def to_json(self) -> dict[str, Any]:
        """The ``results.json`` document (DESIGN §2 contract)."""
        return {**self.header_json(), "suppliers": [s.as_dict() for s in self.suppliers]}

    def json_head(self) -> bytes:
        """``results.json`` up to its suppliers: what :func:`json_records` output follows."""
        head = json.dumps(self.header_json(), ensure_ascii=False)
        return head[:-1].encode("utf-8") + b', "suppliers": ['

    JSON_TAIL = b"\n]}\n"

    def write_json(self, handle: IO[bytes]) -> None:
        """``results.json`` written supplier by supplier (one per line), never held whole in memory."""
        handle.write(self.json_head())
        body = JsonBody(handle)
        for records in encode_held(self.suppliers, json_records):
            body.write(records)
        handle.write(self.JSON_TAIL)


class JsonBody:
    """Writes :func:`json_records` output in order, leaving out the comma before the very first record."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.first = True

    def write(self, records: bytes) -> None:
        if records:
            self.handle.write(records[1:] if self.first else records)
            self.first = False


def encode_held(suppliers: Sequence[SupplierResult], encode: Encoder) -> Iterator[bytes]:
    """Results held whole, through a chunk encoder: sheet by sheet, ``CHUNK_ROWS`` at a time."""
    for sheet, group in sheet_groups(suppliers):
        for start in range(0, len(group), CHUNK_ROWS):
            part = group[start : start + CHUNK_ROWS]
            yield encode(sheet, [s.row for s in part], [s.fields for s in part], [s.verdict for s in part])


def sheet_groups(suppliers: Sequence[SupplierResult]) -> Iterator[tuple[Sheet, list[SupplierResult]]]:
    """Consecutive suppliers of the same sheet, in order."""
    current: Sheet | None = None
    bucket: list[SupplierResult] = []
    for supplier in suppliers:
        if supplier.sheet is not current:
            if current is not None:
                yield current, bucket
            current, bucket = supplier.sheet, []
        bucket.append(supplier)
    if current is not None:
        yield current, bucket


# what json.dumps(x, ensure_ascii=False) does, with the encoder made once
_encode = json.JSONEncoder(ensure_ascii=False).encode
_KEYS = {f: f'"{f}": ' for f in FIELDS}


def _fields_json(fields: dict[str, str]) -> str:
    """``_encode(fields)`` for a row's fields (str keys and values), a little faster."""
    keys = _KEYS
    parts = [f"{keys.get(k) or _encode(k) + ': '}{_encode_str(v)}" for k, v in fields.items()]
    return "{" + ", ".join(parts) + "}"


def json_records(
    sheet: Sheet, numbers: Sequence[int], fields: Sequence[dict[str, str]], verdicts: Sequence[Verdict]
) -> bytes:
    """Suppliers as ``results.json`` records, each after ``",\\n"``: exactly ``json.dumps(as_dict())``, with
    the source written once per chunk and each distinct hit serialised once (most recur on many rows)."""
    source = f'{{"source": {{"file": {_encode(sheet.file)}, "sheet": {_encode(sheet.sheet)}, "row": '
    parts: list[str] = [""]
    for number, row_fields, v in zip(numbers, fields, verdicts, strict=True):
        hits = ", ".join([hit_json(hit) for hit in v.hits]) if v.hits else ""
        parts.append(
            f'{source}{number}}}, "fields": {_fields_json(row_fields)}, "score": {v.score}, '
            f'"tier": "{v.tier}", "presumption": {"true" if v.presumption else "false"}, '
            f'"track": "{v.track}", "hits": [{hits}]}}'
        )
    return ",\n".join(parts).encode("utf-8") if len(parts) > 1 else b""


def memo(
    compute: Callable[[Hit], str], key: Callable[[Hit], Hashable], size: int = 100_000
) -> Callable[[Hit], str]:
    """``compute`` remembered per distinct ``key(hit)`` (a hit with a list entry, which holds a dict, is
    computed each time). The hit is kept with its result, so the ids a key may hold stay its own."""
    cache: dict[Hashable, tuple[Hit, str]] = {}

    def get(hit: Hit) -> str:
        if hit.list is not None:
            return compute(hit)
        k = key(hit)
        known = cache.get(k)
        if known is None:
            if len(cache) >= size:
                cache.clear()
            known = cache[k] = (hit, compute(hit))
        return known[1]

    return get


def hit_key(hit: Hit) -> Hashable:
    """What a hit's JSON is made of; citations by identity (they belong to the rules, compared by value
    they cost more than the serialisation saved)."""
    return (
        hit.rule,
        hit.indicator,
        hit.category,
        hit.field,
        hit.text,
        hit.matched,
        hit.similarity,
        hit.points,
        *map(id, hit.citations),
    )


hit_json = memo(lambda hit: _encode(hit.as_dict()), hit_key)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


CHUNK_ROWS = 5000  # rows screened together (and between progress reports)
PARALLEL_MIN_ROWS = 20_000  # smaller sheets are screened in the calling process
Progress = Callable[[int], None]  # called with the number of rows just screened
# Writes a chunk of screened rows in one report format: (sheet, row numbers, fields, verdicts) -> bytes.
# Run where the chunk was screened (in a worker process for large sheets), so it must be a module function.
Encoder = Callable[[Sheet, Sequence[int], Sequence[dict[str, str]], Sequence[Verdict]], bytes]


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
class _Job:
    sheet: Sheet
    matcher: Matcher
    rules: RuleSet
    lists: ListMatcher | None
    encoders: Mapping[str, Encoder]
    keep: bool


def _screen_chunk(
    job: _Job, start: int, numbers: Sequence[int] | None, rows: Sequence[Sequence[str]] | None
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
    raw = [job.matcher.match_row(row_fields) for row_fields in fields]
    for k, found in listed.items():
        raw[k] = [*raw[k], *found]
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


# What forked workers screen: set in the parent just before the pool forks, read by the children.
_WORK: _Job | None = None


def _work_chunk(task: tuple[int, Sequence[int] | None, Sequence[Sequence[str]] | None]) -> Chunk:
    assert _WORK is not None
    chunk = _screen_chunk(_WORK, *task)
    return replace(chunk, sheet=None)  # type: ignore[arg-type]  # the parent puts its own sheet back


DASK_CONNECT_TIMEOUT = "10s"


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

    def screen(self, job: _Job) -> Iterator[Chunk]:
        sheet = job.sheet
        bare = replace(job, sheet=replace(sheet, rows=[], row_numbers=[], stream=None))
        remote = self.client.scatter(bare, broadcast=True)
        pending: deque[Any] = deque()
        for start, numbers, rows in sheet.chunks(CHUNK_ROWS):
            pending.append(self.client.submit(_screen_chunk, remote, start, numbers, rows, pure=False))
            if len(pending) > 2 * self.slots:
                yield replace(pending.popleft().result(), sheet=sheet)
        while pending:
            yield replace(pending.popleft().result(), sheet=sheet)

    def close(self) -> None:
        self.client.close()
        if self._local is not None:
            self._local.close()


def screen_chunks(
    sheet: Sheet,
    matcher: Matcher,
    rules: RuleSet,
    lists: ListMatcher | None = None,
    workers: int = 1,
    encoders: Mapping[str, Encoder] | None = None,
    keep: bool = True,
    cluster: DaskCluster | None = None,
) -> Iterator[Chunk]:
    """Screen every data row of one sheet, chunk by chunk, in order. With ``workers`` > 1 and a large sheet,
    chunks are screened in forked worker processes (each inherits the compiled rules and lists); with a
    ``cluster``, on Dask workers. At most a few chunks are in flight, so a streamed CSV is never read
    further ahead than that."""
    job = _Job(sheet, matcher, rules, lists, dict(encoders or {}), keep)
    if cluster is not None:
        yield from cluster.screen(job)
        return
    if (
        workers > 1
        and sheet.estimated_rows >= PARALLEL_MIN_ROWS
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        global _WORK
        _WORK = job
        gc.freeze()  # what the children inherit stays out of their collections (and shared with the parent)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                pending: deque[Any] = deque()
                for start, numbers, rows in sheet.chunks(CHUNK_ROWS):
                    # rows held in memory are in the children already: send only where they start
                    task = (start, None, None) if sheet.stream is None else (start, numbers, rows)
                    pending.append(pool.apply_async(_work_chunk, (task,)))
                    if len(pending) > 2 * workers:
                        yield replace(pending.popleft().get(), sheet=sheet)
                while pending:
                    yield replace(pending.popleft().get(), sheet=sheet)
        finally:
            _WORK = None
            gc.unfreeze()
        return
    for start, numbers, rows in sheet.chunks(CHUNK_ROWS):
        yield _screen_chunk(job, start, numbers, rows)


def screen(
    inputs: Sequence[str | Path | InputFile],
    rules_dirs: Sequence[str | Path] | None = None,
    sheet: str | None = None,
    mapping: Mapping[str, Sequence[str]] | None = None,
    on_input: Callable[[InputFile], None] | None = None,
    lists: Sequence[str | Path] = (),
    on_start: Callable[[int], None] | None = None,
    on_progress: Progress | None = None,
    workers: int = 1,
    encoders: Mapping[str, Encoder] | None = None,
    on_chunk: Callable[[Chunk], None] | None = None,
    keep: bool = True,
    scheduler: str | None = None,
) -> ScreeningResult:
    """Read, match and score every row of every input. Raises SupplyscreenError subclasses on bad input.

    ``on_input`` is called with each file as read; ``on_start`` with the (estimated) total number of rows
    once all are open; ``on_progress`` with the number of rows screened since its last call. ``workers`` > 1
    screens large sheets in that many forked processes (not from a multi-threaded program such as the web
    app). ``encoders`` turn each screened chunk into report bytes where it was screened, and ``on_chunk``
    receives every chunk in order. With ``keep`` false, the rows are not kept (``suppliers`` stays empty,
    ``tally`` counts them) and CSV files stream: memory stays bounded however many rows there are. With
    ``scheduler`` (a Dask scheduler address, or "local"), rows are screened on a Dask cluster instead. An
    input already read (an :class:`InputFile`, e.g. a DataFrame's rows from :func:`supplyscreen.screen_frame`)
    is screened as it is."""
    started = now_iso()
    rules = load_rules([Path(d) for d in rules_dirs] if rules_dirs else None)
    matcher = Matcher(rules)
    compiled = compile_lists(lists, rules.matching, rules.watchlist)
    watchlists, list_matcher = compiled.watchlists, compiled.matcher
    files = [
        path
        if isinstance(path, InputFile)
        else read_input(path, sheet=sheet, overrides=mapping, stream=not keep)
        for path in inputs
    ]
    for input_file in files:
        if on_input is not None:
            on_input(input_file)
    if on_start is not None:
        on_start(sum(f.estimated_rows for f in files))
    suppliers: list[SupplierResult] = []
    tally = Tally()
    cluster = DaskCluster(scheduler, workers) if scheduler else None
    try:
        for input_file in files:
            for sh in input_file.sheets:
                chunks = screen_chunks(sh, matcher, rules, list_matcher, workers, encoders, keep, cluster)
                suppliers += _screen_sheet(sh, chunks, keep, tally, on_chunk, on_progress)
    finally:
        if cluster is not None:
            cluster.close()
    return ScreeningResult(
        inputs=files,
        rules=rules,
        suppliers=suppliers,
        started_at=started,
        finished_at=now_iso(),
        lists=[w.as_json() for w in watchlists],
        tally=None if keep else tally,
    )


def _screen_sheet(
    sh: Sheet,
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
    read = sh.field_reader()
    return [SupplierResult(sh, i, read(row), verdicts.get(i, CLEAR)) for i, row in enumerate(sh.rows)]
