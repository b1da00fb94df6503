"""Tabular exports: results.xlsx (original columns + verdict, coloured by tier) and results.csv."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO

import xlsxwriter

from supplyscreen.api import ScreeningResult, SupplierResult
from supplyscreen.io import Sheet

TIER_COLOURS = {"high": "#F4B6B6", "medium": "#FBD9A6", "low": "#FFF2B3", "clear": "#D9EAD3"}
VERDICT_COLUMNS = ["Score", "Tier", "Presumption", "Reasons"]
SOURCE_COLUMNS = ["Source file", "Sheet", "Row"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Stop a spreadsheet from reading supplier text as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def reasons(supplier: SupplierResult) -> str:
    """The hits in one line: indicator, field, matched text and points."""
    parts = []
    for hit in supplier.verdict.hits:
        sign = f"+{hit.points}" if hit.points else "0 (counted once per group)"
        parts.append(f"{hit.indicator} [{hit.field}: “{hit.text}”] {sign}")
    return "; ".join(parts)


def _groups(result: ScreeningResult) -> Iterator[tuple[Sheet, list[SupplierResult]]]:
    current: Sheet | None = None
    bucket: list[SupplierResult] = []
    for supplier in result.suppliers:
        if supplier.sheet is not current:
            if current is not None:
                yield current, bucket
            current, bucket = supplier.sheet, []
        bucket.append(supplier)
    if current is not None:
        yield current, bucket


def _sheet_title(sheet: Sheet, used: set[str]) -> str:
    base = sheet.sheet or sheet.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    base = re.sub(r"[\[\]:*?/\\']", " ", base).strip() or "Results"
    title = base[:31]
    n = 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title.casefold())
    return title


def write_xlsx(result: ScreeningResult, handle: IO[bytes]) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True})
    fills = {tier: book.add_format({"bg_color": colour}) for tier, colour in TIER_COLOURS.items()}
    summary = book.add_worksheet("Summary")
    summary_rows = [
        ("supplyscreen", result.tool_version),
        ("Started", result.started_at),
        ("Rows screened", len(result.suppliers)),
        *[(f"Tier {tier}", count) for tier, count in result.by_tier.items()],
        ("CAATSA §321(b) presumption", result.presumption_count),
        ("Rule set sha256", result.rules.sha256),
        *[(f"Input {f.display}", f"sha256 {f.sha256}, {f.rows} rows") for f in result.inputs],
    ]
    summary.set_column(0, 0, 30)
    summary.set_column(1, 1, 80)
    for r, (key, value) in enumerate(summary_rows):
        summary.write_string(r, 0, key, bold)
        if isinstance(value, int):
            summary.write_number(r, 1, value)
        else:
            summary.write_string(r, 1, neutralise(str(value)))
    used = {"summary"}
    for sheet, suppliers in _groups(result):
        ws = book.add_worksheet(_sheet_title(sheet, used))
        header = [*SOURCE_COLUMNS, *sheet.headers, *VERDICT_COLUMNS]
        for c, title in enumerate(header):
            ws.write_string(0, c, neutralise(title), bold)
        tier_col = len(SOURCE_COLUMNS) + len(sheet.headers) + 1
        for r, supplier in enumerate(suppliers, start=1):
            ws.write_string(r, 0, neutralise(sheet.file))
            ws.write_string(r, 1, neutralise(sheet.sheet or ""))
            ws.write_number(r, 2, supplier.row)
            for c, value in enumerate(supplier.original, start=len(SOURCE_COLUMNS)):
                if value:
                    ws.write_string(r, c, neutralise(value))
            v = supplier.verdict
            ws.write_number(r, tier_col - 1, v.score)
            ws.write_string(r, tier_col, v.tier)
            ws.write_boolean(r, tier_col + 1, v.presumption)
            ws.write_string(r, tier_col + 2, neutralise(reasons(supplier)))
        last = len(suppliers)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, last, len(header) - 1)
        ws.set_column(len(SOURCE_COLUMNS), len(header) - 2, 22)
        ws.set_column(len(header) - 1, len(header) - 1, 90)
        letter = xlsxwriter.utility.xl_col_to_name(tier_col)
        for tier, fmt in fills.items():
            ws.conditional_format(
                1,
                0,
                max(last, 1),
                len(header) - 1,
                {"type": "formula", "criteria": f'=${letter}2="{tier}"', "format": fmt},
            )
    book.close()
    handle.write(buffer.getvalue())


def write_csv(result: ScreeningResult, handle: IO[bytes]) -> None:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    from supplyscreen.rules import FIELDS

    writer.writerow([*SOURCE_COLUMNS, *FIELDS, *VERDICT_COLUMNS])
    for s in result.suppliers:
        row = [s.sheet.file, s.sheet.sheet or "", str(s.row), *(s.fields.get(f, "") for f in FIELDS)]
        row += [str(s.verdict.score), s.verdict.tier, str(s.verdict.presumption).lower(), reasons(s)]
        writer.writerow([neutralise(cell) for cell in row])
    text.flush()
    text.detach()
