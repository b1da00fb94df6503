"""Korean names written in Hangul, read as lists write them in Latin letters.

A Hangul company name has no spaces between its words: 청천강해운회사 is Chongchongang (청천강, the name) +
shipping (해운) + company (회사). ``latin_words`` splits a run of Hangul into the business words it knows
(``WORDS``: bank, trading, shipping, company …, written in English as lists translate them) and the name
between them, and writes each name in the Revised Romanisation syllable by syllable from the Unicode
arithmetic of Hangul syllables (initial × vowel × final): 금강은행 → "geumgang bank", which the name matcher
reads as the same Korean name as OFAC's KUMGANG BANK (``names.korean_form``). Tense initials are written as
plain ones (ㄲ → k), as lists rarely double them.
"""

from __future__ import annotations

import re

_FIRST, _LAST = 0xAC00, 0xD7A3  # Hangul syllables
_INITIALS = (
    "g k n d t r m b p s s '' j j ch k t p h".split()
)  # ㄱ ㄲ ㄴ ㄷ ㄸ ㄹ ㅁ ㅂ ㅃ ㅅ ㅆ ㅇ ㅈ ㅉ ㅊ ㅋ ㅌ ㅍ ㅎ
_VOWELS = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_FINALS = ["", *"k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()]
_RUN = re.compile(f"[{chr(_FIRST)}-{chr(_LAST)}]+")

# Business words of Korean company names and what lists write for them; the longest is read first. 조선 is
# Korea (the DPRK's name for it) where a name starts with it, and shipbuilding elsewhere (대우조선해양).
WORDS: dict[str, str] = {
    "주식회사": "co ltd",
    "유한회사": "limited company",
    "합영회사": "joint venture company",
    "합작회사": "joint venture company",
    "무역회사": "trading company",
    "해운회사": "shipping company",
    "총회사": "general company",
    "창작사": "art studio",
    "중공업": "heavy industries",
    "수출입": "import export",
    "회사": "company",
    "공사": "corporation",
    "상사": "trading company",
    "그룹": "group",
    "은행": "bank",
    "상업": "commercial",
    "무역": "trading",
    "해운": "shipping",
    "광업": "mining",
    "개발": "development",
    "산업": "industry",
    "공업": "industry",
    "기업": "enterprise",
    "공장": "factory",
    "총국": "general bureau",
    "국제": "international",
    "건설": "construction",
    "수산": "fisheries",
    "전자": "electronics",
    "기술": "technology",
    "해양": "marine",
    "합영": "joint venture",
    "합작": "joint venture",
    "련합": "association",
    "연합": "association",
    "협회": "association",
    "금융": "finance",
    "보험": "insurance",
    "투자": "investment",
    "물산": "trading",
    "상회": "trading",
    "선박": "shipping",
    "운수": "transport",
    "식품": "food",
    "철강": "steel",
    "화학": "chemical",
    "전기": "electric",
    "석유": "oil",
    "수출": "export",
    "수입": "import",
    "항공": "air",
    "관리": "management",
    "기계": "machinery",
    "제약": "pharmaceutical",
    "광산": "mine",
    "탄광": "coal mine",
    "기업소": "enterprise",
    "련합기업소": "complex",
    "연구소": "research institute",
    "연구원": "research institute",
    "위원회": "committee",
    "대외": "external",
    "신용": "credit",
    "설비": "equipment",
    "통신": "communications",
    "정보": "information",
    "물류": "logistics",
    "운송": "transport",
    "원양": "ocean",
}
_LONGEST = max(map(len, WORDS))


def has_hangul(text: str) -> bool:
    return _RUN.search(text) is not None


def romanize(syllables: str) -> str:
    """Hangul syllables in the Revised Romanisation, run together (금강: geumgang); other characters as they
    are."""
    out = []
    for char in syllables:
        code = ord(char) - _FIRST
        if 0 <= code <= _LAST - _FIRST:
            initial, rest = divmod(code, 21 * 28)
            vowel, final = divmod(rest, 28)
            out.append(_INITIALS[initial].strip("'") + _VOWELS[vowel] + _FINALS[final])
        else:
            out.append(char)
    return "".join(out)


def _run_words(run: str) -> str:
    """One run of Hangul as Latin words: the business words of ``WORDS`` in English, the names between them
    romanised, each name one word."""
    words: list[str] = []
    name = ""
    i = 0
    while i < len(run):
        for size in range(min(_LONGEST, len(run) - i), 1, -1):
            part = run[i : i + size]
            english = "choson" if part == "조선" and i == 0 else "shipbuilding" if part == "조선" else None
            english = english or WORDS.get(part)
            if english is not None:
                if name:
                    words.append(romanize(name))
                    name = ""
                words.append(english)
                i += size
                break
        else:
            name += run[i]
            i += 1
    if name:
        words.append(romanize(name))
    return " ".join(words)


def latin_words(text: str) -> str:
    """``text`` with each run of Hangul replaced by Latin words (see the module docstring); '(주)' is
    주식회사, Co., Ltd."""
    text = text.replace("(주)", " 주식회사 ")
    return _RUN.sub(lambda m: f" {_run_words(m.group())} ", text)
