"""The one place screening remembers what it worked out: per distinct cell value and per distinct name.

A large sheet repeats its countries, addresses, goods and notes, and list matching meets the same names and
words again and again. The matchers (``Matcher`` per cell value, ``NameIndex`` per name and per word)
keep what they computed in a ``Memo``: a mapping bounded in size (when full it starts afresh, so memory stays
bounded however long the sheet), owned by one matcher — built for one run or one ``Screener`` — and never
global. A memo travels to a worker process empty: what it held is quickly found again, not sent. The domain
functions themselves (tokens, keys, similarities) keep nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

MEMO_LIMIT = 200_000  # entries a memo holds before it starts afresh
WORD_LIMIT = 500_000  # the same for memos per word or per hit, which a sheet has more of than cell values
_MISSING = object()


class Memo(Generic[K, V]):
    """Values by key, each computed once (until the memo is full and starts afresh)."""

    __slots__ = ("_values", "limit")

    def __init__(self, limit: int | None = None) -> None:
        self._values: dict[K, V] = {}
        self.limit = MEMO_LIMIT if limit is None else limit

    @classmethod
    def per_word(cls) -> Memo[K, V]:
        """A memo per word or per hit (bounded by WORD_LIMIT)."""
        return cls(WORD_LIMIT)

    def get(self, key: K, compute: Callable[[K], V]) -> V:
        """The value for ``key``: remembered, or ``compute(key)`` remembered now."""
        values = self._values
        value = values.get(key, _MISSING)
        if value is _MISSING:
            if len(values) >= self.limit:
                values.clear()
            value = values[key] = compute(key)
        return value  # type: ignore[return-value]

    def get_all(self, keys: Sequence[K], compute: Callable[[K], V]) -> list[V]:
        """``get`` for each key, in order."""
        values = self._values
        found = [values.get(key, _MISSING) for key in keys]
        if _MISSING in found:
            found = [self.get(key, compute) for key in keys]
        return found  # type: ignore[return-value]

    def known(self, key: K) -> V | None:
        """The value remembered for ``key``, or None."""
        return self._values.get(key)

    def make_room(self, count: int) -> bool:
        """Start afresh unless ``count`` more values fit, so that values computed for many keys at once
        (``put``) stay until they are read; whether it started afresh."""
        if len(self._values) + count <= self.limit:
            return False
        self._values.clear()
        return True

    def put(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key`` (computed with others: see ``make_room``)."""
        self._values[key] = value
        return value

    def __getitem__(self, key: K) -> V:
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __getstate__(self) -> dict[str, int]:
        """Pickled empty (to a worker): what it held is quickly found again, not sent."""
        return {"limit": self.limit}

    def __setstate__(self, state: dict[str, int]) -> None:
        self._values = {}
        self.limit = state["limit"]
