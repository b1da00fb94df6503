"""Sources as data and the two kinds of citation (issue 15): what `rules check` refuses, every bundled quote
found in its source's text, and how reports, explain, rules list, results.json and the web app show them."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.citations import citation_line, cited_sources, view
from supplyscreen.cli import cli
from supplyscreen.errors import RulesError
from supplyscreen.rules import RuleSet, default_rules_dir, load_rules
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

from .conftest import ROOT, SAMPLES, SHARED

SCHEMA = json.loads((ROOT / "src/supplyscreen/schema/results.schema.json").read_text(encoding="utf-8"))
SEED3 = "seeds/003_e311b7749a4540fa.txt"
QUOTE3 = "China hosts the most North Korean workers."


def _indicator(citation: str) -> str:
    return (
        "indicators:\n"
        "  - id: acme.x\n"
        "    name: X\n"
        "    category: sector\n"
        "    terms: [alpha]\n"
        "    points: 5\n"
        f"    citations: [{citation}]\n"
    )


def _source(**fields: str) -> str:
    entry = {"id": "acme.doc", "kind": "news_report", "title": "T", "publisher": "P", **fields}
    entry = {k: v for k, v in entry.items() if v != "-"}
    return "sources:\n  - " + json.dumps(entry) + "\n"


# (rule file text, the problem `rules check` must report, with the rule id)
REFUSED = [
    pytest.param(
        _indicator("{source: acme.nowhere, summary: s}"),
        "acme.x: unknown source 'acme.nowhere'",
        id="unknown-id",
    ),
    pytest.param(
        _indicator("{source: sed.003, summary: s}"), "(did you mean 'seed.003'?)", id="unknown-id-hint"
    ),
    pytest.param(
        _indicator("{source: seed.003, quote: 'North Korean workers built the moon'}"),
        "acme.x: quote not found in seeds/003_e311b7749a4540fa.txt: 'North Korean workers built the moon'",
        id="quote-not-in-file",
    ),
    pytest.param(
        _indicator("{source: usc.19_1307, quote: 'any goods'}"),
        "acme.x: quote from source 'usc.19_1307', which has no file to check it against",
        id="quote-statute-without-file",
    ),
    pytest.param(
        _indicator("{source: acme.doc, quote: q}") + _source(),
        "acme.x: quote from source 'acme.doc', which has no file to check it against",
        id="quote-news-without-file-or-url",
    ),
    pytest.param(
        _indicator("{source: seed.003}"),
        "acme.x: indicators.citations: Value error, a citation has exactly one",
        id="neither",
    ),
    pytest.param(
        _indicator(f"{{source: seed.003, quote: '{QUOTE3}', summary: s}}"),
        "acme.x: indicators.citations: Value error, a citation has exactly one",
        id="both",
    ),
    pytest.param(
        _indicator("{source: seed.003, summary: s}") + _source(kind="-"),
        "acme.doc: missing required key 'kind'",
        id="no-kind",
    ),
    pytest.param(
        _indicator("{source: seed.003, summary: s}") + _source(title="-"),
        "acme.doc: missing required key 'title'",
        id="no-title",
    ),
    pytest.param(
        _indicator("{source: seed.003, summary: s}") + _source(publisher="-"),
        "acme.doc: missing required key 'publisher'",
        id="no-publisher",
    ),
    pytest.param(
        _indicator("{source: seed.003, summary: s}") + _source(kind="blog"),
        "acme.doc: sources.kind: Input should be",
        id="bad-kind",
    ),
    pytest.param(
        _indicator("{source: seed.003, summary: s}") + _source(date="13 May 2024"),
        "must be an ISO date",
        id="bad-date",
    ),
    pytest.param(
        _indicator("{source: seed.003, summary: s}") + _source(url="javascript:alert(1)"),
        "must be an http:// or https:// address",
        id="bad-url",
    ),
    pytest.param(
        _indicator("{source: acme.doc, quote: root}") + _source(file="../../../../../../etc/passwd"),
        "acme.x: source 'acme.doc': file ../../../../../../etc/passwd does not exist",
        id="file-outside-the-rules",
    ),
    pytest.param(
        "frameworks:\n  - {id: acme.law, title: T, citation: C, text: T, triggers: T, applies_when: always, sources: [acme.gone]}\n",
        "acme.law: unknown source 'acme.gone'",
        id="framework-unknown-source",
    ),
]


@pytest.mark.parametrize(("text", "problem"), REFUSED)
def test_rules_check_refuses_each_kind_of_bad_citation(tmp_path: Path, text: str, problem: str) -> None:
    layer = tmp_path / "acme-rules"
    layer.mkdir()
    (layer / "acme.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(layer)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(problem in line and line.startswith(f"  {layer / 'acme.yaml'}:") for line in lines), (
        result.stderr
    )


ACCEPTED = [
    pytest.param(f"{{source: seed.003, quote: '{QUOTE3}'}}", "", id="seed-quote"),
    pytest.param(f"{{source: {SEED3}, quote: '{QUOTE3}'}}", "", id="older-form-seed-file"),
    pytest.param("{source: usc.19_1307, summary: 'forced labour defined'}", "", id="summary-without-file"),
    pytest.param(
        "{source: acme.doc, quote: 'anything'}",
        _source(url="https://example.org/a"),
        id="news-quote-with-url",
    ),
    pytest.param(
        "{source: acme.doc, quote: 'Managers confiscate their passports'}",
        _source(kind="advisory", file="texts/memo.txt"),
        id="layer-file-curly-quotes-and-link-markup",
    ),
]


@pytest.mark.parametrize(("citation", "sources"), ACCEPTED)
def test_rules_check_accepts_good_citations(tmp_path: Path, citation: str, sources: str) -> None:
    layer = tmp_path / "acme-rules"
    (layer / "texts").mkdir(parents=True)
    (tmp_path / "texts").mkdir()
    # a layer's file is found from the folder holding the layer, as seeds/ is found from the project
    (tmp_path / "texts" / "memo.txt").write_text(
        "“Managers [confiscate their passports](#)” and so on.\n", encoding="utf-8"
    )
    (layer / "acme.yaml").write_text(_indicator(citation) + sources, encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(layer)])
    assert result.exit_code == 0, result.stderr


def test_every_bundled_quote_is_checked_and_found_by_rules_check(ruleset: RuleSet) -> None:
    """`rules check` ties every citation to its source and finds every quote in the source's file: the bundled
    rules pass it, every quote's source has a file, and spoiling any one quote makes it fail."""
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code == 0, result.stderr
    items = [*ruleset.indicators, *ruleset.combinations]
    quotes = [(item, c) for item in items for c in item.citations if c.quote is not None]
    assert len(quotes) > 150
    assert all(c.source_entry is not None and c.source_entry.file for _, c in quotes)
    item, first = quotes[0]
    spoiled = first.quote.replace(" ", "  ") + " (not in the text)"
    with pytest.raises(RulesError) as info:
        _load_with_override(item.id, first.source_id, spoiled)
    assert [p.split(": ", 1)[1] for p in info.value.problems] == [
        f"{item.id}: quote not found in {first.source_entry.file}: {spoiled[:60]!r}"
    ]


