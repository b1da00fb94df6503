"""Tabular exports: results.xlsx (original columns + verdict, coloured by tier, and a last "Columns" sheet
saying what every input column was used for) and results.csv.

Supplier text is untrusted: cells that a spreadsheet would read as a formula are neutralised, and nothing
is dropped silently when Excel's limits are reached — a cell over 32,767 characters is cut with a visible
marker (the full text is in results.json and results.csv), columns past 16,384 are left out and rows past
1,048,576 continue on a second sheet, each said in the row's Note and on the Summary sheet.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Sequence
from typing import IO

import xlsxwriter

from supplyscreen.citations import citation_line
from supplyscreen.ingest.sheet import NO_NAME_NOTE, Sheet, row_note
from supplyscreen.match.rows import Hit
from supplyscreen.pipeline.results import ScreeningResult, SupplierResult, encode_held, memo, sheet_groups
from supplyscreen.report.html import run_sources
from supplyscreen.rules import FIELDS
from supplyscreen.score import TRACK_LABELS, Verdict

TIER_COLOURS = {"high": "#F4B6B6", "medium": "#FBD9A6", "low": "#FFF2B3", "clear": "#D9EAD3"}
# "CBP enforcement" first: an active CBP order (the goods will be detained) is shown before any score
VERDICT_COLUMNS = ["CBP enforcement", "Score", "Tier", "Presumption", "Track", "Reasons", "Note"]
# results.csv adds the Track, then the CBP enforcement actions, last, after the columns it had before, so
# that readers by position still work
CSV_VERDICT_COLUMNS = ["Score", "Tier", "Presumption", "Reasons", "Note", "Track", "CBP enforcement"]
SOURCE_COLUMNS = ["Source file", "Sheet", "Row"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_START)
_BLANKS = itertools.repeat("")

# Excel's limits (https://support.microsoft.com/office/excel-specifications-and-limits)
XLSX_MAX_CELL_CHARS = 32_767
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLS = 16_384


def neutralise(text: str) -> str:
    """Stop a spreadsheet from reading supplier text as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def reasons(supplier: SupplierResult) -> str:
    """The hits in one line: indicator, field, matched text and points."""
    return verdict_reasons(supplier.verdict)


def verdict_reasons(verdict: Verdict) -> str:
    return "; ".join([_reason(hit) for hit in verdict.hits])


def _reason_of(hit: Hit) -> str:
    sign = f"+{hit.points}" if hit.points else "0 (counted once per group)"
    return f"{hit.indicator} [{hit.field}: “{hit.text}”] {sign}{_list_reason(hit)}"


def _list_reason(hit: Hit) -> str:
    """A watchlist hit's score and the comparisons that found something, e.g. " (list score 0.93 ≥ 0.88: name
    0.93 via the alias “…”; Russia on both sides)"."""
    listed = hit.list
    if not listed or "score" not in listed:
        return ""
    found = "; ".join(c["detail"] for c in listed.get("comparisons", ()) if c.get("score"))
    return f" (list score {listed['score']:.2f} ≥ {listed['threshold']:.2f}: {found})"


_reason = memo(_reason_of, lambda hit: (hit.indicator, hit.field, hit.text, hit.points))


def enforcement_text(verdict: Verdict) -> str:
    """The CBP enforcement actions among a verdict's hits, in one line: each order, its status and the text
    it comes from ("" when none) — "... — goods will be detained (active, as of 2026-12-07; source: CBP, …)"."""
    out = []
    for hit in verdict.hits:
        if hit.category != "enforcement" or not hit.list:
            continue
        action = hit.list["action"]
        order = [e for e in action["events"] if e["what"] not in ("modified", "revoked")][-1]
        out.append(
            f"{hit.indicator} ({action['status']}, as of {action['as_of']}; source: {order['source']}; "
            f"met by {hit.field} “{hit.text}”)"
        )
    return "; ".join(out)


def truncated(text: str, limit: int = XLSX_MAX_CELL_CHARS) -> str:
    """``text`` cut to ``limit`` characters with a visible marker saying how long it was, or unchanged."""
    if len(text) <= limit:
        return text
    marker = f" … [cut at Excel's {limit:,}-character cell limit; {len(text):,} characters in all, see results.json]"
    return text[: limit - len(marker)] + marker


def _sheet_title(sheet: Sheet, used: set[str]) -> str:
    """A worksheet name from the input sheet or file name: only a label, never a path; unique, ≤ 31 chars."""
    base = sheet.sheet or re.split(r"[\\/]", sheet.file)[-1].rsplit(".", 1)[0]
    base = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in base)
    base = re.sub(r"[\[\]:*?/\\']", " ", base).strip() or "Results"
    title = base[:31]
    n = 2
    while title.casefold() in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title.casefold())
    return title


