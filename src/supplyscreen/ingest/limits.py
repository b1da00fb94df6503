"""How much reading one input may cost: the size bounds every reader checks and the resources of the process
that reads a workbook (:mod:`~supplyscreen.ingest.sandbox`). Each is a setting
(:class:`~supplyscreen.settings.Settings`, ``SUPPLYSCREEN_MAX_CELLS`` …), read from the environment when an
input is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from supplyscreen.errors import InputError
from supplyscreen.settings import LIMITS, env_name, env_setting

MB = 1_000_000  # the limits' MB, so that a message shows the number set
BIG_HINT = "split it into smaller workbooks or export each sheet as CSV"  # for a workbook over a limit


@dataclass(frozen=True)
class Limits:
    """The bounds on reading one input; ``Limits.from_env({})`` holds the defaults."""

    cells: int  # rows × columns of a workbook sheet's used range, repeats written out
    cell_chars: int  # characters in one cell
    line_bytes: int  # bytes in one line of a CSV file
    expanded_bytes: int  # a workbook's parts unpacked, and its cells' text written out
    memory_bytes: int  # address space the reading process may add to what it starts with
    cpu_seconds: int  # CPU time of the reading process

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits set by ``SUPPLYSCREEN_*`` variables (of ``environ``, default the process's), each
        read alone: another setting's bad value does not stop a file being read."""
        values = {name: env_setting(name, environ) for name in LIMITS}
        for name, value in values.items():
            if value <= 0:
                raise InputError(f"{env_name(name)} must be positive", hint="unset it for the default")
        return cls(
            cells=int(values["max_cells"]),
            cell_chars=int(values["max_cell_chars"]),
            line_bytes=int(values["max_line_mb"] * MB),
            expanded_bytes=int(values["max_expanded_mb"] * MB),
            memory_bytes=int(values["read_memory_mb"] * MB),
            cpu_seconds=int(values["read_cpu_seconds"]),
        )

    @property
    def wall_seconds(self) -> float:
        """How long the reading process may take by the clock: three times its CPU time, for a busy machine."""
        return 3.0 * self.cpu_seconds

    @property
    def output_bytes(self) -> int:
        """The most the reading process may send back: the cells' text, and a few bytes of framing each."""
        return self.expanded_bytes + 16 * self.cells


def size_text(n: float) -> str:
    """A byte count as people read it: ``1.1 GB``, ``60 MB``, ``1,000 bytes``."""
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n:,.0f} bytes"


def too_long_cell(where: str, row: str, limits: Limits) -> InputError:
    """The one-line error for a cell over the cell-size limit (``row``: "row 2", "line 2")."""
    return InputError(
        f"{where}: refused: {row} has a cell of more than {limits.cell_chars:,} characters",
        hint="shorten that cell or split its text over several cells; the limit is SUPPLYSCREEN_MAX_CELL_CHARS",
    )


class LineBound:
    """The lines of a text fed block by block, checked against ``limits.line_bytes``: refuses the first line
    longer than that (up to a line feed, or a carriage return in a file without them) before the rest is
    read. Each block is searched backwards from one limit's length ahead, so a file of short lines costs a
    few searches per limit's length, and one count of its line feeds (for the message)."""

    def __init__(self, display: str, limits: Limits) -> None:
        self.display, self.limit = display, limits.line_bytes
        self.run = 0  # bytes of the current line in earlier blocks
        self.lines = 0  # line ends in earlier blocks

    def feed(self, block: bytes) -> None:
        start = -self.run  # where the current line starts, relative to this block
        while start + self.limit < len(block):
            low = max(start, 0)
            end = _last_line_end(block, low, start + self.limit + 1)
            if end < 0:
                line = self.lines + _line_ends(block, 0, low) + 1
                raise InputError(
                    f"{self.display}: refused: line {line:,} is longer than {size_text(self.limit)} (a CSV line "
                    "is a row of cells, far shorter)",
                    hint="check that this is a CSV export; the limit is SUPPLYSCREEN_MAX_LINE_MB",
                )
            start = end + 1
        end = _last_line_end(block, max(start, 0), len(block))
        self.run = len(block) - (end + 1 if end >= 0 else start)
        self.lines += _line_ends(block, 0, len(block))


def _last_line_end(block: bytes, start: int, end: int) -> int:
    """The last line feed in ``block[start:end]``, else the last carriage return (an old Mac export), or -1."""
    found = block.rfind(b"\n", start, end)
    return found if found >= 0 else block.rfind(b"\r", start, end)


def _line_ends(block: bytes, start: int, end: int) -> int:
    """Line ends in ``block[start:end]``: line feeds, or carriage returns where there are none."""
    return block.count(b"\n", start, end) or block.count(b"\r", start, end)
