"""names.py's fast paths give what the plain computations give."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from supplyscreen.match import names
from supplyscreen.match.names import (
    _CLOSE_SYLLABLE,
    MAX_BLOCK_DF,
    MAX_GRAM_DF,
    MAX_TYPO_DF,
    PLACE_IN,
    PLACE_WORDS,
    PREFILTER,
    RARE_WORD_DF,
    RAREST,
    TOKEN_MIN,
    NameIndex,
    NameKey,
    _alternates,
    _deletions,
    _Form,
    _grams,
    _korean_key,
    _maybe_close,
    _name_tokens,
    _pinyin_patterns,
    _segment,
    _syllables,
    name_key,
    weighted_similarity,
    word_similarity,
)
from supplyscreen.normalize.text import _legal_forms, _strip_ending, fold, strip_legal_forms, tokens

NAME_TEXT = st.text(
    st.sampled_from(
        list("abc xyz-.,'&()«»") + list("ООО Амур 东港市 海产 ŞİĞ ß ﬁ ² ¨ _ ’ 株") + ["\u0308", "\u00a0"]
    ),
    max_size=30,
)


@given(st.one_of(st.text(), NAME_TEXT))
@settings(max_examples=500)
@example("ООО «Амур-Haluk»")
@example("Dandong Xinyu 东港市海产品有限公司")
@example("a_b c\u00a0d ¨e ﬁsh ²")
def test_name_tokens_are_the_tokens_of_the_whole_name(text: str) -> None:
    folded = fold(text)
    assert _name_tokens(folded) == tokens(folded)


@pytest.mark.parametrize(
    ("name", "full", "core", "words", "compact"),
    [
        (
            "Hunchun Dongyang Seafood Co.,Ltd",
            "dongyang hunchun",
            "dongyang",
            ("hunchun", "dongyang"),
            "dongyang",
        ),
        ("珲春东洋水产有限公司", "dongyang hunchun", "dongyang", ("hunchun", "dongyang"), "dongyang"),
        (
            "Hun Chun Dong Yang Maoyi Youxian Gongsi",
            "dongyang hunchun",
            "dongyang",
            ("hunchun", "dongyang"),
            "dongyang",
        ),
        ("ООО «Амур-Haluk»", "amur haluk", "", ("amur", "haluk"), "amurhaluk"),
        (
            "Korea Rungrado General Trading Corp.",
            "korea rungrado",
            "rungrado",
            ("korea", "rungrado"),
            "rungrado",
        ),
        ("CH'OLHYO'N Trading", "cholhyon", "", ("cholhyon",), "cholhyon"),
        ("Beacon Gorsinar Trading S.A.", "beacon gorsinar", "", ("beacon", "gorsinar"), "beacongorsinar"),
    ],
)
def test_name_keys(name: str, full: str, core: str, words: tuple[str, ...], compact: str) -> None:
    key = name_key(name)
    assert (key.full, key.core, key.words, key.compact) == (full, core, words, compact)
    assert key.company


ALPHABET = "abcdeghn z"


@st.composite
def near_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """A string and a copy with a few letters inserted, deleted or replaced."""
    s = draw(st.text(ALPHABET, max_size=25))
    t = s
    for _ in range(draw(st.integers(0, 5))):
        i = draw(st.integers(0, len(t)))
        c = draw(st.sampled_from(ALPHABET))
        t = draw(st.sampled_from([t[:i] + c + t[i:], t[:i] + t[i + 1 :], t[:i] + c + t[i + 1 :]]))
    return s, t


@given(st.lists(near_pairs(), min_size=1, max_size=40))
@settings(max_examples=150)
def test_the_prefilter_bound_keeps_every_close_pair(pairs: list[tuple[str, str]]) -> None:
    q, t = _Form.of([a for a, _ in pairs]), _Form.of([b for _, b in pairs])
    at = np.arange(len(pairs))
    close = _maybe_close(q, at, t, at)
    for (a, b), maybe in zip(pairs, close.tolist(), strict=True):
        if fuzz.ratio(a, b) >= PREFILTER:
            assert maybe, (a, b)


def test_the_prefilter_keeps_what_the_three_ratios_keep() -> None:
    rng = random.Random(11)
    syllables = "ka ren to mi sel var lo den tra bis kor nel fa ri um qua ber gen sta vi".split()
    places = ["Dandong", "Korea", "Pyongyang", ""]

    def name() -> str:
        words = ["".join(rng.choice(syllables) for _ in range(rng.randrange(1, 4))) for _ in range(2)]
        return " ".join([rng.choice(places), *words]).strip()

    listed = [name() for _ in range(2000)]
    index = NameIndex(listed)
    queries = [rng.choice(listed)[: -rng.randrange(0, 3) or None] + " Ltd" for _ in range(1000)]
    queries += [name() for _ in range(1000)]
    qkeys = [name_key(q) for q in queries]
    qi, ti, _ = index._candidate_pairs(qkeys)
    plain = np.zeros(len(qi), dtype=bool)
    for q_strings, t_strings in zip(
        index._query_forms(qkeys), (index.full, index.core, index.compact), strict=True
    ):
        scores = [fuzz.ratio(q_strings[i], t_strings[j]) for i, j in zip(qi, ti, strict=True)]
        plain |= np.array(scores) >= PREFILTER
    assert 100 < plain.sum() < len(qi) / 2
    assert np.flatnonzero(plain).tolist() == index._prefilter(qkeys, qi, ti).tolist()


def _plain_alignment(a: list[str], b: list[str], weight: dict[str, float]) -> float:
    """The weighted word alignment as first written, for comparison with names._alignment."""
    total = sum(weight[t] for t in a) + sum(weight[t] for t in b)
    if total <= 0:
        return 0.0
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched = 0.0
    for i in sorted(range(len(a)), key=lambda k: weight[a[k]], reverse=True):
        best_j, best_s = -1, 0.0
        for j, tb in enumerate(b):
            if j not in used_b:
                sim = word_similarity(a[i], tb)
                if sim > best_s:
                    best_j, best_s = j, sim
        if best_j >= 0:
            used_a.add(i)
            used_b.add(best_j)
            matched += best_s * (weight[a[i]] + weight[b[best_j]])
    rest_a = [t for k, t in enumerate(a) if k not in used_a and t not in PLACE_WORDS]
    rest_b = [t for k, t in enumerate(b) if k not in used_b and t not in PLACE_WORDS]
    if rest_a and rest_b and len(rest_a) != len(rest_b):
        sim = fuzz.ratio("".join(rest_a), "".join(rest_b), score_cutoff=TOKEN_MIN * 100) / 100
        matched += sim * (sum(weight[t] for t in rest_a) + sum(weight[t] for t in rest_b))
    return matched / total


WORDS = (
    "dongyang dongyan tongyang hunchun korea pyongyang china dalian rungrado rung ra do rungra taewon daewon "
    "sobaeksoo sobaeksu golden goldan star tianyu tianfu zhangsan zangsan haluk hauk amur"
).split()


@given(
    st.lists(st.sampled_from(WORDS), max_size=5),
    st.lists(st.sampled_from(WORDS), max_size=5),
    st.dictionaries(st.sampled_from(WORDS), st.sampled_from([0.0, 0.1, 0.2, 0.5, 0.7, 1.0])),
)
@settings(max_examples=500)
def test_weighted_similarity_gives_the_plain_score(
    a: list[str], b: list[str], weights: dict[str, float]
) -> None:
    weight = {w: weights.get(w, 0.35) for w in WORDS}
    assert weighted_similarity(a, b, weight.__getitem__) == _plain_alignment(a, b, weight)


def _plain_word_similarity(a: str, b: str) -> float:
    """word_similarity as first written (pinyin typos through regex and sorting), for comparison."""
    if a == b:
        return 1.0
    if a in PLACE_WORDS or b in PLACE_WORDS:
        return 0.8 if PLACE_IN.get(a) == b or PLACE_IN.get(b) == a else 0.0
    sa, sb = _segment(a), _segment(b)
    if len(sa) > 1 and len(sb) > 1:
        differ = [(x, y) for x, y in zip(sa, sb, strict=True) if x != y] if len(sa) == len(sb) else []
        close = len(differ) == 1 and (
            _CLOSE_SYLLABLE.sub("", differ[0][0]) == _CLOSE_SYLLABLE.sub("", differ[0][1])
            or sorted(differ[0][0]) == sorted(differ[0][1])
        )
        return 0.9 if close else 0.0
    return word_similarity(a, b)  # the other branches are unchanged


def test_word_similarity_of_pinyin_words() -> None:
    syllables = (
        "zhang zang chang cang shan san sang min ming rui hang han wei dong yang yan lei lie dui diu".split()
    )
    words = [x + y for x in syllables for y in syllables] + ["dongyangzhang", "dongyangzang", "pyongyang"]
    sims = [(a, b, word_similarity(a, b)) for a in words for b in words]
    assert {s for _, _, s in sims} == {0.0, 0.9, 1.0}
    assert [(a, b) for a, b, s in sims if s != _plain_word_similarity(a, b)] == []
    patterns = {w: _pinyin_patterns(w) for w in words}
    assert patterns["pyongyang"] is None  # a place
    share = {
        (a, b) for a, b, _ in sims if patterns[a] and patterns[b] and set(patterns[a]) & set(patterns[b])
    }
    assert share == {(a, b) for a, b, s in sims if s > 0 and patterns[a] and patterns[b]}
    assert len(share) > len(words) and patterns["shandong"] is None


def _plain_postings(index: NameIndex) -> tuple[dict[str, list[int]], dict[str, int]]:
    """The postings of NameIndex as first written: by word ('w:'), deleted form ('d:') and gram, in dicts."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(index.keys):
        for word in set(k.words):
            postings["w:" + word].append(i)
            for variant in _deletions(word):
                postings["d:" + variant].append(i)
        for gram in _grams(k):
            postings[gram].append(i)
        for other in _alternates(k):
            postings["a:" + other].append(i)
        if k.full:
            postings["f:" + k.full].append(i)
    return postings, {g: len(ids) for g, ids in postings.items()}


