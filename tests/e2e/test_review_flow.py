"""The auditor's workflow in a real browser (issue 14): sign in, screen the sample, clear one hit as a false
positive and confirm another, screen next month's changed copy, see what changed with the decisions carried
over, download the supplier's dossier as HTML and PDF and read the PDF's text; then export the audit trail of
the run and verify its hash chain. A second, short test gives a reviewer's name once on loopback.

With ``SUPPLYSCREEN_E2E_SHOTS=DIR`` the test also writes its evidence to DIR: full-page screenshots of the
review, comparison and dossier pages, the audit export (JSON) and the output of ``audit verify``.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from ..conftest import SAMPLES
from .conftest import serving

WAIT_MS = 30_000
REVIEWER = "A. Reviewer"
PASSWORD = "correct horse battery staple"
SUPPLIER = "Hunchun Haifeng Aquatic Products Co.,Ltd"  # kept unchanged in the second list
REMOVED = "Korea Rungrado General Trading Corp."
CHANGED = "Fortuna Foods S.p.A."
NEW_NOTES = "Line workers include North Korean workers dispatched by a DPRK company"
COMMENT = "different company, Busan"


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``supplyscreen ARGS``; fails the test with its output when it exits non-zero."""
    done = subprocess.run(
        [sys.executable, "-m", "supplyscreen.cli", *args], input=stdin, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _shots() -> Path | None:
    """The directory of the closing evidence, when SUPPLYSCREEN_E2E_SHOTS names one."""
    where = os.environ.get("SUPPLYSCREEN_E2E_SHOTS")
    if not where:
        return None
    path = Path(where)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _changed_copy(folder: Path) -> Path:
    """Next month's vendor list: one supplier removed, North Korean workers added to another's notes."""
    wb = openpyxl.load_workbook(SAMPLES / "vendors.xlsx")
    ws = wb["Approved Vendors"]
    rows = {row[1].value: row[0].row for row in ws.iter_rows() if len(row) > 1 and row[1].value}
    notes = next(c.column for c in ws[3] if c.value == "Workforce Notes")
    ws.cell(rows[CHANGED], notes, NEW_NOTES)
    ws.delete_rows(rows[REMOVED])
    folder.mkdir()
    path = folder / "vendors.xlsx"  # the same file name: the run page offers the first run to compare
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def signed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server listening beyond loopback (so every page needs an account), with one reviewer account."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('reviewdb') / 'review.db'}"
    _cli(
        "users",
        "add",
        REVIEWER,
        "--role",
        "reviewer",
        "--password-stdin",
        "--db",
        db_url,
        stdin=PASSWORD + "\n",
    )
    log = tmp_path_factory.mktemp("reviewlog") / "server.log"
    with serving(db_url, log, host="0.0.0.0") as base:
        yield base, db_url


def _screen(page: Any, server: str, files: Any) -> str:
    """Upload ``files``, screen them with the detected columns; the run's id."""
    page.goto(server + "/")
    page.set_input_files("#files", files)
    page.click("#upload button[type=submit]")
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{32}$"))
    page.click("#screen-button")
    page.wait_for_selector("table#results", timeout=60_000)
    return str(page.url.rsplit("/", 1)[-1])


def _summary(page: Any, label: str) -> str:
    """The text of one line of the comparison's summary."""
    return str(page.locator(f"#changes #summary-{label.replace(' ', '-')} td").inner_text())


def test_sign_in_review_rescreen_diff_dossier(
    signed_server: tuple[str, str], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, db_url = signed_server
    shots = _shots()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # beyond loopback every page asks for an account
        page.goto(server + "/")
        expect(page).to_have_url(re.compile(r"/login"))
        page.fill("#login-name", REVIEWER)
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        expect(page.locator("#signed-in")).to_have_text(f"{REVIEWER} (reviewer)")

        run_a = _screen(page, server, str(SAMPLES / "vendors.xlsx"))
        page.get_by_role("link", name=SUPPLIER, exact=True).first.click()
        expect(page.locator("#review-hits")).to_be_visible()
        supplier_url = page.url
        hit1 = page.locator("#hit-1 strong").first.inner_text()
        hit2 = page.locator("#hit-2 strong").first.inner_text()

        page.select_option("#decision-hit-1", "false_positive")
        page.fill("#comment-hit-1", COMMENT)
        page.click("#submit-hit-1")
        expect(page.locator("#hit-1 .decision")).to_contain_text(f"cleared as false positive by {REVIEWER}")
        expect(page.locator("#hit-1 .decision")).to_contain_text(COMMENT)
        page.select_option("#decision-hit-2", "confirmed")
        page.fill("#comment-hit-2", "same company as the designated one")
        page.click("#submit-hit-2")
        expect(page.locator("#hit-2 .decision")).to_contain_text(f"confirmed by {REVIEWER}")
        expect(page.locator("#history li")).to_have_count(2)
        if shots:
            page.screenshot(path=str(shots / "review-page.png"), full_page=True)

        # next month's list: the decided supplier unchanged, one removed, one with North Korean workers
        run_b = _screen(page, server, str(_changed_copy(tmp_path / "next-month")))
        assert run_b != run_a
        page.select_option("#compare-against", run_a)
        page.get_by_role("button", name="What changed").click()
        expect(page).to_have_url(re.compile(rf"/runs/{run_b}/diff\?against={run_a}"))
        expect(page.locator("h1")).to_have_text(f"What changed since run {run_a[:8]}")
        suppliers = _summary(page, "suppliers")
        assert re.fullmatch(r"(\d+) → (\d+): 0 added, 1 removed, (\d+) kept \(1 changed\)", suppliers), (
            suppliers
        )
        assert _summary(page, "tier").startswith("1 up, 0 down")
        assert re.match(
            r"\d+ → \d+: 1 gained, 0 lost; 0 among the added suppliers, 1 among the removed",
            _summary(page, "presumption"),
        )
        assert _summary(page, "decisions").startswith("2 carried over")
        rows = page.locator("#changes table.changes tbody tr")
        expect(rows.filter(has_text=REMOVED)).to_contain_text("no longer in the list")
        expect(rows.filter(has_text=CHANGED)).to_contain_text("presumption gained")
        carried = rows.filter(has_text=SUPPLIER)
        expect(carried).to_contain_text(f"decision carried over: cleared as false positive by {REVIEWER}")
        expect(carried).to_contain_text(COMMENT)
        assert not errors, errors
        if shots:
            page.screenshot(path=str(shots / "diff-page.png"), full_page=True)

        # the dossier of the cleared supplier, as kept in the second run
        carried.get_by_role("link", name=SUPPLIER).click()
        expect(page.locator("#hit-1 .decision")).to_contain_text("carried over")
        with page.expect_download() as html_download:
            page.get_by_role("link", name="Dossier (HTML)").click()
        html_path = tmp_path / html_download.value.suggested_filename
        html_download.value.save_as(html_path)
        assert html_path.name == f"dossier-{run_b[:8]}-{page.url.rsplit('/', 1)[-1]}.html"
        with page.expect_download(timeout=60_000) as pdf_download:
            page.get_by_role("link", name="Dossier (PDF)").click()
        pdf_path = tmp_path / pdf_download.value.suggested_filename
        pdf_download.value.save_as(pdf_path)

        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
        text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))  # the PDF's ligatures (ﬀ) undone
        assert SUPPLIER in text
        assert hit1 in text and hit2 in text
        assert f"cleared as false positive by {REVIEWER}" in text
        assert COMMENT in text, re.findall(r".{60}Busan.{20}", text)

        page.goto(html_path.as_uri())
        expect(page.locator("body")).to_contain_text(SUPPLIER)
        expect(page.locator("body")).to_contain_text(f"cleared as false positive by {REVIEWER}")
        if shots:
            page.screenshot(path=str(shots / "dossier-page.png"), full_page=True)
        assert supplier_url.startswith(f"{server}/runs/{run_a}/suppliers/")
    finally:
        context.close()

    # the run's audit trail, exported and its hash chain verified
    export = _cli("audit", "export", "--db", db_url, "--format", "json").stdout
    exported = tmp_path / "audit-export.json"
    exported.write_text(export, encoding="utf-8")
    verdict = _cli("audit", "verify", str(exported)).stdout
    assert verdict.startswith("OK: ") and "the chain holds" in verdict
    for action in ('"login"', '"decision', '"run', '"export.dossier"'):
        assert action in export
    if shots:
        (shots / "audit-export.json").write_text(export, encoding="utf-8")
        (shots / "audit-verify.txt").write_text(
            f"$ supplyscreen audit verify audit-export.json\n{verdict}", encoding="utf-8"
        )


def test_loopback_reviewer_name_asked_once(server: str, browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        csv = f"Supplier,Country\n{REMOVED},Korea DPR\n{CHANGED},Italy\n".encode()
        _screen(page, server, {"name": "names.csv", "mimeType": "text/csv", "buffer": csv})
        page.get_by_role("link", name=REMOVED, exact=True).click()
        expect(page.locator("#submit-hit-1")).to_have_count(0)  # no name given yet: no decision forms
        page.fill("#reviewer", "B. Checker")
        page.click("#reviewer-submit")
        expect(page.locator("#review")).to_contain_text("Deciding as B. Checker (name given, not signed in)")
        page.select_option("#decision-hit-1", "escalated")
        page.click("#submit-hit-1")
        expect(page.locator("#history li").first).to_contain_text("B. Checker (name given)")
        page.reload()
        expect(page.locator("#reviewer-name")).to_have_count(0)  # asked once: kept in the session
        expect(page.locator("#review")).to_contain_text("Deciding as B. Checker")
    finally:
        context.close()
