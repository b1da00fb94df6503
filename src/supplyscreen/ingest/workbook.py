"""Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) read with python-calamine into grids of cell texts."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from supplyscreen.errors import InputError
from supplyscreen.ingest.sheet import EMPTY_ROW, clean_label
from supplyscreen.ingest.sniff import PASSWORD_HINT

# --- cells ---------------------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: 304.87 stays '304.87', 12.0 becomes '12', dates are ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).replace("\x00", "").strip()


# --- workbooks ---------------------------------------------------------------------------------------------


def _sheet_grid(sheet: Any) -> list[list[str]]:
    """Cell texts by spreadsheet position (row 0 = row 1, column 0 = A); blank rows share ``EMPTY_ROW``."""
    if sheet.end is None:
        return []
    grid: list[list[str]] = []
    width = 0
    for values in sheet.iter_rows():
        width = len(values)
        cells = [v.replace("\x00", "").strip() if type(v) is str else cell_text(v) for v in values]
        grid.append(cells if any(cells) else EMPTY_ROW)
    # python-calamine yields rows from row 1 but columns from the first used one: put both back in place
    end_row, end_col = sheet.end
    lead_cols = max(0, end_col + 1 - width)
    if lead_cols:
        pad = [""] * lead_cols
        grid = [[*pad, *row] if row else row for row in grid]
    lead_rows = max(0, end_row + 1 - len(grid))
    if lead_rows:
        grid[:0] = [EMPTY_ROW] * lead_rows
    _fill_vertical_merges(grid, sheet.merged_cell_ranges or [])
    return grid


def _fill_vertical_merges(grid: list[list[str]], merged: Sequence[Any]) -> None:
    """A value merged down over several rows belongs to each of them (a two-row header, one supplier's
    several lines): copy it into the empty cells below, in its first column, on rows that have content."""
    for (top, left), (bottom, _right) in merged:
        if bottom <= top or top >= len(grid) or left >= len(grid[top]) or not grid[top][left]:
            continue
        value = grid[top][left]
        for r in range(top + 1, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            if row and left < len(row) and not row[left]:
                row[left] = value


def read_workbook(data: bytes, display: str) -> tuple[list[tuple[str, list[list[str]]]], list[str]]:
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

    notes: list[str] = []
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        out = []
        for meta in workbook.sheets_metadata:
            name = clean_label(meta.name)
            if meta.typ != SheetTypeEnum.WorkSheet:
                notes.append(f"{display} [sheet '{name}']: not a worksheet ({meta.typ.name}), skipped")
                continue
            out.append((name, _sheet_grid(workbook.get_sheet_by_name(meta.name))))
        return out, notes
    except PasswordError as exc:
        raise InputError(f"{display}: the workbook is password-protected", hint=PASSWORD_HINT) from exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit, InputError):
        raise
    except BaseException as exc:  # calamine raises several types for damaged files, and panics
        detail = " ".join(str(exc).split())[:160]
        raise InputError(
            f"{display}: cannot read the workbook ({type(exc).__name__}: {detail})",
            hint="open it in Excel and save it again as .xlsx, or export the sheet as CSV",
        ) from exc
