"""Screening results: every row with its verdict (or only the counts, when the rows were streamed to the
reports) and the ``results.json`` document, written supplier by supplier."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from supplyscreen._version import __version__
from supplyscreen.ingest.sheet import InputFile, Sheet
from supplyscreen.match.rows import Hit
from supplyscreen.pipeline.backends import CHUNK_ROWS, Encoder, Tally
from supplyscreen.rules import MARKETS, RuleSet
from supplyscreen.score import TIERS, TRACKS, Verdict

Progress = Callable[[int], None]  # called with the number of rows just screened
T = TypeVar("T")


@dataclass(frozen=True, slots=True)  # a million rows hold a million of them
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
        return supplier_record(
            self.sheet, self.row, self.fields, self.verdict, [hit.as_dict() for hit in self.verdict.hits]
        )


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
    markets: tuple[str, ...] = MARKETS  # whose law the reports show (screen --market): us, eu

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
                "markets": list(self.markets),
                "enforcement": self.enforcement_json(),
            },
            "summary": {
                "rows": self.rows,
                "by_tier": self.by_tier,
                "presumption": self.presumption_count,
            },
        }

    def enforcement_json(self) -> dict[str, Any]:
        """The CBP enforcement list the rows were screened against: its date and how many actions are active."""
        actions = self.rules.enforcement
        return {
            "as_of": actions.as_of.isoformat() if actions.as_of else None,
            "actions": len(actions.actions),
            "active": sum(1 for a in actions.actions if a.active),
        }

    def to_json(self) -> dict[str, Any]:
        """The ``results.json`` document (DESIGN §2 contract)."""
        return {**self.header_json(), "suppliers": [s.as_dict() for s in self.suppliers]}

    def json_head(self) -> bytes:
        """``results.json`` up to its suppliers: what :func:`json_records` output follows."""
        return json_head(self.header_json())

    JSON_TAIL = b"\n]}\n"

    def write_json(self, handle: IO[bytes]) -> None:
        """``results.json`` written supplier by supplier (one per line), never held whole in memory."""
        handle.write(self.json_head())
        body = JsonBody(handle)
        for records in encode_held(self.suppliers, json_records):
            body.write(records)
        handle.write(self.JSON_TAIL)


def json_head(header: dict[str, Any]) -> bytes:
    """``results.json`` up to its suppliers, from its ``run`` and ``summary`` (:meth:`ScreeningResult.header_json`)."""
    return json.dumps(header, ensure_ascii=False)[:-1].encode("utf-8") + b', "suppliers": ['


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


def _unserialisable(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# json.dumps(x, ensure_ascii=False) through json's own C encoder, made once (json.dumps makes one per call)
_make_encoder = getattr(json.encoder, "c_make_encoder", None)  # None in a Python without the C speed-ups
_chunks = (
    _make_encoder(None, _unserialisable, json.encoder.encode_basestring, None, ": ", ", ", False, False, True)
    if _make_encoder is not None
    else None
)


def _encode(value: object) -> str:
    """``json.dumps(value, ensure_ascii=False)``."""
    if _chunks is None:  # no C speed-ups in this Python
        return json.dumps(value, ensure_ascii=False)
    return "".join(_chunks(value, 0))


def supplier_record(
    sheet: Sheet, row: int, fields: dict[str, str], verdict: Verdict, hits: list[dict[str, Any]]
) -> dict[str, Any]:
    """One supplier of ``results.json`` (DESIGN §2 contract), its hits given as dicts."""
    return {
        "source": {"file": sheet.file, "sheet": sheet.sheet, "row": row},
        "fields": fields,
        "score": verdict.score,
        "tier": verdict.tier,
        "presumption": verdict.presumption,
        "track": verdict.track,
        "hits": hits,
    }


def json_records(
    sheet: Sheet, numbers: Sequence[int], fields: Sequence[dict[str, str]], verdicts: Sequence[Verdict]
) -> bytes:
    """Suppliers as ``results.json`` records, each after ``",\\n"``: exactly ``json.dumps(as_dict())``. Each
    record is encoded by ``json`` with its hits left empty, and the hits' own JSON (each distinct hit
    encoded once: most recur on many rows) put in their place."""
    out: list[str] = []
    for number, row_fields, v in zip(numbers, fields, verdicts, strict=True):
        record = _encode(supplier_record(sheet, number, row_fields, v, []))
        if v.hits:  # the record ends with its empty hits: '"hits": []}'
            record = f"{record[:-2]}{', '.join([hit_json(hit) for hit in v.hits])}]}}"
        out.append(record)
    return "".join([",\n" + record for record in out]).encode("utf-8")


def memo(
    compute: Callable[[Hit], T], key: Callable[[Hit], Hashable], size: int = 100_000
) -> Callable[[Hit], T]:
    """``compute`` remembered per distinct ``key(hit)`` (a hit with a list entry, which holds a dict, is
    computed each time). The hit is kept with its result, so the ids a key may hold stay its own."""
    cache: dict[Hashable, tuple[Hit, T]] = {}

    def get(hit: Hit) -> T:
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
