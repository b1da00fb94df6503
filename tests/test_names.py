"""names.py's fast paths give what the plain computations give."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from supplyscreen.names import _name_tokens, name_key
from supplyscreen.normalize import fold, tokens

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
