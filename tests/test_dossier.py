"""A supplier's due-diligence dossier: its content, escaping and self-containment, decisions and checklist
statuses from the review hook, naming the supplier, the command, the web app's buttons, and the PDF (read
back as text; skipped, with the reason, without Chromium and Playwright)."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.citations import view
from supplyscreen.cli import cli
from supplyscreen.errors import InputError
from supplyscreen.report.dossier import chromium_path, dossier_html, dossier_pdf, find_supplier
from supplyscreen.review import audit
from supplyscreen.review.applied import ChecklistState, Decision, SupplierReview
from supplyscreen.review.keys import hit_key
from supplyscreen.settings import Settings
from supplyscreen.store import Run, Store, Supplier
from supplyscreen.web.app import create_app

from .changed_sample import ADDED, changed_vendors
from .htmlparts import HtmlParts

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A database with one run of next month's vendor list (which has a supplier named in markup)."""
    tmp = tmp_path_factory.mktemp("dossier")
    db = f"sqlite:///{tmp / 'runs.db'}"
    source = changed_vendors(tmp / "vendors.xlsx")
    done = CliRunner().invoke(cli, ["screen", str(source), "--out", str(tmp / "out"), "--db", db, "-q"])
    assert done.exit_code == 0, done.output
    store = Store(db)
    (run,) = store.list_runs()
    yield {"db": db, "store": store, "run": run, "tmp": tmp}
    store.close()


def _named(store: Store, run: Run, start: str) -> Supplier:
    return next(s for s in store.suppliers(run.id) if s.name.startswith(start))


def test_the_dossier_holds_everything_a_submission_needs(stored: dict[str, Any]) -> None:
    store, run = stored["store"], stored["run"]
    s = _named(store, run, "Fortuna Foods")
    html = dossier_html(run, s, None, store.results_head(run.id), "2026-12-07 10:00:00 UTC")
    text = " ".join(" ".join(HtmlParts(html).text).split())
    record = s.supplier
    # the supplier as read: file, sheet, row, every field (an empty one said to be empty), the column account
    assert f"row {s.row}" in text and "Approved Vendors" in text and "vendors.xlsx" in text
    for value in record["fields"].values():
        assert " ".join(value.split()) in text
    assert "vessel (empty)" in text and "Payment Terms not screened payment terms" in text
    # every hit with its evidence, rule, similarity, points and citations
    for h in record["hits"]:
        assert h["rule"] in text and h["indicator"] in text and f"{h['similarity']:.2f}" in text
        for c in h["citations"]:
            shown = view(c)
            assert " ".join((shown.quote if shown.quote is not None else shown.summary).split()) in text
    assert "+90" in text
    # the legal track and what the importer must do; the checklist with each item's status
    assert "Evidence to gather to rebut the presumption" in text and "clear and convincing evidence" in text
    for item in s.checklist:
        assert " ".join(item["text"].split()) in text
    assert text.count("not requested yet") == len(s.checklist)
    assert "No decision has been recorded" in text
    # the run's provenance
    assert run.id in text and run.rules_sha256 in text and f"supplyscreen {run.tool_version}" in text
    for f in run.inputs:
        assert f.sha256 in text and f.name in text
    # self-contained: inline style, no script, no request for anything
    parts = HtmlParts(html)
    assert "script" not in parts.tags and "link" not in parts.tags and "img" not in parts.tags
    assert "src" not in parts.attrs and not re.search(r"https?://", html)
    assert "default-src 'none'" in html


def test_supplier_text_is_escaped(stored: dict[str, Any]) -> None:
    store, run = stored["store"], stored["run"]
    html = dossier_html(run, _named(store, run, "<script>"), None, store.results_head(run.id))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html and "script" not in HtmlParts(html).tags


