"""Matchers: find indicator hits in one supplier row.

Each matcher is small and returns hits that say which field, what text, which term and how similar:

* terms in Chinese are searched as substrings of the folded text (Chinese has no spaces);
* all other terms are transliterated to ASCII tokens and searched as whole-word token sequences with an
  Aho-Corasick automaton, so "tuna" never fires inside "Fortuna";
* a single-word term also matches two adjacent words written apart ("Dan Dong") and, where the indicator
  allows it, a near spelling of 6+ letters with the same first letter (rapidfuzz ratio >= 90);
* country indicators compare ISO codes; HS indicators compare code prefixes.

Mentions in a negated clause ("no North Korean workers", "无朝鲜工人", "без ...") are not hits.

Every cell value is matched as a reader sees it (``normalize.text.readable``: characters that show nothing
removed, a right-to-left override read as it displays, letters written one by one joined), once per distinct
value; hits quote that reading.

Speed: a large sheet repeats its countries, addresses, goods and notes, so a ``Matcher`` keeps hits per
distinct cell value (``supplyscreen.match.memo``); names are mostly unique, but their words are not, so what
each word can do is kept per word and most cells are settled by a cheap look at their words
(``TermMatcher._quick``) without the full search.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

import ahocorasick
from anyascii import anyascii
from rapidfuzz import fuzz, process

from supplyscreen.compare.vessel import compare_vessels
from supplyscreen.match.concepts import ConceptMatch, ConceptMatcher
from supplyscreen.match.memo import Memo
from supplyscreen.match.patterns import PatternSet
from supplyscreen.normalize.text import (
    address_matters,
    country_code,
    fold,
    format_hs,
    has_cjk,
    hs_codes,
    readable,
    stem,
    tokens,
    unit_spans,
)
from supplyscreen.rules import Citation, Indicator, RuleSet

__all__ = ["Hit", "Matcher", "TermMatcher", "compare_vessels", "hit_for"]

FUZZY_MIN_LEN = 6
FUZZY_CUTOFF = 90.0
NEGATION_WINDOW = 4
NEGATORS = frozenset(
    {"no", "not", "non", "without", "never", "none", "zero", "nor", "net", "bez", "ne", "ni"}
)
CJK_NEGATORS = ("无", "没有", "未", "不", "非", "否")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


# fields of prose, where a term indicator's ``unless`` is read (``Matcher.in_context``)
PROSE_FIELDS = frozenset({"description", "notes"})
_PIECES = re.compile(r"([\W_]+)")  # words at even places, what separates them at odd places


@dataclass(frozen=True, slots=True)
class Hit:
    """One reason for risk: a rule that fired on a field of a row."""

    rule: str
    indicator: str
    category: str
    field: str
    text: str
    matched: str
    similarity: float
    points: int
    citations: tuple[Citation, ...]
    nexus: bool = False
    tags: tuple[str, ...] = ()
    group: str | None = None
    list: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "indicator": self.indicator,
            "category": self.category,
            "field": self.field,
            "text": self.text,
            "matched": self.matched,
            "similarity": round(self.similarity, 3),
            "points": self.points,
            "citations": [c.as_json() for c in self.citations],
            "list": dict(self.list) if self.list is not None else None,
        }


def hit_for(ind: Indicator, field_name: str, text: str, matched: str, similarity: float) -> Hit:
    return Hit(
        rule=ind.id,
        indicator=ind.name,
        category=ind.category,
        field=field_name,
        text=text,
        matched=matched,
        similarity=similarity,
        points=ind.points,
        citations=tuple(ind.citations),
        nexus=ind.nexus,
        tags=tuple(ind.tags),
        group=ind.group,
    )


class _Candidate(NamedTuple):
    idx: int
    term: str
    start: int
    end: int
    similarity: float
    negated: bool


# One non-Chinese unit of a field value: (ASCII token, start, end, clause), spans in the folded text.
# A plain tuple: names are mostly unique, so these are built for every name a sector word fires in.
_Latin = tuple[str, int, int, int]
_TOKEN: Final = 0
_START: Final = 1
_END: Final = 2
_CLAUSE: Final = 3


@dataclass
class _Prepared:
    """A field value in the forms the matchers need."""

    original: str
    folded: str
    units: list[_Latin]  # the non-Chinese units (Chinese text is searched in ``folded``)
    latin: str = ""  # " tok tok tok " of ``units``
    offsets: list[int] = field(default_factory=list)  # start of each unit's token in ``latin``
    negators: bool = False  # whether any token is a negator (else nothing is negated)
    _source: str | None = None  # the text spans are quoted from

    @classmethod
    def of(cls, text: str) -> _Prepared:
        folded = fold(text)
        us = [(tok, start, end, clause) for tok, start, end, clause, cjk in unit_spans(folded) if not cjk]
        toks = [u[_TOKEN] for u in us]
        prep = cls(text, folded, us, " " + " ".join(toks) + " ")
        pos = 1
        for tok in toks:
            prep.offsets.append(pos)
            pos += len(tok) + 1
        prep.negators = not NEGATORS.isdisjoint(toks)
        return prep

    def quote(self, start: int, end: int) -> str:
        """The user's own text for a span of the folded text."""
        if self._source is None:  # normalised once per cell, not once per hit
            nfkc = unicodedata.normalize("NFKC", self.original)
            self._source = nfkc if len(nfkc) == len(self.folded) else self.folded
        return self._source[start:end].strip()


