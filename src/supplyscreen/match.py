"""Matchers: find indicator hits in one supplier row.

Each matcher is small and returns hits that say which field, what text, which term and how similar:

* terms in Chinese are searched as substrings of the folded text (Chinese has no spaces);
* all other terms are transliterated to ASCII tokens and searched as whole-word token sequences with an
  Aho-Corasick automaton, so "tuna" never fires inside "Fortuna";
* a single-word term also matches two adjacent words written apart ("Dan Dong") and, where the indicator
  allows it, a near spelling of 6+ letters with the same first letter (rapidfuzz ratio >= 90);
* country indicators compare ISO codes; HS indicators compare code prefixes.

Mentions in a negated clause ("no North Korean workers", "无朝鲜工人", "без ...") are not hits.
"""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
from anyascii import anyascii
from rapidfuzz import fuzz, process

from supplyscreen.normalize import (
    Unit,
    country_code,
    fold,
    format_hs,
    has_cjk,
    hs_codes,
    stem,
    tokens,
    units,
    vessel_key,
)
from supplyscreen.rules import Citation, Indicator, RuleSet

FUZZY_MIN_LEN = 6
FUZZY_CUTOFF = 90.0
NEGATION_WINDOW = 4
NEGATORS = frozenset(
    {"no", "not", "non", "without", "never", "none", "zero", "nor", "net", "bez", "ne", "ni"}
)
CJK_NEGATORS = ("无", "没有", "未", "不", "非", "否")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


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
            "citations": [{"source": c.source, "quote": c.quote} for c in self.citations],
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


@dataclass(frozen=True, slots=True)
class _Candidate:
    idx: int
    term: str
    start: int
    end: int
    similarity: float
    negated: bool


