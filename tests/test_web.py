"""The web app through Starlette's test client, over a real SQLite database and the real screening."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.cli import cli
from supplyscreen.settings import Settings
from supplyscreen.store import Store, now
from supplyscreen.web.app import create_app

from .conftest import SAMPLES, SHARED

BASE = "http://127.0.0.1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _client(tmp_path: Path, **settings: Any) -> TestClient:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    app = create_app(Settings(db=url, **settings), Store(url))
    return TestClient(app, base_url=BASE, raise_server_exceptions=False)


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    with _client(tmp_path) as c:
        yield c


def _token(client: TestClient) -> str:
    page = client.get("/")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def _upload(client: TestClient, files: list[tuple[str, bytes]], **extra: Any) -> str:
    response = client.post(
        "/runs",
        data={"csrf_token": _token(client)},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files]
        + [(k, v) for k, vs in extra.items() for v in vs],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _screen(client: TestClient, run_url: str, **fields: str) -> dict[str, Any]:
    response = client.post(
        run_url + "/screen", data={"csrf_token": _token(client), **fields}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return _wait(client, run_url.rsplit("/", 1)[-1])


def _wait(client: TestClient, run_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _xlsx_values(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    """Every cell value of every sheet, with run timestamps blanked."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {
        name: [
            tuple(STAMP.sub("T", v) if isinstance(v, str) else v for v in row)
            for row in book[name].iter_rows(values_only=True)
        ]
        for name in book.sheetnames
    }


def test_upload_map_screen_and_downloads_match_the_cli(client: TestClient, tmp_path: Path) -> None:
    data = (SAMPLES / "vendors.xlsx").read_bytes()
    run_url = _upload(client, [("vendors.xlsx", data)])
    page = client.get(run_url)
    assert "Check the columns" in page.text
    assert "Sheet ‘Approved Vendors’" in page.text and "header in row 3" in page.text
    assert "automatic: Vendor Name" in page.text and "Поставщик" in page.text

    run = _screen(client, run_url)
    assert run["status"] == "done", run["error"]
    assert run["summary"]["rows"] == 74

    # the CLI on the same file, in a directory where it has the same name
    src = tmp_path / "cli"
    src.mkdir()
    (src / "vendors.xlsx").write_bytes(data)
    out = tmp_path / "out"
    import os

    cwd = os.getcwd()
    os.chdir(src)
    try:
        result = CliRunner().invoke(cli, ["screen", "vendors.xlsx", "--out", str(out), "-q"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output

    web_json = client.get(run_url + "/download/results.json").json()
    cli_json = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for doc in (web_json, cli_json):
        doc["run"].pop("started_at")
    assert web_json == cli_json

    cli_html = (out / "report.html").read_text(encoding="utf-8")
    web_html = client.get(run_url + "/download/report.html").text
    assert STAMP.sub("T", web_html) == STAMP.sub("T", cli_html)

    xlsx = client.get(run_url + "/download/results.xlsx")
    assert xlsx.headers["content-type"] == XLSX
    assert xlsx.headers["content-disposition"] == 'attachment; filename="results.xlsx"'
    assert _xlsx_values(xlsx.content) == _xlsx_values((out / "results.xlsx").read_bytes())

    # results: filter and sort on the server
    high = client.get(run_url, params={"tier": "high"}).text
    assert high.count('data-tier="high"') == run["summary"]["by_tier"]["high"]
    assert 'data-tier="clear"' not in high
    kp = client.get(run_url, params={"presumption": "yes", "sort": "name", "order": "asc"}).text
    assert kp.count("badge presumption") == run["summary"]["presumption"]
    russia = client.get(run_url, params={"country": "Россия"}).text
    assert "ООО" in russia and "Korea Rungrado" not in russia
    # the country filter: one entry per resolved country, finding every spelling
    select = re.search(r'<select name="country".*?</select>', client.get(run_url).text, re.S)
    assert select is not None
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0)))
    assert options["CN"] == "China (CHINA, 中国)" and "中国" not in options
    assert options["RU"] == "Россия" and options["KP"].startswith("DPRK (")
    china = client.get(f"/api/v1/runs/{run['id']}/suppliers", params={"country": "china"}).json()
    assert {s["fields"]["country"] for s in china} == {"China", "CHINA", "中国"} and len(china) == 21
    page = client.get(run_url, params={"country": "CN"}).text
    assert '<option value="CN" selected>' in page and "21 of 74 rows shown" in page
    # search in any case and script, Chinese names by their pinyin too
    found = client.get(run_url, params={"q": "ДАЛЬЛЕСПРОМ"}).text
    assert "Дальлеспром-Хабаровск" in found and "1 of 74 rows shown" in found
    dandong = client.get(f"/api/v1/runs/{run['id']}/suppliers", params={"q": "dandong"}).json()
    names = [s["fields"]["name"] for s in dandong]
    assert "丹东市锦华服装有限公司" in names and "DANDONG HAIXING SEAFOOD FOODSTUFF CO.,LTD" in names

    # supplier page: hits, evidence quotes, the checklist of its legal track
    first = re.search(r'href="(/runs/[0-9a-f]+/suppliers/(\d+))"', high)
    assert first
    supplier = client.get(first.group(1)).text
    track = web_json["suppliers"][int(first.group(2))]["track"]
    heading = {
        "dprk_origin": "Barred outright: goods from the DPRK",
        "presumption": "Evidence to gather to rebut the presumption",
        "due_diligence": "Evidence to gather before import",
    }[track]
    assert "<blockquote>" in supplier and heading in supplier
    assert "Same as" in client.get(run_url).text


