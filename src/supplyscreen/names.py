"""Organisation-name matching for watchlists: keys, one similarity, and blocking for scale.

A name becomes a *key*: transliterated (pinyin for Chinese, Latin for Cyrillic), legal forms in any language
and generic words (company, trading, seafood, 有限公司 …) removed, words that are whole pinyin syllable runs
split into syllables ("Dongyang" and "Dong Yang" both become "dong yang"), and the tokens sorted (word
order does not matter). Two keys are compared with rapidfuzz's ``ratio``; a second key without place
names ("Beijing", "Korea", "Hunchun" …) lets "Sukbakso" find "Beijing Sukbakso" at a small discount.

Blocking: each list name is indexed by the 4-letter grams of its informative words; a supplier name is
compared only with the list names that share one of its rarest grams, and the candidate pairs are scored
together with ``rapidfuzz.process.cpdist`` — never a Python loop over all pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz, process

from supplyscreen.normalize import GENERIC_WORDS, fold, has_cjk, strip_legal_forms, tokens

THRESHOLD = 0.88  # default similarity for a list hit
CORE_DISCOUNT = 0.97  # a match that needs place names dropped counts a little less
GRAM = 4
MAX_GRAM_DF = 200  # grams in more list names than this do not block
RAREST = 3  # a supplier name is compared with list names sharing one of its 3 rarest grams

# Generic words as pinyin, as they appear when a Chinese name is transliterated.
PINYIN_GENERIC = (
    "gu fen you xian gong si",
    "you xian ze ren gong si",
    "you xian gong si",
    "gong si",
    "ji tuan",
    "mao yi",
    "shui chan pin",
    "shui chan",
    "hai chan pin",
    "hai chan",
    "shi pin",
    "yu ye",
    "jin chu kou",
    "shi ye",
    "fa zhan",
    "ke ji",
    "zhi zao",
    "guo ji",
    "jia gong chang",
    "jia gong",
    "zhi pin",
    "shang mao",
    "hang yun",
    "yuan yang",
)
PLACE_WORDS = frozenset(
    [
        "korea",
        "korean",
        "north",
        "south",
        "dprk",
        "china",
        "chinese",
        "russia",
        "russian",
        "beijing",
        "shanghai",
        "tianjin",
        "shenyang",
        "dalian",
        "dandong",
        "donggang",
        "hunchun",
        "yanji",
        "yanbian",
        "tumen",
        "jilin",
        "liaoning",
        "qingdao",
        "zhoushan",
        "ningbo",
        "fuzhou",
        "guangzhou",
        "shenzhen",
        "hong",
        "kong",
        "pyongyang",
        "rason",
        "nampo",
        "sinuiju",
        "vladivostok",
        "khabarovsk",
        "moscow",
        "nakhodka",
        "ussuriysk",
    ]
)
_PINYIN_PLACES = (
    "bei jing",
    "shang hai",
    "tian jin",
    "shen yang",
    "da lian",
    "dan dong",
    "dong gang",
    "hun chun",
    "yan ji",
    "yan bian",
    "tu men",
    "ji lin",
    "liao ning",
    "qing dao",
    "zhou shan",
    "ning bo",
    "fu zhou",
    "guang zhou",
    "shen zhen",
    "xiang gang",
    "zhong guo",
    "chao xian",
    "ping rang",
    "e luo si",
)
_VOWEL_INITIAL = frozenset(
    ["a", "ai", "an", "ang", "ao", "e", "ei", "en", "eng", "er", "o", "ou", "hm", "m", "n"]
)


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    found = {s for s in lazy_pinyin(chars, errors="ignore") if s.isascii() and s.isalpha()}
    return frozenset(found - _VOWEL_INITIAL)


@lru_cache(maxsize=262144)
def _segment(word: str) -> tuple[str, ...]:
    """Split a word that is a run of pinyin syllables ('dongyang' -> ('dong', 'yang')); else keep it."""
    if len(word) < 4 or not word.isalpha():
        return (word,)
    syl = _syllables()
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        prev = best[i]
        if prev is None:
            continue
        for j in range(i + 2, min(n, i + 6) + 1):
            piece = word[i:j]
            if piece in syl:
                cand = (*prev, piece)
                cur = best[j]
                if cur is None or len(cand) < len(cur):
                    best[j] = cand
    result = best[n]
    return result if result else (word,)


def _drop_phrases(toks: list[str], phrases: Sequence[str]) -> list[str]:
    text = " " + " ".join(toks) + " "
    for phrase in phrases:
        text = text.replace(f" {phrase} ", " ")
        text = text.replace(f" {phrase} ", " ")
    return text.split()


@dataclass(frozen=True, slots=True)
class NameKey:
    full: str  # sorted informative tokens, runs of pinyin syllables joined into one token
    core: str  # the same without place names ('' when that leaves nothing or changes nothing)
    words: tuple[str, ...]  # the tokens of ``full``, for blocking


def _is_pinyin(token: str) -> bool:
    return token in _syllables() or len(_segment(token)) > 1


def _merge_pinyin(toks: list[str]) -> list[str]:
    """Join adjacent pinyin tokens: 'dong yang' and 'dongyang' (and 东洋) all become 'dongyang'."""
    out: list[str] = []
    run = ""
    for tok in toks:
        if tok.isalpha() and _is_pinyin(tok):
            run += tok
            continue
        if run:
            out.append(run)
            run = ""
        out.append(tok)
    if run:
        out.append(run)
    return out


@lru_cache(maxsize=262144)
def name_key(text: str) -> NameKey:
    """The comparison key of an organisation or vessel name."""
    folded = fold(text)
    toks = strip_legal_forms(tokens(folded))
    if has_cjk(folded):
        toks = _drop_phrases(toks, PINYIN_GENERIC)
    informative = [t for t in toks if t not in GENERIC_WORDS and len(t) > 1]
    if not [t for t in informative if t not in PLACE_WORDS]:
        informative = [t for t in toks if len(t) > 1] or toks  # nothing distinctive: keep the generic words
    merged = _merge_pinyin(informative)
    full = " ".join(sorted(merged))
    core_toks = _drop_phrases([t for t in informative if t not in PLACE_WORDS], _PINYIN_PLACES)
    core_merged = _merge_pinyin(core_toks)
    core = " ".join(sorted(core_merged)) if core_merged and core_merged != merged else ""
    return NameKey(full, core, tuple(merged))


def similarity(a: str, b: str) -> float:
    """Similarity of two names in 0..1 (the same function the blocked and the exhaustive runs use)."""
    ka, kb = name_key(a), name_key(b)
    return _score(ka, kb)


def _score(ka: NameKey, kb: NameKey) -> float:
    best = fuzz.ratio(ka.full, kb.full) / 100
    ca, cb = ka.core or ka.full, kb.core or kb.full
    if (ka.core or kb.core) and len(ca) >= 4 and len(cb) >= 4:
        best = max(best, CORE_DISCOUNT * fuzz.ratio(ca, cb) / 100)
    return best


def _grams(key: NameKey) -> set[str]:
    out: set[str] = set()
    for word in key.words:
        if len(word) <= GRAM:
            out.add(word)
        else:
            out.update(word[i : i + GRAM] for i in range(len(word) - GRAM + 1))
    return out


@dataclass(frozen=True, slots=True)
class NameMatch:
    query: int  # index into the queried names
    target: int  # index into the index's names
    similarity: float


class NameIndex:
    """List names indexed for blocked matching."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.keys = [name_key(n) for n in self.names]
        self.full = [k.full for k in self.keys]
        self.core = [k.core or k.full for k in self.keys]
        self._has_core = np.fromiter((bool(k.core) for k in self.keys), dtype=bool, count=len(self.keys))
        self._core_len = np.fromiter((len(c) for c in self.core), dtype=np.int64, count=len(self.keys))
        postings: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(self.keys):
            for gram in _grams(key):
                postings[gram].append(i)
        self._postings = {
            g: np.asarray(ids, dtype=np.int64) for g, ids in postings.items() if len(ids) <= MAX_GRAM_DF
        }
        self._df = {g: len(ids) for g, ids in postings.items()}

    def candidates(self, key: NameKey) -> np.ndarray:
        grams = [g for g in _grams(key) if g in self._postings]
        if not grams:
            return np.empty(0, dtype=np.int64)
        grams.sort(key=lambda g: self._df[g])
        chosen = grams[:RAREST] + [g for g in grams[RAREST:] if self._df[g] <= 3]
        return np.unique(np.concatenate([self._postings[g] for g in chosen]))

    def match(self, queries: Sequence[str], threshold: float = THRESHOLD) -> list[NameMatch]:
        """All (query, list name) pairs at or above ``threshold``, blocked."""
        qkeys = [name_key(q) for q in queries]
        q_idx: list[np.ndarray] = []
        t_idx: list[np.ndarray] = []
        for i, key in enumerate(qkeys):
            cands = self.candidates(key)
            if cands.size:
                q_idx.append(np.full(cands.size, i, dtype=np.int64))
                t_idx.append(cands)
        if not q_idx:
            return []
        qi, ti = np.concatenate(q_idx), np.concatenate(t_idx)
        return self._verify(qkeys, qi, ti, threshold)

    def _verify(
        self, qkeys: list[NameKey], qi: np.ndarray, ti: np.ndarray, threshold: float
    ) -> list[NameMatch]:
        """Score candidate pairs in bulk with rapidfuzz (full keys, and core keys where either has one)."""
        q_full = [k.full for k in qkeys]
        q_core = [k.core or k.full for k in qkeys]
        q_has = np.fromiter((bool(k.core) for k in qkeys), dtype=bool, count=len(qkeys))
        q_len = np.fromiter((len(c) for c in q_core), dtype=np.int64, count=len(qkeys))
        scores = process.cpdist(
            [q_full[i] for i in qi], [self.full[j] for j in ti], scorer=fuzz.ratio, workers=-1
        )
        core = process.cpdist(
            [q_core[i] for i in qi], [self.core[j] for j in ti], scorer=fuzz.ratio, workers=-1
        )
        usable = (q_has[qi] | self._has_core[ti]) & (q_len[qi] >= 4) & (self._core_len[ti] >= 4)
        best = np.where(usable, np.maximum(scores / 100, CORE_DISCOUNT * core / 100), scores / 100)
        keep = np.nonzero(best >= threshold - 1e-9)[0]
        return [NameMatch(int(qi[k]), int(ti[k]), round(float(best[k]), 3)) for k in keep]

    def match_exhaustive(
        self, queries: Sequence[str], threshold: float = THRESHOLD, chunk: int = 2000
    ) -> list[NameMatch]:
        """The same matcher without blocking: every query against every list name (for measuring recall)."""
        qkeys = [name_key(q) for q in queries]
        out: list[NameMatch] = []
        cutoff = int(threshold * CORE_DISCOUNT * 100) - 1
        for start in range(0, len(qkeys), chunk):
            part = qkeys[start : start + chunk]
            full = process.cdist(
                [k.full for k in part],
                self.full,
                scorer=fuzz.ratio,
                workers=-1,
                dtype=np.uint8,
                score_cutoff=cutoff,
            )
            core = process.cdist(
                [k.core or k.full for k in part],
                self.core,
                scorer=fuzz.ratio,
                workers=-1,
                dtype=np.uint8,
                score_cutoff=cutoff,
            )
            qi, ti = np.nonzero((full > 0) | (core > 0))
            if qi.size:
                out.extend(
                    NameMatch(m.query + start, m.target, m.similarity)
                    for m in self._verify(part, qi.astype(np.int64), ti.astype(np.int64), threshold)
                )
        return out
