"""Organisation-name matching for watchlists: keys, one similarity, and blocking for scale.

A name becomes a *key*: transliterated (pinyin for Chinese, Latin for Cyrillic), legal forms in any language
(fingerprints' list) and generic words (company, trading, seafood, 有限公司, maoyi …) removed, abbreviations
expanded, and pinyin written syllable by syllable grouped into words ("Dong Yang", "Dongyang" and 东洋 all
give "dongyang"). Two keys are compared by *weighted word alignment*: each word pairs with the most similar
word of the other name, and the share of both names' word weight that is matched is the similarity. Word
weights come from the watchlist itself (rare words weigh more, IDF), place names weigh little and must match
exactly, and two different pinyin words are different words (Tianyu is not Tianfu), so one shared common
word cannot carry a match.

Blocking: each list name is indexed by its words, their one-letter deletions (typos, SymSpell-style) and the
4-letter grams of its words; a supplier name is compared only with the list names that share its rarest words
(up to a typo) or grams. The words a chunk of supplier names brings are looked up all at once in numpy
(hashed, then compared letter by letter) and remembered. A cheap rapidfuzz prefilter scores the candidate
pairs in bulk (``process.cpdist``), after an exact bound on lengths and letter counts has set aside the pairs
that cannot reach it, and only the survivors get the weighted score. The exhaustive run
(``match_exhaustive``) uses ``process.cdist`` over all pairs with the same prefilter and the same score, so
the two can be compared.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial
from itertools import chain, pairwise
from typing import NamedTuple, Protocol

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from wordfreq import zipf_frequency

from supplyscreen import packaged
from supplyscreen.errors import ConfigError
from supplyscreen.match.memo import WORD_LIMIT, Memo
from supplyscreen.normalize.hangul import has_hangul, latin_words
from supplyscreen.normalize.text import (
    GENERIC_WORDS,
    fold,
    legal_form_word,
    legal_form_words,
    stem,
    strip_legal_forms,
    tokens,
)

THRESHOLD = 0.88  # default similarity for a list hit
GRAM = 4
MAX_GRAM_DF = 500  # words or grams in more list names than this do not block
RAREST = 3  # a supplier name is compared with list names sharing one of its rarest grams
PLACE_WEIGHT = 0.2  # a place name says little about which company it is
TOKEN_MIN = 0.8  # two (non-pinyin) words count as the same word from this similarity (one typo)
PREFILTER = 80  # rapidfuzz ratio (0-100) a pair needs on its sorted, place-free or run-together key
MAX_BLOCK_DF = 200  # a gram shared with more list names than this is too common to block on
MAX_TYPO_DF = 40  # the same for the one-letter-deleted forms of a word
RARE_WORD_DF = 20  # a supplier name is compared with list names sharing any of its words this rare

# Generic words as pinyin syllables, removed before syllables are grouped into words.
PINYIN_GENERIC = tuple(
    p.replace("_", " ")
    for p in """
    gu_fen_you_xian_gong_si you_xian_ze_ren_gong_si you_xian_gong_si gong_si ji_tuan mao_yi shui_chan_pin
    shui_chan hai_chan_pin hai_chan shi_pin yu_ye jin_chu_kou shi_ye fa_zhan ke_ji zhi_zao guo_ji
    jia_gong_chang jia_gong zhi_pin shang_mao hang_yun yuan_yang fu_zhuang fang_zhi jin_shu_cai_liao
    jin_shu cai_liao mu_ye you_xian ze_ren gu_fen dai_li
    """.split()
)
# The same words written as one Latin word ("Maoyi Youxian Gongsi").
PINYIN_GENERIC_WORDS = frozenset(p.replace(" ", "") for p in PINYIN_GENERIC)
EXTRA_GENERIC = frozenset(
    """
    obshchestvo obschestvo ogranichennoy ogranichennoi ogranichennoj otvetstvennostyu otvetstvennostiu
    otvetstvennost aktsionernoe aktsionerny aktsionernyy aktsionernyi kommercheski kommercheskiy
    kommercheskii zakrytoe otkrytoe publichnoe private pvt jv materials material metal
    metallic mineral minerals agency services service for garment garments apparel textile textiles wood
    aquatic technology center centre economic economy
    concern kontsern koncern konzern
    tovarystvo tovaristvo tovarystva obmezhenoiu obmezhenoyu obmezhenoju obmezhenoi vidpovidalnistiu
    vidpovidalnistyu vidpovidalnistju vidpovidalnist aktsionerne aktsionerna pryvatne privatne publichne
    dochirnie pidpryiemstvo pidpryemstvo
    """.split()
)
_GENERIC = GENERIC_WORDS | PINYIN_GENERIC_WORDS | EXTRA_GENERIC


def generic_word(token: str) -> bool:
    """Whether a key word is one of the generic words name keys leave out (company, trading, maoyi …)."""
    return token in _GENERIC


_PHRASE_STARTS = frozenset(p.split()[0] for p in PINYIN_GENERIC)  # a name without these has no such phrase
# Place names inside a country: a supplier may write the capital or a city for the country a list names.
PLACE_IN = {
    **{c: "korea" for c in "pyongyang rason rajin nampo sinuiju chongjin wonsan hamhung kaesong".split()},
    **{
        c: "china"
        for c in "beijing shanghai tianjin shenyang dalian dandong donggang hunchun yanji dongguan".split()
    },
    **{
        c: "russia"
        for c in "moscow vladivostok khabarovsk nakhodka ussuriysk blagoveshchensk krasnoyarsk".split()
    },
}
_ADMIN_CJK = str.maketrans("", "", "市省县")
_PERSON_RE = re.compile(r"^[A-Z][A-Z'\-]+,\s+[A-Z]")
_WORD_RE = re.compile(r"[^\W_]+")  # the words ``tokens`` reads, as normalize.units finds them
_CLOSE_SYLLABLE = re.compile(r"(?<=[zcs])h|(?<=n)g$")
ABBREVIATIONS = {
    "int": "international",
    "gen": "general",
    "genl": "general",
    "trdg": "trading",
    "trd": "trading",
    "mgmt": "management",
    "mgt": "management",
    "tech": "technology",
    "natl": "national",
    "nat": "national",
    "comm": "commercial",
    "shpg": "shipping",
    "shp": "shipping",
    "proj": "project",
    "grp": "group",
    "cos": "company",
    "ind": "industrial",
    "indus": "industrial",
    "mfg": "manufacturing",
    "mfrs": "manufacturing",
    "bros": "brothers",
    "dev": "development",
    "eng": "engineering",
    "engg": "engineering",
    "constr": "construction",
    "const": "construction",
    "svc": "service",
    "svcs": "service",
    "assn": "association",
    "mktg": "marketing",
    "dprk": "korea",
    "chosun": "korea",
    "technical": "technology",
    "choson": "korea",
    "joseon": "korea",
    "banking": "bank",
    "corpn": "corporation",
    "shipg": "shipping",
    "indl": "industrial",
    "technol": "technology",
    "logist": "logistics",
    "coml": "commercial",
    "mar": "maritime",
    "invest": "investment",
    "invt": "investment",
    "devt": "development",
    "dvpt": "development",
    "devel": "development",
    "intl": "international",
    "internat": "international",
    "mfr": "manufacturing",
}
PLACE_WORDS = frozenset(
    """
    korea korean north south china chinese prc russia russian beijing shanghai tianjin shenyang dalian dandong
    donggang hunchun yanji yanbian tumen jilin liaoning qingdao zhoushan ningbo fuzhou guangzhou shenzhen
    hongkong hong kong pyongyang rason rajin nampo sinuiju chongjin wonsan hamhung kaesong vladivostok
    khabarovsk moscow nakhodka ussuriysk blagoveshchensk krasnoyarsk dongguan jining yanjiao hunan hubei
    henan hebei shandong jiangsu zhejiang fujian guangdong heilongjiang harbin changchun weihai yantai
    rizhao lianyungang xiamen shantou zhuhai wuhan chengdu chongqing xian nanjing suzhou hangzhou jinan
    dandenong seoul busan incheon ulsan singapore dubai sharjah doha kuwait vientiane ulaanbaatar
    taipei kaohsiung hanoi haiphong manila jakarta bangkok
    """.split()
)
_VOWEL_INITIAL = frozenset("a ai an ang ao e ei en eng er o ou hm m n".split())


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """The pinyin syllables (``pinyin.txt``)."""
    return frozenset(packaged.words("supplyscreen.match", "pinyin.txt"))


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    return pinyin_syllables() - _VOWEL_INITIAL


@lru_cache(maxsize=1)
def _syllables_by_start() -> dict[str, tuple[str, ...]]:
    """The syllables of two to six letters by their first two letters, shortest first."""
    out: dict[str, list[str]] = defaultdict(list)
    for syllable in sorted(_syllables(), key=len):
        if 2 <= len(syllable) <= 6:
            out[syllable[:2]].append(syllable)
    return {start: tuple(found) for start, found in out.items()}


@lru_cache(maxsize=1)
def _not_syllables() -> re.Pattern[str]:
    """A cheap test that a word is no run of the syllables ``_segment`` splits into: it has a character
    other than a-z, or two letters in a row that no syllable and no two syllables one after the other
    have ('lk', 'vz', 'tr'). Most words that are no run tell so at once."""
    syllables = [s for found in _syllables_by_start().values() for s in found]
    seen = {s[i : i + 2] for s in syllables for i in range(len(s) - 1)}
    seen |= {a[-1] + b[0] for a in {s[-1] for s in syllables} for b in {s[0] for s in syllables}}
    letters = "abcdefghijklmnopqrstuvwxyz"
    never = {a: "".join(b for b in letters if a + b not in seen) for a in letters}
    return re.compile("|".join(["[^a-z]", *(f"{a}[{b}]" for a, b in never.items() if b)]))


_VOWEL_RUN = re.compile(r"[aeiouv]+")


@lru_cache(maxsize=1)
def _one_vowel_run_each() -> bool:
    """Whether every syllable ``_segment`` splits into starts with a consonant and has one run of vowels:
    then every split of a word into syllables has as many syllables as the word has runs of vowels."""
    return all(
        s[0] not in "aeiouv" and len(_VOWEL_RUN.findall(s)) == 1
        for found in _syllables_by_start().values()
        for s in found
    )


def _segment(word: str) -> tuple[str, ...]:
    """Split a word that is a run of pinyin syllables ('dongyang' -> ('dong', 'yang')); else keep it.

    The split with the fewest syllables (of two letters or more); among as few, the first found going left
    to right, shorter syllables first."""
    if len(word) < 4 or _not_syllables().search(word) is not None:
        return (word,)
    starting = _syllables_by_start()
    n = len(word)
    fewest = [0] + [n + 1] * n  # syllables up to each position (n + 1: not reached)
    back = [0] * (n + 1)  # where the last of them starts
    for i in range(n - 1):
        if fewest[i] > n:
            continue
        for syllable in starting.get(word[i : i + 2], ()):
            j = i + len(syllable)
            if j <= n and fewest[i] + 1 < fewest[j] and word.startswith(syllable, i):
                fewest[j], back[j] = fewest[i] + 1, i
    if fewest[n] > n:
        return (word,)
    out = []
    while n:
        out.append(word[back[n] : n])
        n = back[n]
    return tuple(reversed(out))


def is_pinyin_word(token: str) -> bool:
    """A word made of two or more pinyin syllables ('dongyang', 'tianfu')."""
    return len(_segment(token)) > 1


def _drop_generic_phrases(toks: list[str]) -> list[str]:
    """Drop the generic words written as pinyin syllables (PINYIN_GENERIC: 'you xian gong si')."""
    if _PHRASE_STARTS.isdisjoint(toks):  # the usual case: nothing to drop
        return toks
    text = " " + " ".join(toks) + " "
    for phrase in PINYIN_GENERIC:
        while f" {phrase} " in text:
            text = text.replace(f" {phrase} ", " ")
    return text.split()


Syllable = tuple[str, str, str]  # a Korean syllable's canonical initial, vowel and final


def _romanization_part(raw: object, key: str) -> dict[str, str]:
    part = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(part, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in part.values()
    ):
        raise ConfigError(
            f"romanization.yaml: '{key}' must map each canonical form to a list of spellings",
            hint='quote the empty spelling as ""',
        )
    return {spelling: str(canonical) for canonical, spellings in part.items() for spelling in spellings}


def _romanization() -> object:
    return packaged.load_yaml("supplyscreen.match", "romanization.yaml")


@lru_cache(maxsize=1)
def _korean_pattern() -> re.Pattern[str]:
    """A run of Korean syllables (aspirates included) as one regular expression: most words are no such run,
    and the expression tells so far sooner than ``korean_form``'s search for the fewest syllables."""
    raw = _romanization()
    initials = {**_romanization_part(raw, "initials"), **_romanization_part(raw, "aspirates")}

    def alternatives(spellings: Iterable[str]) -> str:
        return "|".join(sorted({s for s in spellings if s}, key=len, reverse=True))

    vowels, finals = _romanization_part(raw, "vowels"), _romanization_part(raw, "finals")
    return re.compile(
        f"(?:(?:{alternatives(initials)})?(?:{alternatives(vowels)})(?:{alternatives(finals)})?)+"
    )


