"""U.S. enforcement actions (rules/enforcement.yaml): CBP orders matched by name, vessel, IMO number and in the
notes; the ``detention`` legal track shown above the score in every report; the ``--market`` option. Through
the public functions: Screener, explain, write_reports, the CLI, the JSON Schema and the web app."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.cli import cli
from supplyscreen.pipeline.screen import ScreeningResult, screen
from supplyscreen.pipeline.screener import Screener
from supplyscreen.report import write_reports
from supplyscreen.rules import layered, load_rules, parse_markets
from supplyscreen.score import TRACKS
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

from .conftest import ROOT

SCHEMA = json.loads((ROOT / "src/supplyscreen/schema/results.schema.json").read_text(encoding="utf-8"))
DALIAN = "cbp.wro.2021-05-28.dalian_ocean_fishing"
LIEN_YI_HSING = "cbp.wro.2020-12-31.lien_yi_hsing_12"
DA_WANG = "cbp.wro.2020-08-18.da_wang"
TUNAGO = "cbp.wro.2019-02-04.tunago_61"  # revoked 1 Apr 2020
YU_LONG = "cbp.wro.2020-05-11.yu_long_2"  # modified 14 Aug 2024
RIXIN = "cbp.caatsa.2022-12-05.rixin_foods"


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.build()


def _enforcement(fields: dict[str, str], screener: Screener) -> list[tuple[str, int, list[str]]]:
    verdict = screener.screen_one(fields).verdict
    return [(h.rule, h.points, list(h.tags)) for h in verdict.hits if h.category == "enforcement"]


# (row fields, the action met or None, active: the detention track)
MATCHES: list[tuple[dict[str, str], str | None, bool]] = [
    # the WRO entity under another legal form, in capitals, with its country
    ({"name": "Dalian Ocean Fishing Company Limited", "country": "China"}, DALIAN, True),
    ({"name": "DALIAN OCEAN FISHING CO LTD"}, DALIAN, True),
    # in Chinese: read in pinyin, the trade name of the CAATSA detention (North Korean labour)
    ({"name": "日新食品有限公司"}, RIXIN, True),
    # look-alikes: the WRO entity's words and another trade, or another place
    ({"name": "Dalian Ocean Fishing Equipment Co., Ltd."}, None, False),
    ({"name": "Dalian Ocean Shipping Co., Ltd."}, None, False),
    ({"name": "Ocean Fishing Supplies Dalian"}, None, False),
    # a vessel by name and hull number, written otherwise
    ({"name": "Acme Tuna", "vessel": "LIEN YI HSING NO.12"}, LIEN_YI_HSING, True),
    ({"name": "Acme Tuna", "vessel": "Lien Yi Hsing No. 13"}, None, False),
    # a vessel named in the notes: with its hull number, or without one after a word that makes it a vessel
    ({"name": "Acme Tuna", "notes": "catch landed by the Lien Yi Hsing 12 in 2022"}, LIEN_YI_HSING, True),
    ({"name": "Acme Tuna", "notes": "tuna caught by F/V Da Wang"}, DA_WANG, True),
    ({"name": "Acme Tuna", "notes": "contact person: Mr Da Wang"}, None, False),
    # revoked and modified orders are history: shown, 0 points, no detention
    ({"name": "Acme Tuna", "vessel": "Tunago No. 61"}, TUNAGO, False),
    ({"name": "Acme Tuna", "vessel": "Yu Long No. 2"}, YU_LONG, False),
]


@pytest.mark.parametrize(("fields", "action", "active"), MATCHES)
def test_rows_meet_enforcement_actions(
    screener: Screener, fields: dict[str, str], action: str | None, active: bool
) -> None:
    found = _enforcement(fields, screener)
    verdict = screener.screen_one(fields).verdict
    if action is None:
        assert found == []
        assert verdict.track != "detention"
        return
    assert [rule for rule, _, _ in found] == [action]
    _, points, tags = found[0]
    assert ("detention" in tags) == active and ("enforcement_history" in tags) == (not active)
    assert (points > 0) == active
    assert (verdict.track == "detention") == active
    if active:
        assert verdict.tier == "high"
        assert verdict.hits[0].category == "enforcement"  # first among the reasons, above any other


def test_a_finding_seizes_and_a_caatsa_detention_sets_the_presumption(screener: Screener) -> None:
    finding = screener.screen_one({"name": "Acme", "vessel": "Da Wang"}).verdict
    hit = finding.hits[0]
    assert hit.list is not None and hit.list["action"]["kind"] == "finding"
    assert "goods will be seized" in hit.indicator and not finding.presumption
    caatsa = screener.screen_one({"name": "Zhejiang Sunrise Garment Group Co., Ltd."}).verdict
    assert caatsa.presumption and caatsa.track == "detention"  # the stricter of the two U.S. tracks shown
    # goods from the DPRK as well: the stricter track, the order still first among the reasons
    fields = {"name": "Dalian Ocean Fishing Co., Ltd.", "notes": "squid caught by North Korean fishing boats"}
    origin = screener.screen_one(fields).verdict
    assert origin.track == "dprk_origin" and origin.hits[0].category == "enforcement"


def _layer(tmp_path: Path, imo: str) -> Path:
    """A rule layer adding one action on a vessel with an IMO number (sources: the bundled ones)."""
    layer = tmp_path / "acme"
    layer.mkdir()
    (layer / "enforcement.yaml").write_text(
        f"""
