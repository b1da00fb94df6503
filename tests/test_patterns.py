"""Rule patterns run on RE2 (supplyscreen.match.patterns): what Python's ``re`` would find, in linear time,
and what RE2 cannot run refused with the reason."""

from __future__ import annotations

import pickle
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplyscreen.match.patterns import PatternError, PatternSet, compile_pattern
from supplyscreen.rules import RuleSet

# The bundled overtime pattern before it was written for RE2 (a \b in its middle, after "hours")
OVERTIME_BEFORE = (
    r"\b(?:1[2-9]|2[0-4])[- ]?(?:hours?|hrs?|h)\b(?:[- ](?:a|per)[- ]day|[- ]?(?:work)?(?:days?|shifts?))"
)

# patterns of every construct the translation handles, each checked against Python's re below
CONSTRUCTS = [
    r"\bfoo\b|\bbar\b",  # boundaries at the edges of each alternative
    r"\b(?:foo|bar)\b",
    r"\bчас\w*",  # \w: Cyrillic letters are word characters
    r"\w+\b",
    r"\B\w\w\B",
    r"\Bb",
    r"a\B",
    r"x\b-",  # a boundary in the middle, settled from both sides
    r"hours\b-day",
    r"\b-x",
    r"x-\b",
    r"[^\W\d]+",  # categories in sets, negated
    r"[^\W\d_]+\b",
    r"[a-c\d]",
    r"[^a-c\d]",
    r"[\sа-я]+",
    r"\d+\s*h\b",
    r"\bк\b",
    r"(?:a|b)+$",  # '$': the end or before a final newline
    r"foo$",
    r"a$|b",
    r"(?m)^x$",
    r"\Aa",
    r"a\Z",
    r"(?s)a.b",
    r"a.b",
    r"(?i:Ä)ß",
    r"(?-i:A)b",
    r"[Ä-Ö]+",
    r"[^a-z]{2}",
    r"a{,3}b",  # Python's {,n}: RE2 would read it as text
    r"a+?b",
    r"(?x) a b  # comment",
    r"\u0041b",
    r"\N{LATIN SMALL LETTER A}",
    r"[ſ]",
    r"k",
    r"ab|\bb",
]
ALPHABET = [
    *list("abcxyz-_12 \nÄäöÖßſKkSsфячкхас汉字한국.٣"),
    "foo",
    "bar",
    "час",
    "hours",
    "h",
    "12",
    "-day",
]


def _python(pattern: str, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE) if m.end() > m.start()]


@pytest.mark.parametrize("pattern", CONSTRUCTS)
@given(text=st.lists(st.sampled_from(ALPHABET), max_size=14).map("".join))
def test_a_pattern_finds_what_python_finds(pattern: str, text: str) -> None:
    assert compile_pattern(pattern).spans(text) == _python(pattern, text)


# (text, where the overtime patterns match): Unicode word boundaries as Python reads them
OVERTIME_TEXTS = [
    ("works 12 hours a day", [(6, 20)]),
    ("工作12 hours a day", []),  # 作 is a word character: no boundary before 12
    ("ж12 hours a day", []),
    ("한국12 hours per day", []),
    ("٣12 h shifts", []),  # an Arabic-Indic digit is a digit
    ("工作 12 hours a day", [(3, 17)]),
    ("12hд per day", []),
    ("12 hoursday", []),
    ("12 hrs-shifts and 13h days", [(0, 13), (18, 26)]),
    ("x 12-h shifts 13h days", [(2, 13), (14, 22)]),
    ("12 hours workdays", [(0, 17)]),
    ("_12h shifts", []),
    ("65 hours per week", [(0, 17)]),
    ("每天工作十二个小时", [(0, 9)]),
    ("每天工作12小时", [(0, 8)]),
    ("12 часов в день", [(0, 15)]),
    ("ЧАС: 15 ЧАСОВ В СУТКИ", [(5, 21)]),
    ("12 часовв день", []),
    ("하루 12시간 근무", [(0, 7)]),
    ("하루12시간", [(0, 6)]),
]