@lru_cache(maxsize=2)
def _korean_spellings(aspirates: bool = False) -> tuple[dict[str, Syllable], int]:
    """Every spelling of a Korean syllable in ``romanization.yaml`` (initial × vowel × final) with its
    canonical parts, and the length of the longest spelling; with ``aspirates``, also the syllables whose
    initial is written with an h after it (McCune–Reischauer's Thae, Phyong, Khang)."""
    raw = _romanization()
    initials, vowels, finals = (_romanization_part(raw, key) for key in ("initials", "vowels", "finals"))
    if aspirates:
        initials = {**initials, **_romanization_part(raw, "aspirates")}
    out: dict[str, Syllable] = {}
    for i, ci in initials.items():
        for v, cv in vowels.items():
            for f, cf in finals.items():
                out.setdefault(i + v + f, (ci, cv, cf))
    return out, max(map(len, out))


@lru_cache(maxsize=1)
def _korean_only() -> frozenset[str]:
    """Korean syllables that are not pinyin syllables ('tae', 'chol', 'kum'): one in a run of syllables
    makes the run Korean (kept apart, not paired as pinyin)."""
    return frozenset(_korean_spellings()[0]) - pinyin_syllables()


# Sound changes at a syllable boundary that the Revised Romanisation writes and McCune–Reischauer lists often
# do not (Baengma = Paek Ma, Jongno = Chongro, Silla = Sinra): (final, next initial) -> (final, next initial)
_ASSIMILATION: dict[tuple[str, str], tuple[str, str]] = {
    ("g", "m"): ("ng", "m"),
    ("g", "n"): ("ng", "n"),
    ("g", "r"): ("ng", "n"),
    ("b", "m"): ("m", "m"),
    ("b", "n"): ("m", "n"),
    ("b", "r"): ("m", "n"),
    ("d", "m"): ("n", "m"),
    ("d", "n"): ("n", "n"),
    ("n", "r"): ("r", "r"),
    ("r", "n"): ("r", "r"),
    ("ng", "r"): ("ng", "n"),
    ("m", "r"): ("m", "n"),
}


def korean_form(word: str) -> str | None:
    """The word split into as few Korean syllables as possible, each in its canonical form
    (``romanization.yaml``, aspirates written with an h included), with the sound changes at syllable
    boundaries applied (``_ASSIMILATION``), run together: 'Taedonggang' and 'Daedonggang', 'Baengmagang'
    and 'Paekmakang' give one form. None when the word is not a run of Korean syllables."""
    if _korean_pattern().fullmatch(word) is None:
        return None
    spellings, longest = _korean_spellings(True)
    n = len(word)
    fewest = [0] + [n + 1] * n
    back = [0] * (n + 1)
    canonical: list[Syllable] = [("", "", "")] * (n + 1)
    for i in range(n):
        if fewest[i] > n:
            continue
        for j in range(i + 1, min(n, i + longest) + 1):
            form = spellings.get(word[i:j])
            if form is not None and fewest[i] + 1 < fewest[j]:
                fewest[j], back[j], canonical[j] = fewest[i] + 1, i, form
    if not n or fewest[n] > n:
        return None
    parts: list[list[str]] = []
    while n:
        parts.append(list(canonical[n]))
        n = back[n]
    parts.reverse()
    for a, b in pairwise(parts):
        a[2], b[0] = _ASSIMILATION.get((a[2], b[0]), (a[2], b[0]))
    return "".join("".join(p) for p in parts)


@lru_cache(maxsize=1)
def _run_syllables() -> frozenset[str]:
    """The pinyin and Korean syllables that ``_group_syllables`` puts in a run."""
    return pinyin_syllables() | _korean_only()