def _load_with_override(ident: str, source: str, quote: str) -> RuleSet:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        layer = Path(folder) / "layer"
        layer.mkdir()
        ruleset = load_rules([default_rules_dir()])
        item = next(i for i in ruleset.indicators if i.id == ident)
        body = item.model_dump(exclude_defaults=True)
        body["citations"] = [{"source": source, "quote": quote}]
        (layer / "x.yaml").write_text(json.dumps({"indicators": [body]}), encoding="utf-8")
        return load_rules([default_rules_dir(), layer])


def test_every_source_is_complete_and_cited(ruleset: RuleSet) -> None:
    """Each source has kind, title and publisher; the one opinion piece among the seeds is marked; every
    bundled source is cited by a rule, a framework, a checklist item or a CBP enforcement action."""
    cited = {c.source_id for item in [*ruleset.indicators, *ruleset.combinations] for c in item.citations}
    cited |= {ref for item in [*ruleset.frameworks, *ruleset.checklist] for ref in item.sources}
    for action in ruleset.enforcement.actions:  # CBP orders name their sources per event and in citations
        cited |= {c.source_id for c in action.citations} | {event.source for event in action.events}
    assert set(ruleset.cited) == cited
    seeds = {ident: s for ident, s in ruleset.cited.items() if s.file.startswith("seeds/")}
    assert len(seeds) == 5 and seeds["seed.004"].kind == "opinion"
    assert all(s.kind and s.title and s.publisher and s.checked for s in ruleset.cited.values())


@pytest.mark.skipif(not (SHARED / "data" / "hs").is_dir(), reason="../shared/data not beside the project")
def test_the_shipped_hs_lines_are_lines_of_the_nomenclature() -> None:
    shipped = (
        (default_rules_dir() / "texts" / "harmonized-system.csv").read_text(encoding="utf-8").splitlines()
    )
    original = set(
        (SHARED / "data" / "hs" / "harmonized-system.csv").read_text(encoding="utf-8").splitlines()
    )
    assert shipped[0] == "section,hscode,description,parent,level"
    assert len(shipped) > 50 and set(shipped) <= original


