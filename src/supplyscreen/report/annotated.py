"""``--format annotated``: the user's own workbook given back with the verdict beside every screened row.

For an ``.xlsx``/``.xlsm`` input the workbook is opened with openpyxl and saved as a copy: every sheet, its
formatting, formulas, merged cells, comments, filters and charts stay as they were. On each screened sheet
five columns — ``supplyscreen score``, ``… tier``, ``… presumption``, ``… track``, ``… reasons`` — are added
right of the data (titled on the header row the screening found, with a comment saying what each holds; a
form gets them as five more label–value pairs), every screened row is coloured by its tier (conditional
formatting, so the cells' own fills are untouched), and a last sheet, the legend, explains the columns, tiers
and tracks and lists what was screened. A CSV (or a workbook openpyxl cannot open: .xls,
.ods, .xlsb) becomes a new ``.xlsx`` holding its cells as text, each at its row and column, with the same
columns added: the row numbers of every report point at the same rows here.

The input is opened again only once it has been screened, and only if its bytes are still those screened
(their sha256): openpyxl opens an ``.xlsx`` only after the guards and the read in a child process
(:mod:`~supplyscreen.ingest.sandbox`) passed on the same bytes, and any other workbook is read again through
that child.

Supplier text is untrusted: whatever this module writes (the reasons, a CSV's cells, file and sheet names) is
neutralised so that no spreadsheet reads it as a formula, and characters XML cannot hold are replaced. The
user's own cells, formulas included, are never rewritten.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries

from supplyscreen.errors import InputError, OutputError
from supplyscreen.ingest.limits import Limits
from supplyscreen.ingest.sheet import InputFile, Sheet, clean_label
from supplyscreen.ingest.text import read_csv
from supplyscreen.ingest.workbook import read_workbook
from supplyscreen.normalize.text import fold
from supplyscreen.pipeline.screen import ScreeningResult
from supplyscreen.report.tables import (
    TIER_COLOURS,
    XLSX_MAX_COLS,
    XLSX_MAX_ROWS,
    neutralise,
    truncated,
    verdict_reasons,
)
from supplyscreen.score import TIERS, TRACK_LABELS, TRACKS, Verdict

SUFFIX = ".annotated.xlsx"
# the added columns' titles: named so that screening an annotated copy again leaves them unscreened
# (headers.yaml, "a verdict added by supplyscreen")
ADDED = (
    "supplyscreen score",
    "supplyscreen tier",
    "supplyscreen presumption",
    "supplyscreen track",
    "supplyscreen reasons",
)
WIDTHS = (8, 9, 13, 15, 90)
LEGEND_SHEET = "supplyscreen"
AUTHOR = "supplyscreen"


def annotated_names(inputs: Sequence[str | Path]) -> list[str]:
    """The annotated copy's file name for each input: ``<input stem>.annotated.xlsx``, made unique within the
    run (``vendors (2).annotated.xlsx``) and safe as a file name (no separators or control characters)."""
    out: list[str] = []
    used: set[str] = set()
    for path in inputs:
        stem = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]', "_", Path(path).stem).strip(" .") or "input"
        stem = stem[:120]
        name, n = f"{stem}{SUFFIX}", 1
        while name.casefold() in used:
            n += 1
            name = f"{stem} ({n}){SUFFIX}"
        used.add(name.casefold())
        out.append(name)
    return out


def _text(value: str) -> str:
    """Text this module writes: no formula, no character XML cannot hold, within Excel's cell limit."""
    return truncated(ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(value)))


def _put_text(ws: Any, row: int, column: int, value: str) -> Any:
    """A string cell, never read as a formula (openpyxl would take a leading "=" as one)."""
    cell = ws.cell(row=row, column=column)
    cell.value = _text(value)
    cell.data_type = "s"
    return cell


