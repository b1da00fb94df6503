"""End to end in a real browser: upload the sample workbook, correct a column, screen, filter, open a
supplier, download the XLSX and read it.

The screenshot of the results page goes to the test's temporary directory, and to docs/results-page.png
when that file is missing or UPDATE_SCREENSHOT=1 is set (so a test run does not rewrite a tracked file).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import openpyxl

from ..conftest import ROOT, SAMPLES

SCREENSHOT = ROOT / "docs" / "results-page.png"
WAIT_MS = 30_000


def test_upload_map_screen_filter_supplier_download(server: str, browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server + "/")
        assert page.locator("h1").inner_text() == "Screen supplier spreadsheets"

        # drag and drop: a dropped file lands in the file input
        page.evaluate(
            """() => {
                const dt = new DataTransfer();
                dt.items.add(new File(["Supplier,Country\\nAlpha,Chile\\n"], "dropped.csv", {type: "text/csv"}));
                document.getElementById("dropzone").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true}));
            }"""
        )
        assert page.locator("#chosen").inner_text() == "dropped.csv"

        # choose the sample workbook instead, and upload
        page.set_input_files("#files", str(SAMPLES / "vendors.xlsx"))
        t_upload = time.perf_counter()
        page.click("#upload button[type=submit]")
        page.wait_for_url(re.compile(r"/runs/[0-9a-f]{32}$"))
        page.wait_for_selector("form#mapping")
        t_mapped = time.perf_counter()
        run_url = page.url

        # the detected mapping is shown; correct one column on the first sheet
        assert "Sheet ‘Approved Vendors’" in page.content()
        select = page.locator("#map-0-0-id")
        assert select.locator("option").first.inner_text() == "automatic: Vendor #"
        select.select_option("Payment Terms")

        t_screen = time.perf_counter()
        page.click("#screen-button")
        page.wait_for_selector("table#results", timeout=60_000)
        t_results = time.perf_counter()
        shown = page.locator("#results tbody tr").count()
        assert shown == 74

        # filter to high
        page.select_option("#filter-tier", "high")
        page.wait_for_url(re.compile(r"tier=high"))
        tiers = page.locator("#results tbody tr").evaluate_all("rows => rows.map(r => r.dataset.tier)")
        assert tiers and set(tiers) == {"high"}
        summary_high = int(page.locator(".figures strong").nth(1).inner_text())
        assert len(tiers) == summary_high
        shot = tmp_path / "results-page.png"
        page.screenshot(path=str(shot), full_page=True)
        if os.environ.get("UPDATE_SCREENSHOT") == "1" or not SCREENSHOT.exists():
            SCREENSHOT.parent.mkdir(exist_ok=True)
            shutil.copyfile(shot, SCREENSHOT)
        run_id = run_url.rsplit("/", 1)[-1]
        server_seconds = page.request.get(f"{server}/api/v1/runs/{run_id}").json()["seconds"]

        # open the first (highest-scoring) supplier: hits, evidence quotes, rebuttal checklist
        first = page.locator("#results tbody tr a").first
        name = first.inner_text()
        first.click()
        page.wait_for_selector("#supplier")
        assert page.locator("#supplier h1").inner_text() == name
        assert page.locator("table.hits tbody tr").count() >= 1
        assert page.locator(".evidence blockquote").count() >= 1
        assert page.locator("#checklist li").count() >= 1

        # the correction took effect: the id field of an 'Approved Vendors' row is its payment terms
        page.goto(run_url + "/suppliers/0")
        fields = dict(
            zip(
                page.locator("table.fields th").all_inner_texts(),
                page.locator("table.fields td").all_inner_texts(),
                strict=True,
            )
        )
        assert fields.get("id", "") not in ("", "V-1001"), fields

        # download the XLSX and read it
        page.goto(run_url)
        with page.expect_download() as info:
            page.click("a[href$='/download/results.xlsx']")
        path = tmp_path / "results.xlsx"
        info.value.save_as(path)
        assert info.value.suggested_filename == "results.xlsx"
        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames[0] == "Summary"
        assert "Approved Vendors" in book.sheetnames
        rows = 0
        tiers_seen: set[str] = set()
        assert book.sheetnames[-1] == "Columns"
        for title in book.sheetnames[1:-1]:
            sheet_rows = list(book[title].iter_rows(values_only=True))
            header = list(sheet_rows[0])
            tier_col = header.index("Tier")
            rows += len(sheet_rows) - 1
            tiers_seen.update(str(r[tier_col]) for r in sheet_rows[1:])
        assert rows == 74
        assert tiers_seen == {"high", "medium", "low", "clear"}
        assert errors == []
    finally:
        context.close()
    upload_to_map = t_mapped - t_upload
    screen_to_results = t_results - t_screen
    print(
        f"\nvendors.xlsx: upload → column check {upload_to_map:.2f} s; screen → results {screen_to_results:.2f} s; "
        f"upload → results {upload_to_map + screen_to_results:.2f} s (excluding the time spent correcting the column); "
        f"screening on the server {server_seconds:.2f} s; screenshot {shot}"
    )