def test_column_correction_is_applied_and_recorded(client: TestClient) -> None:
    run_url = _upload(client, [("vendors.xlsx", (SAMPLES / "vendors.xlsx").read_bytes())])
    run = _screen(client, run_url, **{"map:0:0:id": "Payment Terms"})
    assert run["status"] == "done"
    assert run["options"]["sheet_mapping"]["0"][0] == ["Approved Vendors", {"id": ["Payment Terms"]}]
    first = client.get(f"/api/v1/runs/{run['id']}/suppliers/0").json()
    assert first["source"] == {"file": "vendors.xlsx", "sheet": "Approved Vendors", "row": 4}
    assert not first["fields"]["id"].startswith("V-")
    sheets = [s["source"]["sheet"] for s in client.get(f"/api/v1/runs/{run['id']}/suppliers").json()]
    assert sheets.count("Поставщики ДВ") == 9 and len(sheets) == 74


def test_unrecognised_headers_can_be_named_by_hand(client: TestClient) -> None:
    run_url = _upload(client, [("odd.csv", b"Colour,Firm\nred,Pyongyang Trading\n")])
    page = client.get(run_url).text
    assert "no supplier name column found" in page and "map:0:*:name" in page
    run = _screen(client, run_url, **{"map:0:*:name": "Firm"})
    assert run["status"] == "done", run["error"]
    assert run["summary"]["rows"] == 1


def test_screening_error_is_shown_and_the_run_can_be_screened_again(client: TestClient) -> None:
    run_url = _upload(client, [("odd.csv", b"Colour,Firm\nred,Acme\n")])
    run = _screen(client, run_url, **{"map:0:*:name": "Nope"})
    assert run["status"] == "failed"
    assert run["error"]["message"].startswith("odd.csv: no supplier name column found")
    assert "/tmp" not in json.dumps(run["error"])
    page = client.get(run_url).text
    assert "Screening failed" in page and "Traceback" not in page
    assert _screen(client, run_url, **{"map:0:*:name": "Firm"})["status"] == "done"


def test_csrf_token_is_required(client: TestClient) -> None:
    response = client.post("/runs", files=[("files", ("a.csv", b"Supplier\nAcme\n", "text/csv"))])
    assert response.status_code == 403
    assert "the form has expired" in response.text and "Traceback" not in response.text
    token = _token(client)
    response = client.post(
        "/runs",
        data={"csrf_token": token + "x"},
        files=[("files", ("a.csv", b"Supplier\nAcme\n", "text/csv"))],
    )
    assert response.status_code == 403


