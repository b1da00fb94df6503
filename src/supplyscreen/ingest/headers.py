"""Header vocabulary and matching: which canonical field a column header (or a form label) means, or which
kind of column holds no screening evidence (phone numbers, bank details, dates …).

The vocabulary is data, in ``headers.yaml`` beside this module (shipped in the package), loaded and indexed
once. :func:`header_kind` answers for one header; :func:`map_header` keeps to the canonical fields.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from supplyscreen import packaged
from supplyscreen.errors import ConfigError
from supplyscreen.normalize.text import fold, readable, tokens
from supplyscreen.rules import FIELDS

FUZZY_HEADER_CUTOFF = 86.0
MAX_EXTRA_WORDS = 2  # a synonym inside a longer header counts with at most this many other words
SKIP = "skip:"  # prefix of the kinds of column that hold no evidence: "skip:phone or fax numbers"

# Han, kana and Hangul: headers in these scripts are compared as text, not as transliterated words
_CJK_LIKE = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"
)
_CODE_LIKE = re.compile(r"[A-Z0-9_]+")  # an ERP field name as exported: LIFNR, ORT01, NAME_CO
_ERP_PREFIX = re.compile(r"^(?:ZZ|YY)_?(?=[A-Z])")  # SAP customer fields: ZZ_BEMERKUNG, ZZREMARK
_QUESTION_START = re.compile(r"^\s*q\s*\d+[a-z]?\b", re.IGNORECASE)
# a header longer than this cannot reach the fuzzy cut-off against any synonym, nor hold one with few extras
_MAX_LATIN_HEADER = 80


def cjk_like(text: str) -> bool:
    """Whether ``text`` holds Chinese, Japanese or Korean characters."""
    return _CJK_LIKE.search(text) is not None


def _cjk_key(text: str) -> str:
    """CJK text as compared: folded, without spaces and punctuation (国・地域 = 国地域)."""
    return "".join(ch for ch in fold(text) if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ")


def header_key(header: str) -> str:
    """A Latin header as compared: its words, folded and transliterated ('Vendor #' → 'vendor no')."""
    text = header.replace("#", " no ").replace("№", " no ")
    return " ".join(tokens(text))


def _code_key(header: str) -> str:
    return fold(header).strip().replace(" ", "_")


@dataclass(frozen=True)
class Vocabulary:
    """``headers.yaml``: synonyms by kind (a canonical field, or ``skip:<reason>``), ERP codes, disqualifying
    words and the header words of a Question | Answer form."""

    synonyms: dict[str, tuple[str, ...]]
    codes: dict[str, str]
    exact_only: frozenset[str]
    disqualify_words: frozenset[str]
    disqualify_text: tuple[str, ...]
    question_words: frozenset[str]
    answer_words: frozenset[str]


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"headers.yaml: {where} must be a list of strings", hint="quote words such as 'no'")
    return [v.strip() for v in value]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The bundled header vocabulary, read once."""
    raw = packaged.load_yaml("supplyscreen.ingest", "headers.yaml")
    fields = raw.get("fields") or {}
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ConfigError(
            f"headers.yaml: unknown field {unknown[0]!r}", hint=f"use one of: {', '.join(FIELDS)}"
        )
    synonyms: dict[str, tuple[str, ...]] = {f: tuple(_strings(fields[f], f"fields.{f}")) for f in fields}
    for reason, words in (raw.get("not_screened") or {}).items():
        synonyms[SKIP + str(reason)] = tuple(_strings(words, f"not_screened.{reason}"))
    codes: dict[str, str] = {}
    for fname, names in (raw.get("codes") or {}).items():
        if fname not in FIELDS:
            raise ConfigError(f"headers.yaml: codes names unknown field {fname!r}")
        for name in _strings(names, f"codes.{fname}"):
            codes[_code_key(name)] = fname
    disqualify = raw.get("disqualify") or {}
    form = raw.get("form") or {}
    return Vocabulary(
        synonyms=synonyms,
        codes=codes,
        exact_only=frozenset(header_key(w) for w in _strings(raw.get("exact_only", []), "exact_only")),
        disqualify_words=frozenset(
            header_key(w) for w in _strings(disqualify.get("words", []), "disqualify")
        ),
        disqualify_text=tuple(_cjk_key(w) for w in _strings(disqualify.get("text", []), "disqualify")),
        question_words=frozenset(_any_key(w) for w in _strings(form.get("question", []), "form.question")),
        answer_words=frozenset(_any_key(w) for w in _strings(form.get("answer", []), "form.answer")),
    )


def _any_key(text: str) -> str:
    return _cjk_key(text) if cjk_like(text) else header_key(text)


