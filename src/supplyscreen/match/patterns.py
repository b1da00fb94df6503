r"""Rule patterns (``patterns:`` in the rule files) run on RE2: time linear in the text, whatever the pattern.

A pattern is written in Python's syntax and means what it means to Python's ``re`` with IGNORECASE: Python's
own parser (``re._parser``, the one ``re.compile`` uses) reads it, and it is written out again for RE2
(google-re2), which never backtracks: ``^(a+)+$`` on 10,000 characters takes microseconds, where a backtracking
engine takes longer than the age of the universe. What RE2 cannot do is refused when the rules are loaded, with
the reason (:class:`PatternError`): lookahead and lookbehind, backreferences, conditionals, atomic groups and
possessive quantifiers, the ``(?a)`` and ``(?L)`` flags, and a pattern that can match empty text.

Where RE2 reads a construct otherwise than Python, it is translated:

* ``\w``, ``\d``, ``\s`` and their negations are ASCII in RE2, Unicode in Python: they are written out as the
  exact character sets of the running Python (``\w`` matches 朝, я and 한 as in Python);
* ``\b`` and ``\B`` are ASCII in RE2 and cannot be written as a set: at the start or end of a pattern (or of
  one of its alternatives), where they are nearly always written, they become one character of context read
  before or after the match, which a capturing group holds; in the middle, a boundary whose sides are known
  (``hours\b[- ]``) is settled when the pattern is compiled, and any other is refused;
* ``$`` (the end, or before a final newline) is context at the end in the same way; ``\Z`` is RE2's ``\z``.

Case-insensitive matching is RE2's Unicode simple case folding, which pairs the same letters as Python's in
every script; sets holding ``\w``, ``\d`` or ``\s`` are read case-sensitively, as Python reads them.
"""

from __future__ import annotations

import array
import bisect
import re
import sys
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from importlib import import_module
from typing import Any

import re2

__all__ = ["Pattern", "PatternError", "PatternSet", "compile_pattern"]

# Python's regular-expression parser: the patterns are read exactly as re.compile reads them
_parser: Any = import_module("re._parser")

MAX_CODE_POINT = 0x10FFFF
_SURROGATES = (0xD800, 0xDFFF)
_SCANNED = 0x40000  # planes 4-16 hold no letter, digit or space: the sets are complete below this
_NEVER = r"[^\x00-\x{10FFFF}]"  # matches nothing: a boundary that can never hold
_MAX_ALTERNATIVES = 1000  # alternatives made by distributing a branch (a|b) over its context
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.max_mem = 64 << 20  # the default 8 MB refuses \w{50}: each \w is a set of 734 ranges
_RE2_OPTIONS.log_errors = False

Ranges = tuple[tuple[int, int], ...]  # sorted, disjoint, inclusive code-point ranges


class PatternError(ValueError):
    """A pattern RE2 cannot run as Python would read it; ``str()`` says why and what to write instead."""


# --- Python's character sets ----------------------------------------------------------------------------


@cache
def _every_character() -> str:
    """Every code point up to ``_SCANNED`` but the surrogates, in order."""
    points = array.array("I", range(_SCANNED))
    del points[_SURROGATES[0] : _SURROGATES[1] + 1]
    return points.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")


@cache
def _category(name: str) -> Ranges:
    """The code points Python's ``\\w``, ``\\d`` or ``\\s`` (``name``) match, from the running Python."""
    gap = _SURROGATES[1] - _SURROGATES[0] + 1

    def point(index: int) -> int:
        return index if index < _SURROGATES[0] else index + gap

    runs = re.finditer(f"\\{name}+", _every_character())
    return tuple((point(m.start()), point(m.end() - 1)) for m in runs)


def _union(*sets: Ranges) -> Ranges:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(r for s in sets for r in s):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _complement(ranges: Ranges) -> Ranges:
    out, start = [], 0
    for lo, hi in ranges:
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= MAX_CODE_POINT:
        out.append((start, MAX_CODE_POINT))
    return tuple(out)


_CATEGORIES = {
    "CATEGORY_WORD": ("w", False),
    "CATEGORY_NOT_WORD": ("w", True),
    "CATEGORY_DIGIT": ("d", False),
    "CATEGORY_NOT_DIGIT": ("d", True),
    "CATEGORY_SPACE": ("s", False),
    "CATEGORY_NOT_SPACE": ("s", True),
}