PINYIN_RUN_MAX_ZIPF = 2.0  # a word this common in English is no run of pinyin ('catalina': ca ta li na)


def _pinyin_run(tok: str) -> bool:
    """A word of four pinyin syllables or more run together ('daliantianyi'), not an English word."""
    if len(tok) < 8 or (_one_vowel_run_each() and len(_VOWEL_RUN.findall(tok)) < 4):
        return False  # (a split has a syllable per run of vowels: fewer than four runs, fewer syllables)
    return len(_segment(tok)) >= 4 and zipf_frequency(tok, "en") < PINYIN_RUN_MAX_ZIPF


def _group_syllables(toks: list[str], runs: Memo[str, bool] | None = None) -> list[str]:
    """Join runs of single pinyin syllables two by two ('hun chun dong yang' -> 'hunchun dongyang'); an odd
    run ends with a three-syllable word. A run with a Korean syllable that is not pinyin ('Tae Dong Gang',
    'Kim Yong Chol') is one Korean name, not pinyin: its syllables stay apart, and the word alignment reads
    them as one word ('taedonggang') where the other name writes them together — pairing them as pinyin would
    make 'dong gang' the place Donggang, and joining them would break a person's name, whose order differs
    between lists and suppliers. ``runs``: what ``_pinyin_run`` said of each word, kept."""
    starts = _run_syllables()
    run_of = _pinyin_run if runs is None else partial(runs.get_or, compute=_pinyin_run)
    if starts.isdisjoint(toks) and not any(run_of(tok) for tok in toks if len(tok) >= 8):  # the usual case
        return toks
    syl, korean = pinyin_syllables(), _korean_only()
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) == 1 or not korean.isdisjoint(run):
            out.extend(run)
        elif run:
            pairs = [run[i] + run[i + 1] for i in range(0, len(run) - 1, 2)]
            if len(run) % 2:
                pairs[-1] += run[-1]
            out.extend(pairs)
        run.clear()

    for tok in toks:
        if len(tok) > 1 and (tok in syl or tok in korean):  # a letter alone is an initial ('A-One')
            run.append(tok)
        elif len(tok) >= 8 and run_of(tok):  # 'daliantianyi' -> dalian tianyi
            run.extend(_segment(tok))
        else:
            flush()
            out.append(tok)
    flush()
    return out


class Words(Memo[str, tuple[str, ...]]):
    """What name keys read of each word (``_word_tokens``), kept per word; in ``runs``, whether a word is
    a run of pinyin syllables (``_pinyin_run``), kept per word of ``_group_syllables``; in ``endings``, what
    ``strip_legal_forms`` keeps of each ending."""

    __slots__ = ("endings", "runs")

    def __init__(self, limit: int | None = None) -> None:
        super().__init__(WORD_LIMIT if limit is None else limit)
        self.runs: Memo[str, bool] = Memo(self.limit)
        self.endings: Memo[tuple[str, ...], tuple[str, ...]] = Memo(self.limit)


def _word_tokens(word: str, organisation: bool) -> tuple[str, ...]:
    """What a name key reads of one word: its ``tokens`` (no token spans a space or punctuation, so a name's
    tokens are its words' tokens). In an organisation's name Latin words lose a plural s (a person's names
    are not plurals: Abbas), and a long word one typo from a generic word or legal form is read as that word
    ('Limited Laibility Company', 'Manufactturing')."""
    if word.isascii() and word.islower():  # (alphanumeric:) what tokens() makes of it, sooner
        toks: Sequence[str] = (stem(word),) if organisation else (word,)
    else:
        toks = tokens(word)
    if not organisation:
        return tuple(toks)
    return tuple(_generic_typo(t) if len(t) >= GENERIC_TYPO_MIN - 1 else t for t in toks)


_READ_ORGANISATION = partial(_word_tokens, organisation=True)
_READ_PERSON = partial(_word_tokens, organisation=False)


class NameKey(NamedTuple):
    full: str  # sorted words
    core: str  # sorted words without place names ('' when that leaves nothing or changes nothing)
    words: tuple[str, ...]  # the words, in the name's order
    compact: str  # the words run together in the name's order
    company: bool  # the name carries a legal form or a generic business word
    person: bool  # written 'SURNAME, Given Names' as sanctions lists write people
    joined: tuple[str, ...] = ()  # Korean syllables written apart, run together ('paek ma': 'paekma')


def name_key(text: str, words: Words | None = None) -> NameKey:
    """The comparison key of an organisation name; ``words``, a memo of what it reads of each word, for a
    caller that makes many keys (``NameIndex``)."""
    return _key(text, True, words)


def person_key(text: str, words: Words | None = None) -> NameKey:
    """The comparison key of a person's name: ``name_key`` without grouping syllables into words, as the
    order of a person's names differs between lists and sheets ('Yong Mu RI' and 'RI, Yong Mu' are not
    'yongmuri' and 'riyongmu'), and with the forms the prefilter compares (``full``, ``core``, ``compact``)
    written in the words' consonants, as spellings of one name differ in their vowels (``spelling_variant``)."""
    return _key(text, False, words)


def _key(text: str, group: bool, words: Words | None) -> NameKey:
    # 东港市 -> 东港: the 'city' character would split the pinyin; CH'OLHYO'N -> cholhyon (McCune-Reischauer)
    folded = fold(text)
    if not folded.isascii():
        folded = folded.translate(_ADMIN_CJK).replace("’", "")
        if has_hangul(folded):  # 금강은행 -> geumgang bank
            folded = latin_words(folded)
    read = _READ_ORGANISATION if group else _READ_PERSON
    if words is None:
        raw = [t for word in _WORD_RE.findall(folded.replace("'", "")) for t in read(word)]
    else:  # (a word that reads as no token, rare, is looked up twice)
        known = words.get
        found = _WORD_RE.findall(folded.replace("'", ""))
        raw = [t for word in found for t in (known(word) or words.get_or(word, read))]
    # a name of syllables only is a person's ('Han Se Pak', 'KIM Kyong Ok'): no legal form among them
    remember = words.endings.get_or if words is not None else None
    stripped = raw if folded.isascii() and _syllables_only(raw) else strip_legal_forms(raw, remember)
    toks = join_initials(stripped)
    toks = _drop_generic_phrases(list(map(ABBREVIATIONS.get, toks, toks)))
    grouped = _group_syllables(toks, words.runs if words is not None else None) if group else toks
    syllables = grouped is not toks  # (the same list when there are no syllables to group)
    toks = grouped
    informative = list(dict.fromkeys(t for t in toks if t not in _GENERIC and len(t) > 1))  # once each
    core = [t for t in informative if t not in PLACE_WORDS]
    if not core:
        informative = [t for t in toks if len(t) > 1] or toks  # nothing distinctive: keep the generic words
        core = [t for t in informative if t not in PLACE_WORDS]
    full = " ".join(sorted(informative))
    core_key = " ".join(sorted(core)) if core and core != informative else ""
    company = len(stripped) < len(raw) or not _GENERIC.isdisjoint(toks) or _letters_form(stripped)
    # 'KIM, Yong Chol' is a person; 'KAVE, S.A.' and 'KARST, OOO' (a legal form or business word) are not
    person = not company and "," in text and _PERSON_RE.match(text.strip()) is not None
    compact = "".join(core or informative)
    joined = _joined_syllables(informative) if syllables else ()
    if not group:  # a person's: the prefilter compares the names' consonants (Qasim / Kassem: ksm)
        full = " ".join(sorted(map(_skeleton, informative)))
        core_key = " ".join(sorted(map(_skeleton, core))) if core_key else ""
        compact = "".join(map(_skeleton, core or informative))
    return NameKey(full, core_key, tuple(informative), compact, company, person, joined)


GENERIC_TYPO_MIN = 8  # letters of a generic word or legal form that a word one typo from it is read as


@lru_cache(maxsize=1)
def _generic_vocabulary() -> tuple[frozenset[str], dict[tuple[str, int], tuple[str, ...]]]:
    """The generic words and the words of legal forms of GENERIC_TYPO_MIN letters or more, and the same by
    the first letter and length of the words one typo from them (a letter fewer, as many, or one more), for
    ``_generic_typo``: most words have no such shape, and the others a handful of words to compare."""
    forms = legal_form_words()
    words = frozenset(w for w in (*_GENERIC, *forms) if len(w) >= GENERIC_TYPO_MIN and w.isalpha())
    shapes: dict[tuple[str, int], list[str]] = defaultdict(list)
    for word in sorted(words):
        for n in (len(word) - 1, len(word), len(word) + 1):
            shapes[word[0], n].append(word)
    return words, {shape: tuple(found) for shape, found in shapes.items()}