def test_decisions_history_and_checklist_statuses(stored: dict[str, Any]) -> None:
    """Fabricated review data, as the review hook gives it: every part of it is shown."""
    store, run = stored["store"], stored["run"]
    s = _named(store, run, "Fortuna Foods")
    first, second = s.supplier["hits"][0], s.supplier["hits"][1]
    old = Decision(
        "needs information", "A. Reviewer", "2026-11-02T09:00:00Z", "asked for payroll", "0" * 32, None
    )
    cleared = Decision(
        "false positive",
        "A. Reviewer",
        "2026-11-30T10:00:00Z",
        "different company, Busan",
        "0" * 32,
        hit_key(first),
    )
    confirmed = Decision("escalated", "B. <b>Reviewer</b>", "2026-12-07T11:00:00Z", "", run.id, None)
    item = s.checklist[0]["id"]
    review = SupplierReview(
        decisions=(cleared, confirmed),
        history=(old, cleared, confirmed),
        needs_review=(hit_key(second),),
        status="escalated",
        checklist={
            item: ChecklistState(
                "received",
                ("payroll-2026-10.pdf", "site map <v2>.png"),
                "A. Reviewer",
                "2026-12-01T00:00:00Z",
            )
        },
    )
    html = dossier_html(run, s, review, store.results_head(run.id))
    text = " ".join(" ".join(HtmlParts(html).text).split())
    assert (
        "cleared as false positive by A. Reviewer on 2026-11-30: “different company, Busan” (decided on run 00000000)"
        in text
    )
    assert "needs review again" in text
    assert "status: escalated" in text
    assert "received" in text and "payroll-2026-10.pdf" in text and "site map <v2>.png" in text
    assert "site map &lt;v2&gt;.png" in html and "B. &lt;b&gt;Reviewer&lt;/b&gt;" in html
    assert text.count("not requested yet") == len(s.checklist) - 1
    history = html[html.index("<h3>History</h3>") :]
    assert history.index("asked for payroll") < history.index("different company, Busan")
    assert "No decision has been recorded" not in text


