"""The rule matching and scoring as they were before they were optimised (commit 39e21fc), kept verbatim
as the oracle that ``test_rules_equivalence`` holds the optimised code to: same hits, same verdicts.

Only the hit and verdict types are shared with the package (so results compare with ``==``), and
``units`` is the original too, so a change to the tokeniser shows up here as a difference.
"""

# ruff: noqa

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import ahocorasick
from anyascii import anyascii
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from supplyscreen.match.rows import Hit, hit_for
from supplyscreen.match.rows import Matcher as ProductMatcher
from supplyscreen.normalize.text import (
    _CJK_RE,
    _CLAUSE_BREAK_RE,
    _RUN_RE,
    _WORD_RE,
    Unit,
    _translit_word,
    country_code,
    fold,
    format_hs,
    has_cjk,
    hs_codes,
    stem,
    tokens,
)
from supplyscreen.rules import FIELDS, Combination, Indicator, RuleSet
from supplyscreen.score import CLEAR, Verdict, track_of


def units(folded: str) -> list[Unit]:
    """Tokenise already-folded text into ASCII units with spans into it."""
    out: list[Unit] = []
    clause = 0
    last = 0
    for m in _WORD_RE.finditer(folded):
        if _CLAUSE_BREAK_RE.search(folded, last, m.start()):
            clause += 1
        last = m.end()
        word = m.group()
        for run in _RUN_RE.finditer(word):
            start = m.start() + run.start()
            chunk = run.group()
            if _CJK_RE.match(chunk):
                for i, syllable in enumerate(lazy_pinyin(chunk, errors="ignore")):
                    if i < len(chunk):
                        out.append(Unit(syllable, start + i, start + i + 1, clause, True))
            else:
                for token in _translit_word(chunk):
                    out.append(Unit(stem(token), start, start + len(chunk), clause, False))
    return out


FUZZY_MIN_LEN = 6
FUZZY_CUTOFF = 90.0
NEGATION_WINDOW = 4
NEGATORS = frozenset(
    {"no", "not", "non", "without", "never", "none", "zero", "nor", "net", "bez", "ne", "ni"}
)
CJK_NEGATORS = ("无", "没有", "未", "不", "非", "否")
_ASCII_WORD = re.compile(r"[a-z0-9]+")


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
        # Concept patterns (``when``) came after this reference was written: their hits come from the
        # product's own matcher, so this reference keeps checking the term, place and HS matching it was
        # written for, and the row-level ``unless_country`` rule is restated here.
        self._meaning = ProductMatcher(rules)
        self._unless_country = {i.id: set(i.unless_country) for i in rules.indicators if i.unless_country}

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
                # a term indicator's ``unless`` (concepts) came after this reference too: the product's
                found = (
                    self._terms(field_name, text)
                    if trace is None
                    else self.terms.find(field_name, text, trace)
                )
                hits.extend(self._meaning.in_context(field_name, text, found, trace))
                hits.extend(self._meaning.concept_hits(field_name, text, trace))
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
        code = country_code(country, address) if country or address else None
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


def _best_per_rule(hits: list[Hit]) -> list[Hit]:
    best: dict[str, Hit] = {}
    for hit in hits:
        current = best.get(hit.rule)
        if current is None or (hit.similarity, -FIELDS.index(hit.field)) > (
            current.similarity,
            -FIELDS.index(current.field),
        ):
            best[hit.rule] = hit
    return list(best.values())


def _apply_groups(hits: list[Hit]) -> list[Hit]:
    counted: set[str] = set()
    out: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (-h.points, -h.similarity, h.rule)):
        group = hit.group
        if group is not None:
            if group in counted:
                hit = replace(hit, points=0)
            else:
                counted.add(group)
        out.append(hit)
    return out


def fills(slot: list[str], hit: Hit) -> bool:
    return any(ref == hit.rule or (ref.startswith("tag:") and ref[4:] in hit.tags) for ref in slot)


def _combination_hit(combo: Combination, hits: list[Hit]) -> Hit | None:
    parts: list[Hit] = []
    for slot in combo.all_of:
        filler = next((h for h in hits if fills(slot, h) and h not in parts), None)
        if filler is None:
            return None
        parts.append(filler)
    fields = list(dict.fromkeys(h.field for h in parts))
    return Hit(
        rule=combo.id,
        indicator=combo.name,
        category="combination",
        field="+".join(fields),
        text=" + ".join(h.text for h in parts),
        matched=" + ".join(h.rule for h in parts),
        similarity=min(h.similarity for h in parts),
        points=combo.points,
        citations=tuple(combo.citations),
        group=combo.group,
    )


def _slot_keys(rules: RuleSet) -> list[tuple[Combination, list[frozenset[str]]]]:
    """Each combination with the keys ('rule id' or 'tag:x') that can fill each of its slots."""
    return [(c, [frozenset(slot) for slot in c.all_of]) for c in rules.combinations]


def score_hits(raw: list[Hit], rules: RuleSet) -> Verdict:
    if not raw:
        return CLEAR
    hits = _apply_groups(_best_per_rule(raw))
    combos: list[Hit] = []
    if len(hits) > 1:  # a combination needs two different hits
        keys = {h.rule for h in hits} | {f"tag:{t}" for h in hits for t in h.tags}
        for combo, slots in _slot_keys(rules):
            if all(slot & keys for slot in slots):
                found = _combination_hit(combo, hits)
                if found is not None:
                    combos.append(found)
    hits.extend(_apply_groups(combos))
    hits.sort(key=lambda h: (-h.points, h.category != "nexus", h.rule))
    score = min(100, sum(h.points for h in hits))
    presumption = any(h.nexus for h in hits)
    tier = "high" if presumption else rules.tiers.tier(score)
    track = track_of(raw, presumption, tier)
    return Verdict(score=score, tier=tier, presumption=presumption, hits=tuple(hits), track=track)
