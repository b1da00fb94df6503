"""A run stored once, and compactly.

What a run keeps, and only once:

- the uploaded files, by sha256, compressed (zlib) when that makes them smaller;
- one row per supplier holding its ``results.json`` object — the results, once. What a hit takes from its
  rule (indicator, category, citations: the long quotes) and the text of the checklist items are the same
  on thousands of rows, so each row refers to them in the run's catalogue (``runs.catalogue``), written
  once per run;
- the head of ``results.json`` (``run`` and ``summary``; ``runs.results_head``). ``results.json`` itself
  is not stored: it is put together from the head and the rows on demand, byte for byte what was produced
  (:func:`results_json`);
- ``report.html`` and ``results.xlsx``, compressed: they need the original columns and the rule set as they
  were, so they are kept rather than made again.

Rows stored before this (full hits, checklists of dicts, a stored ``results.json``) are read as they are.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from supplyscreen.pipeline.results import ScreeningResult, json_head

ZLIB = "zlib"
HIT_SHARED = ("indicator", "category", "citations")  # what a hit takes from its rule
REF = "ref"


def pack_bytes(data: bytes) -> tuple[str, bytes]:
    """``(codec, stored bytes)``: zlib-compressed when that is smaller, else as they are (codec "")."""
    packed = zlib.compress(data, 6)
    return (ZLIB, packed) if len(packed) < len(data) else ("", data)


def unpack_bytes(codec: str, data: bytes) -> bytes:
    return zlib.decompress(data) if codec == ZLIB else data


class Catalogue:
    """What the rows of one run share, each written once: the rule's part of every hit, and the checklist
    items' text. Rows refer to entries by key."""

    def __init__(self, stored: Mapping[str, Any] | None = None) -> None:
        stored = stored or {}
        self.hits: dict[str, dict[str, Any]] = dict(stored.get("hits") or {})
        self.checklist: dict[str, dict[str, Any]] = dict(stored.get("checklist") or {})
        self._keys = {_frozen(v): k for k, v in self.hits.items()}

    def as_json(self) -> dict[str, Any]:
        return {"hits": self.hits, "checklist": self.checklist}

    def pack_supplier(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A ``results.json`` supplier with each hit's shared part replaced by a reference (its keys stay, in
        order, with 0 for a value, so the record unpacks to the same JSON)."""
        return {**record, "hits": [self._pack_hit(hit) for hit in record.get("hits") or []]}

    def _pack_hit(self, hit: Mapping[str, Any]) -> dict[str, Any]:
        shared = {k: hit[k] for k in HIT_SHARED if k in hit}
        frozen = _frozen(shared)
        key = self._keys.get(frozen)
        if key is None:
            key = self._keys[frozen] = str(len(self.hits))
            self.hits[key] = shared
        return {**{k: (0 if k in shared else v) for k, v in hit.items()}, REF: key}

    def unpack_supplier(self, record: Mapping[str, Any]) -> dict[str, Any]:
        hits = record.get("hits") or []
        if not any(REF in hit for hit in hits):
            return dict(record)
        return {**record, "hits": [self._unpack_hit(hit) for hit in hits]}

    def _unpack_hit(self, hit: Mapping[str, Any]) -> dict[str, Any]:
        if REF not in hit:
            return dict(hit)
        shared = self.hits[hit[REF]]
        return {k: shared.get(k, v) for k, v in hit.items() if k != REF}

    def pack_checklist(self, entries: Iterable[Mapping[str, Any]]) -> list[Any]:
        """Checklist entries as ``[id, because]`` pairs; each item's text and source once in the catalogue."""
        out: list[Any] = []
        for entry in entries:
            self.checklist.setdefault(
                entry["id"], {k: v for k, v in entry.items() if k not in ("id", "because")}
            )
            out.append([entry["id"], list(entry["because"])])
        return out

    def unpack_checklist(self, stored: Sequence[Any]) -> list[dict[str, Any]]:
        out = []
        for entry in stored:
            if isinstance(entry, Mapping):  # stored before the catalogue
                out.append(dict(entry))
                continue
            item_id, because = entry
            out.append({"id": item_id, **self.checklist.get(item_id, {}), "because": list(because)})
        return out


def _frozen(value: Any) -> Any:
    """JSON-like data as nested tuples, to be a dict key (cheaper than its JSON text)."""
    if isinstance(value, Mapping):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def results_json(header: dict[str, Any], suppliers: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """``results.json`` from its head and its suppliers' objects, in pieces: the bytes
    ``ScreeningResult.write_json`` wrote (one supplier a line)."""
    yield json_head(header)
    separator = b"\n"
    for supplier in suppliers:
        yield separator + json.dumps(supplier, ensure_ascii=False).encode("utf-8")
        separator = b",\n"
    yield ScreeningResult.JSON_TAIL