def test_the_api_neither_reads_nor_sets_cookies(client: TestClient) -> None:
    page = client.get("/")
    assert "session" in client.cookies
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    response = client.get("/api/v1/runs")
    assert response.status_code == 200 and "set-cookie" not in response.headers


def test_cross_origin_posts_are_refused(client: TestClient) -> None:
    response = client.post(
        "/api/v1/runs",
        files=[("files", ("a.csv", b"Supplier\nAcme\n", "text/csv"))],
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "requests from https://evil.example are refused"


def test_upload_size_limit(tmp_path: Path) -> None:
    with _client(tmp_path, max_upload_mb=0.01) as client:
        big = b"Supplier\n" + b"Acme Trading Co\n" * 2000
        response = client.post(
            "/runs", data={"csrf_token": _token(client)}, files=[("files", ("big.csv", big, "text/csv"))]
        )
        assert response.status_code == 413
        assert "larger than the 0.01 MB limit" in response.text
        assert "Upload too large" in response.text
        api = client.post("/api/v1/runs", files=[("files", ("big.csv", big, "text/csv"))])
        assert api.status_code == 413 and api.json()["error"]["type"] == "UploadTooLarge"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("vendors.xlsx", b"%PDF-1.7\n1 0 obj\n", "vendors.xlsx: is a PDF, not a spreadsheet"),
        ("list.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "list.csv: is a PNG image, not a spreadsheet"),
        ("data.csv", bytes(range(256)) * 20, "data.csv: is a binary file, not a spreadsheet"),
        ("doc.xlsx", b"", "doc.xlsx: the file is empty"),
    ],
)
def test_only_spreadsheets_by_content(client: TestClient, name: str, data: bytes, message: str) -> None:
    response = client.post("/api/v1/runs", files=[("files", (name, data, XLSX))])
    assert response.status_code in (400, 415)
    assert response.json()["error"]["message"] == message


def test_a_csv_named_xlsx_is_read_as_csv_and_names_are_never_paths(client: TestClient) -> None:
    response = client.post(
        "/api/v1/runs",
        params={"wait": 30},
        files=[("files", ("../../etc/evil<b>.xlsx", b"Supplier,Country\nAcme,Chile\n", XLSX))],
    )
    assert response.status_code == 200, response.text
    run = response.json()
    assert run["files"][0]["name"] == "evil<b>.xlsx"
    assert run["status"] == "done"
    results = client.get(f"/api/v1/runs/{run['id']}/results").json()
    assert results["run"]["inputs"][0]["path"] == "evil<b>.xlsx"
    page = client.get(f"/runs/{run['id']}").text
    assert "evil&lt;b&gt;.xlsx" in page and "evil<b>" not in page


def test_supplier_text_is_escaped(client: TestClient) -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    quoted = evil.replace('"', '""')
    csv = f'Supplier,Country,Notes\n"{quoted}",DPRK,"{quoted}"\n'
    run = client.post(
        "/api/v1/runs", params={"wait": 30}, files=[("files", ("x.csv", csv.encode(), "text/csv"))]
    ).json()
    assert run["status"] == "done"
    for url in (f"/runs/{run['id']}", f"/runs/{run['id']}/suppliers/0", "/"):
        html = client.get(url).text
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/runs/{run['id']}/suppliers/0").text
    assert "'unsafe-inline'" not in client.get("/").headers["content-security-policy"]


INVISIBLE = "\u202e\u202c\u200b"