def _generic_typo(word: str) -> str:
    """A word one typo (a letter missing, extra, wrong, or two swapped; never the first) from exactly one long
    generic word or word of a legal form, as that word ('laibility': liability); else the word itself."""
    words, shapes = _generic_vocabulary()
    near = shapes.get((word[:1], len(word)))
    if near is None or word in words or word in _GENERIC or not word.isalpha():
        return word
    close = [w for w in near if OSA.distance(word, w, score_cutoff=1) == 1]
    return close[0] if len(close) == 1 else word


def _syllables_only(toks: list[str]) -> bool:
    """Two words or more, each one Korean or pinyin syllable."""
    return 1 < len(toks) < 6 and max(map(len, toks)) < 7 and _syllable_words().issuperset(toks)


@lru_cache(maxsize=1)
def _syllable_words() -> frozenset[str]:
    return frozenset(_korean_spellings()[0]) | pinyin_syllables()


def _korean_key(word: str) -> str:
    """The blocking key of a word's Korean canonical form ('~gumbyor' for Kumbyol and Geumbyeol); '' for a
    word that is no Korean romanisation, or a pinyin word (two pinyin words are never one name)."""
    if len(word) < KOREAN_FOLD_MIN_LETTERS or is_pinyin_word(word):
        return ""
    form = korean_form(word)
    return "" if form is None else "~" + form


def _alternates(key: NameKey) -> list[str]:
    """The forms a list name is also found by: its syllables written apart run together, and the Korean
    canonical forms of its words and of those."""
    out = list(key.joined)
    out += [k for w in (*key.words, *key.joined) if (k := _korean_key(w))]
    return out


def join_initials(toks: list[str]) -> list[str]:
    """Letters written one by one, run together: 'M S Group' and 'I&S Holding' keep their initials as one
    word (ms, is), which tells 'F&F Holdings' from 'I&S HOLDING'; a letter alone stays a letter, and so do
    letters that end the name (what is left of a legal form: 'S.A. de C.V.')."""
    if min(map(len, toks), default=2) > 1:  # the usual case
        return toks
    out: list[str] = []
    run: list[str] = []
    for tok in [*toks, ""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        out += ["".join(run)] if len(run) > 1 and tok else run
        run = []
        if tok:
            out.append(tok)
    return out


def _letters_form(toks: list[str]) -> bool:
    """Whether the name ends in a legal form written letter by letter that the forms' list writes as one
    word ('YAMAKI, K.K.': kk; 'X, S.P.A.': spa)."""
    n = len(toks)
    while n and len(toks[n - 1]) == 1:
        n -= 1
    letters = "".join(toks[n:])
    return len(letters) > 1 and (letters in _GENERIC or legal_form_word(letters))


MAX_JOINED = 5  # syllables written apart that blocking reads as one word


def _joined_syllables(words: Sequence[str]) -> tuple[str, ...]:
    """Runs of two to MAX_JOINED Korean syllables written apart, run together ('Korea Sam Il Po Shipping':
    samil, ilpo, samilpo): where the other name writes them as one word, the name index finds it by them."""
    spellings = _korean_spellings()[0]
    out: list[str] = []
    start = 0
    for end in range(len(words) + 1):
        if end < len(words) and words[end] in spellings:
            continue
        for i in range(start, end - 1):
            for j in range(i + 2, min(end, i + MAX_JOINED) + 1):
                out.append("".join(words[i:j]))
        start = end + 1
    return tuple(out)


def default_weight(token: str) -> float:
    """Place names weigh little; so do common dictionary words ('golden', 'star', 'computer'), by their
    frequency in English (wordfreq's Zipf scale: 3 and rarer weigh 1, 5 and commoner weigh 0.35)."""
    if token in PLACE_WORDS:
        return PLACE_WEIGHT
    return _zipf_weight(zipf_frequency(token, "en"))


def _zipf_weight(zipf: float) -> float:
    return 1.0 if zipf <= 3 else max(0.35, 1.0 - (zipf - 3) * 0.33)


def _close_syllables(a: str, b: str) -> bool:
    """Syllables a typist confuses: zh/z, ch/c, sh/s, ng/n, or two letters swapped."""
    fold_a, letters_a = _syllable_forms(a)
    fold_b, letters_b = _syllable_forms(b)
    return fold_a == fold_b or letters_a == letters_b


def _syllable_forms(syllable: str) -> tuple[str, str]:
    """The syllable without the letters typists confuse (zh/z, ch/c, sh/s, ng/n), and its letters sorted."""
    return _CLOSE_SYLLABLE.sub("", syllable), "".join(sorted(syllable))


def _pinyin_typo(sa: tuple[str, ...], sb: tuple[str, ...]) -> bool:
    """Two words' syllables differ in one syllable, and that a typist's slip."""
    if len(sa) != len(sb):
        return False
    differ: tuple[str, str] | None = None
    for x, y in zip(sa, sb, strict=True):
        if x != y:
            if differ:
                return False
            differ = (x, y)
    return differ is not None and _close_syllables(*differ)


KOREAN_FOLD_MAX_ZIPF = 3.5  # English words this common are not read as Korean romanisations
# Words that make a name Korean ('Korea Tangun Trading'): there a word that reads as pinyin (Dangun: dan
# gun) may still be a Korean name in another romanisation, which it is not in a Chinese name
KOREAN_CONTEXT = frozenset({"korea", "korean", "pyongyang"})
KOREAN_VARIANT = 0.95  # the similarity of one Korean name in two romanisations
KOREAN_FOLD_MIN_LETTERS = 5  # shorter words differing by a romanisation's letters are other names (Itek/Idek)
SPELLING_VARIANT = 0.9  # the similarity of two spellings of one person's name
SPELLING_MIN_LETTERS = 5
_SKELETON_FOLD = str.maketrans("qcyw", "kkiv")
_VOWELS = re.compile(r"[aeiou]+")
_DOUBLES = re.compile(r"(.)\1+")


def _skeleton(word: str) -> str:
    """A name's consonants, doubled ones once, q and c as k: 'Salih' and 'Saleh' give slh, 'Qasim' and
    'Kassem' ksm, 'Muhammad' and 'Mohamad' mhmd."""
    folded = word.replace("ph", "f").translate(_SKELETON_FOLD)
    return _DOUBLES.sub(r"\1", folded[0] + _VOWELS.sub("", folded[1:]))


class _Word(NamedTuple):
    """A key word with what comparing it needs, worked out once per word: its weight, its pinyin syllables,
    its Korean canonical form (for a word that may be a Korean romanisation) and, in a person's name, its
    consonants (for a word that may be a transliteration)."""

    text: str
    weight: float
    syllables: tuple[str, ...]  # _segment: more than one for a pinyin word
    place: bool
    korean: str | None  # korean_form of a word of KOREAN_FOLD_MIN_LETTERS or more, not common English
    consonants: str | None  # _skeleton of a person's name word of SPELLING_MIN_LETTERS letters or more
    patterns: tuple[str, ...] | None  # _pinyin_patterns

    @classmethod
    def of(cls, text: str, rarity: float = 1.0, people: bool = False) -> _Word:
        """The word with ``default_weight`` times ``rarity`` (an index's IDF share) as its weight."""
        place = text in PLACE_WORDS
        zipf = zipf_frequency(text, "en")
        syllables = _segment(text)
        korean = (
            korean_form(text)
            if len(text) >= KOREAN_FOLD_MIN_LETTERS and zipf < KOREAN_FOLD_MAX_ZIPF
            else None
        )
        consonants = None
        if people and len(text) >= SPELLING_MIN_LETTERS and text.isalpha():
            consonants = _skeleton(text)
            consonants = consonants if len(consonants) >= 3 else None
        weight = rarity * (PLACE_WEIGHT if place else _zipf_weight(zipf))
        patterns = _pinyin_patterns(text, syllables) if len(syllables) > 1 and not place else None
        return cls(text, weight, syllables, place, korean, consonants, patterns)


def korean_variant(a: str, b: str) -> bool:
    """Two spellings of one Korean name (Taewon/Daewon, Paeksol/Baeksol, Sobaeksoo/Sobaeksu, Chollima/
    Cheollima): both words are runs of Korean syllables with the same canonical forms, and neither is a
    common English word ('lake' and 'rake' are not one name) nor shorter than KOREAN_FOLD_MIN_LETTERS."""
    return _korean_variant(_Word.of(a), _Word.of(b))


def _korean_variant(a: _Word, b: _Word) -> bool:
    return a.korean is not None and a.korean == b.korean


def spelling_variant(a: str, b: str) -> bool:
    """Two spellings of one given name or surname as lists and sheets transliterate it (Salih/Saleh,
    Abbas/Abass, Mansour/Manssor, Qasim/Kassem, Vasilievich/Vasilyevich): the same first sound and the same
    consonants, in words of SPELLING_MIN_LETTERS letters or more. Read in people's names only."""
    return _spelling_variant(_Word.of(a, people=True), _Word.of(b, people=True))


def _spelling_variant(a: _Word, b: _Word) -> bool:
    return a.consonants is not None and a.consonants == b.consonants


def word_similarity(a: str, b: str) -> float:
    """Two words: equal 1; a city and its country 0.8; other place names and two different pinyin words
    0; variants of Korean romanisation 0.95; otherwise, with the same first letter, 0.9 for one typo in a
    word of six letters or more or two neighbouring letters swapped in a word of four or five, else the
    normalised edit similarity (optimal string alignment: a swap of two letters is one edit) from TOKEN_MIN,
    else 0."""
    return 1.0 if a == b else _word_similarity(_Word.of(a), _Word.of(b))


def closest_word(word: str, others: Sequence[str]) -> tuple[str, float] | None:
    """The word of ``others`` most similar to ``word`` (``word_similarity``; the first of equally similar
    ones) and the similarity; None when there are no others."""
    if not others:
        return None
    ours = _Word.of(word)
    scores = [1.0 if word == other else _word_similarity(ours, _Word.of(other)) for other in others]
    best = max(range(len(others)), key=scores.__getitem__)
    return others[best], scores[best]


def _word_similarity(wa: _Word, wb: _Word) -> float:
    """``word_similarity`` of two words with their features."""
    a, b = wa.text, wb.text
    if a == b:
        return 1.0
    if wa.place or wb.place:
        return 0.8 if PLACE_IN.get(a) == b or PLACE_IN.get(b) == a else 0.0
    if len(wa.syllables) > 1 and len(wb.syllables) > 1:  # two pinyin words
        return 0.9 if _pinyin_typo(wa.syllables, wb.syllables) else 0.0
    if _korean_variant(wa, wb):
        return KOREAN_VARIANT
    if a[:1] != b[:1]:  # typos rarely hit the first letter; near-miss names often do (Pyongjin/Yongjin)
        return 0.0
    if max(len(a), len(b)) >= 6 and OSA.distance(a, b, score_cutoff=1) == 1:
        return 0.9  # one typo (a letter wrong, missing, extra or two swapped) in a long word
    if len(a) == len(b) >= SWAP_MIN_LETTERS and _swapped(a, b):
        return 0.9  # two letters swapped keep a short word's letters: 'Tnog' is Tong (a dropped one is not)
    return float(OSA.normalized_similarity(a, b, score_cutoff=TOKEN_MIN))


SWAP_MIN_LETTERS = 4


def _swapped(a: str, b: str) -> bool:
    """Whether two words of one length differ by two neighbouring letters swapped, and only by that."""
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )


