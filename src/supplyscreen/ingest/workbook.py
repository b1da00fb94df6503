"""Workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) read with python-calamine into grids of cell texts, in a child
process with limits (:mod:`~supplyscreen.ingest.sandbox`)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Any

from supplyscreen.errors import InputError
from supplyscreen.ingest.limits import Limits, too_long_cell
from supplyscreen.ingest.sandbox import read_in_child
from supplyscreen.ingest.sheet import EMPTY_ROW, clean_label
from supplyscreen.ingest.sniff import PASSWORD_HINT, workbook_kind

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

Grid = list[list[str]]
PIECE_CELLS = 50_000  # cells a reading process sends back at a time (whole rows, at least one)
UNREADABLE_HINT = "open it in Excel and save it again as .xlsx, or export the sheet as CSV"


def workbook_pieces(data: bytes, display: str, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """A workbook checked and read, as the process that reads it sends it back, piece by piece: its kind
    (``("kind", "xlsx")``), then for every worksheet ``("sheet", name)``, its rows (cell texts, a blank row
    ``[]``) in ``("rows", […])`` pieces and ``("end", leading blank rows, merged ranges)``; a sheet of
    another type is ``("note", text)``. Only plain values, so that the parent unpickles nothing else.

    The guards (:func:`~supplyscreen.ingest.sniff.workbook_kind`) run first; python-calamine holds one sheet
    at a time, and only a piece of about ``PIECE_CELLS`` cells is held as Python objects."""
    from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum

    yield ("kind", workbook_kind(data, display, limits))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in workbook.sheets_metadata:
            name = clean_label(meta.name)
            if meta.typ != SheetTypeEnum.WorkSheet:
                yield ("note", f"{display} [sheet '{name}']: not a worksheet ({meta.typ.name}), skipped")
                continue
            yield ("sheet", name)
            yield from _sheet_pieces(
                workbook.get_sheet_by_name(meta.name), f"{display} [sheet '{name}']", limits
            )
    except PasswordError as exc:
        raise InputError(f"{display}: the workbook is password-protected", hint=PASSWORD_HINT) from exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError, InputError):
        raise
    except BaseException as exc:  # calamine raises several types for damaged files, and panics
        detail = " ".join(str(exc).split())[:160]
        raise InputError(
            f"{display}: cannot read the workbook ({type(exc).__name__}: {detail})", hint=UNREADABLE_HINT
        ) from exc


def _sheet_pieces(sheet: Any, where: str, limits: Limits) -> Iterator[tuple[Any, ...]]:
    """One sheet's rows by spreadsheet position (row 0 = row 1, column 0 = A), a piece at a time."""
    if sheet.end is None:
        yield ("end", 0, [])
        return
    # python-calamine yields rows from row 1 but columns from the first used one: put both back in place
    end_row, end_col = sheet.end
    pad = [""] * max(0, end_col + 1 - sheet.width)
    piece_rows = max(1, PIECE_CELLS // (end_col + 1))
    piece: Grid = []
    shared: dict[str, str] = {}  # one object per distinct text in a piece: pickled once, shared when read
    rows = 0
    for values in sheet.iter_rows():
        rows += 1
        cells = [v.replace("\x00", "").strip() if type(v) is str else cell_text(v) for v in values]
        if not any(cells):
            piece.append([])
        elif max(map(len, cells)) > limits.cell_chars:
            raise too_long_cell(where, f"row {rows}", limits)
        else:
            cells = list(map(shared.setdefault, cells, cells))
            piece.append([*pad, *cells] if pad else cells)
        if len(piece) >= piece_rows:
            yield ("rows", piece)
            piece, shared = [], {}
    if piece:
        yield ("rows", piece)
    merged = [[list(a), list(b)] for a, b in sheet.merged_cell_ranges or []]
    yield ("end", max(0, end_row + 1 - rows), merged)


def read_workbook(data: bytes, display: str, limits: Limits) -> tuple[str, list[tuple[str, Grid]], list[str]]:
    """A workbook's kind, its worksheets as grids of cell texts (blank rows share ``EMPTY_ROW``) and notes on
    what was skipped: checked and read in a child process (:mod:`~supplyscreen.ingest.sandbox`), so that
    neither a hostile file nor python-calamine can take this process down."""
    kind = ""
    grids: list[tuple[str, Grid]] = []
    notes: list[str] = []
    grid: Grid = []
    for piece in read_in_child(workbook_pieces, data, display, limits):
        tag = piece[0]
        if tag == "kind":
            kind = piece[1]
        elif tag == "note":
            notes.append(piece[1])
        elif tag == "sheet":
            grid = []
            grids.append((piece[1], grid))
        elif tag == "rows":
            grid.extend(row or EMPTY_ROW for row in piece[1])
        elif tag == "end":
            grid[:0] = [EMPTY_ROW] * piece[1]
            _fill_vertical_merges(grid, piece[2])
    return kind, grids, notes


def _fill_vertical_merges(grid: Grid, merged: Sequence[Any]) -> None:
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