# What a word can do, for the cheap look in ``TermMatcher._quick`` (flags of its plural-folded form).
_STARTS_KEY = 1  # the first word of a term
_STARTS_JOIN = 2  # the first part of a single-word term written as two words ("dan" of "dandong")
_NEAR = 4  # a near spelling of a fuzzy single-word term
_NEGATOR = 8  # a negator ("no", "without"): it may set a following match aside


class TermMatcher:
    """All term indicators compiled into two automata and a fuzzy vocabulary."""

    def __init__(self, indicators: list[Indicator]) -> None:
        self.indicators = indicators
        self._latin = ahocorasick.Automaton()
        self._cjk = ahocorasick.Automaton()
        self._single: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self._excludes: dict[int, list[tuple[bool, str]]] = {}
        latin_keys: dict[str, list[tuple[int, str, int, int]]] = defaultdict(list)
        cjk_keys: dict[str, list[tuple[int, str]]] = defaultdict(list)
        fuzzy_vocab: set[str] = set()
        for idx, ind in enumerate(indicators):
            for term in ind.terms:
                if has_cjk(term):
                    cjk_keys[fold(term)].append((idx, term))
                    continue
                toks = tokens(term)
                if not toks:
                    continue
                key = " " + " ".join(toks) + " "
                latin_keys[key].append((idx, term, len(toks), len(key)))
                if len(toks) == 1:
                    self._single[toks[0]].append((idx, term))
                    if ind.fuzzy and len(toks[0]) >= FUZZY_MIN_LEN and toks[0].isalpha():
                        fuzzy_vocab.add(toks[0])
            if ind.exclude:
                self._excludes[idx] = [
                    (True, fold(e)) if has_cjk(e) else (False, " " + " ".join(tokens(e)) + " ")
                    for e in ind.exclude
                ]
        for key, values in latin_keys.items():
            self._latin.add_word(key, values)
        for key, cjk_values in cjk_keys.items():
            self._cjk.add_word(key, cjk_values)
        self._has_latin = bool(latin_keys)
        self._has_cjk = bool(cjk_keys)
        if self._has_latin:
            self._latin.make_automaton()
        if self._has_cjk:
            self._cjk.make_automaton()
        self._fuzzy_vocab = sorted(fuzzy_vocab)
        # (first letter, length) of the tokens that can be near spellings: only a term with the token's
        # first letter counts, and fuzz.ratio of words of lengths a and b is at most 200 * min(a, b) / (a + b).
        self._near_shapes = {
            (word[0], n)
            for word in self._fuzzy_vocab
            for n in range(FUZZY_MIN_LEN, 2 * len(word) + 1)
            if 200 * min(n, len(word)) >= FUZZY_CUTOFF * (n + len(word))
        }
        self._patterns = PatternSet([pattern for ind in indicators for pattern in ind.patterns])
        self._pattern_indicator = [idx for idx, ind in enumerate(indicators) for _ in ind.patterns]
        self._pattern_fields = frozenset(f for idx in self._pattern_indicator for f in indicators[idx].fields)
        self._key_starts = frozenset(key.split()[0] for key in latin_keys)
        self._join_starts = frozenset(s[:i] for s in self._single for i in range(1, len(s)))
        self._splits = ahocorasick.Automaton()  # " a b " for each single-word term "ab" written apart
        for tok in self._single:
            for i in range(1, len(tok)):
                self._splits.add_word(f" {tok[:i]} {tok[i:]} ", i)
        if self._join_starts:
            self._splits.make_automaton()
        self._words: Memo[str, tuple[str, int]] = Memo.per_word()  # word -> its plural-folded form and flags
        self._plain: Memo[str, bool] = Memo.per_word()  # the words without flags (a cheap first look)
        # hits by (indicator, field, quoted text, term, similarity), made once and shared (they are
        # immutable, and costly to make): a sector word such as "Seafood" fires alike in thousands of names
        self._hits: Memo[tuple[int, str, str, str, float], Hit] = Memo.per_word()

    # -- one field value ------------------------------------------------------------------------------

    def find(self, field_name: str, text: str, trace: list[str] | None = None) -> list[Hit]:
        """Hits of term and pattern indicators in one field value.

        With ``trace``, also records why candidate matches were set aside (negated, excluded, wrong field)
        and near spellings that fell below the fuzzy cut-off: the material of ``supplyscreen explain``.
        """
        if trace is None:
            quick = self._quick(field_name, text)
            if quick is not None:
                return quick
        return self._search(field_name, text, trace)

    def _search(self, field_name: str, text: str, trace: list[str] | None) -> list[Hit]:
        """``find`` in full."""
        prep = _Prepared.of(text)
        found: list[_Candidate] = []
        if self._has_cjk and has_cjk(prep.folded):
            for end, values in self._cjk.iter(prep.folded):
                for idx, term in values:
                    start = end - len(fold(term)) + 1
                    found.append(_Candidate(idx, term, start, end + 1, 1.0, _cjk_negated(prep.folded, start)))
        if self._has_latin and prep.offsets:
            exact_single: set[int] = set()
            for end, values in self._latin.iter(prep.latin):
                for idx, term, ntoks, key_len in values:
                    first = bisect.bisect_left(prep.offsets, end - key_len + 2)
                    last = first + ntoks - 1
                    negated = self._negated(prep, first)
                    found.append(
                        _Candidate(idx, term, prep.units[first][_START], prep.units[last][_END], 1.0, negated)
                    )
                    if ntoks == 1:
                        exact_single.add(first)
            found.extend(self._joined_and_fuzzy(prep, exact_single, trace))
        for k, start, end in self._patterns.find(
            prep.folded
        ):  # RE2: linear in the text, whatever the pattern
            found.append(
                _Candidate(self._pattern_indicator[k], self._patterns.sources[k], start, end, 1.0, False)
            )
        hits: list[Hit] = []
        for c in found:
            ind = self.indicators[c.idx]
            quoted = prep.quote(c.start, c.end)
            reason = (
                f"applies to {', '.join(ind.fields)}, not {field_name}"
                if field_name not in ind.fields
                else "negated in its clause"
                if c.negated
                else "inside an excluded phrase"
                if self._excluded(c.idx, prep, c.start, c.end)
                else None
            )
            if reason is None:
                hits.append(self._hits.get_or((c.idx, field_name, quoted, c.term, c.similarity), self._hit))
            elif trace is not None:
                line = f"{ind.id}: {field_name} “{quoted}” matches “{c.term}” but is set aside: {reason}"
                head = f"{ind.id}: {field_name} “{quoted}”"
                if not any(t.startswith(head) and t.endswith(reason) for t in trace):  # one line per place
                    trace.append(line)
        return hits

    def _quick(self, field_name: str, text: str) -> list[Hit] | None:
        """``find``'s answer when a cheap look at the words settles it, else None (search in full).

        Most cells hold no word that can start a match: no hits. Most of the others (a sector word such as
        "Seafood" in a company name) match terms at one place only, with no negator, near spelling, word
        written apart or excluded phrase about: their hits are those terms', quoted from the cell.
        """
        if field_name in self._pattern_fields:
            return None
        plain_ascii = text.isascii()  # then the words here are the tokens ``find`` works on
        folded = text.casefold()
        if not plain_ascii:
            if self._has_cjk and has_cjk(folded):
                return None
            # words are read as the full search reads them (``normalize.text.units``): a run of letters and
            # digits, transliterated; anything else separates them, even a sign with an ASCII form ('¢' is
            # not "c") or none ('\x80')
            pieces = _PIECES.split(unicodedata.normalize("NFKC", folded))
            folded = "".join(
                [
                    " " if i % 2 else piece if piece.isascii() else anyascii(piece)
                    for i, piece in enumerate(pieces)
                ]
            ).lower()
        words = _ASCII_WORD.findall(folded)
        if self._plain.keys() >= set(words):  # words that can start no match: the usual case
            return []
        read = self._words.get_all(words, self._read)
        flags = 0
        for _, word_flags in read:
            flags |= word_flags
        if not flags:  # no word that can start a match: the usual case
            return []
        if flags & _NEAR:
            return None
        latin = " " + " ".join([tok for tok, _ in read]) + " "
        if flags & _STARTS_JOIN and next(self._splits.iter(latin), None) is not None:
            return None
        if not flags & _STARTS_KEY:
            return []
        matches = list(self._latin.iter(latin))  # (end, terms) with the same key of each term
        if not matches:
            return []
        if not plain_ascii or flags & _NEGATOR:
            return None
        start = matches[0][0] - matches[0][1][0][3] + 2  # in ``latin``, where the first match starts
        for end, terms in matches:
            if end - terms[0][3] + 2 != start or any(idx in self._excludes for idx, _, _, _ in terms):
                return None
        first = latin.count(" ", 0, start) - 1  # the word it starts at
        spans = _ASCII_WORD.finditer(folded)  # the words of ``folded`` with their spans
        span = next(itertools.islice(spans, first, None))
        begin, at = span.start(), first
        hits: list[Hit] = []
        for _, terms in matches:  # longer and longer
            last = first + terms[0][2] - 1
            if last > at:
                span = next(itertools.islice(spans, last - at - 1, None))
                at = last
            quoted = text[begin : span.end()].strip()
            for idx, term, _, _ in terms:
                if field_name in self.indicators[idx].fields:
                    hits.append(self._hits.get_or((idx, field_name, quoted, term, 1.0), self._hit))
        return hits

    def _hit(self, key: tuple[int, str, str, str, float]) -> Hit:
        idx, field_name, text, matched, similarity = key
        return hit_for(self.indicators[idx], field_name, text, matched, similarity)

    def _read(self, word: str) -> tuple[str, int]:
        """A word's plural-folded form and what it can start or be (see ``_quick``)."""
        tok = stem(word)
        flags = (
            (_STARTS_KEY if tok in self._key_starts else 0)
            | (_STARTS_JOIN if tok in self._join_starts else 0)
            | (_NEAR if self._fuzzy_hit(tok) else 0)
            | (_NEGATOR if tok in NEGATORS else 0)
        )
        if not flags:
            self._plain.remember(word, True)
        return tok, flags

    def _near(self, tok: str) -> tuple[str, float] | None:
        """The fuzzy single-word term ``tok`` is a near spelling of and the similarity score, if any: the
        closest term at or above the cut-off, when it starts with the same letter."""
        if (tok[0], len(tok)) not in self._near_shapes:  # no term of its first letter is close in length
            return None
        best = process.extractOne(tok, self._fuzzy_vocab, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return (best[0], best[1]) if best is not None and best[0][0] == tok[0] else None

    def _fuzzy_hit(self, tok: str) -> bool:
        """Whether a token is a near spelling of a fuzzy single-word term."""
        if len(tok) < FUZZY_MIN_LEN or tok in self._single or not tok.isalpha() or not self._fuzzy_vocab:
            return False
        return self._near(tok) is not None

    def _joined_and_fuzzy(
        self, prep: _Prepared, exact: set[int], trace: list[str] | None
    ) -> list[_Candidate]:
        out: list[_Candidate] = []
        us = prep.units
        single = self._single
        for pos in range(len(us) - 1):
            a, b = us[pos], us[pos + 1]
            if a[_CLAUSE] != b[_CLAUSE]:
                continue
            for idx, term in single.get(a[_TOKEN] + b[_TOKEN], ()):
                out.append(_Candidate(idx, term, a[_START], b[_END], 0.95, self._negated(prep, pos)))
        for pos, (tok, start, end, _) in enumerate(us):
            if pos in exact or len(tok) < FUZZY_MIN_LEN or tok in single or not tok.isalpha():
                continue
            best = self._near(tok)
            if best is not None:
                for idx, term in single[best[0]]:
                    if self.indicators[idx].fuzzy:
                        sim = round(best[1] / 100, 3)
                        out.append(_Candidate(idx, term, start, end, sim, self._negated(prep, pos)))
            elif trace is not None:
                near = process.extractOne(tok, list(single), scorer=fuzz.ratio, score_cutoff=75)
                if near is not None:
                    ids = ", ".join(self.indicators[i].id for i, _ in single[near[0]])
                    why = (
                        "different first letter"
                        if near[0][0] != tok[0]
                        else f"below the cut-off {FUZZY_CUTOFF:.0f}"
                    )
                    if near[1] >= FUZZY_CUTOFF and not any(
                        self.indicators[i].fuzzy for i, _ in single[near[0]]
                    ):
                        why = "the rule allows no near spellings"
                    trace.append(
                        f"{ids}: near miss “{tok}” ~ “{near[0]}” similarity {near[1] / 100:.2f}, not counted: {why}"
                    )
        return out

    @staticmethod
    def _negated(prep: _Prepared, pos: int) -> bool:
        """True when a negator stands in the same clause within a few words before latin token ``pos``."""
        if not prep.negators:
            return False
        clause = prep.units[pos][_CLAUSE]
        for back in range(max(0, pos - NEGATION_WINDOW), pos):
            other = prep.units[back]
            if other[_CLAUSE] == clause and other[_TOKEN] in NEGATORS:
                return True
        return False

    def _excluded(self, idx: int, prep: _Prepared, start: int, end: int) -> bool:
        for is_cjk, key in self._excludes.get(idx, ()):
            if is_cjk:
                pos = prep.folded.find(key)
                while pos >= 0:
                    if pos < end and start < pos + len(key):
                        return True
                    pos = prep.folded.find(key, pos + 1)
            else:
                pos = prep.latin.find(key)
                while pos >= 0:
                    first = bisect.bisect_left(prep.offsets, pos + 1)
                    last = first + key.count(" ") - 2
                    if last < len(prep.units):
                        s, e = prep.units[first][_START], prep.units[last][_END]
                        if s < end and start < e:
                            return True
                    pos = prep.latin.find(key, pos + 1)
        return False


def concept_matched(m: ConceptMatch) -> str:
    """What a concept hit matched: its pattern and the words that filled each slot."""
    return f"{m.pattern} ← {m.describe()}"


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cjk_negated(folded: str, start: int) -> bool:
    window = folded[max(0, start - 3) : start]
    return any(neg in window for neg in CJK_NEGATORS)


class Matcher:
    """Every matcher of a rule set, applied to one row of canonical fields."""

    def __init__(self, rules: RuleSet) -> None:
        from supplyscreen.match.enforcement import EnforcementMatcher, mention_indicators

        self.rules = rules
        # the CBP enforcement actions: names and vessels matched like a watchlist, sheet by sheet
        # (pipeline.backends.screen_chunk), and their names in notes with the rule terms, here
        actions = rules.enforcement
        self.enforcement = (
            EnforcementMatcher(actions, rules.matching, rules.cited) if actions.actions else None
        )
        mentions = mention_indicators(actions)
        self.terms = TermMatcher([i for i in rules.indicators if i.terms or i.patterns] + mentions)
        self.concepts = ConceptMatcher([i for i in rules.indicators if i.when], rules.concepts)
        self._unless_country = {
            i.id: frozenset(i.unless_country) for i in rules.indicators if i.unless_country
        }
        self._fallback = {i.id: tuple(i.unless_fired) for i in rules.indicators if i.unless_fired}
        self._term_unless = {i.id: frozenset(i.unless) for i in rules.indicators if i.unless and not i.when}
        self._by_country: dict[str, list[Indicator]] = defaultdict(list)
        self._by_hs: dict[str, list[Indicator]] = defaultdict(list)
        for ind in rules.indicators:
            for code in ind.countries:
                self._by_country[code].append(ind)
            for code in ind.hs_codes:
                self._by_hs[code.replace(".", "")].append(ind)
        # Hits per distinct value, as tuples (most are the empty tuple): a large sheet repeats its countries,
        # addresses, goods and notes, and many lists kept alive would slow the garbage collector. Per field,
        # so that a column of distinct values (names) does not push out those of a column that repeats.
        self._cells: Memo[str, Memo[str, tuple[Hit, ...]]] = Memo()  # field -> text -> term hits
        self._countries: Memo[str, tuple[Hit, ...]] = (
            Memo()
        )  # country -> hits, where the address cannot matter
        self._places: Memo[tuple[str, str], tuple[Hit, ...]] = Memo()  # (country, address) -> hits
        self._goods: Memo[str, tuple[Hit, ...]] = Memo()  # HS code cell -> HS hits

    def _cell_hits(self, field_name: str, text: str) -> tuple[Hit, ...]:
        """Term (and concept) hits of one cell value (as a reader sees it)."""
        text = readable(text)
        hits = self.in_context(field_name, text, self._terms(field_name, text))
        if field_name in self.concepts.fields:
            found_by_meaning = self.concept_hits(field_name, text)
            if found_by_meaning:
                hits = [*hits, *found_by_meaning]
        return tuple(hits)

    def in_context(
        self, field_name: str, text: str, hits: list[Hit], trace: list[str] | None = None
    ) -> list[Hit]:
        """``hits`` (term hits of one prose value) less those that a concept of their indicator's ``unless``
        sets aside in the same sentence: "Chaoxianzu staff from Yanbian" names where the staff come from, not
        where the supplier is. A name or an address is where the supplier is, so only prose is read so."""
        if not self._term_unless or field_name not in PROSE_FIELDS:
            return hits
        kept = []
        for hit in hits:
            unless = self._term_unless.get(hit.rule)
            at = text.find(hit.text) if unless else -1
            found = (
                self.concepts.context(text, unless, (at, at + len(hit.text))) if unless and at >= 0 else None
            )
            if found is None:
                kept.append(hit)
            elif trace is not None:
                concept, words = found
                trace.append(
                    f"{hit.rule}: {field_name} “{hit.text}” set aside: {concept} in the same sentence (“{words}”)"
                )
        return kept

    def _terms(self, field_name: str, text: str, trace: list[str] | None = None) -> list[Hit]:
        """Term and pattern hits of one value, an enforcement action's name among them as its action's hit."""
        hits = self.terms.find(field_name, text, trace)
        if self.enforcement is not None and any(h.category == "enforcement" for h in hits):
            mention = self.enforcement.mention
            hits = [mention(h) if h.category == "enforcement" else h for h in hits]
        return hits

    def concept_hits(self, field_name: str, text: str, trace: list[str] | None = None) -> list[Hit]:
        """Hits of the concept patterns (``when``) in one field value; with ``trace``, the matches set
        aside and why."""
        hits: list[Hit] = []
        seen: set[str] = set()
        for m in self.concepts.matches(field_name, text):
            ind = self.concepts.indicators[m.indicator]
            if m.set_aside is None:
                if ind.id not in seen:  # one hit per indicator and value: the first sentence that fills it
                    seen.add(ind.id)
                    hits.append(hit_for(ind, field_name, _clip(m.sentence), concept_matched(m), 1.0))
            elif trace is not None:
                trace.append(
                    f"{ind.id}: {field_name} “{_clip(m.sentence)}” fills “{m.pattern}” with "
                    f"{m.describe()} but is set aside: {m.set_aside}"
                )
        if any(self._fallback.get(h.rule, ()) for h in hits):  # fallbacks give way to what they stand in for
            kept = []
            for hit in hits:
                instead = [r for r in self._fallback.get(hit.rule, ()) if r in seen]
                if instead:
                    if trace is not None:
                        trace.append(
                            f"{hit.rule}: {field_name} “{hit.text}” set aside: {', '.join(instead)} fired on it"
                        )
                    continue
                kept.append(hit)
            hits = kept
        return hits

    def match_row(self, row: Mapping[str, str], trace: list[str] | None = None) -> list[Hit]:
        hits: list[Hit] = []
        cells = self._cells
        for field_name, text in row.items():
            if text and field_name != "id":
                if trace is not None:
                    terms = self._terms(field_name, readable(text), trace)
                    hits.extend(self.in_context(field_name, readable(text), terms, trace))
                    hits.extend(self.concept_hits(field_name, readable(text), trace))
                    continue
                values = cells.get(field_name)
                if values is None:
                    values = cells[field_name] = Memo()
                found = values.get(text)
                if found is None:
                    found = values.remember(text, self._cell_hits(field_name, text))
                if found:
                    hits.extend(found)
        country, address = row.get("country", ""), row.get("address", "")
        if country or address:
            placed = self._countries.get(country)
            if placed is None:
                placed = self._places.get_or((country, address), self._place_hits)
            if placed:
                hits.extend(placed)
        goods = row.get("hs_code")
        if goods:
            found = self._goods.get_or(goods, self._hs_hits)
            if found:
                hits.extend(found)
        if self._unless_country and any(h.rule in self._unless_country for h in hits):
            hits = self._country_set_aside(hits, country, address, trace)
        return hits

    def _country_set_aside(
        self, hits: list[Hit], country: str, address: str, trace: list[str] | None
    ) -> list[Hit]:
        """Hits of indicators that do not apply to a supplier of its country (``unless_country``): "朝鲜"
        or "Chosun" in the name of a company of the Republic of Korea is a brand, not the DPRK."""
        code = country_code(readable(country), readable(address)) if country or address else None
        if code is None:
            return hits
        kept = []
        for hit in hits:
            if code in self._unless_country.get(hit.rule, ()):
                if trace is not None:
                    trace.append(
                        f"{hit.rule}: {hit.field} “{hit.text}” set aside: the supplier's country is {code}"
                    )
                continue
            kept.append(hit)
        return kept

    def _place_hits(self, place: tuple[str, str]) -> tuple[Hit, ...]:
        """Hits of country indicators for a row's (country, address); kept for the country alone too when
        the address cannot matter."""
        written, address = place
        country, address = readable(written), readable(address)
        hits: list[Hit] = []
        code = country_code(country, address)
        if code:
            where = "country" if country else "address"
            shown = country if country else address
            for ind in self._by_country.get(code, ()):
                hits.append(hit_for(ind, where, shown, code, 1.0))
        found = tuple(hits)
        if not address_matters(country):
            self._countries.remember(written, found)
        return found

    def _hs_hits(self, cell: str) -> tuple[Hit, ...]:
        """Hits of HS code indicators for an HS code cell."""
        hits: list[Hit] = []
        cell = readable(cell)
        for code in hs_codes(cell):
            for length in range(2, len(code) + 1):
                for ind in self._by_hs.get(code[:length], ()):
                    hits.append(hit_for(ind, "hs_code", cell, format_hs(code[:length]), 1.0))
        return tuple(hits)