def weighted_similarity(a: Sequence[str], b: Sequence[str], weight: Callable[[str], float]) -> float:
    """Weighted word alignment: the share of both names' word weight that the other name matches.

    Each word of ``a`` (heaviest first) is paired with the most similar unused word of ``b``; a pair
    contributes its similarity times both words' weights. The words left over on both sides are then
    compared run together, which catches names split differently ('Rung Ra Do' / 'Rungrado')."""
    weighed = [[_Word.of(w)._replace(weight=weight(w)) for w in words] for words in (a, b)]
    return _alignment(_Weighed.of(weighed[0]), _Weighed.of(weighed[1]))


class _Weighed(NamedTuple):
    """A name's words with what the alignment needs of them: the words' features, total weight, heaviest
    first, and for a name of pinyin words only, their syllable patterns (``_pinyin_patterns``)."""

    words: tuple[_Word, ...]
    total: float
    order: tuple[int, ...]  # word positions, heaviest first (equal weights in the name's order)
    pinyin: frozenset[str] | None
    korean: bool  # a Korean name: 'Korea' or Pyongyang among its words
    people: bool = False  # a person's name (``person_key``): spellings of one given name match

    @classmethod
    def of(cls, words: Sequence[_Word], people: bool = False) -> _Weighed:
        weights = [w.weight for w in words]
        order = sorted(range(len(words)), key=weights.__getitem__, reverse=True)
        patterns = [w.patterns for w in words if w.patterns is not None]
        pinyin = frozenset(chain.from_iterable(patterns)) if len(patterns) == len(words) else None
        korean = any(w.text in KOREAN_CONTEXT for w in words)
        return cls(tuple(words), sum(weights), tuple(order), pinyin, korean, people)


def _pinyin_patterns(word: str, syllables: tuple[str, ...]) -> tuple[str, ...]:
    """For a word of two or more pinyin syllables (not a place name), each syllable in turn left out, with
    the forms a typist's slip keeps of it (``_syllable_forms``): two such words have a pattern in common iff
    they are equal or a pinyin typo of each other, which is when word_similarity is not 0."""
    out = []
    for i, syllable in enumerate(syllables):
        rest = " ".join((*syllables[:i], "_", *syllables[i + 1 :]))
        folded, letters = _syllable_forms(syllable)
        out += [f"{rest} {folded}", f"{rest} ={letters}"]
    return tuple(out)


def _alignment(a: _Weighed, b: _Weighed) -> float:
    """``weighted_similarity`` of two names' weighed words."""
    total = a.total + b.total
    if total <= 0:
        return 0.0
    korean = a.korean and b.korean  # two Korean names: their words may be Korean in two romanisations
    people = a.people and b.people
    if (
        a.pinyin is not None
        and b.pinyin is not None
        and len(a.words) == len(b.words)
        and a.pinyin.isdisjoint(b.pinyin)
        and not korean
    ):  # pinyin words only, none pairs with another, and no words left over on one side only: 0
        return 0.0
    rest_a: list[int] = []
    words_b = b.words
    free_b = list(range(len(words_b)))  # the words of b not paired yet, in order
    matched = 0.0
    for i in a.order:
        word = a.words[i]
        best_j, best_s = -1, 0.0
        for j in free_b:
            other = words_b[j]
            if word.text == other.text:  # nothing scores more, and the first equal word wins either way
                best_j, best_s = j, 1.0
                break
            sim = _word_similarity(word, other)
            if korean and sim < KOREAN_VARIANT and _korean_variant(word, other):  # Dangun / Tangun
                sim = KOREAN_VARIANT
            elif people and sim < SPELLING_VARIANT and _spelling_variant(word, other):  # Salih / Saleh
                sim = SPELLING_VARIANT
            if sim > best_s:
                best_j, best_s = j, sim
        if best_j >= 0:
            free_b.remove(best_j)
            matched += best_s * (word.weight + words_b[best_j].weight)
        elif not word.place:
            rest_a.append(i)
    if rest_a and free_b:
        rest_b = [j for j in free_b if not words_b[j].place]
        if rest_b and len(rest_a) != len(rest_b):  # split differently, not different words
            rest_a.sort()
            joined_a = "".join(a.words[i].text for i in rest_a)
            joined_b = "".join(words_b[j].text for j in rest_b)
            sim = fuzz.ratio(joined_a, joined_b, score_cutoff=TOKEN_MIN * 100) / 100
            if sim < KOREAN_VARIANT and korean_variant(joined_a, joined_b):  # 'Geum Gang' / 'Kumgang'
                sim = KOREAN_VARIANT
            matched += sim * (sum(a.words[i].weight for i in rest_a) + sum(words_b[j].weight for j in rest_b))
    return matched / total


def _score(ka: NameKey, kb: NameKey) -> float:
    """The weighted word alignment with default weights; a person ('SURNAME, Given') only matches a name
    with no other words."""
    a, b = (_Weighed.of([_Word.of(w) for w in k.words]) for k in (ka, kb))
    return _weighed_score(ka, a, kb, b)


def _weighed_score(ka: NameKey, a: _Weighed, kb: NameKey, b: _Weighed) -> float:
    """``_score`` with the keys' words weighed."""
    if ka.person or kb.person:
        person, other = (ka, kb) if ka.person else (kb, ka)
        if other.company or len(other.words) > len(person.words):
            return 0.0
    return _alignment(a, b)