class _Index:
    """The synonyms indexed for speed (a sheet may have 16,000 headers): exact keys, CJK keys, Latin keys by
    their first token (for "synonym inside a longer header") and the Latin keys long enough to compare
    fuzzily. ``order`` keeps the first synonym in file order winning a tie, as a plain loop would."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.exact: dict[str, tuple[str, int]] = {}
        self.cjk: list[tuple[str, str, int]] = []
        self.by_first_token: dict[str, list[tuple[str, str, int]]] = {}
        self.fuzzy: list[tuple[str, str, int]] = []
        order = 0
        for kind, syns in vocab.synonyms.items():
            for syn in syns:
                order += 1
                if cjk_like(syn):
                    key = _cjk_key(syn)
                    self.cjk.append((kind, key, order))
                    self.exact.setdefault(key, (kind, order))
                    continue
                key = header_key(syn)
                if not key:
                    continue
                self.exact.setdefault(key, (kind, order))
                if key not in vocab.exact_only:
                    self.by_first_token.setdefault(key.split()[0], []).append((kind, key, order))
                if len(key) >= 5:
                    self.fuzzy.append((kind, key, order))
        self.fuzzy_choices = [key for _, key, _ in self.fuzzy]
        self.disqualify_words = vocab.disqualify_words
        self.disqualify_text = vocab.disqualify_text
        self.codes = vocab.codes


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index(vocabulary())


def header_kind(header: str) -> tuple[str | None, float]:
    """What a header means and how sure (0-100): a canonical field, ``skip:<reason>`` for a column that holds
    no evidence, or None.

    An ERP field name (``LIFNR``, ``ORT01``, ``ZZ_BEMERKUNG``) counts only as the whole header. Otherwise,
    per synonym: 100 for the same words (or CJK text); 95 - 2 per extra word for a synonym inside a longer
    header (at most ``MAX_EXTRA_WORDS`` extra, and not when an extra word such as 'contact' shows it means
    something else); 90 + its length (up to 5) for a CJK synonym of 2+ characters inside a longer header
    (not across a disqualifying part such as コード); else the fuzzy ratio for keys of 5 characters or
    more, except for headers written like ERP codes (no space, capitals and digits: never fuzzily). The best
    synonym wins, the first one on a tie. The header is read as a reader sees it (``readable``: "Supp⟨U+200B⟩lier"
    is "Supplier").
    """
    header = readable(header)
    folded = fold(header).strip()
    if not folded:
        return None, 0.0
    index = _index()
    code = index.codes.get(_code_key(header))
    if code is not None:
        return code, 100.0
    stripped = _ERP_PREFIX.sub("", header.strip(), count=1)
    if stripped != header.strip():
        kind, score = header_kind(stripped)
        if kind is not None:
            return kind, score
    scores: dict[int, tuple[float, str]] = {}
    if cjk_like(folded):
        key = _cjk_key(header)
        for kind, syn, order in index.cjk:
            if syn == key:
                scores[order] = (100.0, kind)
            elif (
                len(syn) >= 2
                and syn in key
                and (
                    kind.startswith(SKIP) or not any(d in key and d not in syn for d in index.disqualify_text)
                )
            ):
                scores[order] = (90.0 + min(len(syn), 5), kind)
    key = header_key(header) if len(folded) <= _MAX_LATIN_HEADER else ""
    if key:
        code_like = " " not in header.strip() and _CODE_LIKE.fullmatch(header.strip()) is not None
        if len(key) >= 5 and not (code_like and (len(header.strip()) <= 5 or not header.strip().isalpha())):
            for _choice, score, i in process.extract(
                key, index.fuzzy_choices, scorer=fuzz.ratio, score_cutoff=FUZZY_HEADER_CUTOFF, limit=None
            ):
                kind, _syn, order = index.fuzzy[i]
                scores[order] = (float(score), kind)
        key_tokens = key.split()
        padded = f" {key} "
        for token in dict.fromkeys(key_tokens):
            for kind, syn, order in index.by_first_token.get(token, ()):
                if syn == key or f" {syn} " not in padded:
                    continue
                extra_words = set(key_tokens) - set(syn.split())
                if not kind.startswith(SKIP) and extra_words & index.disqualify_words:
                    continue  # scored fuzzily above, as the plain loop does
                extra = len(key_tokens) - len(syn.split())
                scores[order] = (95.0 - 2 * extra if extra <= MAX_EXTRA_WORDS else 0.0, kind)
        exact = index.exact.get(key)
        if exact is not None:
            scores[exact[1]] = (100.0, exact[0])
    if not scores:
        return None, 0.0
    order = min(scores, key=lambda o: (-scores[o][0], o))
    score, kind = scores[order]
    if score < FUZZY_HEADER_CUTOFF:
        return None, score
    return kind, score


def map_header(header: str) -> tuple[str | None, float]:
    """The canonical field a header means and how sure (0-100); None for a column of no field (including
    the kinds that hold no evidence, see :func:`header_kind`)."""
    kind, score = header_kind(header)
    if kind is None or kind.startswith(SKIP):
        return None, score
    return kind, score


def skip_reason(kind: str | None) -> str | None:
    """The reason of a ``skip:`` kind, else None."""
    return kind[len(SKIP) :] if kind and kind.startswith(SKIP) else None


def is_question(header: str) -> bool:
    """A questionnaire header or label: ends with a question mark, or starts 'Q1', 'Q 12b' …"""
    text = header.strip()
    return text.endswith(("?", "？")) or _QUESTION_START.match(text) is not None


def word_count(text: str) -> int:
    """Words with a letter in them (a CJK run counts as one word per 2 characters)."""
    words = sum(1 for w in text.split() if any(ch.isalpha() for ch in w) and not cjk_like(w))
    cjk = len(_CJK_LIKE.findall(text))
    return words + (cjk + 1) // 2


def form_role(cell: str) -> str | None:
    """'question' or 'answer' for the header cells of a Question | Answer questionnaire, else None."""
    key = _any_key(cell)
    vocab = vocabulary()
    if key in vocab.question_words:
        return "question"
    if key in vocab.answer_words:
        return "answer"
    return None
