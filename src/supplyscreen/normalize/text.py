"""Normalisation of supplier text before matching.

* ``readable``: the text as a reader sees it, before any matching: characters that show nothing removed
  (bidirectional controls, zero-width characters, soft hyphens, variation selectors), a right-to-left
  override read in the order it displays, compatibility forms folded (NFKC) and letters spaced out one by
  one ("D a n d o n g") joined. ``shown`` is the other side: those characters made visible for display.
* ``fold``: Unicode NFKC and case-folding (the form Chinese terms are searched in).
* ``units``: the text as ASCII word tokens (pinyin for Chinese, anyascii for Cyrillic, Korean and the rest),
  each remembering the span of the original text it came from, so a hit can quote what the user wrote.
* ``strip_legal_forms``: legal forms in many languages dropped from a name's tokens (names.py builds on it).
* ``country_code``: country text to ISO 3166 alpha-2, telling the DPRK and the Republic of Korea apart.
* ``hs_codes``: HS codes as digit strings, whether the cell held "0304.87", "304.87" (a number) or "030487".
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import icu
from anyascii import anyascii

from supplyscreen import packaged

# Place names whose everyday reading differs from pypinyin's default for the characters.
_PLACE_READINGS = {
    "珲春": [["hún"], ["chūn"]],
    "长白": [["cháng"], ["bái"]],
    "长春": [["cháng"], ["chūn"]],
}


@cache
def _pinyin() -> Callable[..., list[str]]:
    """pypinyin's ``lazy_pinyin`` with the place readings loaded; imported when Han text first comes (it
    takes a fifth of a second to import, which a sheet without Chinese need not pay)."""
    from pypinyin import lazy_pinyin, load_phrases_dict

    load_phrases_dict(_PLACE_READINGS)
    return lazy_pinyin


_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
_WORD_RE = re.compile(r"[^\W_]+")
_RUN_RE = re.compile(f"[{_CJK}]+|[^{_CJK}]+")
_ASCII_WORD_RE = re.compile(r"[a-z0-9]+")
_ASCII_ALNUM_RE = re.compile(r"[A-Za-z0-9]+")  # _WORD_RE on ASCII text
_CLAUSE_BREAK_RE = re.compile(r"[.;!?,:\n\r。；！？，：、]")


# --- text as a reader sees it ----------------------------------------------------------------------------

# Characters that show nothing, or only steer how the text around them is displayed: the soft hyphen, the
# combining grapheme joiner, the Arabic letter mark, Hangul fillers, Khmer inherent vowels, Mongolian
# variation selectors, zero-width space/non-joiner/joiner, LRM/RLM, the bidi embeddings and overrides
# (U+202A–202E), the word joiner, invisible operators and bidi isolates (U+2060–206F), variation selectors,
# the zero-width no-break space (BOM), interlinear annotation marks, shorthand and musical format controls,
# tags and the variation selectors supplement.
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef"
)
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
RLO, PDF = "\u202e", "\u202c"
# a right-to-left override's run: to its pop (PDF), or to the end of the line or text
_OVERRIDE_RE = re.compile(f"{RLO}([^{PDF}\n\r\u2029]*){PDF}?")
_LETTER = r"[^\W\d_]"
# four letters or more, each a word of its own, with one separator between them, the same each time
_SPACED_RE = re.compile(rf"(?<![^\W_]){_LETTER}([ .\-\u00a0\u3000]){_LETTER}(?:\1{_LETTER}){{2,}}(?![^\W_])")


def readable(text: str) -> str:
    """The text as a reader sees it on screen, what matching reads: characters that show nothing removed
    (``INVISIBLE``: "Dan⟨U+200B⟩dong" is "Dandong"), a right-to-left override read in the order it displays
    ("⟨U+202E⟩gnodnaD" shows, and is read, as "Dandong"), compatibility forms folded (NFKC: "Ｄａｎｄｏｎｇ",
    ligatures, circled letters) and four or more letters written one by one with one separator joined ("D a
    n d o n g", "D-a-n-d-o-n-g", "D.a.n.d.o.n.g" are "Dandong"; initials of three, "A B C Trading", stay).

    Plain ASCII text costs ``str.isascii()`` and one precompiled search. Of the bidirectional algorithm only
    the override is applied: the characters from U+202E to its U+202C (or the end of the line) are read in
    reverse, as they display when they are left-to-right letters; nesting, embeddings, isolates and the
    order of right-to-left letters are not resolved (those controls are only removed)."""
    if not text.isascii():
        if RLO in text:
            text = _OVERRIDE_RE.sub(_displayed, text)
        text = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", text))
    return text if _SPACED_RE.search(text) is None else _join_spaced(text)


def _displayed(run: re.Match[str]) -> str:
    """An override's run in the order it displays: its characters reversed, each keeping its combining
    marks."""
    clusters: list[str] = []
    for ch in run.group(1):
        if clusters and unicodedata.combining(ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return "".join(reversed(clusters))


def _join_spaced(text: str) -> str:
    return _SPACED_RE.sub(lambda m: m.group().replace(m.group(1), ""), text)


def shown(text: str) -> str:
    """Text for display with every character that shows nothing, and every control character but tab and
    line breaks, made visible as ⟨U+202E⟩: a reader of a report or page sees what the file holds."""
    if text.isascii() and text.isprintable():
        return text
    return _SHOWN_RE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


_SHOWN_RE = re.compile(f"[{INVISIBLE}\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def fold(text: str) -> str:
    """NFKC-normalise and case-fold; traditional Han characters read as simplified (北韓 = 北韩)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded if folded.isascii() else simplified(folded)


def simplified(text: str) -> str:
    """Traditional Han characters written as their simplified forms, one character for one, so that lengths
    and spans are kept ("北韓籍員工：無" → "北韩籍员工：无"): one vocabulary serves both scripts."""
    return text.translate(_traditional_to_simplified()) if has_cjk(text) else text


@cache
def _traditional_to_simplified() -> dict[int, str]:
    """The one-character mappings of ICU's Traditional-Simplified transform (about 2,900 characters)."""
    to_simplified = icu.Transliterator.createInstance("Traditional-Simplified")
    table: dict[int, str] = {}
    for point in range(0x3400, 0xA000):
        char = chr(point)
        out = to_simplified.transliterate(char)
        if out != char and len(out) == 1:
            table[point] = out
    return table


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def stem(token: str) -> str:
    """A light, symmetric plural fold: 'fisheries' -> 'fishery', 'vessels' -> 'vessel'."""
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


@dataclass(frozen=True, slots=True)
class Unit:
    """One ASCII token of a text and where it came from."""

    token: str
    start: int  # span in the folded text
    end: int
    clause: int  # index of the clause (split at . , ; etc.), for negation scope
    cjk: bool


def _translit_word(word: str) -> tuple[str, ...]:
    return tuple(_ASCII_WORD_RE.findall(anyascii(word).lower()))


def _word_units(word: str) -> tuple[tuple[str, int, int, bool], ...]:
    """The units of one word (a run of letters and digits) as (token, start, end, cjk), spans in the word."""
    out: list[tuple[str, int, int, bool]] = []
    for run in _RUN_RE.finditer(word):
        start = run.start()
        chunk = run.group()
        if _CJK_RE.match(chunk):
            for i, syllable in enumerate(_pinyin()(chunk, errors="ignore")):
                if i < len(chunk):
                    out.append((syllable, start + i, start + i + 1, True))
        else:
            for token in _translit_word(chunk):
                out.append((stem(token), start, start + len(chunk), False))
    return tuple(out)


def unit_spans(folded: str) -> list[tuple[str, int, int, int, bool]]:
    """``units`` as plain (token, start, end, clause, cjk) tuples, for callers that build many."""
    out: list[tuple[str, int, int, int, bool]] = []
    clause = 0
    last = 0
    if folded.isascii():  # fast path, same result as below: each word is one unit, its own token
        for m in _ASCII_ALNUM_RE.finditer(folded):
            start, end = m.span()
            if _CLAUSE_BREAK_RE.search(folded, last, start):
                clause += 1
            last = end
            out.append((stem(m.group().lower()), start, end, clause, False))
        return out
    for m in _WORD_RE.finditer(folded):
        start = m.start()
        if _CLAUSE_BREAK_RE.search(folded, last, start):
            clause += 1
        last = m.end()
        for token, begin, end, cjk in _word_units(m.group()):
            out.append((token, start + begin, start + end, clause, cjk))
    return out


def units(folded: str) -> list[Unit]:
    """Tokenise already-folded text into ASCII units with spans into it."""
    return [Unit(*span) for span in unit_spans(folded)]


def tokens(text: str) -> list[str]:
    """The ASCII tokens of a text (after folding), plural-folded."""
    folded = fold(text)
    if folded.isascii():  # fast path, same result as below
        return [stem(t) for t in _ASCII_WORD_RE.findall(folded)]
    return [u.token for u in units(folded)]


# --- company names -----------------------------------------------------------------------------------

GENERIC_WORDS = frozenset(
    [
        "company",
        "co",
        "corp",
        "corporation",
        "group",
        "holding",
        "holdings",
        "industry",
        "industrial",
        "international",
        "intl",
        "trading",
        "trade",
        "import",
        "export",
        "imports",
        "exports",
        "enterprise",
        "enterprises",
        "general",
        "limited",
        "ltd",
        "inc",
        "llc",
        "the",
        "and",
        "of",
        "seafood",
        "seafoods",
        "sea",
        "food",
        "foods",
        "fishery",
        "fisheries",
        "fishing",
        "aquatic",
        "product",
        "products",
        "ocean",
        "marine",
        "manufacturing",
        "manufacturer",
        "factory",
        "plant",
        "works",
        "service",
        "services",
        "global",
        "development",
        "technology",
        "tech",
        "wll",
        "lda",
        "gmbh",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "ooo",
        "zao",
        "oao",
        "ao",
        "sa",
        "srl",
        "bv",
        "nv",
        "ag",
        "plc",
        "pte",
        "sdn",
        "bhd",
        "kk",
        "jv",
    ]
)


# Legal forms fingerprints does not write as suppliers do (Mexico's S.A. de C.V. and its kin)
EXTRA_LEGAL_FORMS = (
    "S.A. de C.V.",
    "SA de CV",
    "S.A.B. de C.V.",
    "SAB de CV",
    "S.A.P.I. de C.V.",
    "SAPI de CV",
    "S. de R.L. de C.V.",
    "S de RL de CV",
    "S. de R.L.",
    "S de RL",
    "Joint Stock",  # the company left out: 'Arfada Petroleum Private Joint Stock'
    "Private Joint Stock",
    "Public Joint Stock",
    "Closed Joint Stock",
    "Open Joint Stock",
)
# Legal forms that are also words of names (Korean san 'mountain' and sae 'new', Persian Sad, Chinese Ong):
# a legal form only where they end a name ('Unpha San Trading' is a name; in 'Mega San' San is Sanayi)
NAME_WORD_FORMS = frozenset({"san", "sae", "sad", "ong"})
# the words of multi-word legal forms that names abbreviate
_FORM_ABBREVIATIONS = {"company": "co", "corporation": "corp", "limited": "ltd", "incorporated": "inc"}


@lru_cache(maxsize=1)
def _legal_forms() -> tuple[dict[str, list[tuple[str, ...]]], int]:
    """The legal forms fingerprints knows (788 forms in many languages), as our token tuples by first token."""
    from fingerprints.types.data import TYPES

    forms: dict[str, set[tuple[str, ...]]] = {}
    written = [form for kind in TYPES["types"] for form in (kind["main"], *kind["forms"])]
    han = han_legal_form_readings()
    for form in [*written, *EXTRA_LEGAL_FORMS]:
        toks = han.get(form) or tuple(tokens(form))
        if toks:
            forms.setdefault(toks[0], set()).add(toks)
            if len(toks) > 1:  # 'Public Joint Stock Co.', 'Limited Liability Co.' as well as '... Company'
                for short in itertools.product(*((t, _FORM_ABBREVIATIONS.get(t, t)) for t in toks)):
                    forms.setdefault(short[0], set()).add(short)
    ordered = {k: sorted(v, key=len, reverse=True) for k, v in forms.items()}
    return ordered, max(len(f) for v in ordered.values() for f in v)


@cache
def han_legal_form_readings() -> dict[str, tuple[str, ...]]:
    """The readings of legal forms written in Han characters (``legal_forms_han.txt``)."""
    lines = packaged.words_by_line("supplyscreen.normalize", "legal_forms_han.txt")
    return {line[0]: tuple(line[1:]) for line in lines if len(line) > 1}


@lru_cache(maxsize=1)
def legal_form_words() -> frozenset[str]:
    """Every word of every legal form ('obshchestvo', 'liability', 'gesellschaft' …)."""
    return frozenset(t for forms in _legal_forms()[0].values() for form in forms for t in form)


def legal_form_word(word: str) -> bool:
    """Whether a word alone is a legal form ('kk', 'gmbh', 'ooo')."""
    return (word,) in _legal_forms()[0].get(word, ())


def strip_trailing_legal_forms(toks: list[str]) -> list[str]:
    """Drop the legal forms that end a name ('... Commercial Bank Co., Ltd.' keeps '... Commercial Bank'),
    leaving any legal form elsewhere in it as a word of the name ('SNC Group')."""
    forms, longest = _legal_forms()
    end = len(toks)
    while end:
        for size in range(min(longest, end), 0, -1):
            tail = tuple(toks[end - size : end])
            if tail in forms.get(tail[0], ()):
                end -= size
                break
        else:
            break
    return list(toks[:end])


Ending = tuple[str, ...]


def strip_legal_forms(
    toks: list[str], remember: Callable[[Ending, Callable[[Ending], Ending]], Ending] | None = None
) -> list[str]:
    """Drop legal forms ('co ltd', 'ooo', 'obshchestvo s ogranichennoy …', 'gmbh', 'sdn bhd') from tokens.

    Forms of one or two letters ('sa', 'as', 'kk') are dropped only among the last two tokens. Tokens are
    read left to right, so those before the first that can start a form stay as they are and only the rest
    is stripped. ``remember``: a memo's ``get_or``, to keep what is kept of each such rest, for a caller that
    strips many names (names end alike: 'gmbh', 'co ltd')."""
    starts = _form_starts()
    for i, tok in enumerate(toks):
        if tok in starts:
            ending = tuple(toks[i:])
            kept = _strip_ending(ending) if remember is None else remember(ending, _strip_ending)
            return toks[:i] + list(kept)
    return list(toks)


@lru_cache(maxsize=1)
def _form_starts() -> frozenset[str]:
    return frozenset(_legal_forms()[0])


def _strip_ending(toks: tuple[str, ...]) -> tuple[str, ...]:
    forms, _ = _legal_forms()
    out: list[str] = []
    i = 0
    n = len(toks)
    while i < n:
        for form in forms.get(toks[i], ()):
            size = len(form)
            if toks[i : i + size] == form and (
                (size > 1 or len(form[0]) > 2 or i >= n - 2)
                and (form[0] not in NAME_WORD_FORMS or i == n - 1)
            ):
                i += size
                break
        else:
            out.append(toks[i])
            i += 1
    return tuple(out)


# --- countries -----------------------------------------------------------------------------------------

AMBIGUOUS_KOREA = "KP?"

_COUNTRY_ALIASES: dict[str, str] = {
    # DPRK spellings (DESIGN §3)
    "dprk": "KP",
    "d p r k": "KP",
    "north korea": "KP",
    "n korea": "KP",
    "korea dpr": "KP",
    "korea d p r": "KP",
    "dpr korea": "KP",
    "democratic people s republic of korea": "KP",
    "korea democratic people s republic of": "KP",
    "korea democratic people s republic": "KP",
    "korea north": "KP",
    "joseonminjujuuiinmingonghwagug": "KP",
    "bughan": "KP",
    "kndr": "KP",
    "severnaya koreya": "KP",
    # Republic of Korea
    "south korea": "KR",
    "s korea": "KR",
    "korea south": "KR",
    "republic of korea": "KR",
    "korea republic of": "KR",
    "korea rep": "KR",
    "rok": "KR",
    "daehanmingug": "KR",
    "hangug": "KR",
    "yuzhnaya koreya": "KR",
    "respublika koreya": "KR",
    # ambiguous
    "korea": AMBIGUOUS_KOREA,
    "koreya": AMBIGUOUS_KOREA,
    # common shorthands countrynames misses
    "prc": "CN",
    "p r c": "CN",
    "pr china": "CN",
    "uae": "AE",
    "u a e": "AE",
    "usa": "US",
    "u s a": "US",
    "uk": "GB",
    "rf": "RU",
    "russian federation": "RU",
}

_COUNTRY_WORDS = {"rep": "republic", "dem": "democratic", "peoples": "people s", "ppl": "people s"}
for _name, _code in list(
    _COUNTRY_ALIASES.items()
):  # "korea republic" = "republic korea" = "republic of korea"
    _COUNTRY_ALIASES.setdefault(_name.replace(" of ", " "), _code)
_COUNTRY_ALIASES.setdefault("korea republic", "KR")
_COUNTRY_ALIASES.setdefault("korea democratic people s republic", "KP")
# the same words in any order: "Корея (Южная)", "Корея, Республика", "Korea (Rep. of)"
_ALIASES_BY_WORDS: dict[frozenset[str], str] = {}
for _name, _code in _COUNTRY_ALIASES.items():
    _ALIASES_BY_WORDS.setdefault(frozenset(_name.split()) - {"of"}, _code)

_FOLDED_ALIASES: dict[str, str] = {
    "朝鲜": "KP",
    "北韩": "KP",
    "北朝鲜": "KP",
    "朝鲜民主主义人民共和国": "KP",
    "韩国": "KR",
    "南韩": "KR",
    "大韩民国": "KR",
    "中国": "CN",
    "中华人民共和国": "CN",
    "俄罗斯": "RU",
}

_ROK_PLACES = frozenset(
    [
        "seoul",
        "busan",
        "pusan",
        "incheon",
        "daegu",
        "daejeon",
        "gwangju",
        "ulsan",
        "gyeonggi",
        "gyeonggido",
        "suwon",
        "seongnam",
        "goyang",
        "yongin",
        "changwon",
        "pohang",
        "pyeongtaek",
        "pyeongchang",
        "gangnam",
        "jeju",
        "gimhae",
        "geoje",
        "mokpo",
        "yeosu",
        "gunsan",
        "seul",
        "pusan",
    ]
)
_DPRK_PLACES = frozenset(
    ["pyongyang", "rason", "rajin", "sinuiju", "nampo", "chongjin", "wonsan", "hamhung", "kaesong"]
)
_ROK_CJK = ("首尔", "汉城", "釜山", "仁川", "서울", "부산", "сеул", "пусан")
_DPRK_CJK = ("平壤", "罗先", "新义州", "평양", "пхеньян")


def _lookup_country(text: str) -> str | None:
    folded = fold(text).strip()
    if not folded:
        return None
    if folded in _FOLDED_ALIASES:
        return _FOLDED_ALIASES[folded]
    key = " ".join(tokens(folded))
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    # "Rep. of Korea", "Dem. People's Rep. of Korea", "Korea Republic": abbreviations and word order
    expanded = " ".join(_COUNTRY_WORDS.get(t, t) for t in key.split())
    for form in (expanded, expanded.replace(" of ", " ")):
        if form in _COUNTRY_ALIASES:
            return _COUNTRY_ALIASES[form]
    by_words = _ALIASES_BY_WORDS.get(frozenset(expanded.split()) - {"of"})
    if by_words is not None:
        return by_words
    code = cldr_country_names().get(folded) or cldr_country_names().get(key)
    if code is not None:
        return code
    import countrynames  # (imported at the first name the tables above do not know: it loads for 0.4 s)

    code = countrynames.to_code(text)
    if code is None and key != folded:
        code = countrynames.to_code(key)
    return str(code) if code and len(code) == 2 else None


def load_tables() -> None:
    """Load now what this module otherwise loads at first need (pypinyin, the country-name tables): done by a
    parent before its worker processes fork, so they share one copy instead of each loading its own."""
    import countrynames

    _pinyin()
    cldr_country_names()
    countrynames.to_code("Germany")


CLDR_LANGUAGES = ("en", "zh", "ru", "ko", "ja", "de", "fr", "es", "it", "pt")


@cache
def cldr_country_names() -> dict[str, str]:
    """Country names as the Unicode CLDR writes them in CLDR_LANGUAGES (ICU's display names: 'Germany',
    '德国', 'Германия', '독일'), folded (and Latin ones as word keys: 'bosnia herzegovina'), to ISO codes; a
    name two regions share is left out. Read before countrynames, which knows more spellings but takes far
    longer to load."""
    found: dict[str, set[str]] = {}
    for lang in CLDR_LANGUAGES:
        display = icu.Locale(lang)
        for code in icu.Locale.getISOCountries():
            name = fold(icu.Locale("", code).getDisplayCountry(display)).strip()
            forms = {name, " ".join(_ASCII_WORD_RE.findall(name))} if name.isascii() else {name}
            for form in forms:
                found.setdefault(form, set()).add(code)
    return {name: next(iter(codes)) for name, codes in found.items() if len(codes) == 1 and name}


# Korean sub-city units: a city's name followed by one of these names a neighbourhood or street (Busan's
# "Nampo-dong", Seoul's "Pyongyang-ro" would be a street), not the city itself.
_KOREAN_UNITS = frozenset(["dong", "gu", "ro", "gil", "ri", "eup", "myeon", "daero", "ga"])
_KOREAN_UNITS_HANGUL = ("동", "구", "로", "길", "리", "읍", "면")


def _whole_city(folded: str, name: str) -> bool:
    """Whether a city name written in Hangul or Han stands for the city, not a district named after it."""
    at = folded.find(name)
    return at >= 0 and (folded[at + len(name) : at + len(name) + 1] or " ") not in _KOREAN_UNITS_HANGUL


def _korea_from_address(address: str) -> str | None:
    """KP or KR when the address settles which Korea, else None.

    The most specific place wins: a place name written as part of a district or street ("Nampo-dong,
    Jung-gu, Busan") is that district, not the city it is named after, so only whole city names count; when
    both Koreas' cities remain, the address does not settle it."""
    folded = fold(address)
    toks = tokens(folded)
    cities = {tok for i, tok in enumerate(toks) if i + 1 >= len(toks) or toks[i + 1] not in _KOREAN_UNITS}
    kp = bool(cities & _DPRK_PLACES) or any(_whole_city(folded, p) for p in _DPRK_CJK)
    kr = bool(cities & _ROK_PLACES) or any(p in folded for p in _ROK_CJK)
    if kp and not kr:
        return "KP"
    if kr and not kp:
        return "KR"
    return None


def country_code(country: str, address: str = "") -> str | None:
    """ISO alpha-2 code for a country cell, using the address to settle a bare 'Korea'.

    Returns ``"KP?"`` (AMBIGUOUS_KOREA) for a bare 'Korea' that the address does not settle, and, when the
    country cell is empty, tries the last comma-separated part of the address.
    """
    code = _lookup_country(country) if country.strip() else None
    if code is None and not country.strip() and address.strip():
        parts = [p for p in re.split(r"[,，\n]", address) if p.strip()]
        code = _lookup_country(parts[-1]) if parts else None
    if code in (AMBIGUOUS_KOREA, "KR") and not _is_explicit_rok(country):
        settled = _korea_from_address(address) if address else None
        if settled:
            return settled
    return code


def address_matters(country: str) -> bool:
    """Whether ``country_code(country, address)`` can depend on the address; if not, it is the same for
    every address (the country cell names a country other than a bare or unsettled 'Korea')."""
    if not country.strip():
        return True
    return _lookup_country(country) in (AMBIGUOUS_KOREA, "KR") and not _is_explicit_rok(country)


def _is_explicit_rok(country: str) -> bool:
    key = " ".join(tokens(country))
    return _COUNTRY_ALIASES.get(key) == "KR" or fold(country).strip() in ("韩国", "南韩", "大韩民国")


# --- HS codes ------------------------------------------------------------------------------------------

_HS_SPLIT_RE = re.compile(r"[;,/|\n]+|\s{2,}")


def _one_hs(part: str) -> str | None:
    part = part.strip().replace(" ", "")
    if not part:
        return None
    part = part.removeprefix("hs").removeprefix("HS").removeprefix("hts").removeprefix("HTS").strip(":")
    if not re.fullmatch(r"\d{1,4}(\.\d{1,2}){0,1}(\.?\d{1,6})*", part):
        return None
    if "." in part:
        head, _, rest = part.partition(".")
        head = head.zfill(4) if len(head) > 2 else head.zfill(2)
        groups = rest.split(".")
        first = groups[0].ljust(2, "0")
        return head + first + "".join(groups[1:])
    digits = part
    if len(digits) % 2:
        digits = "0" + digits
    return digits


def hs_codes(text: str) -> list[str]:
    """HS codes in a cell as digit strings: '304.87' -> '030487', '0304.87.00' -> '03048700', '3' -> '03'."""
    out = []
    for part in _HS_SPLIT_RE.split(text):
        code = _one_hs(part)
        if code and code not in out:
            out.append(code)
    return out


def format_hs(digits: str) -> str:
    """'030487' -> '0304.87'; '0304' -> '0304'; '03' -> '03'."""
    if len(digits) <= 4:
        return digits
    return (
        digits[:4] + "." + ".".join(digits[i : i + 2] for i in range(4, min(len(digits), 8), 2)) + digits[8:]
    )


# --- vessels -------------------------------------------------------------------------------------------

_IMO_RE = re.compile(r"\bimo\s*(?:no\.?|number|#)?\s*[:.]?\s*(\d{7})\b", re.IGNORECASE)


def imo_valid(number: str) -> bool:
    """IMO ship numbers carry a check digit: the sum of the first six digits times 7..2, mod 10."""
    if not re.fullmatch(r"\d{7}", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(number[6])


def imo_numbers(text: str) -> list[str]:
    """IMO numbers written anywhere in a text ('IMO9912347', 'IMO 9912347', 'IMO No. 9912347')."""
    return list(dict.fromkeys(m.group(1) for m in _IMO_RE.finditer(text)))


@dataclass(frozen=True, slots=True)
class VesselKey:
    letters: str  # the name's words run together: 'Fu Yuan Yu' and 'FUYUANYU' agree
    numbers: tuple[str, ...]  # hull numbers, which must agree exactly
    imo: tuple[str, ...]


_VESSEL_PREFIXES = ("mv", "fv", "mt", "ms", "ss", "mfv")
_LETTERS_OR_DIGITS = re.compile(r"[a-z]+|[0-9]+")
_ROMAN = {"i": 1, "v": 5, "x": 10}
_ROMAN_NUMERAL = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")  # 1 to 39, as hull numbers are written


def _roman(token: str) -> str | None:
    """A Roman hull number as digits ('xiv': '14'), else None."""
    if not token or _ROMAN_NUMERAL.fullmatch(token) is None:
        return None
    values = [_ROMAN[c] for c in token]
    return str(sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True)))