class _XlsxCell:
    """Writes strings cut to Excel's cell limit, counting what was cut."""

    def __init__(self) -> None:
        self.cut = 0

    def text(self, value: str) -> tuple[str, bool]:
        """The cell text to write and whether it was cut."""
        safe = neutralise(value)
        out = truncated(safe)
        if out is safe:
            return out, False
        self.cut += 1
        return out, True


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
    cells = _XlsxCell()
    limits: list[str] = []
    summary = book.add_worksheet("Summary")
    used = {"summary", COLUMNS_SHEET.casefold()}
    per_sheet = XLSX_MAX_ROWS - 1
    for sheet, suppliers in sheet_groups(result.suppliers):
        keep = min(len(sheet.headers), XLSX_MAX_COLS - len(SOURCE_COLUMNS) - len(VERDICT_COLUMNS))
        if keep < len(sheet.headers):
            limits.append(
                f"{sheet.file}{_sheet_label(sheet)}: columns after {sheet.headers[keep - 1]!r} (the last "
                f"{len(sheet.headers) - keep:,}) left out at Excel's {XLSX_MAX_COLS:,}-column limit; "
                "every row is here, and results.json and results.csv hold the screened fields"
            )
        for start in range(0, len(suppliers), per_sheet):
            part = suppliers[start : start + per_sheet]
            if start:
                limits.append(
                    f"{sheet.file}{_sheet_label(sheet)}: rows from {part[0].row:,} continue on a further sheet "
                    f"(Excel's {XLSX_MAX_ROWS:,}-row limit)"
                )
            _write_results_sheet(book, _sheet_title(sheet, used), sheet, part, keep, bold, fills, cells)
    summary_rows: list[tuple[str, str | int]] = [
        ("supplyscreen", result.tool_version),
        ("Started", result.started_at),
        ("Rows screened", len(result.suppliers)),
        *[(f"Tier {tier}", count) for tier, count in result.by_tier.items()],
        ("CAATSA §321(b) presumption", result.presumption_count),
        (
            "CBP enforcement list",
            f"{len(result.rules.enforcement.actions)} actions as of {result.rules.enforcement.as_of} "
            "(rules/enforcement.yaml); a supplier named in an active one is on the detention track",
        ),
        ("Markets", ", ".join(m.upper() for m in result.markets)),
        *[(f"Track {track} ({TRACK_LABELS[track]})", count) for track, count in result.by_track.items()],
        ("Rows without a supplier name", sum(1 for s in result.suppliers if row_note(s.fields))),
        ("Rule set sha256", result.rules.sha256),
        *[(f"Input {f.display}", f"sha256 {f.sha256}, {f.rows} rows") for f in result.inputs],
    ]
    if cells.cut:
        summary_rows.append(
            (
                "Cells cut",
                f"{cells.cut:,} cell(s) longer than Excel's {XLSX_MAX_CELL_CHARS:,}-character limit are cut "
                "with a marker; the full text is in results.json",
            )
        )
    summary_rows += [("Excel limit", text) for text in limits]
    summary_rows += sources_rows(result)
    summary.set_column(0, 0, 30)
    summary.set_column(1, 1, 80)
    for r, (key, value) in enumerate(summary_rows):
        summary.write_string(r, 0, cells.text(key)[0], bold)
        if isinstance(value, int):
            summary.write_number(r, 1, value)
        else:
            summary.write_string(r, 1, cells.text(str(value))[0])
    _write_columns_sheet(book, result, bold, cells)
    book.close()
    handle.write(buffer.getvalue())


def sources_rows(result: ScreeningResult) -> list[tuple[str, str]]:
    """The Summary sheet's last rows: every source the hits cite (as the report's Sources section: "publisher,
    title, date", kind, link, hits citing it), then every fired rule's citations — a quote in quotation
    marks or a summary labelled so, with its source. Two columns, as the rest of the sheet."""
    rows: list[tuple[str, str]] = [("Sources cited", "publisher, title, date · kind · link")]
    for row in run_sources(result):
        shown = f"{row.source} (opinion)" if row.opinion else row.source
        parts = [shown, (row.kind or "").replace("_", " "), row.url]
        rows.append(
            (
                f"Source cited by {row.hits:,} hit{'' if row.hits == 1 else 's'}",
                " · ".join(p for p in parts if p),
            )
        )
    rows.append(("Evidence of each rule that fired", "a quote in quotation marks, or a summary — its source"))
    fired = {h.rule: h for s in result.suppliers for h in s.verdict.hits}
    rows += [(rule, citation_line(c)) for rule, hit in sorted(fired.items()) for c in hit.citations]
    return rows


COLUMNS_SHEET = "Columns"  # the last sheet: what every input column was used for
COLUMNS_HEADER = ["Source file", "Sheet", "Column", "Header", "Used as", "Why"]


