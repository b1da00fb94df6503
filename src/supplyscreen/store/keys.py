"""Keys stored beside each screened supplier, so the database can search and group without folding text.

SQL cannot fold text the way the product does: SQLite's ``lower()`` and ``LIKE`` fold ASCII only, and no
database reads Chinese as pinyin. So each result row keeps, worked out in Python when it is stored:

- ``search_key``: the supplier name folded (NFKC, case-folded, accents dropped, only letters and digits
  kept), then a space, then the name as ASCII tokens the way matching reads it (``normalize.text.tokens``:
  pinyin for Chinese, a transliteration for Cyrillic, Greek, Hangul …). A search term found in either half
  finds the supplier: "Дальлеспром" finds "ДАЛЬЛЕСПРОМ", "dandong" and "丹东" find "丹东海产有限公司",
  "societe" finds "Société".
- ``country_key``: the resolved country (``normalize.text.country_code``, with the address settling a bare
  "Korea"), so China, CHINA and 中国 are one country; text that names no known country is kept folded, so
  its spellings still group together.

A change to either function needs a migration that works the keys out again for stored rows
(``fill_keys``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, bindparam, column, select, table, tuple_, update
from sqlalchemy.engine import Connection

from supplyscreen.compare.country import NAMES
from supplyscreen.normalize.text import AMBIGUOUS_KOREA, country_code, fold, tokens

_NOT_WORD = re.compile(r"[\W_]+")
_FILL_BATCH = 2000


def _folded(text: str) -> str:
    """Case-folded, accents dropped, letters and digits only (in any script)."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub("", unicodedata.normalize("NFC", bare))


def _ascii(text: str) -> str:
    """The text as matching reads it, in ASCII (pinyin for Chinese), run together."""
    return "".join(tokens(text))


def search_key(name: str) -> str:
    """The key a supplier name is searched by: its folded form, a space, its ASCII reading."""
    folded, ascii_ = _folded(name), _ascii(name)
    return folded if ascii_ in folded else f"{folded} {ascii_}"


def search_terms(query: str) -> tuple[str, ...]:
    """What to look for in ``search_key`` values: a supplier is found when any term is part of its key. An
    empty tuple (the query has no letters or digits) finds everyone."""
    terms = (_folded(query), _ascii(query))
    return tuple(dict.fromkeys(t for t in terms if t))


def country_key(country: str, address: str = "") -> str:
    """The country a supplier resolves to (an ISO code, or ``KP?`` for a bare "Korea" the address does not
    settle); text naming no known country, folded; "" when there is none."""
    if country.strip() == AMBIGUOUS_KOREA:  # a key given back as a filter value
        return AMBIGUOUS_KOREA
    return country_code(country, address) or fold(country).strip()


@dataclass(frozen=True)
class CountryGroup:
    """One entry of the country filter: every spelling that resolves to the same country."""

    key: str  # the filter value: country_key
    label: str
    others: tuple[str, ...]  # the other spellings, as written
    count: int  # suppliers


def _latin(text: str) -> bool:
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def _label_order(spelling: tuple[str, int, int]) -> tuple[bool, int, bool, int]:
    """Spellings in the order a label is chosen: in Latin letters (the pages are in English), the most
    written, not in capitals, the first written."""
    text, count, first = spelling
    return (not _latin(text), -count, text.isupper(), first)


def group_countries(rows: Iterable[tuple[str, str, int, int]]) -> list[CountryGroup]:
    """Countries grouped by key, from (country_key, country as written, suppliers, first position) rows,
    sorted by label. The DPRK and the Republic of Korea are labelled by name, as in comparisons
    (``compare.country.NAMES``); other countries by their best spelling (``_label_order``), or their code
    when only an address named them. Suppliers with no country are left out."""
    by_key: dict[str, list[tuple[str, int, int]]] = {}
    for key, spelling, count, first in rows:
        if key:
            by_key.setdefault(key, []).append((spelling, count, first))
    groups = []
    for key, spellings in by_key.items():
        written = [text for text, _, _ in sorted(spellings, key=_label_order) if text]
        label = NAMES.get(key) or (written[0] if written else key)
        others = tuple(text for text in written if text != label)
        groups.append(CountryGroup(key, label, others, sum(count for _, count, _ in spellings)))
    return sorted(groups, key=lambda g: (g.label.casefold(), g.key))


def fill_keys(connection: Connection, name: str, compute: Callable[[Mapping[str, Any]], str]) -> None:
    """Set the key column ``name`` of every stored result row to ``compute(row)`` (a migration's back-fill).

    ``row`` has ``name``, ``country`` and ``address`` (from the stored supplier object). The table is read
    through a plain table description, not the models, so a migration keeps working when the models change.
    """
    results = table(
        "results",
        column("run_id"),
        column("position"),
        column("name"),
        column("country"),
        column("supplier", JSON),
        column(name),
    )
    address = results.c.supplier["fields"]["address"].as_string().label("address")
    primary = (results.c.run_id, results.c.position)
    read = select(*primary, results.c.name, results.c.country, address).order_by(*primary).limit(_FILL_BATCH)
    write = (
        update(results)
        .where(results.c.run_id == bindparam("r"), results.c.position == bindparam("p"))
        .values({name: bindparam("v")})
    )
    batch = connection.execute(read).mappings().all()
    while batch:
        values = [
            {"r": row["run_id"], "p": row["position"], "v": compute({**row, "address": row["address"] or ""})}
            for row in batch
        ]
        connection.execute(write, values)
        after = tuple_(*primary) > tuple_(batch[-1]["run_id"], batch[-1]["position"])
        batch = connection.execute(read.where(after)).mappings().all()