@dataclass
class _Placed:
    """Where the columns went on one sheet, for the legend."""

    sheet: Sheet
    title: str
    first: int = 0  # the first added column (1-based), 0 when the sheet was not found
    where: str = "none"  # the added columns (or, on a form, the added rows) as the legend names them
    rows: int = 0
    notes: list[str] = field(default_factory=list)


def write_annotated(result: ScreeningResult, source: InputFile, handle: IO[bytes]) -> None:
    """Write ``source`` — one input of ``result`` — with its verdicts as an ``.xlsx`` to ``handle``."""
    try:
        data = source.read_bytes()
    except InputError as exc:
        raise OutputError(
            f"{exc.message} (reading it again for the annotated copy)",
            hint="keep the input in place until the reports are written",
        ) from exc
    if hashlib.sha256(data).hexdigest() != source.sha256:
        raise OutputError(
            f"{source.display}: changed since it was screened; no annotated copy written",
            hint="screen it again",
        )
    verdicts: dict[int, dict[int, Verdict]] = {id(sh): {} for sh in source.sheets}
    for supplier in result.suppliers:
        by_row = verdicts.get(id(supplier.sheet))
        if by_row is not None:
            by_row[supplier.row] = supplier.verdict
    notes: list[str] = []
    book = _open(data, source, notes) if source.kind == "xlsx" else None
    kept = book is not None
    if book is not None:  # worksheets by name as the reader shows it
        sheets = {clean_label(ws.title): ws for ws in book.worksheets}
    else:
        book, sheets = _rebuild(data, source)
    placed = [_annotate_sheet(sheets.get(sh.sheet or ""), sh, verdicts[id(sh)]) for sh in source.sheets]
    _legend(book, result, source, placed, kept, notes)
    if kept:
        book.calculation.fullCalcOnLoad = True  # openpyxl keeps formulas, not their last values
    buffer = io.BytesIO()
    book.save(buffer)
    handle.write(buffer.getvalue())


def _open(data: bytes, source: InputFile, notes: list[str]) -> Any:
    """The workbook as openpyxl reads it (formulas as formulas, rich text kept), or None when it cannot."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), rich_text=True, keep_links=True)
        except Exception as exc:  # openpyxl raises many types for what it cannot read
            notes.append(
                f"openpyxl cannot open this workbook ({type(exc).__name__}: {' '.join(str(exc).split())[:160]}): "
                "its cells are written here as text, without the original formatting or formulas"
            )
            return None
    lost = sorted({" ".join(str(w.message).split()) for w in caught})
    notes += [f"not carried over (openpyxl: {message})" for message in lost]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    if any(n.startswith("xl/media/") for n in names) or any(
        n.startswith("xl/drawings/drawing") for n in names
    ):
        notes.append(
            "the workbook has drawings: charts are kept, but pictures and shapes may not be (openpyxl keeps "
            "pictures only with Pillow installed, and no shapes)"
        )
    if any(n.startswith("xl/vbaProject") for n in names):
        notes.append("the workbook's macros are not carried over: the copy is a plain .xlsx")
    return book


def _rebuild(data: bytes, source: InputFile) -> tuple[Any, dict[str, Any]]:
    """A new workbook with the input's cells as the screening read them, as text, each in its place; and
    its worksheets by input sheet name ("" for a CSV)."""
    limits = Limits.from_env()
    if source.kind.startswith("csv"):  # the readers the screening used (a workbook's in a child process)
        grids = [("", read_csv(data, source.display, limits)[0])]
    else:
        grids = read_workbook(data, source.display, limits)[1]
    book = openpyxl.Workbook()
    book.remove(book.active)
    headers = {sh.sheet or "": sh.header_row for sh in source.sheets}
    used: set[str] = {LEGEND_SHEET}
    sheets: dict[str, Any] = {}
    for name, grid in grids:
        width = max((len(r) for r in grid), default=0)
        if len(grid) > XLSX_MAX_ROWS or width + len(ADDED) > XLSX_MAX_COLS:
            raise OutputError(
                f"{source.display}: {len(grid):,} rows of {width:,} columns do not fit an .xlsx sheet with the "
                f"verdict columns ({XLSX_MAX_ROWS:,} rows, {XLSX_MAX_COLS:,} columns)",
                hint="choose --format json or csv for this input",
            )
        ws = sheets[name] = book.create_sheet(_title(name or Path(source.display).stem, used))
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                if value:
                    _put_text(ws, r, c, value)
        header = headers.get(name, 0)
        if header:
            for cell in ws[header]:
                cell.font = Font(bold=True)
            ws.freeze_panes = ws.cell(row=header + 1, column=1)
        for c in range(1, width + 1):
            ws.column_dimensions[get_column_letter(c)].width = 20
    return book, sheets


def _title(base: str, used: set[str]) -> str:
    """A worksheet title: no characters Excel forbids, at most 31 characters, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\\x00-\x1f\x7f]", " ", base).strip(" '") or "Sheet"
    title, n = base[:31], 1
    while title.casefold() in used:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.casefold())
    return title