def _category_set(code: Any) -> Ranges:
    name, negated = _CATEGORIES[str(code)]
    ranges = _category(name)
    return _complement(ranges) if negated else ranges


def _with_cases(ranges: Ranges) -> Ranges:
    """``ranges`` with the other case of each of their letters, as IGNORECASE reads a set's literal members
    (sets are small: their points are looked at one by one, up to the planes where letters are)."""
    extra: list[tuple[int, int]] = []
    for lo, hi in ranges:
        for point in range(lo, min(hi, _SCANNED - 1) + 1):
            char = chr(point)
            extra.extend((ord(c), ord(c)) for c in (char.lower(), char.upper()) if len(c) == 1 and c != char)
    return _union(ranges, tuple(extra)) if extra else ranges


@cache
def _others() -> Ranges:
    """The code points ``\\w`` does not match."""
    return _complement(_category("w"))


def _exact(ranges: Ranges, negate: bool = False) -> str:
    """A set of code points for RE2, read without case folding (as Python reads ``\\w``, ``\\d``, ``\\s``)."""
    return f"(?-i:{_class(ranges, negate)})"


def _class(ranges: Ranges, negate: bool = False) -> str:
    body = "".join(
        f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in _no_surrogates(ranges)
    )
    if not body:
        return _NEVER if not negate else "(?s:.)"
    return f"[{'^' if negate else ''}{body}]"


def _no_surrogates(ranges: Ranges) -> Iterator[tuple[int, int]]:
    """RE2 reads UTF-8, in which surrogates cannot occur: they are left out of every set it is given."""
    for lo, hi in ranges:
        if hi < _SURROGATES[0] or lo > _SURROGATES[1]:
            yield lo, hi
            continue
        if lo < _SURROGATES[0]:
            yield lo, _SURROGATES[0] - 1
        if hi > _SURROGATES[1]:
            yield _SURROGATES[1] + 1, hi


# --- what a part of a pattern can start and end with: word characters ("w"), others ("n"), nothing ("e") --

_WORD, _OTHER, _EMPTY = "w", "n", "e"


def _kinds_of_set(ranges: Ranges) -> frozenset[str]:
    inside = any(_overlaps(_category("w"), lo, hi) for lo, hi in ranges)
    outside = any(_overlaps(_others(), lo, hi) for lo, hi in ranges)
    return frozenset({_WORD} if inside else set()) | frozenset({_OTHER} if outside else set())


def _overlaps(ranges: Ranges, lo: int, hi: int) -> bool:
    i = bisect.bisect_right(ranges, (hi, MAX_CODE_POINT)) - 1
    return i >= 0 and ranges[i][1] >= lo


# --- the translation -------------------------------------------------------------------------------------

_REFUSED = {
    "GROUPREF": "uses a backreference (\\1 or (?P=name)), which RE2 cannot run: write the repeated text out",
    "GROUPREF_EXISTS": "uses a conditional (?(…)…|…), which RE2 cannot run: write the alternatives out with |",
    "ATOMIC_GROUP": "uses an atomic group (?>…), which RE2 cannot run: use a plain group (?:…)",
    "POSSESSIVE_REPEAT": "uses a possessive quantifier (*+, ++, ?+), which RE2 cannot run: drop the second +",
}
_MIDDLE_BOUNDARY = (
    "has a word boundary \\b or \\B where a letter may stand on either side, which RE2 cannot check (its \\b "
    "knows ASCII letters only): put it at the start or end of the pattern or of an alternative (a|b), "
    "next to a letter on one side and a space or sign on the other"
)


