from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supplyscreen.normalize.text import (
    AMBIGUOUS_KOREA,
    address_matters,
    cldr_country_names,
    country_code,
    fold,
    format_hs,
    han_legal_form_readings,
    hs_codes,
    readable,
    shown,
    tokens,
    units,
)


@pytest.mark.parametrize(
    ("country", "address", "expected"),
    [
        ("DPRK", "", "KP"),
        ("D.P.R.K.", "", "KP"),
        ("North Korea", "", "KP"),
        ("Korea DPR", "", "KP"),
        ("Democratic People's Republic of Korea", "", "KP"),
        ("Korea, Democratic People's Republic of", "", "KP"),
        ("朝鲜", "", "KP"),
        ("КНДР", "", "KP"),
        ("Северная Корея", "", "KP"),
        ("조선민주주의인민공화국", "", "KP"),
        ("South Korea", "", "KR"),
        ("Republic of Korea", "", "KR"),
        ("Korea, Republic of", "", "KR"),
        ("韩国", "", "KR"),
        ("Korea", "12 Teheran-ro, Gangnam-gu, Seoul", "KR"),
        ("Korea", "Busan", "KR"),
        ("Korea", "Pyongyang", "KP"),
        ("Korea", "", AMBIGUOUS_KOREA),
        ("Korea", "Unit 4, Industrial Park", AMBIGUOUS_KOREA),
        ("Republic of Korea", "Pyongyang", "KR"),
        ("China", "", "CN"),
        ("PRC", "", "CN"),
        ("中国", "", "CN"),
        ("Russia", "", "RU"),
        ("Россия", "", "RU"),
        ("Russian Federation", "", "RU"),
        ("UAE", "", "AE"),
        ("", "88 Binhai Road, Hunchun, Jilin, China", "CN"),
        ("", "", None),
        ("Atlantis", "", None),
        # CLDR's names in the languages of the sheets (ICU), before countrynames
        ("Germany", "", "DE"),
        ("Германия", "", "DE"),
        ("德国", "", "DE"),
        ("독일", "", "DE"),
        ("북한", "", "KP"),
        ("대한민국", "", "KR"),
        ("Corée du Sud", "", "KR"),
        ("Nordkorea", "", "KP"),
        ("Bosnia & Herzegovina", "", "BA"),
        # and what only countrynames knows
        ("Viet Nam", "", "VN"),
        ("Burma", "", "MM"),
    ],
)
def test_country_code(country: str, address: str, expected: str | None) -> None:
    assert country_code(country, address) == expected


def test_cldr_country_names_agree_with_countrynames() -> None:
    """The CLDR names read first never give another country than countrynames would."""
    import countrynames

    disagree = {
        name: (code, countrynames.to_code(name))
        for name, code in cldr_country_names().items()
        if countrynames.to_code(name) not in (None, code)
    }
    assert disagree == {}


def test_legal_form_readings_are_pypinyins() -> None:
    """The bundled readings of Han legal forms are what ``tokens`` reads with pypinyin."""
    readings = han_legal_form_readings()
    assert readings
    assert {form: list(toks) for form, toks in readings.items()} == {form: tokens(form) for form in readings}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0304.87", ["030487"]),
        ("304.87", ["030487"]),  # the number 304.87 read from Excel
        ("30487", ["030487"]),
        ("030487", ["030487"]),
        ("1604.14", ["160414"]),
        ("160414", ["160414"]),
        ("0304.87.00", ["03048700"]),
        ("6110.2", ["611020"]),  # 6110.20 stored as a number
        ("0303.42; 0304.87", ["030342", "030487"]),
        ("HS 0303.42", ["030342"]),
        ("3", ["03"]),
        ("fish", []),
        ("", []),
    ],
)
def test_hs_codes(cell: str, expected: list[str]) -> None:
    assert hs_codes(cell) == expected


def test_format_hs() -> None:
    assert format_hs("030487") == "0304.87"
    assert format_hs("0304") == "0304"
    assert format_hs("03048700") == "0304.87.00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hunchun", ["hunchun"]),
        ("ＨＵＮＣＨＵＮ", ["hunchun"]),  # full-width, NFKC
        ("Уссурийск", ["ussuriysk"]),
        ("珲春", ["hun", "chun"]),
        ("长白", ["chang", "bai"]),
        ("Tuna vessels", ["tuna", "vessel"]),
        ("Fisheries", ["fishery"]),
        ("Straße", ["strasse"]),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Dalian Ocean Fishery Co., Ltd.", "DALIAN OCEAN FISHERY COMPANY LIMITED"),
        ("ООО Примлес", "Primles LLC"),
        ("Hunchun Dongyang Seafood Co.,Ltd", "Hunchun Dongyang Seafood Company Limited"),
        ("Al Habtoor WLL", "Al Habtoor"),
        ("Mariscos Lda", "Mariscos"),
    ],
)
def test_name_key_drops_legal_forms(left: str, right: str) -> None:
    from supplyscreen.match.names import name_key

    assert name_key(left).full == name_key(right).full


def test_name_key_keeps_distinctive_words() -> None:
    from supplyscreen.match.names import name_key

    assert name_key("Jinhai Hotel Management") != name_key("Jinhai Ocean Fisheries")


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text())
def test_units_are_ascii_and_point_into_the_text(text: str) -> None:
    folded = fold(text)
    for unit in units(folded):
        assert unit.token.isascii() and unit.token
        assert 0 <= unit.start < unit.end <= len(folded)