def test_hs_indicators_quote_the_nomenclature_line_of_their_codes(ruleset: RuleSet) -> None:
    rows = list(
        csv.DictReader((default_rules_dir() / "texts" / "harmonized-system.csv").open(encoding="utf-8"))
    )
    by_code = {r["hscode"]: r["description"] for r in rows}
    for ind in ruleset.indicators:
        if ind.category != "hs_code":
            continue
        quoted = {c.quote for c in ind.citations if c.source_id == "hs.nomenclature" and c.quote}
        codes = {h.replace(".", "") for h in ind.hs_codes}
        assert quoted and quoted <= {by_code[c] for c in codes}, ind.id


# ---------------------------------------------------------------------------------------------- outputs


def test_citation_json_has_the_display_string_id_kind_and_one_text(ruleset: RuleSet) -> None:
    ind = ruleset.indicator("place.hunchun")
    (c,) = [c.as_json() for c in ind.citations]
    assert c == {
        "source": "The Christian Science Monitor (story by The Associated Press), Russia, China told to send North "
        "Korean workers home by weekend, 2019-12-20",
        "source_id": "seed.003",
        "kind": "wire_story",
        "quote": ind.citations[0].quote,
    }
    summary = ruleset.indicator("vessel.transshipment").citations[0].as_json()
    assert "quote" not in summary and summary["summary"] and summary["kind"] == "ngo_report"


HIT = {
    "rule": "place.hunchun",
    "indicator": "Hunchun",
    "category": "place",
    "field": "address",
    "text": "Hunchun",
    "matched": "Hunchun",
    "similarity": 1.0,
    "points": 25,
    "list": None,
}


@pytest.mark.parametrize(
    ("citation", "valid"),
    [
        ({"source": SEED3, "quote": QUOTE3}, True),  # results.json before issue 15
        ({"source": "P, T, 2024", "source_id": "x.y", "kind": "opinion", "quote": "q"}, True),
        ({"source": "P, T, 2024", "source_id": "x.y", "kind": "statute", "summary": "s"}, True),
        ({"source": "P, T", "source_id": "x.y", "url": "https://x", "summary": "s"}, False),  # no such key
        ({"source": "P, T", "quote": "q", "summary": "s"}, False),  # never both
        ({"source": "P, T"}, False),  # one of them
        ({"source": "P, T", "kind": "blog", "summary": "s"}, False),
    ],
)
def test_the_schema_takes_old_and_new_citations(citation: dict[str, Any], valid: bool) -> None:
    schema = {**SCHEMA["$defs"]["hit"], "$defs": SCHEMA["$defs"]}
    hit = {**HIT, "citations": [citation]}
    if valid:
        jsonschema.validate(hit, schema)
    else:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(hit, schema)


def test_lines_say_quote_or_summary_with_the_source_and_mark_opinion(ruleset: RuleSet) -> None:
    opinion = next(c for c in ruleset.indicator("sector.seafood_processing").citations if c.kind == "opinion")
    line = citation_line(opinion)
    assert line.startswith("“Many of the Korean workers") and line.endswith(
        "— TRANSCEND Media Service, North Korea: Government-sponsored Labor Migration, 2024-06-03 (opinion)"
    )
    summary = citation_line(ruleset.indicator("vessel.reefer").citations[0])
    assert summary.startswith("Summary: The North Korean crew") and "“" not in summary
    # a results.json citation reads the same, old form included
    assert citation_line(opinion.as_json()) == line
    assert citation_line({"source": SEED3, "quote": QUOTE3}) == f"“{QUOTE3}” — {SEED3}"
    assert view({"source": "x", "summary": "s", "url": "javascript:alert(1)"}).url == ""


def test_cited_sources_counts_hits_once_per_source(ruleset: RuleSet) -> None:
    hunchun = ruleset.indicator("place.hunchun").citations
    seafood = ruleset.indicator("sector.seafood_processing").citations
    rows = cited_sources([hunchun, hunchun, seafood, [c.as_json() for c in seafood]], ruleset.cited)
    counts = {r.source_id: r.hits for r in rows}
    assert counts == {"seed.003": 2, "seed.000": 2, "seed.004": 2}
    row = next(r for r in rows if r.source_id == "seed.004")
    assert (row.publisher, row.date, row.kind, row.opinion) == (
        "TRANSCEND Media Service",
        "2024-06-03",
        "opinion",
        True,
    )


