"""Next month's vendor list: ``samples/vendors.xlsx`` with one supplier removed, North Korean workers added
to another supplier's notes, and a new supplier whose name is markup — for comparing runs."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from .conftest import SAMPLES

REMOVED = "Korea Rungrado General Trading Corp."  # a designated DPRK labour exporter (presumption)
WORKERS = "Fortuna Foods S.p.A."  # clear in the sample; gains the presumption
WORKERS_NOTE = "Line workers include North Korean workers dispatched by a DPRK company"
ADDED = "<script>alert(1)</script> Dandong Seafood"


def changed_vendors(path: Path) -> Path:
    """Write the changed copy of the sample to ``path`` (its name should stay vendors.xlsx)."""
    book = openpyxl.load_workbook(SAMPLES / "vendors.xlsx")
    sheet = book["Approved Vendors"]
    for row in range(sheet.max_row, 3, -1):
        name = sheet.cell(row, 2).value
        if name == REMOVED:
            sheet.delete_rows(row)
        elif name == WORKERS:
            sheet.cell(row, 7).value = WORKERS_NOTE
    sheet.append([900001, ADDED, "China", "Dandong, Liaoning", "Frozen squid", "0307.43", "dormitory"])
    book.save(path)
    return path