def similarity(a: str, b: str) -> float:
    """Similarity of two names in 0..1 with default word weights (an index weighs words by rarity).
    A company name never matches a person written 'SURNAME, Given Names'."""
    return _score(name_key(a), name_key(b))


def _grams(key: NameKey) -> set[str]:
    out: set[str] = set()
    for word in key.words:
        if len(word) <= GRAM:
            out.add(word)
        else:
            out.update(word[i : i + GRAM] for i in range(len(word) - GRAM + 1))
    return out


def _deletions(word: str) -> tuple[str, ...]:
    """The word with one letter left out, for words long enough that this stays specific."""
    if len(word) < 5:
        return ()
    return tuple(dict.fromkeys([word[:i] + word[i + 1 :] for i in range(len(word))]))


@dataclass(frozen=True, slots=True)
class NameMatch:
    query: int  # index into the queried names
    target: int  # index into the index's names
    similarity: float


def _codes(owners: list[int], blocks: list[np.ndarray], n: int) -> np.ndarray:
    """The (owner, list name) pairs of blocks as sorted unique codes owner * n + list name."""
    if not blocks:
        return np.empty(0, dtype=np.int64)
    sizes = np.fromiter(map(len, blocks), dtype=np.int64, count=len(blocks))
    return _unique(np.repeat(np.asarray(owners, dtype=np.int64) * n, sizes) + np.concatenate(blocks))


def _sorted_ids(lists: Iterable[list[int] | None]) -> np.ndarray | None:
    """The ids of the lists, each once and sorted; None when there are none."""
    ids = [i for found in lists if found for i in found]
    return np.asarray(sorted(set(ids)), dtype=np.int64) if ids else None


def _unique(ids: np.ndarray) -> np.ndarray:
    """np.unique for integers, by sorting (np.unique's hash table is many times slower here)."""
    ids = np.sort(ids)
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return ids[first]


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)


def _popcount(x: np.ndarray) -> np.ndarray:
    """The number of set bits of each uint64."""
    if hasattr(np, "bitwise_count"):  # numpy 2
        counts: np.ndarray = np.bitwise_count(x)
    else:  # pragma: no cover
        counts = _BYTE_BITS[x.view(np.uint8)].reshape(-1, 8).sum(axis=1)
    return counts.astype(np.int32)


@dataclass(frozen=True, slots=True)
class _Form:
    """Strings of one key form, with what the prefilter's cheap bound needs: lengths and letter counts.

    ``low`` and ``high`` hold 128 bits: bit 32*(k-1)+b (k = 1..4) is set when the string has at least k
    characters whose code point is b modulo 32. Two strings' differing bits count characters that one has and
    the other lacks, each an insertion or a deletion: a lower bound on their Indel distance, which
    ``fuzz.ratio`` normalises by their total length."""

    strings: np.ndarray  # object array of str
    lengths: np.ndarray
    low: np.ndarray  # uint64: counts 1 and 2
    high: np.ndarray  # uint64: counts 3 and 4

    @classmethod
    def of(cls, strings: Sequence[str]) -> _Form:
        n = len(strings)
        lengths = np.fromiter(map(len, strings), dtype=np.int32, count=n)
        text = "".join(strings).encode("utf-32-le", errors="surrogatepass")
        codes = np.frombuffer(text, dtype=np.uint32) % 32
        owner = np.repeat(np.arange(n, dtype=np.int64), lengths)
        counts = np.bincount(owner * 32 + codes, minlength=n * 32).reshape(n, 32)
        bits = counts[:, None, :] > np.arange(4)[None, :, None]  # (n, 4, 32): at least 1, 2, 3, 4
        words = np.packbits(bits.reshape(n, 128), axis=1, bitorder="little").view(np.uint64)
        array = np.empty(n, dtype=object)
        array[:] = strings
        return cls(array, lengths, words[:, 0].copy(), words[:, 1].copy())


def _maybe_close(q: _Form, qi: np.ndarray, t: _Form, ti: np.ndarray) -> np.ndarray:
    """Pairs that may reach PREFILTER: ``fuzz.ratio`` = 100 * (1 - Indel / total length), and the Indel
    distance is at least the length difference and the count of letters one string lacks (``_Form``)."""
    lq, lt = q.lengths[qi], t.lengths[ti]
    indel = _popcount(q.low[qi] ^ t.low[ti])
    indel += _popcount(q.high[qi] ^ t.high[ti])
    np.maximum(indel, np.abs(lq - lt), out=indel)
    close: np.ndarray = indel * 100 <= (100 - PREFILTER) * (lq + lt)
    return close