def vessel_key(text: str) -> VesselKey:
    imo = tuple(n for n in imo_numbers(text) if imo_valid(n))
    rest = _IMO_RE.sub(" ", text)
    # a hull number glued to the name is a number of its own: 'Haifeng818' = 'Haifeng 818'
    toks = [part for u in units(fold(rest)) for part in _LETTERS_OR_DIGITS.findall(u.token)]
    if len(toks) > 1 and toks[0] in _VESSEL_PREFIXES:  # MV, F/V, M.T. …
        toks = toks[1:]
    elif len(toks) > 2 and toks[0] + toks[1] in _VESSEL_PREFIXES:
        toks = toks[2:]
    # 'No.' before a hull number is no part of the name: 'Yu Song No.12' = 'YU SONG 12'
    toks = [
        t
        for t, after in zip(toks, [*toks[1:], ""][: len(toks)], strict=True)
        if t not in ("no", "nr") or not after.isdigit()
    ]
    # a Roman numeral ending the name is a hull number: 'Bicentenario XIV' = 'Bicentenario 14' ≠ 'Bicentenario
    # IV' ('Xi' only after a word longer than a pinyin syllable: 'Hai Xi' is a name)
    if len(toks) > 1 and (number := _roman(toks[-1])) and (toks[-1] != "xi" or len(toks[-2]) > 6):
        toks = [*toks[:-1], number]
    letters = "".join(t for t in toks if not t.isdigit())
    numbers = tuple(str(int(t)) for t in toks if t.isdigit())
    return VesselKey(letters, numbers, imo)