@pytest.mark.parametrize(("text", "expected"), OVERTIME_TEXTS)
def test_the_bundled_patterns_find_what_they_found_with_python(
    ruleset: RuleSet, text: str, expected: list[tuple[int, int]]
) -> None:
    [overtime] = [ind for ind in ruleset.indicators if ind.id == "ilo.excessive_overtime"]
    before = [OVERTIME_BEFORE, *overtime.patterns[1:]]
    folded = text.casefold()
    assert sorted(s for p in before for s in _python(p, folded)) == expected
    assert sorted(s for p in overtime.patterns for s in compile_pattern(p).spans(folded)) == expected


@given(
    text=st.lists(st.sampled_from([*ALPHABET, "12 ", "hours ", " a day", "workdays", "工作"]), max_size=12)
)
def test_the_rewritten_overtime_pattern_is_the_old_one(ruleset: RuleSet, text: list[str]) -> None:
    [overtime] = [ind for ind in ruleset.indicators if ind.id == "ilo.excessive_overtime"]
    joined = "".join(text)
    assert compile_pattern(overtime.patterns[0]).spans(joined) == _python(OVERTIME_BEFORE, joined)


REFUSED = {
    r"(?<!non-)dprk": "uses a lookbehind (?<=…) or (?<!…), which RE2 cannot run: list the phrases that must not "
    "count under 'exclude:' instead",
    r"dprk(?! free)": "uses a lookahead (?=…) or (?!…), which RE2 cannot run: list the phrases that must not "
    "count under 'exclude:' instead",
    r"(a)\1": "uses a backreference (\\1 or (?P=name)), which RE2 cannot run: write the repeated text out",
    r"(a)?(?(1)b|c)": "uses a conditional (?(…)…|…), which RE2 cannot run: write the alternatives out with |",
    r"(?>ab)": "uses an atomic group (?>…), which RE2 cannot run: use a plain group (?:…)",
    r"a++": "uses a possessive quantifier (*+, ++, ?+), which RE2 cannot run: drop the second +",
    r"a*": "can match empty text: make at least one character required",
    r"\b": "can match empty text: make at least one character required",
    r"(?a)\w": "uses the (?a) or (?L) flag: rule patterns read every script, drop the flag",
    r"a$b": "has '$' before its end: use '$' only at the end of the pattern (or with (?m))",
    r"\b[\d-]+": "has a word boundary \\b or \\B where a letter may stand on either side, which RE2 cannot check "
    "(its \\b knows ASCII letters only): put it at the start or end of the pattern or of an alternative (a|b), "
    "next to a letter on one side and a space or sign on the other",
    r"hours\b[- ]?day": "has a word boundary \\b or \\B where a letter may stand on either side, which RE2 cannot "
    "check (its \\b knows ASCII letters only): put it at the start or end of the pattern or of an alternative "
    "(a|b), next to a letter on one side and a space or sign on the other",
    r"x{1001}": "cannot be compiled for RE2, the linear-time engine rules run on: invalid repetition size: "
    "{1001,1001}",
    r"(unclosed": "is not a valid regular expression: missing ), unterminated subpattern at position 0",
}


@pytest.mark.parametrize("pattern", sorted(REFUSED))
def test_what_re2_cannot_run_is_refused_with_the_reason(pattern: str) -> None:
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    assert str(info.value) == REFUSED[pattern]


@pytest.mark.parametrize("size", [31, 10_000, 1_000_000])
def test_nested_repetition_runs_in_linear_time(size: int) -> None:
    pattern = compile_pattern("^(a+)+$")
    started = time.perf_counter()
    assert pattern.spans("a" * (size - 1) + "!") == []  # a backtracking engine: 2^(size-1) steps
    assert pattern.spans("a" * size) == [(0, size)]
    assert time.perf_counter() - started < (0.05 if size <= 10_000 else 1)


def test_a_set_finds_what_each_pattern_finds_and_travels_whole(ruleset: RuleSet) -> None:
    sources = [p for ind in ruleset.indicators for p in ind.patterns] + CONSTRUCTS[:6]
    patterns = PatternSet(sources)
    again = pickle.loads(pickle.dumps(patterns))  # worker processes and Dask get the matcher pickled
    for text, _ in [*OVERTIME_TEXTS, ("foo bar часы", [])]:
        expected = [
            (i, *span) for i, source in enumerate(sources) for span in compile_pattern(source).spans(text)
        ]
        assert patterns.find(text) == again.find(text) == expected
    assert PatternSet([]).find("anything") == []
