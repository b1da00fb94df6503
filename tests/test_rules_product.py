"""Rules as a product: layered rule sets, `rules check` problems, `rules list`, `explain`, the README reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyscreen.cli import cli
from supplyscreen.explain import explain
from supplyscreen.match.rows import Matcher
from supplyscreen.reference import README_END, README_START, update_readme
from supplyscreen.rules import RuleSet, default_rules_dir, load_rules
from supplyscreen.score import score_hits

from .conftest import ROOT

SEED = "seeds/003_e311b7749a4540fa.txt"
QUOTE = "One company, the Yenisei construction company based in Krasnoyarsk in eastern Siberia"


@pytest.fixture()
def company(tmp_path: Path) -> Path:
    """A company's own layer: adds an indicator, raises points, changes tiers, disables one indicator."""
    layer = tmp_path / "acme-rules"
    layer.mkdir()
    (layer / "acme.yaml").write_text(
        """
tiers: {high: 50, medium: 30, low: 5}
indicators:
  - id: acme.blocked_agent
    name: Agent on ACME's internal block list
    category: entity
    terms: [Golden Bridge Manpower]
    fields: [name, notes]
    points: 40
    citations: [{source: acme.memo, summary: "Golden Bridge Manpower supplied DPRK crews"}]
sources:
  - {id: acme.memo, kind: advisory, title: Compliance memo, publisher: ACME, date: 2026-07}
override:
  - id: sector.construction
    points: 30
    add_terms: [scaffolding crew]
disable: [country.qatar]
""",
        encoding="utf-8",
    )
    return layer


def _verdict(rules: RuleSet, **fields: str):  # type: ignore[no-untyped-def]
    return score_hits(Matcher(rules).match_row(fields), rules)


def test_layer_adds_changes_and_disables_without_copying(company: Path) -> None:
    base = load_rules()
    layered = load_rules([default_rules_dir(), company])
    ids = {i.id for i in layered.indicators}
    assert "acme.blocked_agent" in ids and "country.qatar" not in ids
    assert len(layered.indicators) == len(base.indicators)  # one added, one disabled
    assert layered.indicator("sector.construction").points == 30
    assert "scaffolding crew" in layered.indicator("sector.construction").terms
    assert (layered.tiers.high, layered.tiers.medium, layered.tiers.low) == (50, 30, 5)
    assert [s.name for s in layered.sources] == [str(default_rules_dir().resolve()), str(company.resolve())]
    assert layered.sha256 != base.sha256
    v = _verdict(
        layered, name="Golden Bridge Manpower Ltd", country="Qatar", description="Scaffolding crew hire"
    )
    assert {h.rule for h in v.hits} >= {"acme.blocked_agent", "sector.construction"}
    assert "country.qatar" not in {h.rule for h in v.hits}