def test_explain_and_rules_list_show_publisher_title_date(ruleset: RuleSet) -> None:
    runner = CliRunner()
    explained = runner.invoke(
        cli, ["explain", "--name", "Ocean Seafood", "--address", "Hunchun, Jilin"]
    ).output
    assert "evidence: “North Korean workers at a seafood processing plant in Hunchun" in explained
    assert "— The Christian Science Monitor (story by The Associated Press), Russia, China told" in explained
    assert "2024-06-03 (opinion)" in explained
    listed = runner.invoke(cli, ["rules", "list", "--category", "vessel"]).output
    assert "    Summary: The North Korean crew were passed" in listed
    assert (
        "— Environmental Justice Foundation, North Korean forced labour used by China's tuna fleet" in listed
    )
    data = json.loads(runner.invoke(cli, ["rules", "list", "--format", "json"]).output)
    assert {"source", "source_id", "kind"} <= set(data["indicators"][0]["citations"][0])
    markdown = runner.invoke(cli, ["rules", "list", "--format", "markdown"]).output
    assert "#### sources" in markdown and "| `seed.004` | TRANSCEND Media Service |" in markdown


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(
        cli, ["screen", str(SAMPLES / "vendors.xlsx"), "--out", str(out), "--format", "html,json,xlsx", "-q"]
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_shows_quotes_summaries_opinion_and_the_sources_section(screened: Path) -> None:
    html = (screened / "report.html").read_text(encoding="utf-8")
    assert "<strong>Summary:</strong>" in html
    assert re.search(r"<blockquote>“[^”<]+”<cite>", html)
    assert '<em class="opinion">(opinion)</em>' in html
    section = html[html.index('<section id="sources">') : html.index('<section id="methodology">')]
    assert "<th>Publisher</th><th>Title</th><th>Date</th><th>Kind</th><th>Link</th>" in section
    assert "<td>TRANSCEND Media Service</td><td>North Korea: Government-sponsored Labor Migration" in section
    data = json.loads((screened / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    hits = [h for s in data["suppliers"] for h in s["hits"]]
    counted = {r.source_id: r.hits for r in cited_sources(h["citations"] for h in hits)}
    for source_id, n in counted.items():
        assert re.search(
            rf'href="[^"]*"[^<]*</a></td>\s*<td class="num">{n}</td>|<td></td>\s*<td class="num">{n}</td>',
            section,
        ), source_id


def test_xlsx_summary_lists_sources_and_the_evidence_of_every_fired_rule(screened: Path) -> None:
    import openpyxl

    book = openpyxl.load_workbook(screened / "results.xlsx", read_only=True)
    assert book.sheetnames[0] == "Summary" and book.sheetnames[-1] == "Columns"
    rows = [tuple(r) for r in book["Summary"].iter_rows(values_only=True)]
    assert ("Sources cited", "publisher, title, date · kind · link") in rows
    sources = [r for r in rows if str(r[0]).startswith("Source cited by ")]
    assert any("2024-06-03 (opinion) · opinion · https://www.transcend.org/" in str(r[1]) for r in sources)
    evidence = [r for r in rows if r[0] == "place.hunchun"]
    assert evidence and str(evidence[0][1]).startswith("“North Korean workers at a seafood processing plant")
    assert any(str(r[1]).startswith("Summary: ") for r in rows)


def test_web_sources_page_and_supplier_page(tmp_path: Path, screened: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    store = Store(url)
    with TestClient(create_app(Settings(db=url), store), base_url="http://127.0.0.1") as client:
        result = CliRunner().invoke(
            cli, ["screen", str(SAMPLES / "vendors.xlsx"), "--out", str(tmp_path / "o"), "--db", url, "-q"]
        )
        assert result.exit_code == 0, result.output
        run = store.list_runs()[0]
        page = client.get(f"/runs/{run.id}/sources")
        assert page.status_code == 200
        assert "Sources cited (" in page.text and "Hits citing it</th>" in page.text
        assert "<td>TRANSCEND Media Service</td>" in page.text and "(opinion)" in page.text
        report = (screened / "report.html").read_text(encoding="utf-8")
        section = report[report.index('<section id="sources">') : report.index('<section id="methodology">')]
        assert page.text.count("<tr>") == section.count("<tr>")
        flagged = next(s for s in store.suppliers(run.id) if s.supplier["hits"])
        supplier = client.get(f"/runs/{run.id}/suppliers/{flagged.position}").text
        assert "<cite>" in supplier and f'href="/runs/{run.id}/sources"' in supplier
        assert client.get("/runs/nope/sources").status_code == 404
