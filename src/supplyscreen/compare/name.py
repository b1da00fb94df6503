"""Names: the name matcher's similarity, and names too weak to identify a company on their own.

The similarity is ``names``' weighted word alignment (the watchlist's own word weights when a ``NameIndex``
computed it). A name reduced to generic words and places — "F&F Holdings" (holding), "Industrial Bank of
Korea" (bank, Korea), "L&T Finance" (finance) — says what a company does or where, not which one it is: it
never matches on that alone, whatever the similarity (``generic_only``). Two names that share one short or
common word and nothing else ("SL Corporation" and OFAC's alias "SL"; "Brigade Enterprises" and "The
International Brigade") match only when the country or an identifier supports them (``weak_name``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from rapidfuzz import fuzz
from wordfreq import zipf_frequency

from supplyscreen.compare.base import Comparison
from supplyscreen.match.names import (
    ABBREVIATIONS,
    PLACE_WORDS,
    TOKEN_MIN,
    NameKey,
    closest_word,
    generic_word,
    join_initials,
    name_key,
    similarity,
)
from supplyscreen.normalize.text import strip_legal_forms, strip_trailing_legal_forms, tokens

SHORT_WORD = 3  # letters: a word this short is an acronym (17,576 of three letters)
COMMON_ZIPF = 3.5  # wordfreq Zipf frequency from which an English word is common ('brigade', 'vision')


def compare_names(
    query: str, alias: str, score: float | None = None, primary: str | None = None
) -> Comparison:
    """The similarity of the row's name and one of the entry's names, ``alias`` (``score`` when the caller
    computed it with the list's word weights, else with default weights); ``primary`` is the entry's own
    name, to say whether an alias matched."""
    value = similarity(query, alias) if score is None else score
    which = "listed name" if primary is None or alias == primary else "alias"
    return Comparison("name", value, f"name {value:.2f} via the {which} “{alias}”")


def distinctive_words(key: NameKey, generic: Collection[str] = ()) -> list[str]:
    """The words of a name key that are neither generic words (``names``' own, and ``generic``) nor places."""
    return [w for w in key.words if w not in PLACE_WORDS and not generic_word(w) and w not in generic]


_ARTICLES = frozenset({"the", "of", "and", "for"})
_FORM_WORDS = {"co": "company", "corp": "corporation", "ltd": "limited", "inc": "incorporated"}


def same_words(query: str, alias: str) -> bool:
    """Whether two names of two words or more are written with the same words, in any order, a legal form
    that ends them and articles aside, abbreviations expanded ('Rason International Commercial Bank Ltd.' and
    'RASON INTERNATIONAL COMMERCIAL BANK'). A word read as a legal form elsewhere in a name stays a word of
    it ('SNC Group' is not 'GIES GROUP')."""

    def words(text: str) -> list[str]:
        kept = join_initials(strip_trailing_legal_forms(tokens(text)))
        return sorted(
            w for t in kept if (w := _FORM_WORDS.get(t) or ABBREVIATIONS.get(t, t)) not in _ARTICLES
        )

    ours = words(query)
    return len(ours) > 1 and ours == words(alias)


Keys = Callable[[str], NameKey]  # name_key, or the same kept per distinct name (a ListMatcher's)


def generic_only(
    query: str, alias: str, generic: Collection[str] = (), key_of: Keys = name_key
) -> Comparison:
    """Whether either name has nothing but generic words and places left (then it never matches on its name
    alone): score 1 when so — unless the two names are the same, word for word (``same_words``): a list name
    of generic words and places still names one entity ('Rason International Commercial Bank')."""
    if same_words(query, alias):
        return Comparison("generic", 0.0, "the names are the same, word for word")
    for side, text in (("the row's name", query), ("the listed name", alias)):
        key = key_of(text)
        if key.words and not distinctive_words(key, generic):
            words = ", ".join(f"“{w}”" for w in key.words)
            return Comparison(
                "generic_only", 1.0, f"{side} “{text}” reduces to generic words and places ({words})"
            )
    return Comparison("generic", 0.0, "both names have a distinctive word")


def shared_words(
    query: str, alias: str, generic: Collection[str] = (), key_of: Keys = name_key
) -> list[tuple[str, str]]:
    """The words of the row's name (generic words left out) paired with the alias word they match (word
    similarity from TOKEN_MIN), each alias word used once; the words left over on both sides, run together,
    are one more pair when they are close ('Nam Gang' and 'Namgang', as the name alignment reads them)."""
    free = [w for w in key_of(alias).words if not generic_word(w) and w not in generic]
    pairs = []
    rest = []
    for word in key_of(query).words:
        if generic_word(word) or word in generic:
            continue
        best = closest_word(word, free)
        if best is not None and best[1] >= TOKEN_MIN:
            pairs.append((word, best[0]))
            free.remove(best[0])
        elif word not in PLACE_WORDS:
            rest.append(word)
    free = [w for w in free if w not in PLACE_WORDS]
    if rest and free and len(rest) != len(free):
        ours, theirs = "".join(rest), "".join(free)
        if fuzz.ratio(ours, theirs) >= TOKEN_MIN * 100:
            pairs.append((ours, theirs))
    return pairs


# generic words that say nothing even about the business: legal forms and articles
_FILLER = frozenset(
    """
    the and of for de la el company co corp corporation limited ltd inc llc wll lda gmbh jsc ojsc pjsc cjsc
    ooo zao oao ao sa srl bv nv ag plc pte sdn bhd kk obshchestvo obschestvo ogranichennoy ogranichennoi
    ogranichennoj otvetstvennostyu otvetstvennostiu otvetstvennost aktsionernoe aktsionerny aktsionernyy
    aktsionernyi zakrytoe otkrytoe publichnoe private pvt
    """.split()
)


def _business_words(text: str, generic: Collection[str]) -> set[str]:
    """The generic business words a name writes (development, investment, marine, international …): two
    names that share one of them besides a short or common word are less of a coincidence."""
    words = {ABBREVIATIONS.get(t, t) for t in tokens(text)}
    return {w for w in words if (generic_word(w) or w in generic) and w not in _FILLER}


def _letters(text: str, generic: Collection[str]) -> str:
    """A name's letters without legal forms and generic words, single letters kept ('CMT-K': cmtk)."""
    toks = join_initials(strip_legal_forms(tokens(text)))
    return "".join(t for t in toks if not generic_word(t) and t not in generic)


def weak_name(
    query: str,
    alias: str,
    supported: bool,
    generic: Collection[str] = (),
    country_known: bool = True,
    key_of: Keys = name_key,
) -> Comparison:
    """Whether the names share one short or common word and nothing else ('SL Corporation' and the alias
    'SL'; 'Brigade Enterprises' and 'The International Brigade'): that alone identifies nothing unless the
    country or an identifier supports it (``supported``), and a short word (an acronym) must be the whole of
    both names' letters ('CMT' is not 'CMT-K'). A row that states no country (``country_known`` false) can
    neither support nor contradict: there the names match when their letters are the same ('Bio Corp.' and
    'BIO CORPORATION'). Score 1 when the names are that weak."""
    shared = shared_words(query, alias, generic, key_of)
    if len(shared) != 1 or shared[0][0] in PLACE_WORDS:
        words = ", ".join(f"“{w}”" for w, _ in shared) or "no word"
        return Comparison("name_words", 0.0, f"the names share {words}")
    word = shared[0][0]
    short = len(word) <= SHORT_WORD
    if not short and zipf_frequency(word, "en") < COMMON_ZIPF:
        return Comparison("name_words", 0.0, f"the names share the distinctive word “{word}”")
    also = sorted(_business_words(query, generic) & _business_words(alias, generic))
    if also:  # 'EKO Development and Investment Company' is more than 'EKO'
        words = ", ".join(f"“{w}”" for w in also)
        return Comparison("name_words", 0.0, f"the names share “{word}” and the business words {words}")
    what = f"the {'short' if short else 'common'} word “{word}”"
    same = _letters(query, generic) == _letters(alias, generic)
    if short and not same:
        return Comparison(
            "weak_name", 1.0, f"the names share only {what}, and their letters differ otherwise"
        )
    if supported:
        return Comparison(
            "name_words", 0.0, f"the names share only {what}, which the country or an identifier supports"
        )
    if same and not country_known:
        return Comparison(
            "name_words",
            0.0,
            f"the names share only {what} and are otherwise the same; the row states no country to tell them "
            "apart",
        )
    return Comparison(
        "weak_name", 1.0, f"the names share only {what}, and neither a country nor an identifier supports it"
    )
