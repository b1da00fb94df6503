"""Vessels: hull numbers and names, and (in ``compare_vessels``) IMO numbers.

A vessel reference becomes a key (``normalize.vessel_key``): its name's words run together ('Fu Yuan Yu' =
'FUYUANYU'), a leading MV/F/V dropped, its hull numbers apart ('Haifeng818' = 'Haifeng 818', 'Bicentenario
XIV' = 'Bicentenario 14'). Hull numbers must be equal ('Fu Yuan Yu 7788' ≠ 'Fu Yuan Yu 7789'), names must
start alike and be close, or be one Korean name in two romanisations ('Geumseong 3' = 'KUM SONG 3',
'Baengmagang' = 'BAEK MA KANG': ``names.korean_variant``).
"""

from __future__ import annotations

from rapidfuzz import fuzz

from supplyscreen.compare.base import Comparison
from supplyscreen.match.names import KOREAN_VARIANT, korean_variant
from supplyscreen.normalize.text import vessel_key


def _name_and_numbers(a: str, b: str) -> tuple[float, str]:
    ka, kb = vessel_key(a), vessel_key(b)
    if ka.numbers != kb.numbers:
        return (
            0.0,
            f"hull numbers differ ({' '.join(ka.numbers) or 'none'} vs {' '.join(kb.numbers) or 'none'})",
        )
    if not ka.letters or not kb.letters:
        return 0.0, "no name to compare"
    numbers = f"hull numbers equal ({' '.join(ka.numbers)})" if ka.numbers else "no hull numbers"
    if ka.letters == kb.letters:  # the same name (before it is read as Korean: "Tunago" is one too)
        return 1.0, f"the same name, {numbers}"
    if korean_variant(ka.letters, kb.letters):
        return KOREAN_VARIANT, f"one Korean name in two romanisations, {numbers}"
    if ka.letters[0] != kb.letters[0]:
        return 0.0, "names start with different letters"
    score = fuzz.ratio(ka.letters, kb.letters) / 100
    return score, f"name similarity {score:.2f}, {numbers}"


def compare_vessel_names(query: str, alias: str) -> Comparison:
    """A vessel cell against a listed vessel's name by name and hull numbers (IMO numbers are compared as
    identifiers)."""
    score, why = _name_and_numbers(query, alias)
    return Comparison("vessel", score, f"vessel “{alias}”: {why}")


def compare_vessels(a: str, b: str) -> tuple[float, str]:
    """Similarity of two vessel references and why: IMO numbers decide when both have one; otherwise the
    hull numbers must be equal and the names close ('Fu Yuan Yu 7788' = 'FUYUANYU 7788' != 'Fu Yuan Yu 7789')."""
    ka, kb = vessel_key(a), vessel_key(b)
    if ka.imo and kb.imo:
        same = set(ka.imo) & set(kb.imo)
        return (1.0, f"same IMO number {min(same)}") if same else (0.0, "different IMO numbers")
    return _name_and_numbers(a, b)
