"""Stable keys that recognise a supplier and a hit across runs (so a decision made on one run applies to the
next, and two runs can be compared).

**Supplier key.** The supplier's ``id`` column when it has one: ``id:`` and the id folded (case, width and
spaces ignored; an id of digits only loses its leading zeros, as ERP exports pad them: SAP's ``0000100102``
is ``100102``). Without an id: ``name:``, the name's ASCII tokens as matching reads them (pinyin for Chinese,
a transliteration for Cyrillic and Hangul) with legal forms dropped, ``|`` and the resolved country
(``store.keys.country_key``: ``CN`` for China, CHINA and 中国). So "Hunchun Haifeng Aquatic Products
Co.,Ltd" in China and "HUNCHUN HAIFENG AQUATIC PRODUCTS CO LTD" in CN are one supplier; the same name in
another country is another supplier. A row with neither id nor name has the key ``row:FILE|SHEET|ROW``, so
it is never merged with another.

**Hit key.** What a hit found, independent of its score: the rule, the field it was found in, and the text
it matched, folded (``rule|field|text``; in the country field, the country it resolves to, so "CN" and
"China" are one); for a watchlist hit also the list entry (its ``source`` and ``entry_id``, or ``entry`` for a file
written before entry ids). A hit is "the
same" in a later run when its key is equal; a hit with a new key (new evidence, another list entry, another
field) is a new hit. Points and similarity are not part of the key, so a decision's coverage is checked
separately (``changed``): a hit that scores higher than when it was decided is not covered by the decision.

**Length.** A key longer than ``MAX_KEY`` characters (a name or a matched sentence of thousands) keeps its
first characters and ends with the sha256 of the whole: databases index keys, and PostgreSQL refuses an
index entry over about 2.7 KB.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from typing import Any

from supplyscreen.normalize.text import fold, strip_legal_forms, tokens
from supplyscreen.store.keys import country_key

MAX_KEY = 256
_KEPT = MAX_KEY - 65


def _bounded(key: str) -> str:
    """``key``, or when longer than ``MAX_KEY`` its start and the sha256 of the whole."""
    if len(key) <= MAX_KEY:
        return key
    return f"{key[:_KEPT]}#{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


def _id_key(value: str) -> str:
    folded = "".join(unicodedata.normalize("NFKC", value).casefold().split())
    if folded.isascii() and folded.isdigit():
        folded = folded.lstrip("0") or "0"
    return folded


def supplier_key(fields: Mapping[str, Any], where: Mapping[str, Any] | None = None) -> str:
    """The key that recognises a supplier across runs, from its screened ``fields`` (``id``, ``name``,
    ``country``, ``address``); ``where`` (``file``, ``sheet``, ``row``) names a row that has neither id nor
    name."""
    ident = _id_key(str(fields.get("id") or ""))
    if ident:
        return _bounded(f"id:{ident}")
    name = " ".join(strip_legal_forms(tokens(str(fields.get("name") or ""))))
    if name:
        country = country_key(str(fields.get("country") or ""), str(fields.get("address") or ""))
        return _bounded(f"name:{name}|{country}")
    where = where or {}
    return _bounded(f"row:{where.get('file', '')}|{where.get('sheet', '')}|{where.get('row', '')}")


def supplier_key_of(record: Mapping[str, Any]) -> str:
    """The supplier key of a ``results.json`` supplier object (its ``fields`` and ``source``)."""
    return supplier_key(record.get("fields") or {}, record.get("source"))


def hit_key(hit: Mapping[str, Any]) -> str:
    """The key that recognises a hit (a ``results.json`` hit object) across runs: rule, field, matched text
    (folded) and, for a watchlist hit, the list entry's id."""
    text = " ".join(fold(str(hit.get("text") or "")).split())
    if hit.get("field") == "country":  # the country as resolved: "CN" next month is the same hit as "China"
        text = country_key(str(hit.get("text") or "")) or text
    key = f"{hit.get('rule', '')}|{hit.get('field', '')}|{text}"
    entry = hit.get("list") or {}
    if isinstance(entry, Mapping) and entry:
        key += f"|{entry.get('source', '')}:{entry.get('entry_id') or entry.get('entry', '')}"
    return _bounded(key)


def changed(decided: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    """Whether hit ``now`` has more against the supplier than hit ``decided`` (the same key, decided earlier):
    more points or a higher similarity. Such a hit is not covered by the earlier decision."""
    return float(now.get("points") or 0) > float(decided.get("points") or 0) or float(
        now.get("similarity") or 0
    ) > float(decided.get("similarity") or 0)