class _Translator:
    """Writes a parsed pattern out for RE2, refusing what RE2 cannot run as Python would."""

    def __init__(self, flags: int) -> None:
        if flags & (re.ASCII | re.LOCALE):
            raise PatternError("uses the (?a) or (?L) flag: rule patterns read every script, drop the flag")
        self.flags = flags

    # what a part of a pattern can start (first) or end (last) with
    def kinds(self, items: Sequence[tuple[Any, Any]], first: bool) -> frozenset[str]:
        out: set[str] = set()
        for op, av in items if first else reversed(items):
            kinds = self.item_kinds(str(op), av, first)
            out |= kinds - {_EMPTY}
            if _EMPTY not in kinds:
                return frozenset(out)
        return frozenset(out | {_EMPTY})

    def item_kinds(self, op: str, av: Any, first: bool) -> frozenset[str]:
        if op == "LITERAL":
            return _kinds_of_set(self.literal_set(av))
        if op == "IN":
            return _kinds_of_set(self.set_of(av))
        if op == "BRANCH":
            return frozenset().union(*(self.kinds(branch, first) for branch in av[1]))
        if op == "SUBPATTERN":
            return self.kinds(av[3], first)
        if op in ("MAX_REPEAT", "MIN_REPEAT"):
            kinds = self.kinds(av[2], first)
            return kinds | {_EMPTY} if av[0] == 0 else kinds
        if op == "AT":
            return frozenset({_EMPTY})
        return frozenset({_WORD, _OTHER})  # ANY, NOT_LITERAL

    def literal_set(self, point: int) -> Ranges:
        ranges = ((point, point),)
        return _with_cases(ranges) if self.flags & re.IGNORECASE else ranges

    def set_of(self, members: Sequence[tuple[Any, Any]]) -> Ranges:
        """The code points a set ``[...]`` matches (IGNORECASE: with the other cases of its letters)."""
        negate = False
        literal: list[tuple[int, int]] = []
        categories: list[Ranges] = []
        for op, av in members:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                literal.append((av, av))
            elif name == "RANGE":
                literal.append(av)
            else:
                categories.append(_category_set(av))
        lits = _union(tuple(literal))
        if self.flags & re.IGNORECASE:
            lits = _with_cases(lits)
        ranges = _union(lits, *categories)
        return _complement(ranges) if negate else ranges

    # the RE2 text of a part of a pattern
    def emit(self, items: Sequence[tuple[Any, Any]]) -> str:
        out = []
        for i, (op, av) in enumerate(items):
            if str(op) == "AT" and str(av) in ("AT_BOUNDARY", "AT_NON_BOUNDARY"):
                out.append(self.middle_boundary(str(av), items[:i], items[i + 1 :]))
            else:
                out.append(self.emit_item(str(op), av))
        return "".join(out)

    def emit_item(self, op: str, av: Any) -> str:
        if op == "LITERAL":
            return _char(av)
        if op == "NOT_LITERAL":
            return f"[^{_char(av)}]"
        if op == "ANY":
            return "(?s:.)" if self.flags & re.DOTALL else "[^\\n]"
        if op == "IN":
            return self.emit_set(av)
        if op == "BRANCH":
            return "(?:" + "|".join(self.emit(branch) for branch in av[1]) + ")"
        if op == "SUBPATTERN":
            return self.emit_group(av[1], av[2], av[3])
        if op in ("MAX_REPEAT", "MIN_REPEAT"):
            low, high, item = av
            count = f"{{{low},}}" if high == _parser.MAXREPEAT else f"{{{low},{high}}}"
            count = {"{0,}": "*", "{1,}": "+", "{0,1}": "?"}.get(count, count)
            return f"(?:{self.emit(item)}){count}{'?' if op == 'MIN_REPEAT' else ''}"
        if op == "AT":
            return self.emit_at(str(av))
        if op in ("ASSERT", "ASSERT_NOT"):
            look = "lookahead (?=…) or (?!…)" if av[0] == 1 else "lookbehind (?<=…) or (?<!…)"
            raise PatternError(
                f"uses a {look}, which RE2 cannot run: list the phrases that must not count under "
                "'exclude:' instead"
            )
        raise PatternError(_REFUSED.get(op, f"uses {op}, which RE2 cannot run"))

    def emit_set(self, members: Sequence[tuple[Any, Any]]) -> str:
        if not any(str(op) == "CATEGORY" for op, _ in members):  # literal members: RE2 folds their case
            negate = any(str(op) == "NEGATE" for op, _ in members)
            literal = tuple(
                (av, av) if str(op) == "LITERAL" else av for op, av in members if str(op) != "NEGATE"
            )
            return _class(_union(literal), negate)
        return _exact(self.set_of(members))  # \w, \d, \s: read without case folding, as Python does

    def emit_group(self, add: int, remove: int, items: Sequence[tuple[Any, Any]]) -> str:
        if (add | remove) & (re.ASCII | re.LOCALE):
            raise PatternError("uses the (?a) or (?L) flag: rule patterns read every script, drop the flag")
        outer = self.flags
        self.flags = (outer | add) & ~remove
        try:
            inner = self.emit(items)
        finally:
            self.flags = outer
        case = ""
        if (add ^ remove) & re.IGNORECASE:
            case = "i" if add & re.IGNORECASE else "-i"
        return f"(?{case}:{inner})"

    def emit_at(self, code: str) -> str:
        multiline = bool(self.flags & re.MULTILINE)
        if code == "AT_BEGINNING":
            return "(?m:^)" if multiline else "\\A"
        if code == "AT_BEGINNING_STRING":
            return "\\A"
        if code == "AT_END_STRING":
            return "\\z"
        if code == "AT_END" and multiline:
            return "(?m:$)"
        raise PatternError("has '$' before its end: use '$' only at the end of the pattern (or with (?m))")

    def middle_boundary(
        self, code: str, before: Sequence[tuple[Any, Any]], after: Sequence[tuple[Any, Any]]
    ) -> str:
        """A boundary inside the pattern, settled now from what can stand on each side of it."""
        left, right = self.kinds(before, first=False), self.kinds(after, first=True)
        if len(left) != 1 or len(right) != 1 or _EMPTY in left | right:
            raise PatternError(_MIDDLE_BOUNDARY)
        holds = (left != right) == (code == "AT_BOUNDARY")
        return "" if holds else _NEVER