@dataclass
class _Prepared:
    """A field value in the forms the matchers need."""

    original: str
    folded: str
    units: list[Unit]
    latin: str = ""  # " tok tok tok " of the non-Chinese units
    offsets: list[int] = field(default_factory=list)  # start of each latin token in ``latin``
    index: list[int] = field(default_factory=list)  # latin token -> position in ``units``
    _source: str | None = None  # the text spans are quoted from

    @classmethod
    def of(cls, text: str) -> _Prepared:
        folded = fold(text)
        us = units(folded)
        prep = cls(text, folded, us)
        parts: list[str] = []
        pos = 1
        for i, unit in enumerate(us):
            if unit.cjk:
                continue
            prep.offsets.append(pos)
            prep.index.append(i)
            parts.append(unit.token)
            pos += len(unit.token) + 1
        prep.latin = " " + " ".join(parts) + " "
        return prep

    def quote(self, start: int, end: int) -> str:
        """The user's own text for a span of the folded text."""
        if self._source is None:  # normalised once per cell, not once per hit
            nfkc = unicodedata.normalize("NFKC", self.original)
            self._source = nfkc if len(nfkc) == len(self.folded) else self.folded
        return self._source[start:end].strip()


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
        self._fuzzy_cache: dict[str, bool] = {}
        self._patterns = [
            (idx, re.compile(pattern, re.IGNORECASE))
            for idx, ind in enumerate(indicators)
            for pattern in ind.patterns
        ]

    # -- one field value ------------------------------------------------------------------------------

    def find(self, field_name: str, text: str, trace: list[str] | None = None) -> list[Hit]:
        """Hits of term and pattern indicators in one field value.

        With ``trace``, also records why candidate matches were set aside (negated, excluded, wrong field)
        and near spellings that fell below the fuzzy cut-off: the material of ``supplyscreen explain``.
        """
        if trace is None and not self._may_match(text):
            return []
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
                    ustart, uend = prep.units[prep.index[first]], prep.units[prep.index[last]]
                    negated = self._negated(prep, first)
                    found.append(_Candidate(idx, term, ustart.start, uend.end, 1.0, negated))
                    if ntoks == 1:
                        exact_single.add(first)
            found.extend(self._joined_and_fuzzy(prep, exact_single, trace))
        for idx, regex in self._patterns:
            for m in regex.finditer(prep.folded):
                if m.end() > m.start():
                    found.append(_Candidate(idx, regex.pattern, m.start(), m.end(), 1.0, False))
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
                hits.append(hit_for(ind, field_name, quoted, c.term, c.similarity))
            elif trace is not None:
                line = f"{ind.id}: {field_name} “{quoted}” matches “{c.term}” but is set aside: {reason}"
                head = f"{ind.id}: {field_name} “{quoted}”"
                if not any(t.startswith(head) and t.endswith(reason) for t in trace):  # one line per place
                    trace.append(line)
        return hits

    def _may_match(self, text: str) -> bool:
        """A cheap test that is true whenever ``find`` could return a hit (most cells have none)."""
        folded = text.casefold()
        if self._patterns or (self._has_cjk and has_cjk(folded)):
            return True
        if not folded.isascii():
            folded = anyascii(unicodedata.normalize("NFKC", folded)).lower()
        toks = [stem(t) for t in _ASCII_WORD.findall(folded)]
        if not toks:
            return False
        if self._has_latin and next(self._latin.iter(" " + " ".join(toks) + " "), None) is not None:
            return True
        single = self._single
        for a, b in itertools.pairwise(toks):
            if a + b in single:
                return True
        return any(self._fuzzy_hit(t) for t in toks)

    def _fuzzy_hit(self, tok: str) -> bool:
        """Whether a token is a near spelling of a fuzzy single-word term (cached per token)."""
        if len(tok) < FUZZY_MIN_LEN or tok in self._single or not tok.isalpha() or not self._fuzzy_vocab:
            return False
        known = self._fuzzy_cache.get(tok)
        if known is None:
            best = process.extractOne(tok, self._fuzzy_vocab, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            known = best is not None and best[0][0] == tok[0]
            if len(self._fuzzy_cache) > 500_000:
                self._fuzzy_cache.clear()
            self._fuzzy_cache[tok] = known
        return known

    def _joined_and_fuzzy(
        self, prep: _Prepared, exact: set[int], trace: list[str] | None
    ) -> list[_Candidate]:
        out: list[_Candidate] = []
        latin_units = [prep.units[i] for i in prep.index]
        for pos in range(len(latin_units) - 1):
            a, b = latin_units[pos], latin_units[pos + 1]
            if a.clause != b.clause:
                continue
            for idx, term in self._single.get(a.token + b.token, ()):
                out.append(_Candidate(idx, term, a.start, b.end, 0.95, self._negated(prep, pos)))
        for pos, unit in enumerate(latin_units):
            tok = unit.token
            if pos in exact or len(tok) < FUZZY_MIN_LEN or tok in self._single or not tok.isalpha():
                continue
            best = (
                process.extractOne(tok, self._fuzzy_vocab, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
                if self._fuzzy_vocab
                else None
            )
            if best is not None and best[0][0] == tok[0]:
                for idx, term in self._single[best[0]]:
                    if self.indicators[idx].fuzzy:
                        sim = round(best[1] / 100, 3)
                        out.append(_Candidate(idx, term, unit.start, unit.end, sim, self._negated(prep, pos)))
            elif trace is not None:
                near = process.extractOne(tok, list(self._single), scorer=fuzz.ratio, score_cutoff=75)
                if near is not None:
                    ids = ", ".join(self.indicators[i].id for i, _ in self._single[near[0]])
                    why = (
                        "different first letter"
                        if near[0][0] != tok[0]
                        else f"below the cut-off {FUZZY_CUTOFF:.0f}"
                    )
                    if near[1] >= FUZZY_CUTOFF and not any(
                        self.indicators[i].fuzzy for i, _ in self._single[near[0]]
                    ):
                        why = "the rule allows no near spellings"
                    trace.append(
                        f"{ids}: near miss “{tok}” ~ “{near[0]}” similarity {near[1] / 100:.2f}, not counted: {why}"
                    )
        return out

    @staticmethod
    def _negated(prep: _Prepared, pos: int) -> bool:
        """True when a negator stands in the same clause within a few words before latin token ``pos``."""
        unit = prep.units[prep.index[pos]]
        for back in range(max(0, pos - NEGATION_WINDOW), pos):
            other = prep.units[prep.index[back]]
            if other.clause == unit.clause and other.token in NEGATORS:
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
                    if last < len(prep.index):
                        s, e = prep.units[prep.index[first]].start, prep.units[prep.index[last]].end
                        if s < end and start < e:
                            return True
                    pos = prep.latin.find(key, pos + 1)
        return False


def compare_vessels(a: str, b: str) -> tuple[float, str]:
    """Similarity of two vessel references and why: IMO numbers decide when both have one; otherwise the
    hull numbers must be equal and the names close ('Fu Yuan Yu 7788' = 'FUYUANYU 7788' != 'Fu Yuan Yu 7789')."""
    ka, kb = vessel_key(a), vessel_key(b)
    if ka.imo and kb.imo:
        same = set(ka.imo) & set(kb.imo)
        return (1.0, f"same IMO number {min(same)}") if same else (0.0, "different IMO numbers")
    if ka.numbers != kb.numbers:
        return (
            0.0,
            f"hull numbers differ ({' '.join(ka.numbers) or 'none'} vs {' '.join(kb.numbers) or 'none'})",
        )
    if not ka.letters or not kb.letters:
        return 0.0, "no name to compare"
    if ka.letters[0] != kb.letters[0]:
        return 0.0, "names start with different letters"
    score = fuzz.ratio(ka.letters, kb.letters) / 100
    return score, f"name similarity {score:.2f}, hull numbers equal"


def _cjk_negated(folded: str, start: int) -> bool:
    window = folded[max(0, start - 3) : start]
    return any(neg in window for neg in CJK_NEGATORS)


class Matcher:
    """Every matcher of a rule set, applied to one row of canonical fields."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.terms = TermMatcher([i for i in rules.indicators if i.terms or i.patterns])
        self._by_country: dict[str, list[Indicator]] = defaultdict(list)
        self._by_hs: dict[str, list[Indicator]] = defaultdict(list)
        for ind in rules.indicators:
            for code in ind.countries:
                self._by_country[code].append(ind)
            for code in ind.hs_codes:
                self._by_hs[code.replace(".", "")].append(ind)
        self._cache: dict[tuple[str, str], list[Hit]] = {}

    def _terms(self, field_name: str, text: str) -> list[Hit]:
        key = (field_name, text)
        hits = self._cache.get(key)
        if hits is None:
            if len(self._cache) > 200_000:
                self._cache.clear()
            hits = self.terms.find(field_name, text)
            self._cache[key] = hits
        return hits

    def match_row(self, row: Mapping[str, str], trace: list[str] | None = None) -> list[Hit]:
        hits: list[Hit] = []
        for field_name, text in row.items():
            if text and field_name != "id":
                if trace is None:
                    hits.extend(self._terms(field_name, text))
                else:
                    hits.extend(self.terms.find(field_name, text, trace))
        country, address = row.get("country", ""), row.get("address", "")
        if country or address:
            code = country_code(country, address)
            if code:
                where = "country" if country else "address"
                shown = country if country else address
                for ind in self._by_country.get(code, ()):
                    hits.append(hit_for(ind, where, shown, code, 1.0))
        if row.get("hs_code"):
            for code in hs_codes(row["hs_code"]):
                for length in range(2, len(code) + 1):
                    for ind in self._by_hs.get(code[:length], ()):
                        hits.append(hit_for(ind, "hs_code", row["hs_code"], format_hs(code[:length]), 1.0))
        return hits