def test_invisible_characters_are_shown_and_headers_round_trip(client: TestClient) -> None:
    """The pages show a right-to-left override and zero-width characters as ⟨U+…⟩ (never the raw
    character), while a header offered in the mapping form is sent back as the file holds it."""
    header = "Re\u200bmarks"
    csv = f"Supplier,Country,{header},Extra\n\u202egnodnaD\u202c Seafood,China,ok,x\n"
    run_url = _upload(client, [("spoof.csv", csv.encode())])
    page = client.get(run_url).text
    assert f'<option value="{header}">Re⟨U+200B⟩marks</option>' in page  # shown, and sent back as written
    assert not set(INVISIBLE) & set(page.replace(f'value="{header}"', ""))
    run = _screen(client, run_url, **{"map:0:0:description": header})
    assert run["status"] == "done", run["error"]
    assert run["options"]["sheet_mapping"]["0"][0][1] == {"description": [header]}
    for url in (f"/runs/{run['id']}", f"/runs/{run['id']}/suppliers/0"):
        html = client.get(url).text
        assert "⟨U+202E⟩gnodnaD⟨U+202C⟩ Seafood" in html and not set(INVISIBLE) & set(html)
    assert client.get(f"/api/v1/runs/{run['id']}/suppliers/0").json()["tier"] == "high"


def test_json_api_round_trip(client: TestClient) -> None:
    response = client.post(
        "/api/v1/runs",
        files=[("files", ("vendors.xlsx", (SAMPLES / "vendors.xlsx").read_bytes(), XLSX))],
        data={"mapping": json.dumps({"id": "Vendor #"}), "screen": "false"},
    )
    assert response.status_code == 202
    assert "set-cookie" not in response.headers
    run = response.json()
    assert run["status"] == "mapping"
    assert run["preview"][0]["sheets"][0]["mapping"]["name"] == ["Vendor Name"]
    assert run["options"]["mapping"] == {"id": ["Vendor #"]}
    # like --map, a mapping for every sheet keeps the sheets that lack the column (mapped automatically) …
    started = client.post(run["links"]["screen"], json={"mapping": {"country": "Ctry"}})
    assert started.status_code == 202, started.text
    run = _wait(client, run["id"])
    assert run["status"] == "done" and run["summary"]["rows"] == 74
    # … and so does a per-sheet correction
    redo = client.post(
        run["links"]["self"] + "/screen",
        json={"sheet_mapping": {"0": {"Approved Vendors": {"id": "Payment Terms"}}}},
    )
    assert redo.status_code == 409  # a finished run is not screened again
    response = client.post(
        "/api/v1/runs",
        files=[("files", ("vendors.xlsx", (SAMPLES / "vendors.xlsx").read_bytes(), XLSX))],
        data={"screen": "false"},
    )
    started = client.post(
        response.json()["links"]["screen"],
        json={"sheet_mapping": {"0": {"Approved Vendors": {"id": "Payment Terms"}}}},
    )
    assert started.status_code == 202, started.text
    run = _wait(client, started.json()["id"])
    assert run["status"] == "done" and run["summary"]["rows"] == 74
    assert set(run["links"]) >= {"results", "suppliers", "report.html", "results.xlsx", "results.json"}

    high = client.get(run["links"]["suppliers"], params={"tier": "high", "sort": "score", "order": "desc"})
    rows = high.json()
    assert len(rows) == run["summary"]["by_tier"]["high"]
    assert all(r["tier"] == "high" for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert rows[0]["checklist"] and rows[0]["hits"][0]["citations"]
    xlsx = client.get(run["links"]["results.xlsx"])
    assert "Summary" in _xlsx_values(xlsx.content)
    listed = client.get("/api/v1/runs").json()
    assert listed[0]["id"] == run["id"] and len(listed) == 2
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/runs", "/api/v1/runs/{run_id}/results", "/api/v1/runs/{run_id}/suppliers"} <= set(
        spec["paths"]
    )
    assert "/runs" not in spec["paths"]
    assert "POST /api/v1/runs" in client.get("/api").text