def test_report_methodology_lists_every_layer(company: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("Supplier,Country\nGolden Bridge Manpower,Qatar\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["screen", str(src), "--rules", str(company), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    layered = load_rules([default_rules_dir(), company])
    for source in layered.sources:
        assert source.name in html and source.sha256 in html
    assert (
        json.loads((out / "results.json").read_text(encoding="utf-8"))["run"]["rules"]["sha256"]
        == layered.sha256
    )


FIVE_MISTAKES = f"""
indicators:
  - id: acme.one
    name: One
    category: sector
    terms: [alpha]
    pionts: 5
    citations: [{{source: {SEED}, quote: "{QUOTE}"}}]
  - id: acme.two
    name: Two
    category: sector
    patterns: ["(unclosed"]
    points: 5
    citations: [{{source: {SEED}, quote: "{QUOTE}"}}]
  - id: acme.three
    name: Three
    category: sector
    terms: [gamma]
    points: 500
    citations: [{{source: {SEED}, quote: "{QUOTE}"}}]
  - id: acme.four
    name: Four
    category: sector
    terms: [delta]
    points: 5
    citations: [{{source: {SEED}, quote: "North Korean workers built the moon"}}]
  - id: acme.four
    name: Four again
    category: sector
    terms: [epsilon]
    points: 5
    citations: [{{source: {SEED}, quote: "{QUOTE}"}}]
combinations:
  - id: acme.combo
    name: Combo
    all_of: [[acme.fuor], [tag:border_city]]
    points: 5
    citations: [{{source: {SEED}, quote: "{QUOTE}"}}]
"""


def test_rules_check_five_mistakes(tmp_path: Path) -> None:
    layer = tmp_path / "mistakes"
    layer.mkdir()
    path = layer / "bad.yaml"
    path.write_text(FIVE_MISTAKES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(layer)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: 6 problem(s) in the rule files"
    assert f"  {path}:3: acme.one: missing required key 'points'" in lines
    assert len(lines) == 7
    assert f"  {path}:3: acme.one: unknown key 'pionts' (did you mean 'points'?)" in lines
    assert any(
        line.startswith(f"  {path}:9: acme.two:") and "not a valid regular expression" in line
        for line in lines
    )
    assert f"  {path}:15: acme.three: indicators.points: Input should be less than or equal to 100" in lines
    assert (
        f"  {path}:21: acme.four: quote not found in {SEED}: 'North Korean workers built the moon'" in lines
    )
    assert f"  {path}:27: duplicate id 'acme.four' (first in {path}:21)" in lines


def test_unknown_reference_in_combination_has_a_hint(tmp_path: Path) -> None:
    layer = tmp_path / "refs"
    layer.mkdir()
    path = layer / "combo.yaml"
    path.write_text(
        "combinations:\n"
        "  - id: acme.combo\n"
        "    name: Combo\n"
        "    all_of: [[place.hunchn], [tag:seafood]]\n"
        "    points: 5\n"
        f'    citations: [{{source: {SEED}, quote: "{QUOTE}"}}]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["rules", "check", str(layer)])
    assert result.exit_code == 1
    assert (
        f"  {path}:2: acme.combo: unknown indicator 'place.hunchn' (did you mean 'place.hunchun'?)"
        in result.stderr
    )


def test_screen_runs_the_same_check(tmp_path: Path) -> None:
    layer = tmp_path / "bad"
    layer.mkdir()
    (layer / "x.yaml").write_text("disable: [place.nowhere]\n", encoding="utf-8")
    src = tmp_path / "in.csv"
    src.write_text("Supplier\nAlpha\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["screen", str(src), "--rules", str(layer), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 1 problem(s) in the rule files",
        f"  {layer / 'x.yaml'}: disable names unknown id 'place.nowhere'",
    ]


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_rules_list_formats(fmt: str, ruleset: RuleSet) -> None:
    result = CliRunner().invoke(cli, ["rules", "list", "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.output)
        assert [i["id"] for i in data["indicators"]] and len(data["indicators"]) == len(ruleset.indicators)
        assert all(i["citations"] for i in data["indicators"])
    else:
        for ind in ruleset.indicators:
            assert ind.id in result.output


def test_readme_rule_reference_is_current(ruleset: RuleSet) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert README_START in readme and README_END in readme
    assert update_readme(readme, ruleset) == readme, "run `make readme` to regenerate the rule reference"


def test_explain_shows_fired_set_aside_and_score(ruleset: RuleSet) -> None:
    e = explain(
        {
            "name": "Hunchun Seafood",
            "address": "Hunchun, Jilin",
            "description": "seafood processing",
            "notes": "no North Korean workers",
        },
        ruleset,
    )
    text = "\n".join(e.lines())
    assert "place.hunchun" in text.split("Combinations:")[0]
    assert "set aside: negated" in text
    assert f"{e.verdict.score} (capped at 100) → tier {e.verdict.tier}" in text
    assert e.verdict.score == sum(h.points for h in e.verdict.hits)
    silent = sum(len(v) for v in e.silent.values())
    fired = len({h.rule for h in e.verdict.hits if h.category != "combination"})
    assert silent + fired == len(ruleset.indicators)


def test_explain_cli(ruleset: RuleSet) -> None:
    result = CliRunner().invoke(
        cli, ["explain", "--name", "Dandenong Packaging", "--address", "Dandenong, Victoria"]
    )
    assert result.exit_code == 0, result.output
    assert "near miss “dandenong” ~ “dandong”" in result.output
    assert "tier clear" in result.output
    empty = CliRunner().invoke(cli, ["explain"])
    assert empty.exit_code == 1
    assert (
        empty.stderr == "Error: nothing to explain — give at least one of --name, --country, --address, …\n"
    )