def _write_columns_sheet(
    book: xlsxwriter.Workbook, result: ScreeningResult, bold: object, cells: _XlsxCell
) -> None:
    """Every column of every input sheet (a form: every label, by row) and its use: a field, screened as
    text, or not screened with the reason; then the notes on rows above the header and forms."""
    ws = book.add_worksheet(COLUMNS_SHEET)
    for c, name in enumerate(COLUMNS_HEADER):
        ws.write_string(0, c, name, bold)
    r = 0
    for f in result.inputs:
        for sheet in f.sheets:
            for use in sheet.columns():
                r += 1
                where = f"row {use.row}" if use.row is not None else use.letter
                values = [sheet.file, sheet.sheet or "", where, use.header, use.use, use.reason]
                for c, value in enumerate(values):
                    ws.write_string(r, c, cells.text(value)[0])
            for note in sheet.notes:
                r += 1
                values = [sheet.file, sheet.sheet or "", "", "", "note", note]
                for c, value in enumerate(values):
                    ws.write_string(r, c, cells.text(value)[0])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), len(COLUMNS_HEADER) - 1)
    ws.set_column(0, 1, 24)
    ws.set_column(3, 3, 40)
    ws.set_column(4, 4, 14)
    ws.set_column(5, 5, 70)


def _sheet_label(sheet: Sheet) -> str:
    return f" [sheet '{sheet.sheet}']" if sheet.sheet else ""


def _write_results_sheet(
    book: xlsxwriter.Workbook,
    title: str,
    sheet: Sheet,
    suppliers: list[SupplierResult],
    keep: int,
    bold: object,
    fills: dict[str, object],
    cells: _XlsxCell,
) -> None:
    ws = book.add_worksheet(title)
    header = [*SOURCE_COLUMNS, *sheet.headers[:keep], *VERDICT_COLUMNS]
    for c, name in enumerate(header):
        ws.write_string(0, c, cells.text(name)[0], bold)
    score_col = len(SOURCE_COLUMNS) + keep
    for r, supplier in enumerate(suppliers, start=1):
        notes = [row_note(supplier.fields)] if row_note(supplier.fields) else []
        ws.write_string(r, 0, cells.text(sheet.file)[0])
        ws.write_string(r, 1, cells.text(sheet.sheet or "")[0])
        ws.write_number(r, 2, supplier.row)
        for c, value in enumerate(supplier.original[:keep]):
            if value:
                text, cut = cells.text(value)
                ws.write_string(r, len(SOURCE_COLUMNS) + c, text)
                if cut:
                    notes.append(
                        f"{sheet.headers[c]!r} cut at Excel's cell limit ({len(value):,} characters)"
                    )
        v = supplier.verdict
        enforced = enforcement_text(v)
        if enforced:
            ws.write_string(r, score_col, cells.text(enforced)[0])
        ws.write_number(r, score_col + 1, v.score)
        ws.write_string(r, score_col + 2, v.tier)
        ws.write_boolean(r, score_col + 3, v.presumption)
        ws.write_string(r, score_col + 4, v.track)
        text, cut = cells.text(reasons(supplier))
        ws.write_string(r, score_col + 5, text)
        if cut:
            notes.append("Reasons cut at Excel's cell limit")
        if notes:
            ws.write_string(r, score_col + 6, cells.text("; ".join(notes))[0])
    last = len(suppliers)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, last, len(header) - 1)
    ws.set_column(len(SOURCE_COLUMNS), len(header) - 3, 22)
    ws.set_column(score_col, score_col, 40)  # CBP enforcement
    ws.set_column(len(header) - 2, len(header) - 2, 90)
    ws.set_column(len(header) - 1, len(header) - 1, 40)
    letter = xlsxwriter.utility.xl_col_to_name(score_col + 2)  # the Tier
    for tier, fmt in fills.items():
        ws.conditional_format(
            1,
            0,
            max(last, 1),
            len(header) - 1,
            {"type": "formula", "criteria": f'=${letter}2="{tier}"', "format": fmt},
        )


CSV_COLUMNS = [*SOURCE_COLUMNS, *FIELDS, *CSV_VERDICT_COLUMNS]


def csv_head() -> bytes:
    """results.csv's byte-order mark (Excel reads UTF-8 by it) and header line."""
    return "\ufeff".encode() + _csv_lines([CSV_COLUMNS])


def csv_records(
    sheet: Sheet, numbers: Sequence[int], fields: Sequence[dict[str, str]], verdicts: Sequence[Verdict]
) -> bytes:
    """results.csv lines for screened rows: source, the canonical fields, the verdict, a note and the track."""
    file, label = neutralise(sheet.file), neutralise(sheet.sheet or "")
    lines = []
    for number, row_fields, v in zip(numbers, fields, verdicts, strict=True):
        row = [file, label, str(number)]
        row += [("'" + c if c[:1] in _FORMULA_FIRST else c) for c in map(row_fields.get, FIELDS, _BLANKS)]
        reasons = neutralise(verdict_reasons(v)) if v.hits else ""
        note = "" if row_fields.get("name") else NO_NAME_NOTE
        enforced = neutralise(enforcement_text(v)) if v.hits else ""
        lines.append(
            [
                *row,
                str(v.score),
                v.tier,
                "true" if v.presumption else "false",
                reasons,
                note,
                v.track,
                enforced,
            ]
        )
    return _csv_lines(lines)


def _csv_lines(rows: Sequence[Sequence[str]]) -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return text.getvalue().encode("utf-8")


def write_csv(result: ScreeningResult, handle: IO[bytes]) -> None:
    handle.write(csv_head())
    for lines in encode_held(result.suppliers, csv_records):
        handle.write(lines)