def test_errors_are_pages_or_json_never_tracebacks(client: TestClient) -> None:
    page = client.get("/runs/" + "0" * 32)
    assert page.status_code == 404 and "Not found" in page.text
    api = client.get("/api/v1/runs/nope")
    assert api.status_code == 404 and api.json() == {
        "error": {"type": "HTTPError", "message": "not found", "hint": None, "problems": []}
    }
    bad = client.get("/api/v1/runs", params={"limit": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["problems"]
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_rule_files_are_checked_recorded_and_used(client: TestClient) -> None:
    bad = client.post(
        "/api/v1/runs",
        files=[
            ("files", ("a.csv", b"Supplier\nAcme\n", "text/csv")),
            ("rules", ("mine.yaml", b"indicatorz: []\n", "text/yaml")),
        ],
    )
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["type"] == "RulesError" and any("mine.yaml" in p for p in error["problems"])
    assert not any("/tmp" in p for p in error["problems"])

    rules = b"tiers: {high: 50, medium: 20, low: 1}\n"
    lists = b"name,aliases,type,country,identifiers,source,reason\nAcme Fishing,,organization,CN,,memo,test\n"
    ok = client.post(
        "/api/v1/runs",
        params={"wait": 30},
        files=[
            ("files", ("a.csv", b"Supplier,Address\nAcme,Hunchun\n", "text/csv")),
            ("rules", ("mine.yaml", rules, "text/yaml")),
            ("lists", ("block.csv", lists, "text/csv")),
        ],
    ).json()
    assert ok["status"] == "done", ok
    assert [f["role"] for f in ok["files"]] == ["input", "rules", "list"]
    assert ok["files"][1]["name"] == "mine.yaml"
    results = client.get(ok["links"]["results"]).json()
    assert results["run"]["tiers"] == {"high": 50, "medium": 20, "low": 1}
    if ok["watchlists_matched"]:
        assert [entry["path"] for entry in results["run"]["lists"]] == ["block.csv"]
        acme = client.get(ok["links"]["suppliers"]).json()[0]
        assert any(h["list"] for h in acme["hits"]), acme["hits"]
        listed = next(h["list"] for h in acme["hits"] if h["list"])
        assert listed["comparisons"][0]["name"] == "name" and listed["why"].startswith("kept")
        page = client.get(f"/runs/{ok['id']}/suppliers/0").text  # the supplier page shows the comparisons
        assert 'class="comparisons"' in page and "name 1.00 via the listed name “Acme Fishing”" in page
    else:
        assert results["run"]["lists"] == []


def test_runs_survive_a_restart_and_unfinished_ones_are_marked(tmp_path: Path) -> None:
    with _client(tmp_path) as first:
        run = first.post(
            "/api/v1/runs", params={"wait": 30}, files=[("files", ("a.csv", b"Supplier\nAcme\n", "text/csv"))]
        ).json()
        assert run["status"] == "done"
    store = Store(f"sqlite:///{tmp_path / 'web.db'}")
    stuck = store.create_run([("b.csv", b"Supplier\nBeta\n")], status="running")
    with _client(tmp_path) as second:
        index = second.get("/").text
        assert f"/runs/{run['id']}" in index and "a.csv" in index
        assert "Screening results" in second.get(f"/runs/{run['id']}").text
        assert second.get(f"/api/v1/runs/{stuck}").json()["status"] == "interrupted"
        assert "Screening stopped" in second.get(f"/runs/{stuck}").text


def test_settings_come_from_options_then_environment_then_defaults() -> None:
    env = {"SUPPLYSCREEN_PORT": "9001", "SUPPLYSCREEN_MAX_UPLOAD_MB": "5"}
    settings = Settings.load({"port": None, "host": None}, environ=env)
    assert (settings.host, settings.port, settings.max_upload_mb) == ("127.0.0.1", 9001, 5.0)
    assert Settings.load({"port": 8123}, environ=env).port == 8123
    assert Settings().max_upload_bytes == 50 * 1024 * 1024
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--max-upload-mb" in result.output and "SUPPLYSCREEN_DB" in result.output
    bad = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert (
        bad.exit_code == 1
        and bad.stderr == "Error: port 0 is out of range — choose a port between 1 and 65535\n"
    )


def test_progress_is_reported_while_screening_and_results_are_unchanged(tmp_path: Path) -> None:
    from supplyscreen.ingest.sources import Source
    from supplyscreen.pipeline.screen import screen
    from supplyscreen.web import jobs

    lines = ["Supplier,Address,Notes"] + [
        f"Firm {i},{'Hunchun' if i % 7 == 0 else 'Lima'},{'DPRK workers' if i % 11 == 0 else ''}"
        for i in range(12000)
    ]
    data = ("\n".join(lines) + "\n").encode()
    steps: list[int] = []

    class Recorder(jobs.Progress):
        def add(self, rows: int) -> None:
            super().add(rows)
            steps.append(self.done)

    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    run_id = store.create_run([("big.csv", data)], status="running")
    run = store.get_run(run_id)
    assert run is not None
    sliced = jobs.screen_run(run, store, Recorder(store, run_id, 0))
    assert steps == [5000, 10000, 12000]
    assert len(sliced.inputs[0].sheets) == 1 and sliced.inputs[0].sheets[0].row_numbers[-1] == 12001

    whole = screen([Source("big.csv", data=data)])
    a, b = sliced.to_json(), whole.to_json()
    for doc in (a, b):
        doc["run"].pop("started_at")
    assert a == b
    assert [s.sheet for s in sliced.suppliers] == [sliced.inputs[0].sheets[0]] * 12000


CARDS_CSV = """Supplier,Country,Address,Notes
Acme Fishing Co,China,Dandong,
Sinuiju Garment Factory,DPRK,,
Beta Tuna,China,Hunchun,North Korean workers on board
,Russia,Vladivostok,seafood processing with DPRK workers
Gamma Foods,Chile,Lima,
"""
WATCHLIST = b"name,aliases,type,country,identifiers,source,reason\nAcme Fishing,,organization,CN,,memo,test\n"


def _article(html: str, element_id: str) -> str:
    """A supplier card (its <article>) with what only one page has taken out: the ids, the heading levels
    (h3/h4 in the report, h1/h2 on the page), the page's "Hits" title and the report's "direct nexus" mark
    (an indicator's nexus is not part of the stored results.json hit)."""
    found = re.search(rf'<article class="card[^"]*" id="{element_id}">.*?</article>', html, re.S)
    assert found, element_id
    card = re.sub(r"<(/?)h\d>", r"<\1h>", re.sub(r' id="[^"]*"', "", found.group(0)))
    card = card.replace("<h>Hits</h>", "").replace(" · <em>direct nexus</em>", "")
    return re.sub(r"\s+", " ", card)


def test_the_report_and_the_supplier_page_render_the_same_card(client: TestClient) -> None:
    run = client.post(
        "/api/v1/runs",
        params={"wait": 60},
        files=[("files", ("cards.csv", CARDS_CSV.encode())), ("lists", ("block.csv", WATCHLIST))],
    ).json()
    assert run["status"] == "done", run
    report = client.get(run["links"]["report.html"]).text
    suppliers = client.get(run["links"]["suppliers"]).json()
    for position, supplier in enumerate(suppliers):
        page = client.get(f"/runs/{run['id']}/suppliers/{position}").text
        if not supplier["hits"]:
            assert f'id="row-{position}"' not in report  # the report has cards for flagged rows only
            assert "No indicator fired on this row." in _article(page, "supplier")
            continue
        assert _article(page, "supplier") == _article(report, f"row-{position}"), supplier["fields"]
    unnamed = client.get(f"/runs/{run['id']}/suppliers/3").text
    assert "<h1>(no supplier name: screened on the other fields only)</h1>" in unnamed
    if run["watchlists_matched"]:
        assert 'class="list-match"' in client.get(f"/runs/{run['id']}/suppliers/0").text


# --- uploads read from memory under their names; OFAC's companion files; the "same as" command ------------

OFAC_DIR = SHARED / "data" / "ofac-sdn"
needs_ofac = pytest.mark.skipif(
    not (OFAC_DIR / "sdn.csv").exists(), reason="../shared/data not beside the project"
)


def _ofac_cut(name: str, ids: set[str]) -> bytes:
    """The lines of one OFAC file whose entry id is among ``ids``: a small upload."""
    lines = (OFAC_DIR / name).read_bytes().splitlines(keepends=True)
    return b"".join(line for line in lines if line.split(b",", 1)[0] in ids)


@needs_ofac
def test_list_hits_name_the_upload_and_ofac_companions_are_read_with_sdn(client: TestClient) -> None:
    ids = {b"19613", b"27254", b"12211"}
    lists = [(name, _ofac_cut(name, ids)) for name in ("sdn.csv", "alt.csv", "add.csv")]
    suppliers = b"Supplier,Country\nBeijing Sukbakso,China\nRynrado,\nAcme Tools,Germany\n"
    run = client.post(
        "/api/v1/runs",
        params={"wait": 60},
        files=[
            ("files", ("vendors.csv", suppliers, "text/csv")),
            *[("lists", (name, data, "text/csv")) for name, data in lists],
        ],
    ).json()
    assert run["status"] == "done", run["error"]
    assert [f["name"] for f in run["files"] if f["role"] == "list"] == ["sdn.csv", "alt.csv", "add.csv"]
    results = client.get(run["links"]["results"]).json()
    assert [entry["path"] for entry in results["run"]["lists"]] == [
        "sdn.csv"
    ]  # the companions are part of it
    rules = {s["fields"]["name"]: [h["rule"] for h in s["hits"] if h["list"]] for s in results["suppliers"]}
    assert "watchlist:sdn.csv#SDN 27254" in rules["Beijing Sukbakso"]
    assert "watchlist:sdn.csv#SDN 19613" in rules["Rynrado"]  # an a.k.a. that only alt.csv has
    assert rules["Acme Tools"] == []
    sukbakso = next(s for s in results["suppliers"] if s["fields"]["name"] == "Beijing Sukbakso")
    listed = next(h["list"] for h in sukbakso["hits"] if h["list"])
    country = next(c for c in listed["comparisons"] if c["name"] == "country_match")
    assert country["detail"] == "CN on both sides"  # the country is only in add.csv
    assert "/tmp" not in client.get(run["links"]["results"]).text


def test_a_companion_file_without_its_list_is_one_error(client: TestClient) -> None:
    run = client.post(
        "/api/v1/runs",
        params={"wait": 30},
        files=[
            ("files", ("a.csv", b"Supplier\nAcme\n", "text/csv")),
            ("lists", ("alt.csv", b'19613,47111,"aka","RYNRADO",-0- \n', "text/csv")),
        ],
    ).json()
    assert run["status"] == "failed"
    assert run["error"]["message"].startswith("alt.csv: is one of OFAC's companion files")


def test_the_same_as_command_of_a_corrected_web_run_gives_the_same_results(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        "vendors.xlsx": (SAMPLES / "vendors.xlsx").read_bytes(),
        "extra list.csv": b"Firm Code;Firm\nX1;Acme Fishing Co\nX2;Pyongyang Trading\n",
    }
    lists = b"name,aliases,type,country,identifiers,source,reason\nAcme Fishing,,organization,CN,,memo,test\n"
    run_url = _upload(client, list(files.items()), lists=[("block.csv", lists, "text/csv")])
    run = _screen(client, run_url, **{"map:0:0:id": "Payment Terms", "map:1:*:name": "Firm"})
    assert run["status"] == "done", run["error"]
    command = re.search(r"<th>Same as</th><td><code>([^<]+)</code>", client.get(run_url).text)
    assert command
    args = shlex.split(html.unescape(command.group(1)))
    assert args[:2] == ["supplyscreen", "screen"] and "--map" in args
    assert "vendors.xlsx[Approved Vendors]:id=Payment Terms" in args and "extra list.csv:name=Firm" in args
    for name, data in [*files.items(), ("block.csv", lists)]:
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [*args[1:], "--out", "out", "--format", "json", "-q"])
    assert result.exit_code == 0, result.output
    web = client.get(f"/api/v1/runs/{run['id']}/results").json()
    local = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    for doc in (web, local):
        doc["run"].pop("started_at")
    assert local["suppliers"] == web["suppliers"]
    assert local["run"] == web["run"]


def test_serve_workers_are_processes_and_runs_are_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supplyscreen.ingest.sources import Source
    from supplyscreen.pipeline import backends
    from supplyscreen.pipeline.screen import screen

    settings = Settings.load(environ={"SUPPLYSCREEN_RUNS": "3", "SUPPLYSCREEN_WORKERS": "2"})
    assert (settings.runs, settings.workers) == (3, 2)
    monkeypatch.setattr(backends, "PARALLEL_MIN_ROWS", 100)
    monkeypatch.setattr(backends, "CHUNK_ROWS", 128)
    lines = ["Supplier,Address,Notes"] + [
        f"Firm {i},{'Hunchun' if i % 7 == 0 else 'Lima'},{'DPRK workers' if i % 11 == 0 else ''}"
        for i in range(900)
    ]
    data = ("\n".join(lines) + "\n").encode()
    here: list[int] = []  # chunks screened in this process (none: worker processes screen them all)
    real = backends.screen_chunk
    monkeypatch.setattr(backends, "screen_chunk", lambda job, *task: here.append(1) or real(job, *task))
    with _client(tmp_path, runs=3, workers=2) as client:
        runner = client.app.state.runner  # type: ignore[attr-defined]
        assert (runner.runs, runner.workers) == (3, 2)
        run = client.post(
            "/api/v1/runs", params={"wait": 120}, files=[("files", ("rows.csv", data, "text/csv"))]
        ).json()
        assert run["status"] == "done", run["error"]
        web = client.get(run["links"]["results"]).json()
    assert here == []
    local = screen([Source("rows.csv", data=data)]).to_json()
    for doc in (web, local):
        doc["run"].pop("started_at")
    assert web == local


# --- deleting runs -------------------------------------------------------------------------------------


def test_a_run_is_deleted_from_its_page_with_the_form_token(client: TestClient) -> None:
    run_url = _upload(client, [("a.csv", b"Supplier\nAcme\n")])
    run_id = run_url.rsplit("/", 1)[-1]
    assert _screen(client, run_url)["status"] == "done"
    page = client.get(run_url).text
    assert f'action="/runs/{run_id}/delete"' in page and "data-confirm=" in page
    refused = client.post(f"{run_url}/delete", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403 and client.get(run_url).status_code == 200
    deleted = client.post(f"{run_url}/delete", data={"csrf_token": _token(client)}, follow_redirects=False)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/"
    assert client.get(run_url).status_code == 404 and run_id not in client.get("/").text


def test_a_run_is_deleted_through_the_api(client: TestClient) -> None:
    upload = [("files", ("a.csv", b"Supplier\nAcme\n", "text/csv"))]
    run = client.post("/api/v1/runs", params={"wait": 30}, files=upload).json()
    url = f"/api/v1/runs/{run['id']}"
    assert client.delete(url, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404 and client.delete(url).status_code == 404
    busy = client.post("/api/v1/runs", data={"screen": "false"}, files=upload).json()
    client.app.state.store.claim(busy["id"])  # type: ignore[attr-defined]  # queued by this process
    answer = client.delete(f"/api/v1/runs/{busy['id']}")
    assert answer.status_code == 409 and answer.json()["error"]["message"].endswith("is queued")


def test_retention_deletes_old_runs_when_the_app_starts(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'web.db'}")
    old = store.create_run([("old.csv", b"Supplier\nAcme\n")])
    store.update_run(old, created_at=now() - dt.timedelta(days=10))
    new = store.create_run([("new.csv", b"Supplier\nBeta\n")])
    with _client(tmp_path, retention_days=7) as client:
        assert [r["id"] for r in client.get("/api/v1/runs").json()] == [new]