def _plain_word_lookups(df: dict[str, int], word: str) -> list[str]:
    """The postings one query word is looked up in: itself and its one-letter deletions (rarer ones only)."""
    found = [k for k in ("w:" + word, "d:" + word) if df.get(k, MAX_GRAM_DF + 1) <= MAX_GRAM_DF]
    found += [
        k for v in _deletions(word) for k in (f"w:{v}", f"d:{v}") if df.get(k, MAX_GRAM_DF + 1) <= MAX_TYPO_DF
    ]
    return [k for k in found if df[k] <= MAX_BLOCK_DF]


def _plain_candidates(postings: dict[str, list[int]], df: dict[str, int], key: NameKey) -> list[int]:
    """NameIndex.candidates as first written, looking up one string at a time."""
    words = sorted(dict.fromkeys(key.words), key=lambda w: df.get("w:" + w, 0))
    chosen: list[str] = []
    for n, word in enumerate(words):
        if n >= 1 and df.get("w:" + word, 0) > RARE_WORD_DF:
            break
        chosen += _plain_word_lookups(df, word)
    if not chosen:
        grams = sorted(
            (g for g in _grams(key) if df.get(g, MAX_GRAM_DF + 1) <= MAX_GRAM_DF), key=lambda g: (df[g], g)
        )
        chosen = [g for g in grams[:RAREST] if df[g] <= MAX_BLOCK_DF]
    # what the word lookups miss: the whole key, syllables written apart, Korean forms of unknown words
    other = ["f:" + key.full] + [f"w:{j}" for j in key.joined]
    other += [f"a:{w}" for j in key.joined for w in (j, _korean_key(j))]
    other += [f"a:{v}" for w in key.words if not _plain_word_lookups(df, w) for v in (w, _korean_key(w))]
    chosen += [k for k in other if df.get(k, MAX_BLOCK_DF + 1) <= MAX_BLOCK_DF]
    return sorted({i for k in chosen for i in postings[k]})