def _last_column(ws: Any, rows: Iterable[int], width: int) -> int:
    """The last column holding anything: a value in any row, or a merged range over the rows written."""
    last = width
    for (_r, c), cell in ws._cells.items():  # only the cells that exist, not the whole used rectangle
        if c > last and cell.value is not None:
            last = c
    wanted = set(rows)
    for merged in ws.merged_cells.ranges:
        if merged.max_col > last and any(merged.min_row <= r <= merged.max_row for r in wanted):
            last = merged.max_col
    return last


_FILLS = {
    tier: PatternFill("solid", start_color=colour[1:], end_color=colour[1:])
    for tier, colour in TIER_COLOURS.items()
}
_MEANINGS = (
    "0–100: the points of the row's findings, capped at 100.",
    "high, medium, low or clear, by the score (high whenever the presumption applies).",
    "TRUE when a direct DPRK-labour nexus was found (DPRK origin, DPRK nationals in the workforce, a "
    "designated DPRK labour exporter): the goods are deemed made with forced labour under CAATSA §321(b) "
    "(22 U.S.C. 9241a) unless CBP finds otherwise on clear and convincing evidence.",
    "the legal track: " + "; ".join(f"{t} ({TRACK_LABELS[t]})" for t in TRACKS) + ".",
    "every finding: indicator [field: “the text it was found in”] and its points. Supplier text that a "
    "spreadsheet would read as a formula starts with an apostrophe here.",
)
_COMMENTS = {
    title: f"Added by supplyscreen — {meaning} The '{LEGEND_SHEET}' sheet explains the columns."
    for title, meaning in zip(ADDED, _MEANINGS, strict=True)
}


