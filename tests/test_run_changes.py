"""What changed between two real runs of the sample vendor list (the sample, then next month's copy: one
designated labour exporter removed, North Korean workers added to a clear supplier, a new supplier named in
markup): `supplyscreen diff`, `screen --compare`, the web app's comparison page, its JSON, the runs list and
the second run's report."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.cli import cli
from supplyscreen.review.applied import Decision, SupplierReview
from supplyscreen.review.keys import hit_key
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

from .changed_sample import ADDED, REMOVED, WORKERS, changed_vendors
from .conftest import SAMPLES
from .htmlparts import HtmlParts

BASE = "http://127.0.0.1"


def _cli(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two `screen --db` runs of vendors.xlsx, the second with `--compare` the first."""
    tmp = tmp_path_factory.mktemp("runs")
    db = f"sqlite:///{tmp / 'runs.db'}"
    first, second = tmp / "a", tmp / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(SAMPLES / "vendors.xlsx", first / "vendors.xlsx")
    changed_vendors(second / "vendors.xlsx")
    done = _cli("screen", str(first / "vendors.xlsx"), "--out", str(first / "out"), "--db", db, "-q")
    assert done.exit_code == 0, done.output
    store = Store(db)
    (a,) = [r.id for r in store.list_runs()]
    done = _cli(
        "screen", str(second / "vendors.xlsx"), "--out", str(second / "out"), "--db", db, "--compare", a[:8]
    )
    assert done.exit_code == 0, done.output
    b = next(r.id for r in store.list_runs() if r.id != a)
    return {"db": db, "a": a, "b": b, "store": store, "first": first, "second": second, "screen": done.output}