@pytest.mark.parametrize("case", ["plain", "collide", "forget"])
def test_candidates_are_the_plain_lookups(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    if case == "collide":  # every anagram hashes alike: only the comparison of the strings tells keys apart
        monkeypatch.setattr(names, "_HASH_BASE", 1)
        monkeypatch.setattr(names, "_HASH_INVERSE", 1)
    if case == "forget":  # the words learnt are forgotten all the time
        monkeypatch.setattr(names, "MAX_LEARNT_WORDS", 10)
    rng = random.Random(5)
    syllables = "ka ren to mi sel var lo den ak ne ot im les rav ol ned".split()

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randrange(1, 4)))

    listed = [f"{word()} {word()}" for _ in range(1500)] + [f"{word()}{word()}" for _ in range(100)]
    index = NameIndex(listed)
    queries = [name_key(f"{word()} {word()}") for _ in range(400)]
    queries += [name_key(rng.choice(listed).replace(rng.choice("aeiou"), "", 1)) for _ in range(200)]
    postings, df = _plain_postings(index)
    plain = [_plain_candidates(postings, df, k) for k in queries]
    assert sum(map(len, plain)) > 10 * len(queries)
    assert [index.candidates(k).tolist() for k in queries] == plain
    index = NameIndex(listed)
    qi, ti, _ = index._candidate_pairs(queries)
    assert list(zip(qi.tolist(), ti.tolist(), strict=True)) == [
        (q, t) for q, ts in enumerate(plain) for t in ts
    ]