enforcement:
  as_of: 2027-01-15
  actions:
    - id: acme.wro.2027-01-10.ocean_star
      name: Ocean Star (test vessel)
      vessels:
        - name: Ocean Star 8
          imo: "{imo}"
      goods: tuna harvested by the Ocean Star 8
      events:
        - date: 2027-01-10
          what: wro
          source: cfr.19_12_42
          verified: primary
          checked: a test entry
      citations:
        - source: cfr.19_12_42
          summary: a test order
""",
        encoding="utf-8",
    )
    return layer


@pytest.mark.parametrize(
    ("fields", "met"),
    [
        ({"name": "Acme", "vessel": "IMO 9074729"}, True),  # the number alone in the vessel cell
        ({"name": "Acme", "notes": "carrier IMO No. 9074729"}, True),  # labelled, in the notes
        ({"name": "Acme", "vessel": "Ocean Star 8 IMO 9074729"}, True),
        ({"name": "Acme", "vessel": "Ocean Star 8 IMO 9912347"}, False),  # same name, another IMO: vetoed
        ({"name": "Acme", "vessel": "Ocean Star 9"}, False),  # another hull number
    ],
)
def test_a_vessel_by_imo_number_in_a_layer(tmp_path: Path, fields: dict[str, str], met: bool) -> None:
    with Screener.build(layered([_layer(tmp_path, "9074729")])) as over:
        as_of = over.rules.enforcement.as_of
        assert as_of is not None and as_of.isoformat() == "2027-01-15"  # the latest layer's date
        assert len(over.rules.enforcement.actions) == len(load_rules().enforcement.actions) + 1
        found = _enforcement(fields, over)
        assert ([r for r, _, _ in found] == ["acme.wro.2027-01-10.ocean_star"]) == met, found


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("source: cfr.19_12_42\n          verified", "unknown source 'cfr.19_12_4'"),
        ("what: wro", "the first event must be an order"),
        ('imo: "9074729"', "String should match pattern"),
    ],
)
def test_rules_check_refuses_a_bad_action(tmp_path: Path, change: str, problem: str) -> None:
    layer = _layer(tmp_path, "9074729")
    path = layer / "enforcement.yaml"
    text = path.read_text(encoding="utf-8")
    broken = {
        "source: cfr.19_12_42\n          verified": "source: cfr.19_12_4\n          verified",
        "what: wro": "what: revoked",
        'imo: "9074729"': 'imo: "IMO 90"',
    }[change]
    path.write_text(text.replace(change, broken), encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(layer)])
    assert result.exit_code == 1
    assert problem in result.output


def test_every_bundled_action_is_dated_and_sourced() -> None:
    rules = load_rules()
    actions = rules.enforcement.actions
    assert rules.enforcement.as_of is not None and len(actions) >= 8
    for action in actions:
        assert action.events and action.citations
        for event in action.events:
            assert event.source in rules.cited, (action.id, event.source)
            assert rules.cited[event.source].publisher and event.checked
    assert {a.id: a.status for a in actions}[TUNAGO] == "revoked"
    assert {a.id: a.status for a in actions}[YU_LONG] == "modified"
    assert {a.id: a.order.what for a in actions}[DA_WANG] == "finding"


# --- the reports ----------------------------------------------------------------------------------------

ROWS = [
    ["Vendor Name", "Country", "Vessel", "Notes"],
    ["Dalian Ocean Fishing Company Limited", "China", "", "longline tuna"],
    ["Acme Seafood", "Taiwan", "Tunago No. 61", ""],
    ["Nordsee Fisch GmbH", "Germany", "", "audited 2025"],
]


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScreeningResult, Path]:
    out = tmp_path_factory.mktemp("enforced")
    data = io.StringIO(newline="")
    csv.writer(data).writerows(ROWS)
    path = out / "vendors.csv"
    path.write_text(data.getvalue(), encoding="utf-8")
    result = screen([path])
    write_reports(result, out / "reports", ["html", "json", "xlsx", "csv"])
    return result, out / "reports"


def test_json_carries_the_track_and_the_action_and_validates(reported: tuple[ScreeningResult, Path]) -> None:
    data = json.loads((reported[1] / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert data["run"]["markets"] == ["us", "eu"]
    assert data["run"]["enforcement"]["as_of"] == "2026-12-07"
    dalian, tunago, plain = data["suppliers"]
    assert dalian["track"] == "detention" and tunago["track"] == "none" and plain["track"] == "none"
    action = dalian["hits"][0]["list"]["action"]
    assert action["status"] == "active" and action["kind"] == "wro" and action["date"] == "2021-05-28"
    assert action["events"][0]["source_id"] == "dhs.2021-05-28_dalian_ocean_fishing"
    assert tunago["hits"][0]["list"]["action"]["status"] == "revoked" and tunago["hits"][0]["points"] == 0


def test_html_shows_the_order_above_the_score(reported: tuple[ScreeningResult, Path]) -> None:
    html = (reported[1] / "report.html").read_text(encoding="utf-8")
    card = re.search(r'<article class="card[^"]*" id="row-0">.*?</article>', html, re.S)
    assert card is not None
    text = card.group(0)
    assert text.index('class="enforcement detention"') < text.index('class="score"')
    assert "Detention: CBP Withhold Release Order of 28 May 2021" in text
    assert "Detained goods: what to expect and the proof of admissibility" in text
    history = re.search(r'<article class="card[^"]*" id="row-1">.*?</article>', html, re.S)
    assert history is not None and "History, no detention" in history.group(0)
    assert 'class="enforcement detention"' not in history.group(0)
    summary = html[html.index('id="summary"') : html.index('id="law"')]
    assert re.search(r"<strong>1</strong> supplier\s+named in an active CBP order", summary)


def test_xlsx_and_csv_show_the_order_before_the_score(reported: tuple[ScreeningResult, Path]) -> None:
    sheet = list(
        openpyxl.load_workbook(reported[1] / "results.xlsx").worksheets[1].iter_rows(values_only=True)
    )
    header = list(sheet[0])
    assert header.index("CBP enforcement") + 1 == header.index("Score")
    column = header.index("CBP enforcement")
    assert "goods will be detained (active, as of 2026-12-07" in str(sheet[1][column])
    assert "history, no detention (revoked" in str(sheet[2][column]) and sheet[3][column] is None
    rows = list(csv.reader(io.StringIO((reported[1] / "results.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][-2:] == ["Track", "CBP enforcement"]
    assert rows[1][-2] == "detention" and "Dalian Ocean Fishing" in rows[1][-1]
    assert rows[1][rows[0].index("Reasons")].startswith("CBP Withhold Release Order")


def test_explain_shows_the_order_before_the_hits_and_the_score(screener: Screener) -> None:
    lines = screener.explain({"name": "Dalian Ocean Fishing Company Limited"}).lines()
    at = lines.index(next(line for line in lines if line.startswith("Enforcement actions")))
    assert "goods will be detained" in lines[at + 1]
    assert at < lines.index(next(line for line in lines if line.startswith("Fired")))
    assert lines[-1].startswith("Track: detention — under an active CBP order")
    quiet = screener.explain({"name": "Nordsee Fisch GmbH"}).lines()
    assert "  none names this supplier or its vessels" in quiet


def test_tracks_are_ordered_strictest_first() -> None:
    assert TRACKS == ("dprk_origin", "detention", "presumption", "due_diligence", "none")


# --- markets ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "markets"),
    [((), ("us", "eu")), (("eu",), ("eu",)), (("eu,us",), ("us", "eu")), (("US", "us"), ("us",))],
)
def test_markets_are_parsed(given: tuple[str, ...], markets: tuple[str, ...]) -> None:
    assert parse_markets(given) == markets


@pytest.mark.parametrize(
    ("option", "shown", "hidden"),
    [
        ([], ["Regulation (EU) 2024/3015", "CAATSA §321(b)", "named in an active CBP order"], []),
        (["--market", "us"], ["CAATSA §321(b)", "Detention: CBP"], ["Regulation (EU) 2024/3015 —"]),
        (
            ["--market", "eu"],
            ["Regulation (EU) 2024/3015 —", "EU market: due diligence", "U.S. enforcement action on record"],
            ["CAATSA §321(b) — 22 U.S.C. 9241a", "Executive Order 13570", "Detention: CBP"],
        ),
    ],
)
def test_market_option_chooses_the_law_shown(
    tmp_path: Path, option: list[str], shown: list[str], hidden: list[str]
) -> None:
    data = io.StringIO(newline="")
    csv.writer(data).writerows(ROWS)
    path = tmp_path / "vendors.csv"
    path.write_text(data.getvalue(), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["screen", str(path), "--out", str(out), "--format", "html,json", *option]
    )
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in shown:
        assert text in html, text
    for text in hidden:
        assert text not in html, text
    run = json.loads((out / "results.json").read_text(encoding="utf-8"))["run"]
    assert run["markets"] == list(parse_markets(option[1:]))
    # the verdicts do not depend on the market
    assert (
        json.loads((out / "results.json").read_text(encoding="utf-8"))["suppliers"][0]["track"] == "detention"
    )


def test_an_unknown_market_is_one_line_and_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("Vendor Name\nAcme\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", str(path), "--out", str(tmp_path / "o"), "--market", "cn"])
    assert result.exit_code == 1
    assert "unknown market 'cn'" in result.output and "Traceback" not in result.output


def _upload(client: TestClient, markets: str) -> dict[str, Any]:
    data = io.StringIO(newline="")
    csv.writer(data).writerows(ROWS)
    return dict(
        client.post(
            "/api/v1/runs",
            params={"wait": 60},
            files=[("files", ("vendors.csv", data.getvalue().encode()))],
            data={"markets": markets},
        ).json()
    )


def test_web_runs_record_the_market_and_the_supplier_page_shows_the_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with TestClient(create_app(Settings(db=url), Store(url)), base_url="http://127.0.0.1") as client:
        both = _upload(client, "us,eu")
        assert both["status"] == "done", both
        page = client.get(f"/runs/{both['id']}/suppliers/0").text
        assert page.index('class="enforcement detention"') < page.index('class="score"')
        results = client.get(f"/api/v1/runs/{both['id']}/results").json()
        assert results["run"]["markets"] == ["us", "eu"]
        eu = _upload(client, "eu")
        assert eu["status"] == "done", eu
        page = client.get(f"/runs/{eu['id']}/suppliers/0").text
        assert "EU market: due diligence" in page and "U.S. enforcement action on record" in page
        assert client.get(f"/api/v1/runs/{eu['id']}/results").json()["run"]["markets"] == ["eu"]
        bad = client.post(
            "/api/v1/runs", files=[("files", ("v.csv", b"Vendor Name\nAcme\n"))], data={"markets": "cn"}
        )
        assert bad.status_code == 400 and "unknown market 'cn'" in bad.json()["error"]["message"]
