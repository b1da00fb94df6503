"""Reading one input: a spreadsheet given as a path, bytes or a binary file object (with the name it is
shown by) into sheets of rows with their mapping. This module only dispatches: the file type and its
guards (:mod:`~supplyscreen.ingest.sniff`), CSV text and streaming (:mod:`~supplyscreen.ingest.text`),
workbooks (:mod:`~supplyscreen.ingest.workbook`), the header mapping (:mod:`~supplyscreen.ingest.mapping`)
and the sheets themselves (:mod:`~supplyscreen.ingest.sheet`) each have their own module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from supplyscreen.errors import InputError
from supplyscreen.ingest.limits import Limits
from supplyscreen.ingest.mapping import ColumnMaps, build_sheet, unmatched_map
from supplyscreen.ingest.sandbox import start_reader
from supplyscreen.ingest.sheet import InputFile, Sheet
from supplyscreen.ingest.sniff import CONTAINERS, WORKBOOK_SUFFIXES, not_a_spreadsheet, sniff
from supplyscreen.ingest.sources import Source, SourceLike
from supplyscreen.ingest.text import read_bytes, read_text_table, stream_csv
from supplyscreen.ingest.workbook import Grid, read_workbook

__all__ = ["InputFile", "Sheet", "read_input"]


def read_input(
    source: SourceLike,
    sheet: str | None = None,
    overrides: Mapping[str, Sequence[str]] | ColumnMaps | None = None,
    stream: bool = False,
    name: str | None = None,
    limits: Limits | None = None,
) -> InputFile:
    """Read one spreadsheet into sheets of rows with their mapping. Raises InputError, only, naming the input
    by ``name`` (else the path as given).

    ``overrides`` are ``--map`` corrections (field → headers, or :class:`ColumnMaps` with per-input and
    per-sheet scopes). With ``stream``, a CSV file on disk that decodes cleanly is read only as far as its
    header: the rest of its rows come from ``Sheet.chunks`` as they are screened (see
    :class:`~supplyscreen.ingest.text.CsvStream`). A workbook is checked and read in a child process; every
    read is bounded by ``limits`` (default: the settings, :meth:`Limits.from_env`)."""
    src = Source.of(source, name)
    limits = limits or Limits.from_env()
    maps = overrides if isinstance(overrides, ColumnMaps) else ColumnMaps.of(overrides)
    if stream and sheet is None and src.suffix not in WORKBOOK_SUFFIXES and not maps.sheet_maps(src.name):
        streamed = stream_csv(src, maps.for_input(src.name), limits)
        if streamed is not None:
            return streamed
    data = read_bytes(src, limits)
    if not data.strip():
        raise InputError(f"{src.name}: the file is empty", hint="export the supplier list again")
    kind, grids, notes = _grids(src, data, limits)
    result = InputFile(src, hashlib.sha256(data).hexdigest(), kind, [], notes)
    _add_sheets(result, _chosen(grids, sheet, src.name), maps, sheet is not None)
    return result


def prepare(sources: Sequence[SourceLike]) -> None:
    """Start the process that reads workbooks now if any of ``sources`` is one (by its first bytes), so that
    it starts while the rules and lists load rather than when the first workbook is read."""
    for source in sources:
        if not isinstance(source, str | Path | Source | bytes):
            continue  # a file object is read once, when it is read
        try:
            workbook = sniff(Source.of(source).head(8)) in CONTAINERS
        except InputError:
            continue  # a missing file: reading it says so
        if workbook:
            start_reader()
            return


def _grids(src: Source, data: bytes, limits: Limits) -> tuple[str, list[tuple[str, Grid]], list[str]]:
    """The file's kind, its sheets as grids of cell texts (trailing blank rows dropped) and notes."""
    what = sniff(data)
    if what in CONTAINERS:  # parsed: guards and reader in a child process
        kind, grids, notes = read_workbook(data, src.name, limits)
    elif what == "text":
        rows, kind, notes = read_text_table(data, src, limits)
        grids = [("", rows)]
    else:
        raise not_a_spreadsheet(src.name, what)
    for _, grid in grids:
        while grid and not grid[-1]:
            grid.pop()  # trailing blank rows (a million formatted ones, say) are not part of the table
    return kind, grids, notes


def _chosen(grids: list[tuple[str, Grid]], sheet: str | None, display: str) -> list[tuple[str, Grid]]:
    """The sheet asked for (``--sheet``), or all of them."""
    if sheet is None:
        return grids
    chosen = [(name, grid) for name, grid in grids if name == sheet]
    if not chosen:
        raise InputError(
            f"{display}: no sheet named '{sheet}'",
            hint=f"sheets in this file: {', '.join(name for name, _ in grids) or 'none'}",
        )
    return chosen


def _add_sheets(result: InputFile, grids: list[tuple[str, Grid]], maps: ColumnMaps, one: bool) -> None:
    """Build every sheet with its maps; a sheet that cannot be read is skipped with a note when another
    can, else its error is raised. ``one``: a single sheet was asked for."""
    display = result.display
    wide = maps.for_input(display)
    per_sheet = maps.sheet_maps(display)
    missing = [s for s in per_sheet if s not in {name for name, _ in grids}]
    if missing:
        raise InputError(
            f"{display}: no sheet named '{missing[0]}' for --map",
            hint=f"sheets in this file: {', '.join(name for name, _ in grids) or 'none'}",
        )
    problems: list[InputError] = []
    for name, grid in grids:
        where = f"{display}" + (f" [sheet '{name}']" if name else "")
        if not grid:
            result.skipped.append(f"{where}: empty, skipped")
            continue
        own = per_sheet.get(name, {})
        try:
            built = build_sheet(display, name or None, grid, {**wide, **own}, lenient=len(grids) > 1)
        except InputError as exc:
            problems.append(exc)
            continue
        for fname, header in built.unused_maps:
            if header in own.get(fname, ()):  # a map for this very sheet must match
                raise unmatched_map(where, fname, header, built.headers)
            result.skipped.append(f"{where}: no column {header!r} for --map {fname}, mapped automatically")
        result.sheets.append(built)
        if not built.rows:
            result.skipped.append(f"{where}: header only (row {built.header_row}), no data rows")
    if problems and (not result.sheets or one):
        raise problems[0]
    _check_unused(result, wide)
    for problem in problems:
        result.skipped.append(f"{problem.message}, skipped")
    if not result.sheets:
        raise InputError(f"{display}: no data in any sheet", hint="check you exported the right file")


def _check_unused(result: InputFile, wide: Mapping[str, Sequence[str]]) -> None:
    """A ``--map`` header that no sheet has is a typo."""
    for fname, headers in wide.items():
        for header in headers:
            if result.sheets and all((fname, header) in sh.unused_maps for sh in result.sheets):
                first = result.sheets[0]
                label = result.display + (f" [sheet '{first.sheet}']" if first.sheet else "")
                raise unmatched_map(label, fname, header, first.headers)
