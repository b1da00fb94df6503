"""The mechanisms that raised list-matching recall (issue 11, second round), table by table, through public
functions: Korean names written apart, in another romanisation or in Hangul; legal forms, initials and
abbreviations; people's names; vessels; aircraft registrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from supplyscreen.compare.identifiers import (
    compare_identifiers,
    identifiers_in,
    registration,
    registration_forms,
)
from supplyscreen.compare.name import generic_only, same_words, weak_name
from supplyscreen.compare.vessel import compare_vessel_names
from supplyscreen.ingest.watchlist import load_watchlist
from supplyscreen.match.lists import ListMatcher
from supplyscreen.match.names import (
    THRESHOLD,
    NameIndex,
    join_initials,
    korean_form,
    korean_variant,
    name_key,
    person_key,
    similarity,
    spelling_variant,
    word_similarity,
)
from supplyscreen.normalize.hangul import latin_words, romanize
from supplyscreen.normalize.text import strip_legal_forms, strip_trailing_legal_forms, tokens, vessel_key
from supplyscreen.rules import RuleSet, default_matching

GENERIC = default_matching().generic_words


# --- Korean romanisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("baengmagang", "baekmakang"),  # RR writes the sound change: Baengma = Paek Ma
        ("potae", "photae"),  # MR aspirates with an h (Pho Thae)
        ("taepyeongsan", "thaephyongsan"),
        ("dongheung", "tonghung"),  # eu = u, d = t
        ("geumseong", "kumsong"),
        ("reungnado", "rungrado"),  # ng + r reads ng + n
        ("sinra", "silla"),  # n + r reads l + l
    ],
)
def test_korean_forms_agree(a: str, b: str) -> None:
    assert korean_form(a) is not None
    assert korean_form(a) == korean_form(b)


@pytest.mark.parametrize(
    ("a", "b", "variant"),
    [
        ("geumbyeol", "kumbyol", True),
        ("itek", "idek", False),  # four letters: another name, not another romanisation
        ("lake", "rake", False),  # common English words
        ("the", "de", False),
    ],
)
def test_korean_variant(a: str, b: str, variant: bool) -> None:
    assert korean_variant(a, b) is variant


@pytest.mark.parametrize(
    ("query", "listed", "same"),
    [
        ("Paek Ma Shipping Co", "PAEKMA SHIPPING CO", True),  # syllables apart on the row
        ("Kumgang Bank", "KUM GANG BANK", True),  # ... or on the list
        ("Geum Gang Bank", "KUMGANG BANK", True),  # apart and in the other romanisation
        ("Korea Geumbyeol Trading Company Ltd", "KOREA KUMBYOL TRADING COMPANY", True),
        ("Korea Dangun Trading Corp", "KOREA TANGUN TRADING CORPORATION", True),  # pinyin-like, but Korean
        ("Dangun Trading", "TANGUN TRADING", False),  # no sign of Korea: two pinyin words stay apart
        ("Tianyu Trading", "TIANFU TRADING", False),
        ("금강은행", "KUMGANG BANK", True),  # Hangul
        ("류경상업은행", "RYUGYONG COMMERCIAL BANK", True),
        ("조선광업개발무역회사", "KOREA MINING DEVELOPMENT TRADING CORPORATION", True),
        ("고려항공", "AIR KORYO", True),
    ],
)
def test_korean_names(query: str, listed: str, same: bool) -> None:
    assert (similarity(query, listed) >= THRESHOLD) is same, similarity(query, listed)


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("금강은행", "geumgang bank"),
        ("청천강해운회사", "cheongcheongang shipping company"),
        ("조선광업개발무역회사", "choson mining development trading company"),  # 조선 first: Korea
        ("대우조선해양", "daeu shipbuilding marine"),  # 조선 elsewhere: shipbuilding
        ("(주)만수대창작사", "co ltd mansudae art studio"),
        ("Mansudae 만수대", "Mansudae mansudae"),
    ],
)
def test_hangul_latin_words(text: str, latin: str) -> None:
    assert " ".join(latin_words(text).split()) == latin


def test_hangul_romanize_syllables() -> None:
    assert romanize("평양") == "pyeongyang"
    assert romanize("류경") == "ryugyeong"
    assert romanize("x") == "x"


# --- blocking -------------------------------------------------------------------------------------------

LISTED = [
    "PAEKMA SHIPPING CO",
    "KUM GANG BANK",
    "KOREA KUMBYOL TRADING COMPANY",
    "KOREA OCEAN SHIPPING AGENCY",
    "KOREA SAMILPO SHIPPING CO",
    *(f"KOREA {w} SHIPPING CO" for w in "ALPHA BETA GAMMA DELTA EPSILON ZETA ETA THETA IOTA KAPPA".split()),
    *(f"{w} OCEAN SHIPPING AGENCY" for w in "RED BLUE GREEN WHITE BLACK".split()),
]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Paek Ma Shipping Co", "PAEKMA SHIPPING CO"),
        ("Kumgang Bank", "KUM GANG BANK"),
        ("Korea Geumbyeol Trading", "KOREA KUMBYOL TRADING COMPANY"),
        ("Korea Sam Il Po Shipping Co", "KOREA SAMILPO SHIPPING CO"),
        ("Ocean Shipping Agency (Korea)", "KOREA OCEAN SHIPPING AGENCY"),  # common words only: the whole key
    ],
)
def test_blocking_finds_names_written_otherwise(query: str, listed: str) -> None:
    index = NameIndex(LISTED)
    assert LISTED.index(listed) in index.candidates(name_key(query)).tolist()
    assert [index.names[m.target] for m in index.match([query])] == [listed]


# --- legal forms, initials, abbreviations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words", "company", "person"),
    [
        ("KAVE, S.A.", ("kave",), True, False),  # an organisation written 'NAME, FORM' is no person
        ("YAMAKI, K.K.", ("yamaki",), True, False),
        ("KIM, Yong Chol", ("kim", "yong", "chol"), False, True),
        ("M S GROUP INVEST OOO", ("ms", "investment"), True, False),  # initials kept as one word
        ("I&S HOLDING COMPANY, S.A.", ("is",), True, False),
        ("Copa De Plata SA De CV", ("copa", "de", "plata"), True, False),
        ("Sad-Import Export Company", ("sad",), True, False),  # 'sad' a legal form only at the end
        ("KOREA UNPHA SAN TRADING", ("korea", "unpha", "san"), True, False),
        ("Han Se Pak", ("han", "se", "pak"), False, False),  # syllables only: no legal form 'se'
        ("Su Zhou A-One Special Alloy Co., Ltd", ("suzhou", "one", "special", "alloy"), True, False),
        ("Catalina Holdings Corp.", ("catalina",), True, False),  # an English word, not ca ta li na
        ("Tadbir Drilling Devt Company", ("tadbir", "drilling"), True, False),
        ("АО «Концерн «Калашников»", ("kalashnikov",), True, False),
        ('Aktsionerne tovarystvo "Zala Aero"', ("zala", "aero"), True, False),
    ],
)
def test_name_keys_of_this_round(name: str, words: tuple[str, ...], company: bool, person: bool) -> None:
    key = name_key(name)
    assert (key.words, key.company, key.person) == (words, company, person)


@pytest.mark.parametrize(
    ("toks", "joined"),
    [
        (["m", "s", "group"], ["ms", "group"]),
        (["le", "claude", "de", "c", "v"], ["le", "claude", "de", "c", "v"]),  # letters ending a name stay
        (["k", "car"], ["k", "car"]),
        (["abc"], ["abc"]),
    ],
)
def test_join_initials(toks: list[str], joined: list[str]) -> None:
    assert join_initials(toks) == joined


@pytest.mark.parametrize(
    ("name", "trailing", "anywhere"),
    [
        (
            "Rason International Commercial Bank Ltd.",
            "rason international commercial bank",
            "rason commercial bank",
        ),
        ("SNC Group", "snc group", "group"),
        ("Joint Stock Co.", "", ""),
    ],
)
def test_trailing_legal_forms(name: str, trailing: str, anywhere: str) -> None:
    assert " ".join(strip_trailing_legal_forms(tokens(name))) == trailing
    assert " ".join(strip_legal_forms(tokens(name))) == anywhere


@pytest.mark.parametrize(
    ("query", "alias", "vetoed"),
    [
        (
            "Rason International Commercial Bank",
            "RASON INTERNATIONAL COMMERCIAL BANK",
            False,
        ),  # word for word
        ("Rason International Commercial Bank Ltd.", "RASON INTERNATIONAL COMMERCIAL BANK", False),
        (
            "Joint-Stock Co. Coml. Bank North Credit",
            "JOINT-STOCK COMPANY COMMERCIAL BANK NORTH CREDIT",
            False,
        ),
        ("SNC Group", "GIES GROUP", True),  # legal forms elsewhere in a name stay words
        ("Industrial Bank of Korea", "KOREA TRADE BANK", True),
    ],
)
def test_generic_only_spares_the_same_name(query: str, alias: str, vetoed: bool) -> None:
    assert (generic_only(query, alias, GENERIC).name == "generic_only") is vetoed
    assert same_words(query, alias) is not vetoed


@pytest.mark.parametrize(
    ("query", "alias", "country_known", "vetoed"),
    [
        ("Bio Corp.", "BIO CORPORATION", False, False),  # no country to tell them apart: the same letters
        ("Bio Corp.", "BIO CORPORATION", True, True),  # a country that does not support it
        ("CMT-K Ltd", "CMT", False, True),  # letters differ
    ],
)
def test_weak_name_without_a_country(query: str, alias: str, country_known: bool, vetoed: bool) -> None:
    c = weak_name(query, alias, False, GENERIC, country_known=country_known)
    assert (c.name == "weak_name") is vetoed, c.detail


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Int'l Invest. Hotels Holdings A.s.", "INTERNATIONAL INVESTMENT HOTELS HOLDINGS A.S."),
        ("Al Khamael Mar. Services", "AL KHAMAEL MARITIME SERVICES"),
        ("Minerals Marketing Corpn Of Zimbabwe", "MINERALS MARKETING CORPORATION OF ZIMBABWE"),
        ("Shahid Bakeri Indl Group", "SHAHID BAKERI INDUSTRIAL GROUP"),
        ("Red Mundial Inmobiliaria SA De CV", "RED MUNDIAL INMOBILIARIA, S.A. DE C.V."),
        (
            "Esfahan's Mobarakeh Steel Public Joint Stock Co.",
            "ESFAHAN'S MOBARAKEH STEEL PUBLIC JOINT STOCK COMPANY",
        ),
        ("Tosng Technology Trading Corporation", "TOSONG TECHNOLOGY TRADING CORPORATION"),  # a letter dropped
        ("Concern Kalashnikov", "Концерн Калашников"),
    ],
)
def test_written_otherwise_matches(query: str, listed: str) -> None:
    assert similarity(query, listed) >= THRESHOLD


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("LIMITED LAIBILITY COMPANY GARANT-SV", ("garant", "sv")),  # a typo in a legal form
        ("Green Car Rent Limited Parrtnership", ("green", "car", "rent")),
        ("Mizan Machine Manufactturing Group", ("mizan", "machine")),
        ("AKTSIONENROE OBSHCHESTVO PASIT", ("pasit",)),
        ("Limited Liability Co. Southern Project", ("southern", "project")),
        ("Arfada Petroleum Private Joint Stock", ("arfada", "petroleum")),
        ("Marinex Trading", ("marinex",)),  # a brand near a generic word stays itself
    ],
)
def test_typos_in_generic_words_and_legal_forms(name: str, words: tuple[str, ...]) -> None:
    assert name_key(name).words == words


@pytest.mark.parametrize(
    ("a", "b", "score"),
    [
        ("tnog", "tong", 0.9),  # two neighbouring letters swapped
        ("snog", "song", 0.9),
        ("kang", "kwang", 0.0),  # a letter dropped from a short word makes another name
        ("tosng", "tosong", 0.9),  # one edit, the longer word of six letters
        ("binrin", "dinrin", 0.0),  # never the first letter
    ],
)
def test_typos(a: str, b: str, score: float) -> None:
    assert word_similarity(a, b) == pytest.approx(score)


# --- people ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "variant"),
    [
        ("salih", "saleh", True),
        ("qasim", "kassem", True),
        ("mansour", "manssor", True),
        ("abbas", "abass", True),
        ("vasilievich", "vasilyevich", True),
        ("karim", "karin", False),
        ("chol", "chul", False),  # short Korean syllables are never folded this way
    ],
)
def test_spelling_variant(a: str, b: str, variant: bool) -> None:
    assert spelling_variant(a, b) is variant


@pytest.mark.parametrize(
    ("query", "listed", "same"),
    [
        ("Yong Mu RI", "RI, Yong Mu", True),  # syllables of a person's name are not grouped
        ("HARB Abass Hussein", "HARB, Abbas Hussein", True),  # no plural fold, spellings of one name
        ("Qasim Muhammad Ali Bazzi", "BAZZI, Kassem Mohamad Ali", True),
        ("KIM Kyong Ok", "KIM, Kyong Hyok", False),
    ],
)
def test_people(query: str, listed: str, same: bool) -> None:
    index = NameIndex([listed], key_of=person_key)
    assert bool(index.match([query])) is same


def test_person_key_keeps_syllables_apart() -> None:
    assert person_key("Yong Mu RI").words == ("yong", "mu", "ri")
    assert name_key("Yong Mu RI").words == ("yongmuri",)


# --- vessels and identifiers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "letters", "numbers"),
    [
        ("Bicentenario XIV", "bicentenario", ("14",)),
        ("BICENTENARIO IV", "bicentenario", ("4",)),
        ("Hai Xi", "haixi", ()),  # a pinyin syllable, not a numeral
        ("Yu Song No.12", "yusong", ("12",)),
        ("Nova 3", "nova", ("3",)),
    ],
)
def test_vessel_keys(text: str, letters: str, numbers: tuple[str, ...]) -> None:
    key = vessel_key(text)
    assert (key.letters, key.numbers) == (letters, numbers)


@pytest.mark.parametrize(
    ("row", "listed", "score"),
    [
        ("Geumseong 3", "KUM SONG 3", 0.95),
        ("Baengmagang", "BAEK MA KANG", 0.95),
        ("Potae", "PHO THAE", 0.95),
        ("Geumseong 5", "KUM SONG 3", 0.0),  # hull numbers still decide
        ("Bicentenario XI", "BICENTENARIO IV", 0.0),
    ],
)
def test_vessel_romanisation(row: str, listed: str, score: float) -> None:
    assert compare_vessel_names(row, listed).score == pytest.approx(score)


@pytest.mark.parametrize(
    ("row", "entry", "name"),
    [
        ("IMO 9074728", "IMO 9074729", "identifier"),  # the row's number fails its check: mistyped
        ("IMO 9912347", "IMO 9074729", "identifier_mismatch"),  # two valid numbers: two ships
        ("IMO 9912348", "IMO 9912349", "identifier_mismatch"),  # both fail: still two numbers
    ],
)
def test_a_mistyped_imo_number_does_not_veto(row: str, entry: str, name: str) -> None:
    c = compare_identifiers(identifiers_in(row), identifiers_in(entry))
    assert c.name == name, c.detail


@pytest.mark.parametrize(
    ("name", "aircraft", "tail"),
    [
        ("EP-MNM", False, "EPMNM"),
        ("P-632", False, "P632"),
        ("UP-I7601", False, "UPI7601"),
        ("EPMNM", True, "EPMNM"),  # any short name of an aircraft entry
        ("EPMNM", False, None),
        ("MHJ Co., Ltd.", False, None),
    ],
)
def test_registration(name: str, aircraft: bool, tail: str | None) -> None:
    found = registration(name, aircraft)
    assert (found.value if found else None) == tail


@pytest.mark.parametrize(
    ("text", "tail", "written"),
    [
        ("EPMNM", "EPMNM", True),
        ("EP ITL", "EPITL", True),
        ("P 671", "P671", True),
        ("Reg. EP-IBA", "EPIBA", True),
        ("Air Koryo Tu-204 P-632", "P632", True),
        ("EP-MNE (B747-3B3)", "EPMNE", True),
        ("MHJ Co., Ltd.", "EPMHJ", False),
    ],
)
def test_registration_forms(text: str, tail: str, written: bool) -> None:
    assert (tail in registration_forms(text)) is written


AIRCRAFT_LIST = (
    "name,aliases,type,country,identifiers,source,reason\n"
    "EP-MHJ,,organization,IR,,ACME list,an aircraft listed without its type\n"
    "P-632,,aircraft,KP,,ACME list,Air Koryo aircraft\n"
    "KUM SONG 3,,vessel,KP,,ACME list,DPRK vessel\n"
)


@pytest.fixture
def aircraft_matcher(tmp_path: Path, ruleset: RuleSet) -> ListMatcher:
    path = tmp_path / "acme.csv"
    path.write_text(AIRCRAFT_LIST, encoding="utf-8")
    return ListMatcher([load_watchlist(path)], ruleset.watchlist)


@pytest.mark.parametrize(
    ("row", "entry"),
    [
        ({"name": "EPMHJ"}, "row 2: EP-MHJ"),
        ({"name": "Reg. EP-MHJ", "country": "Iran"}, "row 2: EP-MHJ"),
        ({"name": "Air Koryo Tu-204 P 632"}, "row 3: P-632"),
        ({"name": "Pyongyang Fishing", "vessel": "Geumseong 3"}, "row 4: KUM SONG 3"),
        (
            {"name": "MHJ Co., Ltd.", "country": "Iran"},
            None,
        ),  # a company is not found by an aircraft's letters
        ({"name": "EP-MHK"}, None),
    ],
)
def test_aircraft_and_vessels_through_match_rows(
    aircraft_matcher: ListMatcher, row: dict[str, str], entry: str | None
) -> None:
    hits = aircraft_matcher.match_rows([row]).get(0, [])
    assert [h.list["entry"] for h in hits if h.list is not None] == ([entry] if entry else [])
