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
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

MEMO_LIMIT = 200_000  # entries a memo holds before it starts afresh
WORD_LIMIT = 500_000  # the same for memos per word or per hit, which a sheet has more of than cell values
_MISSING = object()


class Memo(dict[K, V]):
    """Values by key, each computed once (until the memo is full and starts afresh). Read it as a dict
    (``get``: None when not known); add to it with ``get_or`` or ``remember``."""

    __slots__ = ("limit",)

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = MEMO_LIMIT if limit is None else limit

    @classmethod
    def per_word(cls) -> Memo[K, V]:
        """A memo per word or per hit (bounded by WORD_LIMIT)."""
        return cls(WORD_LIMIT)

    def get_or(self, key: K, compute: Callable[[K], V]) -> V:
        """The value for ``key``: remembered, or ``compute(key)`` remembered now."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            return self.remember(key, compute(key))
        return value  # type: ignore[return-value]

    def get_all(self, keys: Sequence[K], compute: Callable[[K], V]) -> list[V]:
        """``get_or`` for each key, in order, for values that are never None."""
        found = list(map(self.get, keys))
        if None in found:
            for i, value in enumerate(found):
                if value is None:
                    found[i] = self.get_or(keys[i], compute)
        return found  # type: ignore[return-value]

    def remember(self, key: K, value: V) -> V:
        """Remember ``value`` for ``key`` (starting afresh first when full)."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value

    def make_room(self, count: int) -> bool:
        """Start afresh unless ``count`` more values fit, so that values computed for many keys at once (set
        as in a dict) stay until they are read; whether it started afresh."""
        if len(self) + count <= self.limit:
            return False
        self.clear()
        return True

    def __reduce__(self) -> tuple[type[Memo[K, V]], tuple[int]]:
        """Pickled empty (to a worker): what it held is quickly found again, not sent."""
        return (type(self), (self.limit,))