@pytest.mark.parametrize(
    ("given", "found"),
    [("#2", 2), ("2", 2), ("id:100103", 2), ("100103", 2), ("Fortuna", 2), ("fortuna foods", 2)],
)
def test_a_supplier_is_named_by_position_id_key_or_name(
    stored: dict[str, Any], given: str, found: int
) -> None:
    assert find_supplier(stored["store"], stored["run"], given).position == found


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("#9999", "has no supplier #9999"),
        ("#x", "has no supplier #x$"),
        ("Korea", "suppliers of run .* match 'Korea': #"),
        ("no such firm", "no supplier of run .* is 'no such firm'"),
        ("id:nothing", "no supplier of run"),
    ],
)
def test_naming_a_supplier_that_is_not_one(stored: dict[str, Any], given: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        find_supplier(stored["store"], stored["run"], given)


def test_the_dossier_command(stored: dict[str, Any]) -> None:
    out = stored["tmp"] / "dossier.html"
    args = ["dossier", stored["run"].id[:8], "Fortuna", "--db", stored["db"], "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Due-diligence dossier: Fortuna Foods S.p.A." in out.read_text(encoding="utf-8")
    again = CliRunner().invoke(cli, args)
    assert (again.exit_code, again.stderr) == (
        1,
        f"Error: {out} already exists — pass --force to overwrite, or choose another --out\n",
    )
    assert CliRunner().invoke(cli, [*args, "--force"]).exit_code == 0
    exported = audit.events_of(stored["store"], "export.dossier", [f"run:{stored['run'].id}"])
    assert len(exported) == 2 and exported[0].after["file"] == str(out)  # each written dossier is an event
    missing = CliRunner().invoke(cli, ["dossier", stored["run"].id, "#9999", "--db", stored["db"]])
    assert (missing.exit_code, missing.stderr) == (
        1,
        f"Error: run {stored['run'].id[:8]} has no supplier #9999\n",
    )


def test_the_dossier_buttons_of_the_web_app(stored: dict[str, Any]) -> None:
    run = stored["run"]
    s = _named(stored["store"], run, "<script>")
    with TestClient(create_app(Settings(db=stored["db"]), stored["store"]), base_url=BASE) as client:
        page = client.get(f"/runs/{run.id}/suppliers/{s.position}").text
        assert f'href="/runs/{run.id}/suppliers/{s.position}/dossier.html"' in page
        assert f'href="/runs/{run.id}/suppliers/{s.position}/dossier.pdf"' in page
        html = client.get(f"/runs/{run.id}/suppliers/{s.position}/dossier.html")
        assert (
            html.headers["content-disposition"]
            == f'attachment; filename="dossier-{run.id[:8]}-{s.position}.html"'
        )
        assert "sandbox" in html.headers["content-security-policy"]
        assert "&lt;script&gt;" in html.text and "script" not in HtmlParts(html.text).tags
        exported = audit.events_of(stored["store"], "export.dossier", [f"run:{run.id}"])
        assert exported and exported[-1].after["position"] == s.position
        api = client.get(f"/api/v1/runs/{run.id}/suppliers/{s.position}/dossier")
        assert api.status_code == 200 and ADDED.split("</script>")[1].strip() in api.text
        assert client.get(f"/runs/{run.id}/suppliers/99999/dossier.html").status_code == 404


def test_without_chromium_the_pdf_is_a_one_line_error(
    stored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUPPLYSCREEN_CHROMIUM", str(stored["tmp"] / "no-chromium"))
    out = stored["tmp"] / "x.pdf"
    result = CliRunner().invoke(
        cli, ["dossier", stored["run"].id, "#2", "--db", stored["db"], "--pdf", "--out", str(out)]
    )
    assert result.exit_code == 1 and not out.exists()
    assert (
        result.stderr
        == "Error: a PDF needs Chromium, which is not installed — apt-get install chromium, or set SUPPLYSCREEN_CHROMIUM to its path\n"
    )
    with TestClient(create_app(Settings(db=stored["db"]), stored["store"]), base_url=BASE) as client:
        response = client.get(
            f"/api/v1/runs/{stored['run'].id}/suppliers/2/dossier", params={"format": "pdf"}
        )
    assert response.status_code == 503 and "a PDF needs Chromium" in response.json()["error"]["message"]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _needs_chromium() -> None:
    pytest.importorskip("playwright", reason="playwright is not installed (pip install 'supplyscreen[pdf]')")
    if chromium_path() is None:
        pytest.skip("no Chromium: apt-get install chromium (or set SUPPLYSCREEN_CHROMIUM)")


def test_the_pdf_is_printed_by_chromium(stored: dict[str, Any]) -> None:
    _needs_chromium()
    out = stored["tmp"] / "dossier.pdf"
    args = ["dossier", stored["run"].id, "Fortuna", "--db", stored["db"], "--pdf", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data)
    assert "Fortuna Foods S.p.A." in text
    assert "North Korean nationals in the workforce" in text
    assert stored["run"].rules_sha256[:16] in text.replace(" ", "")


def test_chromium_is_found_on_the_path_or_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("SUPPLYSCREEN_CHROMIUM", str(fake))
    assert chromium_path() == str(fake)
    monkeypatch.delenv("SUPPLYSCREEN_CHROMIUM")
    assert chromium_path() in (
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
        None,
    )


def test_the_pdf_is_printed_where_an_asyncio_loop_runs(stored: dict[str, Any]) -> None:
    """Playwright's synchronous API refuses a thread with a running loop (an async caller, or the browser
    tests' own Playwright session): the PDF is printed from a thread of its own."""
    _needs_chromium()
    store, run = stored["store"], stored["run"]
    html = dossier_html(run, _named(store, run, "<script>"), None, store.results_head(run.id))

    async def in_a_loop() -> bytes:
        return dossier_pdf(html)

    try:
        asyncio.get_running_loop()  # the browser tests' Playwright session runs one here already
        pdf = dossier_pdf(html)
    except RuntimeError:
        pdf = asyncio.run(in_a_loop())
    text = _pdf_text(pdf)
    assert "<script>alert(1)</script> Dandong Seafood" in text