def _annotate_sheet(ws: Any, sheet: Sheet, verdicts: dict[int, Verdict]) -> _Placed:
    """Add the columns to the worksheet the screening read as ``sheet`` (None: not found)."""
    placed = _Placed(sheet, sheet.sheet or "")
    if ws is None:
        placed.notes.append("the sheet was not found in the workbook; no columns added")
        return placed
    placed.title = ws.title
    rows = sorted(verdicts)
    placed.rows = len(rows)
    if sheet.layout == "form":
        if rows:
            _annotate_form(ws, sheet, verdicts[rows[0]], placed)
        return placed
    written = [*([sheet.header_row] if sheet.header_row else []), *rows]
    first = _last_column(ws, written, len(sheet.headers)) + 1
    if first + len(ADDED) - 1 > XLSX_MAX_COLS:
        placed.notes.append(
            f"no room right of the data (Excel's {XLSX_MAX_COLS:,}-column limit); no columns added"
        )
        return placed
    placed.first = first
    placed.where = f"{get_column_letter(first)}–{get_column_letter(first + len(ADDED) - 1)}"
    if sheet.header_row:
        _headers(ws, sheet.header_row, first, len(sheet.headers))
    styles: dict[str, Any] = {}  # a tier's fill set once, then its style shared (setting fills is slow)
    for r in rows:
        v = verdicts[r]
        reasons = verdict_reasons(v)
        values: list[object] = [v.score, v.tier, v.presumption, v.track]
        cells = [ws.cell(row=r, column=first + k, value=value) for k, value in enumerate(values)]
        cells.append(_put_text(ws, r, first + 4, reasons) if reasons else ws.cell(row=r, column=first + 4))
        style = styles.get(v.tier)
        if style is None:
            cells[0].fill = _FILLS[v.tier]
            style = styles[v.tier] = cells[0]._style
        for cell in cells:
            cell._style = copy(style)
    for k, width in enumerate(WIDTHS):
        ws.column_dimensions[get_column_letter(first + k)].width = width
    if rows:
        tier_col = get_column_letter(first + 1)
        area = f"A{rows[0]}:{get_column_letter(first - 1)}{rows[-1]}"
        for tier in TIERS:
            ws.conditional_formatting.add(
                area, FormulaRule(formula=[f'${tier_col}{rows[0]}="{tier}"'], fill=_FILLS[tier])
            )
    _widen_filter(ws, sheet.header_row, first)
    return placed


def _headers(ws: Any, row: int, first: int, width: int) -> None:
    """The added columns' titles on the header row, styled as its last title, bold, each with a comment."""
    model = ws.cell(row=row, column=max(1, min(width, first - 1)))
    for k, title in enumerate(ADDED):
        cell = _put_text(ws, row, first + k, title)
        if model.has_style:
            cell._style = copy(model._style)
        font = copy(model.font)
        font.bold = True
        cell.font = font
        comment = Comment(_COMMENTS[title], AUTHOR)
        comment.width, comment.height = 300, 90
        cell.comment = comment


def _annotate_form(ws: Any, sheet: Sheet, v: Verdict, placed: _Placed) -> None:
    """A form (one supplier in label–value pairs) gets the verdict as five more pairs below its last one,
    in its label and value columns — laid out as the form is, so it reads as a form again."""
    name_row = sheet.row_numbers[0]
    label_col = _label_column(ws, sheet, name_row)
    cols = (label_col, label_col + 1)
    last = max([name_row, *(u.row for u in sheet.uses.values() if u.row is not None)])
    for (r, c), cell in ws._cells.items():
        if c in cols and r > last and cell.value is not None:
            last = r
    start = last + 1
    while any(_merged(ws, r, c) for r in range(start, start + len(ADDED)) for c in cols):
        start += 1
    values: list[object] = [v.score, v.tier, v.presumption, v.track, verdict_reasons(v)]
    for k, (title, value) in enumerate(zip(ADDED, values, strict=True)):
        label = _put_text(ws, start + k, label_col, title)
        label.font = Font(bold=True)
        label.comment = Comment(_COMMENTS[title], AUTHOR)
        if isinstance(value, str):
            cell = (
                _put_text(ws, start + k, label_col + 1, value) if value else ws.cell(start + k, label_col + 1)
            )
        else:
            cell = ws.cell(row=start + k, column=label_col + 1, value=value)
        cell.fill = _FILLS[v.tier]
    placed.first = label_col
    span = f"{get_column_letter(label_col)}–{get_column_letter(label_col + 1)}"
    placed.where = f"rows {start}–{start + len(ADDED) - 1} in {span}"


def _label_column(ws: Any, sheet: Sheet, row: int) -> int:
    """The column of a form's labels: where the supplier name's label is, on its row."""
    label = sheet.headers[sheet.mapping["name"][0]]
    texts: list[tuple[int, str]] = [
        (c, " ".join(str(cell.value).split()).rstrip(":： "))
        for (r, c), cell in sorted(ws._cells.items())
        if r == row and isinstance(cell.value, str) and cell.value.strip()
    ]
    for c, text in texts:
        if fold(text) == fold(label):
            return c
    return texts[0][0] if texts else 1