def _char(point: int) -> str:
    char = chr(point)
    return char if char.isascii() and char.isalnum() else f"\\x{{{point:x}}}"


# --- context around the match: boundaries and '$' at the edges --------------------------------------------


def _alternatives(items: list[tuple[Any, Any]]) -> list[list[tuple[Any, Any]]]:
    """The pattern as top-level alternatives: a branch preceded only by fixed items (letters, boundaries) is
    distributed over what surrounds it — ``\\b(?:ab\\b|cd\\b)`` is ``\\bab\\b|\\bcd\\b`` — which keeps the order
    in which Python tries them, so that each alternative's edges can be read as context."""
    for i, (op, av) in enumerate(items):
        name = str(op)
        if name == "BRANCH":
            head, tail = items[:i], items[i + 1 :]
            out = [alt for branch in av[1] for alt in _alternatives([*head, *branch, *tail])]
            return out if len(out) <= _MAX_ALTERNATIVES else [items]
        if name == "SUBPATTERN" and not av[1] and not av[2]:
            return _alternatives([*items[:i], *av[3], *items[i + 1 :]])
        if name not in ("LITERAL", "AT"):
            break
    return [items]


_EDGE_BOUNDARIES = ("AT_BOUNDARY", "AT_NON_BOUNDARY")


def _edge(items: list[tuple[Any, Any]], index: int, codes: tuple[str, ...]) -> str | None:
    if items and str(items[index][0]) == "AT" and str(items[index][1]) in codes:
        code = str(items[index][1])
        del items[index]
        return code
    return None


class _Context:
    """What must stand before and after one alternative of a pattern (RE2 text for the character there)."""

    def __init__(self, translator: _Translator, items: list[tuple[Any, Any]]) -> None:
        items = list(items)
        lead = _edge(items, 0, _EDGE_BOUNDARIES)
        multiline = bool(translator.flags & re.MULTILINE)
        trail = _edge(items, -1, (*_EDGE_BOUNDARIES, *(() if multiline else ("AT_END",))))
        self.core = translator.emit(items)
        self.before = self.after = ""
        self.at_start = True  # can this alternative match at the very start of the text
        if lead is not None:
            word_after = self._side(translator.kinds(items, first=True))
            word_before = word_after != (lead == "AT_BOUNDARY")
            self.before = _exact(_category("w"), negate=not word_before)
            self.at_start = not word_before
        if trail == "AT_END":
            self.after = "\\n?\\z"
        elif trail is not None:
            word_before = self._side(translator.kinds(items, first=False))
            word_after = word_before != (trail == "AT_BOUNDARY")
            words = _category("w")
            self.after = _exact(words) if word_after else f"(?:{_exact(words, negate=True)}|\\z)"

    @staticmethod
    def _side(kinds: frozenset[str]) -> bool:
        """Whether the edge character is a word character; a boundary beside a mix is refused."""
        if len(kinds) != 1 or _EMPTY in kinds:
            raise PatternError(_MIDDLE_BOUNDARY)
        return _WORD in kinds

    @property
    def edges(self) -> bool:
        return bool(self.before or self.after)


# --- compiled patterns -----------------------------------------------------------------------------------