def test_diff_text_gives_the_summary_then_the_suppliers(runs: dict[str, Any]) -> None:
    result = _cli("diff", runs["a"][:8], runs["b"][:8], "--db", runs["db"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"from run {runs['a'][:8]}" in out and f"to run {runs['b'][:8]}" in out
    assert "1 added, 1 removed" in out and "1 gained, 0 lost" in out and "1 among the removed" in out
    assert out.index("presumption") < out.index(f"~ {WORKERS}") < out.index(f"- {REMOVED}")
    assert f"+ {ADDED}" in out
    assert "new hit: North Korean nationals in the workforce" in out


def test_diff_formats_and_out_file(runs: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "diff.json"
    args = ["diff", runs["a"], runs["b"], "--db", runs["db"], "--format", "json", "--out", str(out)]
    assert _cli(*args).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data) == ["a", "b", "summary", "provenance", "suppliers"]
    assert data["summary"]["presumption_gained"] == 1 and data["summary"]["removed_presumption"] == 1
    again = _cli(*args)
    assert (
        again.exit_code == 1
        and again.stderr
        == f"Error: {out} already exists — pass --force to overwrite, or choose another --out\n"
    )
    assert _cli(*args, "--force").exit_code == 0

    html = _cli("diff", runs["a"], runs["b"], "--db", runs["db"], "--format", "html").output
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script" not in HtmlParts(html).tags
    assert "Content-Security-Policy" in html


def test_diff_of_two_results_json_files_needs_no_database(runs: dict[str, Any]) -> None:
    files = [str(runs[k] / "out" / "results.json") for k in ("first", "second")]
    from_files = json.loads(_cli("diff", *files, "--format", "json").output)
    from_db = json.loads(_cli("diff", runs["a"], runs["b"], "--db", runs["db"], "--format", "json").output)
    assert from_files["summary"] == from_db["summary"]
    assert [s["key"] for s in from_files["suppliers"]] == [s["key"] for s in from_db["suppliers"]]


def test_diff_errors_are_one_line(runs: dict[str, Any], tmp_path: Path) -> None:
    waiting = runs["store"].create_run([("vendors.xlsx", b"x")], status="mapping")
    cases = [
        (["nope", runs["b"]], "Error: no run has the id 'nope' — supplyscreen runs list shows the ids\n"),
        (
            [waiting, runs["b"]],
            f"Error: run {waiting[:8]} is mapping, not done — wait until it is screened (or screen it again), then compare it\n",
        ),
        (
            [str(tmp_path / "none.json"), runs["b"]],
            f"Error: cannot read {tmp_path / 'none.json'}: No such file or directory\n",
        ),
    ]
    for args, message in cases:
        result = _cli("diff", *args, "--db", runs["db"])
        assert (result.exit_code, result.stderr) == (1, message)


def test_screen_compare_writes_what_changed_into_the_report(runs: dict[str, Any], tmp_path: Path) -> None:
    assert f"Compared with run {runs['a'][:8]}" in runs["screen"]
    assert "presumption +1 −1" in runs["screen"]
    report = (runs["second"] / "out" / "report.html").read_text(encoding="utf-8")
    assert f"What changed since run {runs['a'][:8]}" in report
    section = report[report.index('<section id="changes">') : report.index('<section id="law">')]
    assert section.index("changes-summary") < section.index('class="changes"')
    assert WORKERS in section and REMOVED in section and "&lt;script&gt;" in section
    assert re.search(r'href="#row-\d+">Fortuna Foods', section), "a changed supplier links to its card"
    stored = runs["store"].report(runs["b"], "html").decode("utf-8")
    assert f"What changed since run {runs['a'][:8]}" in stored
    first = (runs["first"] / "out" / "report.html").read_text(encoding="utf-8")
    assert "What changed since" not in first

    wrong = _cli(
        "screen",
        str(SAMPLES / "vendors.xlsx"),
        "--out",
        str(tmp_path),
        "--format",
        "json",
        "--compare",
        runs["a"],
    )
    assert (wrong.exit_code, wrong.stderr) == (
        1,
        "Error: --compare adds a section to report.html — include html in --format\n",
    )


# --- the web app ---------------------------------------------------------------------------------------


def _wait(client: TestClient, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        run: dict[str, Any] = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] not in ("queued", "running") or time.monotonic() > deadline:
            return run
        time.sleep(0.05)


def _upload(client: TestClient, data: bytes, screen: bool = True) -> str:
    response = client.post(
        "/api/v1/runs",
        params={"wait": 60},
        files=[("files", ("vendors.xlsx", data))],
        data={"screen": str(screen).lower()},
    )
    assert response.status_code in (200, 202), response.text
    run_id = str(response.json()["id"])
    if screen:
        assert _wait(client, run_id)["status"] == "done"
    return run_id


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app with two screened uploads of vendors.xlsx: the sample, then next month's copy."""
    tmp = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'web.db'}"
    with TestClient(
        create_app(Settings(db=url), Store(url)), base_url=BASE, raise_server_exceptions=False
    ) as client:
        a = _upload(client, (SAMPLES / "vendors.xlsx").read_bytes())
        b = _upload(client, changed_vendors(tmp / "vendors.xlsx").read_bytes())
        yield {"client": client, "a": a, "b": b}


def test_the_runs_list_shows_what_changed_not_the_same_count(web: dict[str, Any]) -> None:
    """Removing a designated exporter and adding North Korean workers to another supplier left the list at
    "presumption 15 → 15"; it now shows the suppliers added and removed and the presumption gained and lost."""
    page = web["client"].get("/").text
    row = re.search(rf'<tr>\s*<td><a href="/runs/{web["b"]}">.*?</tr>', page, re.S)
    assert row is not None
    assert f'href="/runs/{web["b"]}/diff?against={web["a"]}"' in row.group(0)
    assert "+1 −1 suppliers · presumption +1 −1" in row.group(0)
    first = re.search(rf'<tr>\s*<td><a href="/runs/{web["a"]}">.*?</tr>', page, re.S)
    assert first is not None and "/diff" not in first.group(0)


def test_the_second_runs_report_says_what_changed(web: dict[str, Any]) -> None:
    client = web["client"]
    report = client.get(f"/runs/{web['b']}/download/report.html").text
    assert f"What changed since run {web['a'][:8]}" in report and "&lt;script&gt;" in report
    assert "What changed since" not in client.get(f"/runs/{web['a']}/download/report.html").text


def test_the_comparison_page(web: dict[str, Any]) -> None:
    client, a, b = web["client"], web["a"], web["b"]
    results = client.get(f"/runs/{b}").text
    assert f'<option value="{a}" selected>' in results and f'action="/runs/{b}/diff"' in results
    default = client.get(f"/runs/{b}/diff")
    chosen = client.get(f"/runs/{b}/diff", params={"against": a})
    assert default.status_code == chosen.status_code == 200
    page = chosen.text
    assert page.index("changes-summary") < page.index('<table class="changes">')
    assert "1 added, 1 removed" in page and "1 gained, 0 lost" in page
    data = client.get(f"/api/v1/runs/{b}/diff").json()
    rows = {s["name"]: s for s in data["suppliers"]}
    assert f'href="/runs/{b}/suppliers/{rows[WORKERS]["b"]["position"]}">{WORKERS}' in page
    assert f'href="/runs/{a}/suppliers/{rows[REMOVED]["a"]["position"]}">{REMOVED}' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HtmlParts(page).tags.count("script") == 1  # the app's own (app.js), no other
    assert rows[WORKERS]["presumption"] == "gained" and rows[REMOVED]["change"] == "removed"
    assert data["a"]["id"] == a and data["summary"]["added"] == 1


def test_comparison_errors(web: dict[str, Any]) -> None:
    client, a, b = web["client"], web["a"], web["b"]
    waiting = _upload(client, b"Vendor Name\nAcme\n", screen=False)
    cases = [
        (f"/api/v1/runs/{a}/diff", {}, 404, "has no earlier run of the same files"),
        (f"/api/v1/runs/{b}/diff", {"against": "0" * 32}, 404, "not found"),
        (f"/api/v1/runs/{b}/diff", {"against": waiting}, 409, "is mapping, not done"),
        (f"/api/v1/runs/{b}/diff", {"against": "x" * 65}, 422, "against"),
    ]
    for path, params, status, message in cases:
        response = client.get(path, params=params)
        assert response.status_code == status, response.text
        assert message in response.json()["error"]["message"]
    page = client.get(f"/runs/{a}/diff")
    assert page.status_code == 404 and "has no earlier run" in page.text


def test_decisions_carried_over_are_shown(web: dict[str, Any]) -> None:
    """Decisions come from the review hook (fabricated here): one made on run A and carried over to run B
    is counted and shown on its supplier's row, whether or not the supplier changed."""
    client, a, b = web["client"], web["a"], web["b"]
    suppliers = client.get(f"/api/v1/runs/{b}/suppliers").json()
    hunchun = next(s for s in suppliers if s["fields"].get("name", "").startswith("Hunchun Haifeng"))
    decision = Decision(
        "false positive",
        "A. Reviewer",
        "2026-11-30T10:00:00Z",
        "different company, Busan",
        a,
        hit_key(hunchun["hits"][0]),
    )
    app = client.app
    app.state.reviews = lambda store, run_id: {hunchun["position"]: SupplierReview((decision,), (decision,))}  # type: ignore[attr-defined]
    try:
        page = client.get(f"/runs/{b}/diff").text
        data = client.get(f"/api/v1/runs/{b}/diff").json()
    finally:
        del app.state.reviews  # type: ignore[attr-defined]
    assert (
        "decision carried over: cleared as false positive by A. Reviewer on 2026-11-30: “different company, Busan”"
        in page
    )
    assert data["summary"]["decisions_carried"] == 1
    row = next(s for s in data["suppliers"] if s["b"] and s["b"]["position"] == hunchun["position"])
    assert row["decisions_carried"][0]["reviewer"] == "A. Reviewer"


def test_large_runs_are_linked_not_compared_in_the_list(
    web: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web["client"]
    later = _upload(client, (SAMPLES / "vendors.xlsx").read_bytes())  # the sample again, after the copy
    monkeypatch.setattr("supplyscreen.web.changes.HEADLINE_MAX_ROWS", 100)
    row = re.search(rf'<tr>\s*<td><a href="/runs/{later}">.*?</tr>', client.get("/").text, re.S)
    assert row is not None and f'href="/runs/{later}/diff?against={web["b"]}"' in row.group(0)
    assert ">compare</a>" in row.group(0)
    monkeypatch.undo()
    row = re.search(rf'<tr>\s*<td><a href="/runs/{later}">.*?</tr>', client.get("/").text, re.S)
    assert row is not None and "+1 −1 suppliers · presumption +1 −1 · tier ↑0 ↓1" in row.group(0)
    client.delete(f"/api/v1/runs/{later}")
