"""The rule files: every quote verbatim in its seed, seeds unchanged, schema errors reported with lines."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

from supplyscreen.errors import InputError, RulesError
from supplyscreen.rules import RuleLayer, RuleSet, default_rules_dir, layered, load_rules

from .conftest import ROOT, SHARED

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def _collapse(text: str) -> str:
    """As README "Sources and citations" says quotes are compared: whitespace, curly quotation marks and the
    [text](link) markup of saved web pages normalised."""
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
    return " ".join(re.sub(r"\[([^\]\n]*)\]\([^)\n]*\)", r"\1", text).split())


def test_five_seed_documents_are_present() -> None:
    assert len(SEEDS) == 5


@pytest.mark.skipif(not (SHARED / "seeds").is_dir(), reason="../shared/seeds not beside the project")
def test_seeds_are_byte_for_byte_copies() -> None:
    for seed in SEEDS:
        original = SHARED / "seeds" / seed.name
        assert hashlib.sha256(seed.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()


def _all_citations(ruleset: RuleSet) -> list[tuple[str, str, str | None]]:
    """(item id, the cited source's file or id, quote) of every indicator and combination citation."""
    items = [*ruleset.indicators, *ruleset.combinations]
    return [
        (item.id, c.source_entry.file or c.source_id if c.source_entry else c.source, c.quote)
        for item in items
        for c in item.citations
    ]


def test_every_seed_quote_appears_in_its_file(ruleset: RuleSet) -> None:
    cited = [(i, src, q) for i, src, q in _all_citations(ruleset) if src.startswith("seeds/") and q]
    assert len(cited) >= 30
    for ident, src, quote in cited:
        text = (ROOT / src).read_text(encoding="utf-8")
        assert _collapse(quote) in _collapse(text), f"{ident}: quote not in {src}: {quote!r}"


PRIMARY_KINDS = {
    "statute",
    "regulation",
    "federal_register",
    "ofac",
    "cbp_notice",
    "un_resolution",
    "advisory",
}


def test_place_sector_nexus_and_vessel_indicators_cite_a_seed_or_a_primary_source(ruleset: RuleSet) -> None:
    """Drawn from the seeds, they cite them; the few the seeds do not support (goods from the DPRK, footwear,
    shipbuilding, trans-shipment) cite a government text or, for trans-shipment, the EJF investigation."""
    for ind in ruleset.indicators:
        if ind.category in ("place", "sector", "nexus", "vessel"):
            kinds = {c.kind for c in ind.citations}
            assert any(c.is_seed for c in ind.citations) or kinds & (PRIMARY_KINDS | {"ngo_report"}), ind.id


def test_every_seed_is_cited(ruleset: RuleSet) -> None:
    cited = {src for _, src, _ in _all_citations(ruleset)}
    assert {f"seeds/{s.name}" for s in SEEDS} <= cited


def test_required_coverage(ruleset: RuleSet) -> None:
    ids = {i.id for i in ruleset.indicators}
    categories = {i.category for i in ruleset.indicators}
    assert {"nexus", "entity", "place", "country", "sector", "vessel", "hs_code"} <= categories
    for needed in (
        "place.hunchun",
        "place.dandong",
        "place.vladivostok",
        "place.krasnoyarsk",
        "country.qatar",
        "sector.seafood_processing",
        "sector.tuna",
        "sector.logging",
        "sector.construction",
        "sector.textiles",
        "sector.it",
        "sector.medical",
        "sector.hospitality",
        "sector.restaurant",
        "sector.factory",
        "entity.yenisei_construction",
        "nexus.dprk_origin",
        "nexus.dprk_workers",
        "nexus.dprk_labour_agency",
    ):
        assert needed in ids
    designated = [i for i in ruleset.indicators if i.category == "entity" and i.nexus]
    assert len({i.citations[0].source for i in designated}) >= 3
    assert len(designated) >= 11


def test_nexus_indicators_reach_high(ruleset: RuleSet) -> None:
    for ind in ruleset.indicators:
        if ind.nexus:
            assert ind.points >= ruleset.tiers.high, ind.id


def test_a_quote_missing_from_its_seed_is_an_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(
        "tiers: {high: 60, medium: 35, low: 10}\n"
        "indicators:\n"
        "  - id: place.x\n"
        "    name: X\n"
        "    category: place\n"
        "    terms: [x]\n"
        "    points: 5\n"
        "    citations: [{source: seeds/000_7239665bc5e7fc8a.txt, quote: words that are not there}]\n",
        encoding="utf-8",
    )
    with pytest.raises(RulesError) as info:
        load_rules([rules])
    assert info.value.problems == [
        f"{rules / 'a.yaml'}:3: place.x: quote not found in seeds/000_7239665bc5e7fc8a.txt: 'words that are not there'"
    ]


ANCHORED = """
indicators:
  - id: acme.one
    name: One
    category: sector
    terms: [alpha]
    points: 5
    citations: [&cite {source: acme.site, quote: "alpha"}]
  - id: acme.two
    name: Two
    category: sector
    terms: [beta]
    points: 5
    citations: [*cite]
sources:
  - {id: acme.site, kind: news_report, title: Acme, publisher: Acme, url: "https://example.org/acme"}
"""


def test_yaml_aliases_load_within_their_budget_and_the_limits_are_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(ANCHORED, encoding="utf-8")
    two = load_rules(layered([path])).indicator("acme.two")
    assert [(c.source, c.quote) for c in two.citations] == [("acme.site", "alpha")]
    monkeypatch.setenv("SUPPLYSCREEN_RULES_MAX_ALIAS_NODES", "2")  # the citation is 5 values
    with pytest.raises(RulesError) as info:
        load_rules(layered([path]))
    assert str(info.value) == (
        f"{path}:14: refused: its aliases (*name) repeat more than 2 values (an alias bomb; limit "
        "SUPPLYSCREEN_RULES_MAX_ALIAS_NODES) — write the repeated parts out"
    )
    monkeypatch.setenv("SUPPLYSCREEN_RULES_MAX_DEPTH", "3")
    with pytest.raises(RulesError, match=r"acme.yaml:3: refused: nested more than 3 levels deep"):
        load_rules(layered([path]))
    monkeypatch.setenv("SUPPLYSCREEN_RULES_MAX_DEPTH", "0")
    with pytest.raises(InputError, match="SUPPLYSCREEN_RULES_MAX_DEPTH='0': Input should be greater than"):
        load_rules(layered([path]))


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("disable: &a [x, *a]\n", encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(layered([path]))
    assert str(info.value) == (
        f"{path}:1: refused: the alias *a is inside its own anchor (a structure without end) — "
        "write the repeated parts out"
    )


def test_the_bundled_rules_read_the_same_as_when_uploaded() -> None:
    """The package's rules are parsed with libyaml (trusted, faster), uploads with the bounded loader: the
    same rule set either way."""
    root = default_rules_dir()
    files = tuple((p.relative_to(root).as_posix(), p.read_bytes()) for p in sorted(root.rglob("*.yaml")))
    bundled, uploaded = load_rules(), load_rules([RuleLayer("copy", files=files)])
    assert dataclasses.replace(bundled, sources=[]) == dataclasses.replace(uploaded, sources=[])