LEGAL_FORMS = sorted({form for forms in _legal_forms()[0].values() for form in forms})
WORDS_AND_FORMS = st.sampled_from(
    [*LEGAL_FORMS, *[(w,) for w in ("dongyang", "beacon", "trading", "s", "co")]]
)


@given(st.lists(WORDS_AND_FORMS, max_size=5), st.integers(0, 2))
@settings(max_examples=1000)
@example([("beacon",), ("gorsinar",), ("trading",), ("s",), ("a",)], 0)
@example([("sa",), ("beacon",), ("co", "ltd")], 0)
def test_legal_forms_are_stripped_as_normalize_strips_them(parts: list[tuple[str, ...]], cut: int) -> None:
    toks = [t for part in parts for t in part]
    toks = toks[: len(toks) - cut]  # forms cut short too
    assert strip_legal_forms(toks) == list(_strip_ending.__wrapped__(tuple(toks)))  # the whole, uncached


def _plain_segment(word: str) -> tuple[str, ...]:
    """_segment as first written: every slice of two to six letters looked up, tuples built as it goes."""
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
            if word[i:j] in syl:
                cand = (*prev, word[i:j])
                cur = best[j]
                if cur is None or len(cand) < len(cur):
                    best[j] = cand
    return best[n] or (word,)


def test_segment_splits_as_first_written() -> None:
    rng = random.Random(3)
    syllables = sorted(_syllables())
    words = ["".join(rng.choice(syllables) for _ in range(rng.randrange(1, 5))) for _ in range(20000)]
    words += [w[:-1] for w in words[:5000]] + [w[1:] for w in words[5000:10000]]
    words += ["dongyang", "xian", "xi'an", "daliantianyi", "gorsinar", "zhuangchuang", "ab", "dong1"]
    assert [w for w in words if _segment(w) != _plain_segment(w)] == []


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        (
            "Seaman Tae Dong Gang Crew Agency",
            "Seaman Taedonggang Crew Agency",
            True,
        ),  # syllables written apart
        ("Tae Dong Gang Trading Co", "Daedonggang Trading Co", True),  # McCune–Reischauer / Revised
        ("Chollima Steel Complex", "Cheollima Steel Complex", True),
        ("Kim Yong Chol", "Yong Chol KIM", True),  # a person's syllables stay apart: the order differs
        ("Lake Holdings", "Rake Holdings", False),  # common English words are not romanisations
        (
            "Hunchun Dong Yang Sea Food Co., Ltd.",
            "Hunchun Dongyang Seafood Co., Ltd.",
            True,
        ),  # pinyin as before
    ],
)
def test_korean_romanisation(a: str, b: str, similar: bool) -> None:
    assert (names.similarity(a, b) >= names.THRESHOLD) is similar


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("taedonggang", "daedonggang"),
        ("daedongkang", "daedonggang"),
        ("cheollima", "jorrima"),
        ("chollima", "jorrima"),
        ("sobaeksoo", "sobaegsu"),
        ("bank", None),
    ],
)
def test_korean_form(word: str, form: str | None) -> None:
    assert names.korean_form(word) == form


def test_a_word_written_twice_counts_once() -> None:
    key = name_key("AKTSIONERNY KOMMERCHESKI BANK MOSKOVSKI OBLASTNOI BANK")
    assert key.words == ("bank", "moskovski", "oblastnoi")
