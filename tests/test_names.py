"""Name matching through its public functions: keys, word and name similarity, and the blocked index."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from supplyscreen.match import memo, names
from supplyscreen.match.names import (
    KOREAN_CONTEXT,
    KOREAN_VARIANT,
    PLACE_WORDS,
    TOKEN_MIN,
    NameIndex,
    is_pinyin_word,
    korean_variant,
    name_key,
    weighted_similarity,
    word_similarity,
)
from supplyscreen.normalize.text import strip_legal_forms, tokens

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
def test_a_key_is_made_of_its_words(text: str) -> None:
    key = name_key(text)
    assert key.full == " ".join(sorted(key.words))
    assert key.compact == "".join(w for w in key.words if not key.core or w in key.core.split())


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


@pytest.mark.parametrize(
    ("name", "words", "company", "person"),
    [
        ("Hun Chun Dong Yang Maoyi", ("hunchun", "dongyang"), True, False),  # syllables two by two
        ("Daliantianyi Trading", ("dalian", "tianyi"), True, False),  # four syllables run together
        ("Catalina Trading", ("catalina",), True, False),  # an English word is no run of syllables
        ("Tae Dong Gang Trading", ("tae", "dong", "gang"), True, False),  # Korean syllables stay apart
        ("KIM, Yong Chol", ("kim", "yong", "chol"), False, True),  # a person, as lists write one
        ("Limited Laibility Company Novzeldru", ("novzeldru",), True, False),  # a legal form misspelt
        ("Manufactturing Zorvex", ("zorvex",), True, False),  # a generic word misspelt
        ("M S Group", ("ms",), True, False),  # initials run together
        ("I&S Holding", ("is",), True, False),
        ("YAMAKI, K.K.", ("yamaki",), True, False),  # a legal form written letter by letter
        (
            "AKTSIONERNY KOMMERCHESKI BANK MOSKOVSKI OBLASTNOI BANK",
            ("bank", "moskovski", "oblastnoi"),
            True,
            False,
        ),
        ("Novzeldru Dongyang Electronics GmbH", ("novzeldru", "dongyang", "electronic"), True, False),
    ],
)
def test_what_a_key_reads(name: str, words: tuple[str, ...], company: bool, person: bool) -> None:
    key = name_key(name)
    assert (key.words, key.company, key.person) == (words, company, person)


@pytest.mark.parametrize(
    ("a", "b", "similarity"),
    [
        ("dongyang", "dongyang", 1.0),
        ("pyongyang", "korea", 0.8),  # a city and its country
        ("dalian", "china", 0.8),
        ("dalian", "dandong", 0.0),  # two places
        ("zhangsan", "zangsan", 0.9),  # a pinyin typo (zh/z)
        ("dongyang", "dongyan", 0.9),  # ng/n
        ("tianyu", "tianfu", 0.0),  # two pinyin words
        ("taewon", "daewon", 0.95),  # Korean in two romanisations
        ("sobaeksoo", "sobaeksu", 0.95),
        ("lake", "rake", 0.0),  # a different first letter
        ("novzeldru", "novzeldra", 0.9),  # one typo in a long word
        ("golden", "goldan", 0.9),
        ("tnog", "tong", 0.9),  # two letters swapped in a short word
        ("haluk", "hauk", 0.0),  # a letter dropped from a short word
        ("pyongjin", "yongjin", 0.0),
    ],
)
def test_word_similarity(a: str, b: str, similarity: float) -> None:
    assert word_similarity(a, b) == word_similarity(b, a) == similarity


PINYIN = "zhang zang chang shan min ming rui hang wei dong yang lei dui tian jin hun chun long fu xin".split()


def test_the_bundled_pinyin_syllables_are_pypinyins() -> None:
    """``pinyin.txt`` holds the syllables pypinyin reads the CJK Unified Ideographs as."""
    from pypinyin import lazy_pinyin

    chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    read = {s for s in lazy_pinyin(chars, errors="ignore") if s.isascii() and s.isalpha()}
    assert names.pinyin_syllables() == read


@given(st.lists(st.sampled_from(PINYIN), min_size=2, max_size=5))
def test_runs_of_pinyin_syllables_are_pinyin_words(syllables: list[str]) -> None:
    assert is_pinyin_word("".join(syllables))


@pytest.mark.parametrize(
    ("word", "pinyin"),
    [
        ("dongyang", True),
        ("zhuangchuang", True),
        ("daliantianyi", True),
        ("tianjin", True),
        ("xian", False),  # one syllable
        ("gorsinar", False),
        ("hamburg", False),
        ("novzeldru", False),
        ("ab", False),
        ("dong1", False),
        ("dongyàng", False),
    ],
)
def test_pinyin_words(word: str, pinyin: bool) -> None:
    assert is_pinyin_word(word) is pinyin


def _plain_alignment(a: list[str], b: list[str], weight: dict[str, float]) -> float:
    """The weighted word alignment as the docstring of weighted_similarity says it, word by word."""
    total = sum(weight[t] for t in a) + sum(weight[t] for t in b)
    if total <= 0:
        return 0.0
    used_a: set[int] = set()
    used_b: set[int] = set()
    matched = 0.0
    korean = not KOREAN_CONTEXT.isdisjoint(a) and not KOREAN_CONTEXT.isdisjoint(b)  # two Korean names
    for i in sorted(range(len(a)), key=lambda k: weight[a[k]], reverse=True):
        best_j, best_s = -1, 0.0
        for j, tb in enumerate(b):
            if j not in used_b:
                sim = word_similarity(a[i], tb)
                if korean and korean_variant(a[i], tb):  # one Korean name in two romanisations
                    sim = max(sim, KOREAN_VARIANT)
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
@example(["dongyang", "korea"], ["tongyang", "korea"], {})  # one Korean name in two romanisations
def test_weighted_similarity_aligns_words(a: list[str], b: list[str], weights: dict[str, float]) -> None:
    weight = {w: weights.get(w, 0.35) for w in WORDS}
    assert weighted_similarity(a, b, weight.__getitem__) == _plain_alignment(a, b, weight)


@pytest.mark.parametrize(
    ("a", "b", "similar"),
    [
        ("Seaman Tae Dong Gang Crew Agency", "Seaman Taedonggang Crew Agency", True),  # syllables apart
        ("Tae Dong Gang Trading Co", "Daedonggang Trading Co", True),  # McCune–Reischauer / Revised
        ("Chollima Steel Complex", "Cheollima Steel Complex", True),
        ("Kim Yong Chol", "Yong Chol KIM", True),  # a person's syllables stay apart: the order differs
        ("Lake Holdings", "Rake Holdings", False),  # common English words are not romanisations
        ("Hunchun Dong Yang Sea Food Co., Ltd.", "Hunchun Dongyang Seafood Co., Ltd.", True),  # pinyin
        ("Dalian Tianyu Trading", "Dalian Tianfu Trading", False),  # two pinyin words, one place
        ("Golden Star Trading LLC", "KIM, Golden Star", False),  # a company is no person
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


LISTED = [
    "Rungrado General Trading Corp",
    "Korea Paekma Shipping Co",
    "Kumgang Bank",
    "Korea Ocean Shipping Agency",
    "Dalian Tianyu Import Export Co Ltd",
    "Hunchun Dongyang Seafood Co Ltd",
    "Beacon Gorsinar Trading SA",
    "Daedonggang Trading Co",
    "Novzeldru Electronics GmbH",
]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Rungrado General Trading Corporation", "Rungrado General Trading Corp"),  # the same name
        ("Rungardo Trading", "Rungrado General Trading Corp"),  # two letters swapped in a rare word
        ("Rung Ra Do Trading", "Rungrado General Trading Corp"),  # written apart
        ("Korea Paek Ma Shipping", "Korea Paekma Shipping Co"),  # syllables apart
        ("Kum Gang Bank", "Kumgang Bank"),
        ("Geumgang Bank", "Kumgang Bank"),  # another romanisation
        ("Korea Ocean Shipping Agency Ltd", "Korea Ocean Shipping Agency"),  # common words only
        ("大连天宇进出口有限公司", "Dalian Tianyu Import Export Co Ltd"),  # Chinese
        ("Hun Chun Dong Yang Sea Food", "Hunchun Dongyang Seafood Co Ltd"),  # pinyin apart
        ("Beacon Gorsinnar Trading", "Beacon Gorsinar Trading SA"),  # a letter doubled
        ("Beacon Gorsinar Trading S A", "Beacon Gorsinar Trading SA"),  # a legal form letter by letter
        ("Tae Dong Gang Trading", "Daedonggang Trading Co"),
        ("Novzeldru Electronic", "Novzeldru Electronics GmbH"),
        ("Dalian Tianfu Trading", None),  # another pinyin name in the same place
        ("Zorvex Electronics GmbH", None),
    ],
)
def test_the_index_finds_list_names(query: str, found: str | None) -> None:
    index = NameIndex(LISTED)
    assert [LISTED[m.target] for m in index.match([query])] == ([found] if found else [])


def _syllable_names(seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    syllables = "ka ren to mi sel var lo den ak ne ot im les rav ol ned".split()

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randrange(1, 4)))

    listed = [f"{word()} {word()}" for _ in range(1500)] + [f"{word()}{word()}" for _ in range(100)]
    queries = [f"{word()} {word()}" for _ in range(400)]
    queries += [rng.choice(listed).replace(rng.choice("aeiou"), "", 1) for _ in range(200)]
    return listed, queries


def test_blocked_matching_finds_what_comparing_every_pair_finds() -> None:
    """Blocking leaves pairs out, never adds or rescores one."""
    listed, queries = _syllable_names(5)
    index = NameIndex(listed)
    blocked = {(m.query, m.target, m.similarity) for m in index.match(queries)}
    exhaustive = {(m.query, m.target, m.similarity) for m in index.match_exhaustive(queries)}
    assert blocked <= exhaustive
    assert len(blocked) > 0.85 * len(exhaustive)


def test_what_the_index_forgets_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """An index that keeps what it learnt of names and words for a few at a time finds the same."""
    listed, queries = _syllable_names(7)
    expected = NameIndex(listed).match(queries, chunk=100)
    monkeypatch.setattr(memo, "MEMO_LIMIT", 10)
    assert NameIndex(listed).match(queries, chunk=100) == expected


@pytest.mark.parametrize(
    ("toks", "kept"),
    [
        ("beacon gorsinar trading s a", "beacon gorsinar trading"),
        ("sa beacon co ltd", "sa beacon"),  # a short form only among the last two words
        ("snc group", "group"),  # anywhere in the name
        ("ooo amur", "amur"),
        ("limited liability company amur", "amur"),
        ("amur sdn bhd", "amur"),
        ("unpha san trading", "unpha san trading"),  # san a word of the name, not at its end
        ("mega san", "mega"),
        ("dongyang co ltd", "dongyang"),
        ("kk", ""),
    ],
)
def test_legal_forms_are_stripped(toks: str, kept: str) -> None:
    assert strip_legal_forms(tokens(toks)) == kept.split()