class Pattern:
    """One rule pattern compiled for RE2; :meth:`spans` gives what ``re.finditer`` (IGNORECASE) would."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            parsed = _parser.parse(source, re.IGNORECASE)
        except re.error as exc:
            raise PatternError(f"is not a valid regular expression: {exc}") from exc
        if parsed.getwidth()[0] == 0:
            raise PatternError("can match empty text: make at least one character required")
        translator = _Translator(parsed.state.flags)
        alternatives = [_Context(translator, alt) for alt in _alternatives(list(parsed))]
        case = "(?i)" if parsed.state.flags & re.IGNORECASE else ""
        # the pattern without its context: it matches wherever the pattern does (and perhaps elsewhere)
        self.loose = case + "|".join(alt.core for alt in alternatives)
        self._at_start: Any = None
        self._context = any(alt.edges for alt in alternatives)
        if not self._context:
            self._regex = _compile(self.loose)
            return
        # The context of each alternative is one character before the match and, where it has one, one after
        # it, and a capturing group holds the match itself; every alternative starts one character early, so
        # the order in which they are tried stays Python's. A match at the very start of the text, with no
        # character before it, is looked for once with ``_at_start``.
        self._regex = _compile(
            case + "|".join(f"{alt.before or '(?s:.)'}({alt.core}){alt.after}" for alt in alternatives)
        )
        first = [f"({alt.core}){alt.after}" for alt in alternatives if alt.at_start]
        self._at_start = _compile(case + "|".join(first)) if first else None

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (compile_pattern, (self.source,))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of each match in ``text``, left to right, not overlapping, as ``re.finditer``."""
        data = _utf8(text)
        return _char_spans(text, data, self.byte_spans(data))

    def byte_spans(self, data: bytes) -> list[tuple[int, int]]:
        """:meth:`spans` in UTF-8 bytes."""
        if not self._context:
            return [m.span() for m in self._regex.finditer(data)]
        found: list[tuple[int, int]] = []
        start = 0  # where the next match may begin
        if self._at_start is not None:
            m = self._at_start.match(data)
            if m is not None:
                found.append(_group_span(m))
                start = found[-1][1]
        while start < len(data):
            before = start - 1 if start else 0  # the character before ``start`` is the context
            while before > 0 and data[before] & 0xC0 == 0x80:
                before -= 1
            m = self._regex.search(data, before)
            if m is None:
                break
            found.append(_group_span(m))
            start = found[-1][1]
        return found


class PatternSet:
    """The patterns of a rule set, searched together: one pass of RE2 over a text says which of them can
    match it (most texts: none), and only those are run."""

    def __init__(self, sources: Sequence[str]) -> None:
        self.sources = tuple(sources)
        self.patterns = [compile_pattern(source) for source in self.sources]
        self._set: Any = None
        if self.patterns:
            self._set = re2.Set.SearchSet(_RE2_OPTIONS)
            for pattern in self.patterns:
                self._set.Add(pattern.loose)
            self._set.Compile()

    def __reduce__(self) -> tuple[Any, ...]:
        return (PatternSet, (self.sources,))

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) of every match in ``text``, pattern by pattern, each left to right."""
        if self._set is None:
            return []
        data = _utf8(text)
        candidates = self._set.Match(data)
        if not candidates:
            return []
        return [
            (i, start, end)
            for i in sorted(candidates)
            for start, end in _char_spans(text, data, self.patterns[i].byte_spans(data))
        ]


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _group_span(m: Any) -> tuple[int, int]:
    """The match itself: the span of the group (one per alternative) that took part."""
    span: tuple[int, int] = m.span(m.lastindex)
    return span


def _char_spans(text: str, data: bytes, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """UTF-8 byte offsets in ``data`` as character offsets in ``text``, in one pass (the spans are in order)."""
    if not spans or len(data) == len(text):  # ASCII: a byte is a character
        return spans
    out = []
    byte = char = 0
    for start, end in spans:
        char += len(data[byte:start].decode("utf-8", "surrogatepass"))
        length = len(data[start:end].decode("utf-8", "surrogatepass"))
        out.append((char, char + length))
        byte, char = end, char + length
    return out


def _compile(text: str) -> Any:
    try:
        return re2.compile(text, _RE2_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(
            f"cannot be compiled for RE2, the linear-time engine rules run on: {reason}"
        ) from exc


@lru_cache(maxsize=1024)
def compile_pattern(source: str) -> Pattern:
    """A rule pattern compiled for RE2 (once per process); raises PatternError saying why it cannot be."""
    return Pattern(source)