@given(st.text())
def test_hs_codes_never_fail_and_give_even_digit_strings(text: str) -> None:
    for code in hs_codes(text):
        assert code.isdigit() and len(code) % 2 == 0


@given(st.text(), st.text())
def test_country_code_never_fails(country: str, address: str) -> None:
    code = country_code(country, address)
    assert code is None or len(code) in (2, 3)


_COUNTRIES = st.one_of(
    st.sampled_from(
        ["Korea", "South Korea", "KR", "ROK", "韩国", "Korea, Republic of", "North Korea", "China"]
    ),
    st.sampled_from(["Republic of Korea", " ", "", "Koreya", "DPRK", "Germany", "Kore", "uae", "Россия"]),
    st.text(max_size=12),
)
_ADDRESSES = st.one_of(
    st.sampled_from(
        ["", "Seoul", "1 Main St, Pyongyang", "Busan, Korea", "平壤", "Dandong, China", "x, DPRK"]
    ),
    st.text(max_size=20),
)


@given(_COUNTRIES, _ADDRESSES, _ADDRESSES)
def test_address_matters_only_when_it_can_change_the_country_code(
    country: str, address: str, other: str
) -> None:
    if not address_matters(country):
        assert country_code(country, address) == country_code(country, other) == country_code(country)


@pytest.mark.parametrize(
    ("country", "matters"),
    [("Korea", True), ("", True), ("  ", True), ("South Korea", False), ("KR", True), ("China", False)],
)
def test_address_matters(country: str, matters: bool) -> None:
    assert address_matters(country) is matters


# --- text as a reader sees it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Dandong Seafood Co", "Dandong Seafood Co"),  # plain text is returned as it is
        ("\u202egnodnaD\u202c Seafood Co", "Dandong Seafood Co"),  # an override, closed by its pop
        ("\u202egnodnaD", "Dandong"),  # … or by the end of the text
        ("\u202egnodnaD Seafood Co", "oC doofaeS Dandong"),  # the whole run displays reversed
        ("Acme\n\u202egnodnaD\nLiaoning", "Acme\nDandong\nLiaoning"),  # a line ends the run
        ("\u202ee\u0301cnarF", "Franc\u00e9"),  # a mark stays with its letter
        ("\u2067gnodnaD\u2069", "gnodnaD"),  # an isolate does not reorder left-to-right letters
        ("Dan\u200bdong", "Dandong"),
        ("Da\u200cnd\u200dong", "Dandong"),
        ("Dan\u00addong", "Dandong"),
        ("Dan\u2060do\ufeffng", "Dandong"),
        ("Dan\ufe0fdong\U000e0041", "Dandong"),
        ("\u200eDandong\u200f\u061c", "Dandong"),
        ("Ｄａｎｄｏｎｇ", "Dandong"),  # NFKC: full-width, circled letters, ligatures
        ("ⓓⓐⓝⓓⓞⓝⓖ", "dandong"),
        ("ﬁsheries", "fisheries"),
        ("D a n d o n g Seafood", "Dandong Seafood"),
        ("D-a-n-d-o-n-g", "Dandong"),
        ("D.a.n.d.o.n.g.", "Dandong."),
        ("Ｄ ａ ｎ ｄ ｏ ｎ ｇ", "Dandong"),
        ("丹 东 海 产", "丹东海产"),
        ("D.P.R.K. workers", "DPRK. workers"),
        ("A B C Trading Co", "A B C Trading Co"),  # initials of three stay as they are
        ("U.S.A.", "U.S.A."),
        ("Grade A, B, C, D", "Grade A, B, C, D"),  # a list is not a word spelled out
        ("D a-n d", "D a-n d"),  # one separator, the same each time
        ("No. 1 2 3 4", "No. 1 2 3 4"),  # digits are not letters
        ("Dan d o ng", "Dan d o ng"),  # two single letters
    ],
)
def test_readable(written: str, read: str) -> None:
    assert readable(written) == read


@given(st.text(st.characters(blacklist_categories=("Cc",), blacklist_characters="⟨")))
def test_readable_is_idempotent_and_leaves_nothing_invisible(text: str) -> None:
    once = readable(text)
    assert readable(once) == once
    assert "⟨" not in shown(once)


@pytest.mark.parametrize(
    ("text", "displayed"),
    [
        ("Dandong Seafood Co", "Dandong Seafood Co"),
        ("\u202egnodnaD\u202c Seafood", "⟨U+202E⟩gnodnaD⟨U+202C⟩ Seafood"),
        ("Dan\u200bdong", "Dan⟨U+200B⟩dong"),
        ("Dan\u00addong", "Dan⟨U+00AD⟩dong"),
        ("bell\x07 and NUL\x00", "bell⟨U+0007⟩ and NUL⟨U+0000⟩"),
        ("tab\tand\nlines\r\n", "tab\tand\nlines\r\n"),  # layout characters stay
        ("Ｄａｎｄｏｎｇ 丹东", "Ｄａｎｄｏｎｇ 丹东"),  # visible characters are shown as written
    ],
)
def test_shown(text: str, displayed: str) -> None:
    assert shown(text) == displayed
