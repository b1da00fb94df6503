"""A sheet of rows with its mapping, and an input file of sheets: what every reader produces.

Every data row keeps its file, sheet and spreadsheet row number (1-based, as Excel shows it).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from supplyscreen.ingest.columns import NOT_SCREENED, TEXT, ColumnUse, empty_use
from supplyscreen.ingest.layout import HEADER_SCAN_ROWS
from supplyscreen.ingest.sources import Source
from supplyscreen.rules import FIELDS

if TYPE_CHECKING:
    from supplyscreen.ingest.text import CsvStream

EMPTY_ROW: list[str] = []  # every blank row shares it (a sheet may have a million)
SAMPLE_ROWS = 100  # data rows (after the header scan) whose cells decide the use of unmapped columns
SAMPLE_HEAD_ROWS = HEADER_SCAN_ROWS + SAMPLE_ROWS  # rows 1..this are the sample, read whole or streamed


@dataclass
class Sheet:
    """One table of one input: its header, the mapping used, what every column is used for and its data
    rows. A form (one supplier laid out as label–value pairs) is a sheet of one row whose headers are the
    labels."""

    file: str
    sheet: str | None
    header_row: int
    headers: list[str]
    mapping: dict[str, list[int]]
    how: dict[str, str]
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    blank_rows: int = 0
    unused_maps: list[tuple[str, str]] = field(default_factory=list)  # --map FIELD=HEADER absent here
    stream: CsvStream | None = None  # the rest of a streamed CSV, read chunk by chunk as it is screened
    streamed: int = 0  # data rows delivered by ``stream`` so far (they are not kept in ``rows``)
    layout: str = "table"  # or "form": label–value pairs read as one supplier
    evidence: str = ""  # why the header row is the header (see supplyscreen.ingest.layout)
    text_columns: list[int] = field(default_factory=list)  # screened as free text, into ``notes``
    uses: dict[int, ColumnUse] = field(
        default_factory=dict
    )  # every column's use (supplyscreen.ingest.columns)
    unfilled: set[int] = field(default_factory=set)  # text columns with no value in any row read so far
    unnamed: frozenset[int] = frozenset()  # columns whose header cell is blank: never mapped by their label
    notes: list[str] = field(default_factory=list)  # rows above the header, form titles: what was done

    @property
    def size(self) -> int:
        """Data rows: those held in ``rows`` and those streamed."""
        return len(self.rows) + self.streamed

    @property
    def estimated_rows(self) -> int:
        """Data rows, with a stream's rest estimated from its line count before it is read."""
        return self.size + (self.stream.estimated_rows if self.stream is not None else 0)

    def fields(self, i: int) -> dict[str, str]:
        """The canonical fields of data row ``i``: several columns mapped to one field are joined, and each
        column screened as text adds ``"{header}: {value}"`` to ``notes`` (after a mapped notes column; an
        unnamed column adds its value alone).

        A row whose name cell is empty has no ``name`` key at all (see :func:`row_note`): it is screened on
        its other fields, never dropped.
        """
        return self.field_reader()(self.rows[i])

    def field_reader(self) -> Callable[[Sequence[str]], dict[str, str]]:
        """:meth:`fields` of a row's cells, for many rows: the mapping is looked at once."""
        single = [(f, cols[0]) for f in FIELDS if len(cols := self.mapping.get(f) or []) == 1]
        joined = [(f, cols) for f in FIELDS if len(cols := self.mapping.get(f) or []) > 1]
        order = [f for f in FIELDS if self.mapping.get(f)]
        # notes is the last field; an unnamed column's made-up label ("Column C") is not the file's text
        text = [(c, "" if c in self.unnamed else f"{self.headers[c]}: ") for c in self.text_columns]

        def read(row: Sequence[str]) -> dict[str, str]:
            width = len(row)
            out = {f: row[c] if c < width else "" for f, c in single}
            for f, cols in joined:
                out[f] = " | ".join(row[c] for c in cols if c < width and row[c])
            if joined:
                out = {f: out[f] for f in order}
            if text:
                extra = [prefix + row[c] for c, prefix in text if c < width and row[c]]
                if extra:
                    mapped = out.get("notes")
                    out["notes"] = " | ".join([mapped, *extra] if mapped else extra)
            if not out.get("name"):
                out.pop("name", None)
            return out

        return read

    def chunks(self, size: int) -> Iterator[tuple[int, list[int], list[list[str]]]]:
        """The data rows in chunks of ``size``: (index of the first, row numbers, cells). Rows held in
        memory come first, then those of the stream, which are counted in ``streamed`` and not kept."""
        for start in range(0, len(self.rows), size):
            yield start, self.row_numbers[start : start + size], self.rows[start : start + size]
        if self.stream is not None:
            for numbers, rows in self.stream.chunks(self, size):
                start = self.size
                self.streamed += len(rows)
                yield start, numbers, rows

    @property
    def complete(self) -> bool:
        """Whether every row has been read (a streamed sheet is complete once screened)."""
        return self.stream is None or self.stream.done

    def columns(self) -> list[ColumnUse]:
        """Every column's use, in column order. A text column with no value in any row is, once every row
        has been read, *not screened* ("empty"); until then it is screened where filled."""
        out = []
        for c in range(len(self.headers)):
            use = self.uses.get(c) or ColumnUse(c, self.headers[c], NOT_SCREENED, "not read")
            if c in self.unfilled and self.complete:
                use = empty_use(use)
            out.append(use)
        return out

    def describe_mapping(self) -> str:
        parts = [
            f"{fname} ← {', '.join(repr(self.headers[c]) for c in self.mapping[fname])}"
            for fname in FIELDS
            if self.mapping.get(fname)
        ]
        return "; ".join(parts)

    def describe_layout(self) -> str:
        """Where the table is: its header row (and why), or the form's rows."""
        if self.layout == "form":
            return f"form of label–value pairs from row {self.header_row}, one supplier (row {self.row_numbers[0]})"
        if self.header_row == 0:
            return "no header row (columns named by letter)"
        why = {"typed data below": " (text labels above numbers or codes)", "--map": " (named by --map)"}
        return f"header row {self.header_row}{why.get(self.evidence, '')}"

    def describe_columns(self, limit: int | None = None) -> list[str]:
        """The column account in two lines: columns screened as text, and those not screened with why
        (each list cut after ``limit`` columns, saying how many more)."""
        uses = self.columns()
        out = []
        for use, title in ((TEXT, "screened as text (into notes)"), (NOT_SCREENED, "not screened")):
            items = [u.describe() for u in uses if u.use == use]
            if not items:
                continue
            more = f"; and {len(items) - limit:,} more" if limit is not None and len(items) > limit else ""
            out.append(f"{title}: {'; '.join(items[:limit])}{more}")
        return out

    def columns_json(self) -> dict[str, object]:
        """This sheet in ``results.json``'s ``run.inputs[].sheets``."""
        return {
            "sheet": self.sheet,
            "layout": self.layout,
            "header_row": self.header_row,
            "rows": self.size,
            "columns": [u.as_json() for u in self.columns()],
            "notes": list(self.notes),
        }


NO_NAME_NOTE = "no supplier name: screened on the other fields only"


def row_note(fields: Mapping[str, str]) -> str:
    """Why a row's result needs a second look, or "": a row without a supplier name."""
    return "" if fields.get("name") else NO_NAME_NOTE


@dataclass
class InputFile:
    """One input read: its source (the name it is shown by, and where its bytes are), content hash, kind
    and sheets; ``skipped`` says what was left out and why."""

    source: Source
    sha256: str
    kind: str
    sheets: list[Sheet]
    skipped: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(s.size for s in self.sheets)

    @property
    def estimated_rows(self) -> int:
        """Data rows, with a streamed CSV's rest estimated from its line count before it is read."""
        return sum(s.estimated_rows for s in self.sheets)

    @property
    def display(self) -> str:
        """The name messages and reports show: the path as given, or an upload's name."""
        return self.source.name

    def read_bytes(self) -> bytes:
        """The input's bytes again (an annotated copy is made from them)."""
        return self.source.read_bytes()


def clean_label(text: str) -> str:
    """A sheet name fit for one line of output: control characters shown as '?'."""
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