_HASH_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_HASH_INVERSE = pow(_HASH_BASE, -1, 2**64)


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64."""
    out = np.ones(n, dtype=np.uint64)
    out[1:] = np.cumprod(np.full(max(n - 1, 0), base, dtype=np.uint64))
    return out


def _offsets(counts: np.ndarray) -> np.ndarray:
    """0 .. counts[i] - 1 for each i, concatenated."""
    ends = np.cumsum(counts)
    offsets: np.ndarray = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - counts, counts)
    return offsets


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """starts[i] .. starts[i] + counts[i] - 1 for each i, concatenated."""
    ranges: np.ndarray = np.repeat(starts, counts) + _offsets(counts)
    return ranges


class _Strings:
    """A batch of strings in numpy: their code points concatenated, and 64-bit polynomial hashes of their
    parts (the sum of (code point + 1) * BASE**position modulo 2**64). A part is characters begin..end-1 of
    string ``owner``, without the one at ``skip`` if given: grams and one-letter deletions of query words
    hash from prefix sums, with no Python string each."""

    def __init__(self, strings: Sequence[str]) -> None:
        self.lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
        self.starts = np.cumsum(self.lengths) - self.lengths
        text = "".join(strings).encode("utf-32-le", errors="surrogatepass")
        self.codes = np.frombuffer(text, dtype=np.uint32)

    @cached_property
    def _prefix(self) -> tuple[np.ndarray, np.ndarray]:
        """Prefix sums of (code point + 1) * BASE**position (prefix[k]: characters 0..k-1), BASE**-position."""
        n = len(self.codes)
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum((self.codes.astype(np.uint64) + np.uint64(1)) * _powers(_HASH_BASE, n), out=prefix[1:])
        return prefix, _powers(_HASH_INVERSE, n + 1)

    def hashes(
        self, owner: np.ndarray, begin: np.ndarray, end: np.ndarray, skip: np.ndarray | None = None
    ) -> np.ndarray:
        """Hashes of the parts ``strings[owner][begin:end]``, each without its character ``skip`` if given."""
        prefix, inverse = self._prefix
        a, b = self.starts[owner] + begin, self.starts[owner] + end
        if skip is None:
            whole: np.ndarray = (prefix[b] - prefix[a]) * inverse[a]
            return whole
        s = self.starts[owner] + skip
        before = (prefix[s] - prefix[a]) * inverse[a]
        after = (prefix[b] - prefix[s + 1]) * inverse[a + 1]  # one place down: the skipped one is gone
        parts: np.ndarray = before + after
        return parts

    def whole(self) -> np.ndarray:
        """Hashes of the strings."""
        every = np.arange(len(self.lengths))
        return self.hashes(every, np.zeros_like(every), self.lengths)


class _Postings:
    """List names by key, looked up for a whole batch of query strings at once: keys are found by their
    hashes (``_Strings``) and then compared character by character, so a hash collision cannot add a wrong
    key. The ids of key k are ``ids[starts[k] : starts[k] + sizes[k]]``; a key's size is its frequency."""

    def __init__(self, postings: Mapping[str, list[int]], limit: int) -> None:
        keys = [k for k, ids in postings.items() if len(ids) <= limit]  # larger ones are never followed
        hashes = _Strings(keys).whole()
        order = np.argsort(hashes, kind="stable")
        self.keys = [keys[i] for i in order.tolist()]
        self.hashes = hashes[order]
        change = np.flatnonzero(self.hashes[1:] != self.hashes[:-1]) + 1
        runs = np.diff(np.concatenate(([0], change, [len(keys)])))
        self._same_hash = np.repeat(runs, runs)  # how many keys have the key's hash (a collision: 2 or more)
        self.text = _Strings(self.keys)
        self.sizes = np.fromiter((len(postings[k]) for k in self.keys), dtype=np.int64, count=len(keys))
        self.starts = np.cumsum(self.sizes) - self.sizes
        ids = chain.from_iterable(postings[k] for k in self.keys)
        self.ids = np.fromiter(ids, dtype=np.int64, count=int(self.sizes.sum()))

    def find(
        self,
        queries: _Strings,
        owner: np.ndarray,
        begin: np.ndarray,
        end: np.ndarray,
        skip: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(query part, key) for every key equal to a part of the query strings (see ``_Strings``)."""
        hashes = queries.hashes(owner, begin, end, skip)
        if not len(self.keys):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        low = np.minimum(np.searchsorted(self.hashes, hashes), len(self.keys) - 1)  # first with the hash
        count = np.where(self.hashes[low] == hashes, self._same_hash[low], 0)
        part, key = np.repeat(np.arange(len(hashes)), count), _ranges(low, count)
        length = end[part] - begin[part] - (0 if skip is None else 1)
        part, key, length = (a[self.text.lengths[key] == length] for a in (part, key, length))
        pair, at = np.repeat(np.arange(len(part)), length), _offsets(length)
        theirs = self.text.starts[key][pair] + at
        ours = queries.starts[owner[part]][pair] + begin[part][pair] + at
        if skip is not None:
            ours += at >= skip[part][pair] - begin[part][pair]
        differ = np.bincount(pair[queries.codes[ours] != self.text.codes[theirs]], minlength=len(part))
        return part[differ == 0], key[differ == 0]

    def expand(self, owner: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner, list name) for every list name of each (owner, key)."""
        sizes = self.sizes[key]
        return np.repeat(owner, sizes), self.ids[_ranges(self.starts[key], sizes)]


class KeyOf(Protocol):
    """name_key or person_key."""

    def __call__(self, text: str, words: Words | None = None) -> NameKey: ...


class NameIndex:
    """List names indexed for blocked matching; word weights come from the list itself (IDF)."""

    def __init__(self, names: Sequence[str], key_of: KeyOf = name_key) -> None:
        self.names = list(names)
        self.key_of = key_of  # name_key, or person_key for an index of people
        self._read = Words()  # what the keys read of each word, for the list's and queries'
        self._new_key = partial(key_of, words=self._read)
        self.keys = list(map(self._new_key, self.names))
        self.full = [k.full for k in self.keys]
        self.core = [k.core or k.full for k in self.keys]
        self.compact = [k.compact for k in self.keys]
        exact: dict[str, list[int]] = defaultdict(list)  # list names by word
        deleted: dict[str, list[int]] = defaultdict(list)  # by a word with one letter left out
        grams: dict[str, list[int]] = defaultdict(list)  # by 4-letter gram
        alternates: dict[str, list[int]] = defaultdict(list)  # by the forms of ``_alternates``
        by_full: dict[str, list[int]] = defaultdict(list)  # by the whole key
        for i, key in enumerate(self.keys):
            for word in set(key.words):
                exact[word].append(i)
                for variant in _deletions(word):
                    deleted[variant].append(i)
            for gram in _grams(key):
                grams[gram].append(i)
            for other in _alternates(key):
                alternates[other].append(i)
            if key.full:
                by_full[key.full].append(i)
        n = max(1, len(self.keys))
        self._word_df = {w: len(ids) for w, ids in exact.items()}
        max_idf = math.log(n + 1) + 1.0
        self._rarity = {w: (math.log((n + 1) / (df + 1)) + 1.0) / max_idf for w, df in self._word_df.items()}
        self._exact = _Postings(exact, MAX_BLOCK_DF)
        self._deleted = _Postings(deleted, MAX_BLOCK_DF)
        self._grams = _Postings(grams, MAX_GRAM_DF)
        # the words, alternate forms and whole keys of list names that query words and joined syllables
        # the plain lookups miss are looked up in (rarely: a dict is enough)
        self._word_ids = {w: ids for w, ids in exact.items() if len(ids) <= MAX_BLOCK_DF}
        self._alternates = {w: ids for w, ids in alternates.items() if len(ids) <= MAX_BLOCK_DF}
        self._by_full = {w: ids for w, ids in by_full.items() if len(ids) <= MAX_BLOCK_DF}
        # grams ranked by frequency, then alphabetically: the order in which a query falls back on them
        by_rank = np.lexsort((np.array(self._grams.keys, dtype=str), self._grams.sizes))
        self._rank_of_gram = np.argsort(by_rank)
        spans = zip(self._grams.starts[by_rank].tolist(), self._grams.sizes[by_rank].tolist(), strict=True)
        self._gram_spans = list(spans)  # (start in _grams.ids, size) by rank
        self._forms = [_Form.of(self.full), _Form.of(self.core), _Form.of(self.compact)]
        self._has_core = np.fromiter((bool(k.core) for k in self.keys), dtype=bool, count=len(self.keys))
        self._people = key_of is person_key  # people's names: spellings of one name match
        # What the index works out once per distinct name and word it meets (``supplyscreen.match.memo``):
        # query names' keys; words with their weights and features; by query word (``_learn``), the list
        # names sharing it up to one typo (None when none to block on) and the ranks of the grams it shares
        # with list names; and the list names a word finds through alternate forms (``_other_ids``).
        self._keys: Memo[str, NameKey] = Memo()
        self._words: Memo[str, _Word] = Memo.per_word()
        self._learnt: Memo[str, tuple[np.ndarray | None, tuple[int, ...]]] = Memo()
        self._joined_ids: Memo[str, np.ndarray | None] = Memo()
        self._unblocked_ids: Memo[str, np.ndarray | None] = Memo()
        self._weighed = [self._weigh(k) for k in self.keys]

    def query_key(self, name: str) -> NameKey:
        """The key of a name to look up (``key_of``), once per distinct name."""
        return self._keys.get_or(name, self._new_key)

    def weight(self, token: str) -> float:
        """A word's weight: ``default_weight`` times its rarity in the list (IDF, 1 for a word not in it)."""
        return self._word(token).weight

    def _word(self, text: str) -> _Word:
        return self._words.get_or(text, self._new_word)

    def _new_word(self, text: str) -> _Word:
        return _Word.of(text, self._rarity.get(text, 1.0), self._people)

    def _weigh(self, key: NameKey) -> _Weighed:
        return _Weighed.of([self._word(w) for w in key.words], self._people)

    def _learn(self, words: Sequence[str]) -> None:
        """For words not seen yet, all at once: the list names sharing each word up to one typo (SymSpell-
        style deletion keys: 'berar', 'bervar' and 'bekar' share the key 'berr'; a typo'd form only when it
        is rare), and the grams each word shares with list names. Kept per word: words repeat across
        queries where names do not."""
        learnt = self._learnt
        distinct = list(dict.fromkeys(words))
        new = [w for w in distinct if w not in learnt]
        if not new:
            return
        if learnt.make_room(len(new)):  # memory stays bounded however many names are screened
            new = distinct
        batch = _Strings(new)
        lengths = batch.lengths
        every, zero = np.arange(len(new)), np.zeros(len(new), dtype=np.int64)
        count = np.where(lengths >= 5, lengths, 0)  # as _deletions: words of 5 letters or more
        owner, skip = np.repeat(every, count), _offsets(count)
        found: list[tuple[np.ndarray, np.ndarray]] = []
        for postings, parts, limit in (
            (self._exact, (every, zero, lengths), MAX_BLOCK_DF),
            (self._deleted, (every, zero, lengths), MAX_BLOCK_DF),
            (self._exact, (owner, zero[owner], lengths[owner], skip), MAX_TYPO_DF),
            (self._deleted, (owner, zero[owner], lengths[owner], skip), MAX_TYPO_DF),
        ):
            part, key = postings.find(batch, *parts)
            rare = postings.sizes[key] <= limit
            found.append(postings.expand(parts[0][part[rare]], key[rare]))
        n = len(self.keys)
        codes = _unique(np.concatenate([w * n + ids for w, ids in found]))
        bounds = np.searchsorted(codes // n, np.arange(len(new) + 1)).tolist()
        targets = codes % n
        # the grams of each word (a word of up to GRAM letters is its own gram), by rank
        count = np.maximum(lengths - GRAM + 1, 1)
        owner, begin = np.repeat(every, count), _offsets(count)
        part, key = self._grams.find(batch, owner, begin, np.minimum(begin + GRAM, lengths[owner]))
        gram_bounds = np.searchsorted(owner[part], np.arange(len(new) + 1)).tolist()
        ranks = self._rank_of_gram[key].tolist()
        for i, word in enumerate(new):
            ids = targets[bounds[i] : bounds[i + 1]]
            learnt[word] = (ids if ids.size else None, tuple(ranks[gram_bounds[i] : gram_bounds[i + 1]]))

    def _blocks(self, key: NameKey) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The arrays of list names whose union is the query's candidates, in two lists.

        First those its words find: list names sharing its rarest word or any word of at most RARE_WORD_DF
        names (each up to one typo), else one of its rarest 4-letter grams (words split or joined
        differently). Then what the word lookups miss: list names with the same whole key (a name of common
        words only, 'Korea Ocean Shipping Agency'), those whose words or syllables written apart are the
        query's syllables written apart run together ('Paek Ma' = Paekma) or a query word the list writes
        apart (Kumgang = 'Kum Gang'), and those with a Korean name in another romanisation (``_alternates``)
        where a word of the query is no list word. The query's words must have been learnt (``_learn``)."""
        words = key.words
        learnt = [self._learnt[w] for w in words]
        blocks: list[np.ndarray] = []
        if words:
            df = [self._word_df.get(w, 0) for w in words]
            rarest = min(df)
            if rarest > RARE_WORD_DF:
                ids = learnt[df.index(rarest)][0]  # the first of equally rare words
                blocks = [] if ids is None else [ids]
            else:
                blocks = [
                    ids
                    for (ids, _), n in zip(learnt, df, strict=True)
                    if n <= RARE_WORD_DF and ids is not None
                ]
        if not blocks:
            ranks = sorted({rank for _, word_ranks in learnt for rank in word_ranks})[:RAREST]
            ids = self._grams.ids
            blocks = [
                ids[at : at + n] for at, n in map(self._gram_spans.__getitem__, ranks) if n <= MAX_BLOCK_DF
            ]
        same = self._by_full.get(key.full)
        others = [] if same is None else [np.asarray(same, dtype=np.int64)]
        for word in key.joined:
            if (ids := self._joined_ids.get_or(word, self._joined_alternates)) is not None:
                others.append(ids)
        if self._alternates:
            for word, (ids, _) in zip(words, learnt, strict=True):
                if (
                    ids is None
                    and (more := self._unblocked_ids.get_or(word, self._alternate_ids)) is not None
                ):
                    others.append(more)
        return blocks, others

    def _alternate_ids(self, word: str) -> np.ndarray | None:
        """The list names a query word that blocks on nothing finds through the list's alternate forms."""
        return _sorted_ids([self._alternates.get(word), self._alternates.get(_korean_key(word))])

    def _joined_alternates(self, word: str) -> np.ndarray | None:
        """The list names syllables run together find through the list's alternate forms and words."""
        alternates = self._alternates
        return _sorted_ids(
            [alternates.get(word), alternates.get(_korean_key(word)), self._word_ids.get(word)]
        )

    def candidates(self, key: NameKey) -> np.ndarray:
        """The list names a query is compared with (sorted indexes)."""
        self._learn(key.words)
        blocks, others = self._blocks(key)
        found = blocks + others
        return _unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def _candidate_pairs(self, qkeys: list[NameKey]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``candidates`` of all queries as (query, list name) index pairs, ordered by query then list name:
        one np.unique over pair codes instead of small numpy calls per query; and which pairs the other
        blocks (see ``_blocks``) found, which skip the prefilter: their names are written otherwise
        (syllables apart, another romanisation) than the prefilter's letters can tell."""
        self._learn([w for key in qkeys for w in key.words])
        blocks: list[np.ndarray] = []
        owners: list[int] = []
        others: list[np.ndarray] = []
        other_owners: list[int] = []
        for i, key in enumerate(qkeys):
            found, more = self._blocks(key)
            blocks += found
            owners += [i] * len(found)
            if more:
                others += more
                other_owners += [i] * len(more)
        n = len(self.keys)
        codes = _codes(owners, blocks, n)
        if not others:
            return codes // n, codes % n, np.zeros(len(codes), dtype=bool)
        forced = _codes(other_owners, others, n)
        codes = _unique(np.concatenate([codes, forced]))
        return codes // n, codes % n, np.isin(codes, forced)

    def _query_forms(self, qkeys: list[NameKey]) -> list[list[str]]:
        """The three key forms the prefilter compares: sorted words, without places, run together."""
        return [[k.full for k in qkeys], [k.core or k.full for k in qkeys], [k.compact for k in qkeys]]

    def _prefilter(self, qkeys: list[NameKey], qi: np.ndarray, ti: np.ndarray) -> np.ndarray:
        """Positions of the candidate pairs whose sorted, place-free or run-together keys are close enough
        (``fuzz.ratio`` >= PREFILTER on one of them). Only pairs that may reach PREFILTER on a form
        (``_maybe_close``) are scored on it, and only if no earlier form kept them; the place-free form only
        where a name has a place word to leave out (else it is the sorted form again)."""
        queries = [_Form.of(strings) for strings in self._query_forms(qkeys)]
        has_core = np.fromiter((bool(k.core) for k in qkeys), dtype=bool, count=len(qkeys))
        maybe = [_maybe_close(q, qi, t, ti) for q, t in zip(queries, self._forms, strict=True)]
        places = np.flatnonzero(has_core[qi] | self._has_core[ti])
        maybe[1] = np.zeros(len(qi), dtype=bool)
        maybe[1][places] = _maybe_close(queries[1], qi[places], self._forms[1], ti[places])
        pos = np.flatnonzero(maybe[0] | maybe[1] | maybe[2])
        qi, ti = qi[pos], ti[pos]
        keep = np.zeros(len(pos), dtype=bool)
        for q, t, close in zip(queries, self._forms, maybe, strict=True):
            todo = np.flatnonzero(close[pos] & ~keep)
            if todo.size:
                scores = process.cpdist(
                    q.strings[qi[todo]], t.strings[ti[todo]], scorer=fuzz.ratio, workers=1
                )
                keep[todo[scores >= PREFILTER]] = True
        return pos[keep]

    def match(
        self, queries: Sequence[str], threshold: float = THRESHOLD, chunk: int = 5000
    ) -> list[NameMatch]:
        """All (query, list name) pairs at or above ``threshold``, blocked; queries go in chunks so memory
        stays bounded however long the column."""
        out: list[NameMatch] = []
        for start in range(0, len(queries), chunk):
            qkeys = [self.query_key(q) for q in queries[start : start + chunk]]
            qi, ti, forced = self._candidate_pairs(qkeys)
            if not qi.size:
                continue
            keep = self._prefilter(qkeys, qi, ti)
            if forced.any():
                keep = np.union1d(keep, np.flatnonzero(forced))
            out.extend(
                NameMatch(m.query + start, m.target, m.similarity)
                for m in self._verify(qkeys, qi[keep], ti[keep], threshold)
            )
        return out

    def _verify(
        self, qkeys: list[NameKey], qi: np.ndarray, ti: np.ndarray, threshold: float
    ) -> list[NameMatch]:
        """The weighted score for the pairs that passed the prefilter."""
        out = []
        keys, weighed = self.keys, self._weighed
        last, query = -1, _Weighed.of(())
        for i, j in zip(qi.tolist(), ti.tolist(), strict=True):
            if i != last:  # the pairs come query by query
                last, query = i, self._weigh(qkeys[i])
            score = _weighed_score(qkeys[i], query, keys[j], weighed[j])
            if score >= threshold - 1e-9:
                out.append(NameMatch(i, j, round(score, 3)))
        return out

    def match_exhaustive(
        self, queries: Sequence[str], threshold: float = THRESHOLD, chunk: int = 2000
    ) -> list[NameMatch]:
        """The same matcher without blocking: every query against every list name with ``process.cdist``."""
        qkeys = [self.query_key(q) for q in queries]
        out: list[NameMatch] = []
        for start in range(0, len(qkeys), chunk):
            part = qkeys[start : start + chunk]
            keep = np.zeros((len(part), len(self.full)), dtype=bool)
            t_forms = (self.full, self.core, self.compact)
            for q_strings, t_strings in zip(self._query_forms(part), t_forms, strict=True):
                scores = process.cdist(
                    q_strings,
                    t_strings,
                    scorer=fuzz.ratio,
                    workers=-1,
                    dtype=np.uint8,
                    score_cutoff=PREFILTER,
                )
                keep |= scores > 0
            qi, ti = np.nonzero(keep)
            out.extend(
                NameMatch(m.query + start, m.target, m.similarity)
                for m in self._verify(part, qi.astype(np.int64), ti.astype(np.int64), threshold)
            )
        return out