def _merged(ws: Any, row: int, column: int) -> bool:
    return any(
        m.min_row <= row <= m.max_row and m.min_col <= column <= m.max_col for m in ws.merged_cells.ranges
    )


def _widen_filter(ws: Any, header_row: int, first: int) -> None:
    """An autofilter over the header row and the data, up to the last data column, takes in the added
    columns, so the rows can be filtered by tier."""
    ref = ws.auto_filter.ref
    if not ref or not header_row:
        return
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (TypeError, ValueError):
        return
    if min_row == header_row and max_col == first - 1:
        ws.auto_filter.ref = (
            f"{get_column_letter(min_col)}{min_row}:{get_column_letter(first + len(ADDED) - 1)}{max_row}"
        )


def _legend(
    book: Any,
    result: ScreeningResult,
    source: InputFile,
    placed: list[_Placed],
    kept: bool,
    notes: list[str],
) -> None:
    """The last sheet: what was added, what the columns, tiers and tracks mean, and what was screened."""
    ws = book.create_sheet(_title(LEGEND_SHEET, {s.title.casefold() for s in book.worksheets}))
    bold = Font(bold=True)
    r = 0

    def line(*values: object, font: Font | None = None, fill: PatternFill | None = None) -> None:
        nonlocal r
        r += 1
        for c, value in enumerate(values, start=1):
            cell = (
                _put_text(ws, r, c, value)
                if isinstance(value, str)
                else ws.cell(row=r, column=c, value=value)
            )
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if font is not None:
                cell.font = font
            if fill is not None and c == 1:
                cell.fill = fill

    tiers = result.rules.tiers
    line(
        f"Screened by supplyscreen {result.tool_version} on {result.started_at}",
        font=Font(bold=True, size=13),
    )
    what = (
        "A copy of the workbook: every sheet, its formatting and formulas are as they were (formulas are "
        "recalculated when the copy is opened)."
        if kept
        else "The input's cells, as text, each at its row and column (a CSV, or a workbook that cannot be "
        "copied with its formatting)."
    )
    line(
        f"Input: {source.display} (sha256 {source.sha256}). {what} On each screened sheet five columns were "
        "added right of the data, and each screened row is coloured by its tier (conditional formatting: "
        "Home › Conditional Formatting › Clear Rules removes the colours)."
    )
    r += 1
    line("Column", "What it holds", font=bold)
    tier_meaning = (
        f"high (score ≥ {tiers.high}, or the presumption), medium (≥ {tiers.medium}), low (≥ {tiers.low}) "
        "or clear (below)."
    )
    for title, meaning in zip(ADDED, _MEANINGS, strict=True):
        line(title, tier_meaning if title == ADDED[1] else meaning)
    r += 1
    line("Tier", "Colour", font=bold)
    for tier in TIERS:
        line(tier, f"rows at tier {tier}", fill=_FILLS[tier])
    r += 1
    line("Sheet", "Header row", "Columns added", "Rows screened", "Columns read", font=bold)
    for p in placed:
        sh = p.sheet
        header = (
            "form (label–value pairs)"
            if sh.layout == "form"
            else (str(sh.header_row) if sh.header_row else "none (columns by letter)")
        )
        line(p.title, header, p.where, p.rows, sh.describe_mapping())
        for note in p.notes:
            line("", note)
    for note in [*source.skipped, *notes]:
        line("Note", note)
    r += 1
    line("Rule set sha256", result.rules.sha256)
    for watchlist in result.lists:
        line("Watchlist", f"{watchlist.get('path', '')} (sha256 {watchlist.get('sha256', '')})")
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    for col in "CDE":
        ws.column_dimensions[col].width = 18
