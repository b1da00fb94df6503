"""Header mapping: each header's field by its synonyms, ``--map`` corrections, forms read as one supplier,
and the account of every column, from a grid of cell texts to a :class:`~supplyscreen.ingest.sheet.Sheet`.

Where the header is and whether a sheet is a form (:mod:`supplyscreen.ingest.layout`), what a header means
(:mod:`supplyscreen.ingest.headers`, from ``headers.yaml``) and what every column is used for
(:mod:`supplyscreen.ingest.columns`) are decided in their own modules.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from supplyscreen.errors import InputError
from supplyscreen.ingest.columns import PSEUDO_FIELDS, classify, column_letter
from supplyscreen.ingest.headers import is_question, map_header
from supplyscreen.ingest.layout import (
    NO_HEADER_HINT,
    Form,
    NotAForm,
    find_form,
    find_header,
    no_header_message,
    rows_above,
)
from supplyscreen.ingest.sheet import SAMPLE_HEAD_ROWS, Sheet
from supplyscreen.normalize.text import fold, readable
from supplyscreen.rules import FIELDS


def unique_headers(raw: Sequence[str]) -> list[str]:
    """The header row as the sheet's column labels: whitespace collapsed, a blank cell labelled by its column
    letter ("Column C": a label to show and to name in ``--map``, never mapped: :func:`unnamed_header`), and
    each made unique as spreadsheets write it ("Name", "Name (2)")."""
    out: list[str] = []
    seen: set[str] = set()
    for i, header in enumerate(raw):
        text = " ".join(header.split()) if not unnamed_header(header) else f"Column {column_letter(i)}"
        name, n = text, 1
        while name.casefold() in seen:
            n += 1
            name = f"{text} ({n})"
        seen.add(name.casefold())
        out.append(name)
    return out


def unnamed_header(header: str) -> bool:
    """Whether a header cell names nothing: blank, or only characters that show nothing (zero-width, bidi
    controls)."""
    return not readable(header).strip()


# --- header detection and mapping ---------------------------------------------------------------------


FIELD_HINT = f"use one of: {', '.join(FIELDS)} (or text, skip: screen a column as text, or not)"
Fields = dict[str, list[str]]  # field (or text, skip) → the headers mapped to it


def check_field(name: str, where: str = "--map") -> str:
    """A field as named in ``--map``, a mapping form, the API or a DataFrame mapping: one of ``FIELDS``, or
    ``text`` / ``skip``; case and surrounding spaces do not matter."""
    key = name.strip().lower()
    if key not in FIELDS and key not in PSEUDO_FIELDS:
        raise InputError(f"{where} names unknown field '{name.strip()}'", hint=FIELD_HINT)
    return key


def parse_fields(value: object, where: str = "mapping") -> Fields:
    """``{"field": "Header" | ["Header", …]}`` (the API's and the forms' mapping) → ``{"field": ["Header",
    …]}``, every field and header checked."""
    if value in (None, "", {}):
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{where} must be an object of field → header", hint='e.g. {"name": "Vendor Name"}')
    out: Fields = {}
    for fname, headers in value.items():
        key = check_field(str(fname), where)
        items = [headers] if isinstance(headers, str) else headers
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(h, str) and h.strip() for h in items)
        ):
            raise InputError(f"{where} for '{key}' must be a header or a list of headers")
        out[key] = [h.strip() for h in items]
    return out


@dataclass(frozen=True)
class ColumnMaps:
    """Column corrections (``--map``): field → headers for every input, for one input (by name) or for one
    sheet of one input. For a sheet, the narrowest scope that names a field wins: sheet, then input, then
    every input. Written ``FIELD=HEADER``, ``INPUT:FIELD=HEADER`` or ``INPUT[SHEET]:FIELD=HEADER`` (Excel
    forbids ``[]:`` in sheet names), repeated for several columns of one field."""

    every: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    inputs: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    sheets: Mapping[tuple[str, str], Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def of(cls, fields: Mapping[str, Sequence[str]] | None) -> ColumnMaps:
        """Maps for every input, checked."""
        return cls().with_fields(fields or {})

    @classmethod
    def parse(cls, values: Sequence[str]) -> ColumnMaps:
        """``--map`` values as given on the command line."""
        maps = cls()
        for value in values:
            maps = maps.with_arg(value)
        return maps

    def with_arg(self, value: str) -> ColumnMaps:
        """One more ``--map`` value: ``[INPUT[SHEET]:]FIELD=HEADER`` (an input's name may hold ``=`` and
        ``:``: the scope ends at the first ``:FIELD=`` that names a field)."""
        left, sep, header = value.partition("=")
        scope, _, fname = ("", "", left) if left.strip().lower() in _NAMES else left.rpartition(":")
        found = next((m for m in _SCOPED.finditer(value) if m.group(1).lower() in _NAMES), None)
        if fname.strip().lower() not in _NAMES and found is not None:
            scope, fname, header = value[: found.start()], found.group(1), value[found.end() :]
        if not sep or not fname.strip() or not header.strip() or value.startswith(":"):
            raise InputError(f"--map {value!r} is not FIELD=HEADER", hint="e.g. --map name='Vendor Name'")
        input_name, sheet = _scope(scope)
        return self.with_fields({fname: [header]}, input_name, sheet, add=True)

    def with_fields(
        self,
        fields: Mapping[str, Sequence[str]],
        input_name: str | None = None,
        sheet: str | None = None,
        add: bool = False,
    ) -> ColumnMaps:
        """These maps with ``fields`` set for a scope (every input, one input, or one of its sheets); with
        ``add``, headers are added to those the field has there."""
        current = self.every if input_name is None else self.inputs.get(input_name, {})
        if sheet is not None:
            assert input_name is not None
            current = self.sheets.get((input_name, sheet), {})
        merged = dict(current)
        for fname, headers in fields.items():
            key = check_field(fname)
            given = tuple(h.strip() for h in headers)
            merged[key] = (*merged.get(key, ()), *given) if add else given
        if input_name is None:
            return replace(self, every=merged)
        if sheet is None:
            return replace(self, inputs={**self.inputs, input_name: merged})
        return replace(self, sheets={**self.sheets, (input_name, sheet): merged})

    def __bool__(self) -> bool:
        return bool(self.every or self.inputs or self.sheets)

    def scope_of(self, display: str) -> str | None:
        """The scope name that means the input ``display``: its name as given, or its file name."""
        names = {*self.inputs, *(name for name, _ in self.sheets)}
        for candidate in (display, Path(display).name):
            if candidate in names:
                return candidate
        return None

    def for_input(self, display: str) -> Fields:
        """The maps for every sheet of one input."""
        scope = self.scope_of(display)
        return _merge(self.every, self.inputs.get(scope, {}) if scope else {})

    def sheet_maps(self, display: str) -> dict[str, Fields]:
        """The maps set for single sheets of one input, by sheet name."""
        scope = self.scope_of(display)
        return {sheet: _merge(maps) for (name, sheet), maps in self.sheets.items() if name == scope}

    def input_names(self) -> set[str]:
        """The inputs named by a scope."""
        return {*self.inputs, *(name for name, _ in self.sheets)}

    def args(self) -> list[str]:
        """These maps as ``--map`` values (the command that gives the same results)."""
        out = [f"{f}={h}" for f, hs in self.every.items() for h in hs]
        out += [f"{name}:{f}={h}" for name, fs in self.inputs.items() for f, hs in fs.items() for h in hs]
        out += [
            f"{name}[{sheet}]:{f}={h}"
            for (name, sheet), fs in self.sheets.items()
            for f, hs in fs.items()
            for h in hs
        ]
        return out


_NAMES = frozenset([*FIELDS, *PSEUDO_FIELDS])
_SCOPED = re.compile(r":\s*([A-Za-z_]+)\s*=")  # where a scoped --map value's field starts


def _scope(text: str) -> tuple[str | None, str | None]:
    """``INPUT`` or ``INPUT[SHEET]`` → (input, sheet); "" → (None, None)."""
    text = text.strip()
    if not text:
        return None, None
    if text.endswith("]") and "[" in text:
        name, _, sheet = text[:-1].rpartition("[")
        if name.strip():
            return name.strip(), sheet
    return text, None


def _merge(*layers: Mapping[str, Sequence[str]]) -> Fields:
    out: Fields = {}
    for layer in layers:
        out.update({f: list(hs) for f, hs in layer.items()})
    return out


def _parse_overrides(overrides: Mapping[str, Sequence[str]] | None) -> Fields:
    return {check_field(fname): list(headers) for fname, headers in (overrides or {}).items()}


def _find_column(headers: Sequence[str], wanted: str) -> int | None:
    """The column a ``--map`` header names: the header as written or as it reads ("Re⟨U+200B⟩marks" is
    "Remarks"), case aside, or a column letter."""
    folded = fold(readable(wanted)).strip()
    for i, header in enumerate(headers):
        if fold(readable(header)).strip() == folded:
            return i
    if re.fullmatch(r"[A-Za-z]{1,3}", wanted):
        for i in range(len(headers)):
            if column_letter(i) == wanted.upper():
                return i
    return None


def _auto_mapping(
    headers: Sequence[str], unnamed: Collection[int] = ()
) -> tuple[dict[str, list[int]], dict[str, str]]:
    """Each header's field by its synonyms; a question is never a field (it is screened as text), nor a
    column whose header cell the file left blank (its label is made up)."""
    mapping: dict[str, list[int]] = {}
    how: dict[str, str] = {}
    for i, header in enumerate(headers):
        if i in unnamed or is_question(header):
            continue
        fname, score = map_header(header)
        if fname is None:
            continue
        mapping.setdefault(fname, []).append(i)
        how[fname] = "synonym" if score >= 100 else f"fuzzy {score:.0f}"
    return mapping, how


def unmatched_map(where: str, fname: str, header: str, headers: Sequence[str]) -> InputError:
    return InputError(
        f"{where}: --map {fname}={header!r} matches no column (columns: {', '.join(repr(h) for h in headers)})",
        hint="give the header exactly as it appears, or a column letter",
    )


NAME_HINT = "name it e.g. 'Supplier Name', or pass --map name=HEADER"


def _apply_overrides(
    headers: Sequence[str],
    wanted: Mapping[str, Sequence[str]],
    mapping: dict[str, list[int]],
    how: dict[str, str],
    where: str,
    lenient: bool,
) -> tuple[list[tuple[str, str]], list[int], list[int]]:
    """Apply ``--map`` to an automatic mapping, in place: the --map headers this sheet lacks (with
    ``lenient``; else an error), and the columns named by ``--map text=`` and ``--map skip=``."""
    unused: list[tuple[str, str]] = []
    pseudo: dict[str, list[int]] = {p: [] for p in PSEUDO_FIELDS}
    for fname, wanted_headers in wanted.items():
        cols: list[int] = []
        for wanted_header in wanted_headers:
            col = _find_column(headers, wanted_header)
            if col is None:
                if not lenient:
                    raise unmatched_map(where, fname, wanted_header, headers)
                unused.append((fname, wanted_header))
                continue
            cols.append(col)
        if not cols:
            continue
        for other in mapping.values():
            other[:] = [c for c in other if c not in cols]
        if fname in pseudo:
            pseudo[fname] += cols
            continue
        mapping[fname] = cols
        how[fname] = "--map"
    for fname in [f for f, cols in mapping.items() if not cols]:
        del mapping[fname]
        how.pop(fname, None)
    return unused, pseudo["text"], pseudo["skip"]


def build_sheet(
    display: str,
    sheet_name: str | None,
    grid: list[list[str]],
    overrides: Mapping[str, Sequence[str]] | None = None,
    lenient: bool = False,
) -> Sheet:
    """Find the header (or read the sheet as a form), map it, account for every column and collect the data
    rows from a grid of cell texts (row 0 = spreadsheet row 1). See :mod:`supplyscreen.ingest.layout` for the
    header evidence, the rows above the header and forms, :mod:`supplyscreen.ingest.columns` for the columns.

    With ``lenient`` (a workbook of several sheets), a ``--map`` header this sheet lacks leaves the field
    mapped automatically here; the caller checks that every ``--map`` header exists in some sheet."""
    where = f"{display}" + (f" [sheet '{sheet_name}']" if sheet_name else "")
    wanted = _parse_overrides(overrides)
    form = find_form(grid, wanted)
    if isinstance(form, NotAForm):
        labels = ", ".join(repr(label) for label in form.labels[:6]) + (", …" if len(form.labels) > 6 else "")
        raise InputError(f"{where}: {form.message} (labels: {labels})", hint=form.hint)
    if form is not None:
        return _form_sheet(display, sheet_name, form, wanted, where, lenient)
    choice = find_header(grid, wanted)
    if choice is None:
        raise InputError(no_header_message(where, grid), hint=NO_HEADER_HINT)
    width = max(len(r) for r in grid)
    header_idx = -1 if choice.index is None else choice.index
    raw = grid[header_idx] if header_idx >= 0 else []
    cells = [*raw, *[""] * (width - len(raw))]
    headers = unique_headers(cells)
    unnamed = frozenset(i for i, cell in enumerate(cells) if unnamed_header(cell))
    mapping, how = _auto_mapping(headers, unnamed)
    unused, user_text, user_skip = _apply_overrides(headers, wanted, mapping, how, where, lenient)
    if "name" not in mapping:
        raise InputError(
            f"{where}: no supplier name column found (headers seen: {', '.join(repr(h) for h in raw if h)})",
            hint=NAME_HINT,
        )
    sheet = Sheet(display, sheet_name, header_idx + 1, headers, mapping, how, unused_maps=unused)
    sheet.unnamed = unnamed
    sheet.evidence = choice.evidence
    for above in rows_above(grid, header_idx) if header_idx > 0 else []:
        if above.kind == "data":
            row = grid[above.number - 1]
            sheet.rows.append([*row, *[""] * (width - len(row))])
            sheet.row_numbers.append(above.number)
        sheet.notes.append(above.note(header_idx + 1))
    for offset, row in enumerate(grid[header_idx + 1 :], start=header_idx + 2):
        if not any(row):
            sheet.blank_rows += 1
            continue
        sheet.rows.append([*row, *[""] * (width - len(row))])
        sheet.row_numbers.append(offset)
    _account(sheet, user_text, user_skip)
    return sheet


def _form_sheet(
    display: str,
    sheet_name: str | None,
    form: Form,
    wanted: Mapping[str, Sequence[str]],
    where: str,
    lenient: bool,
) -> Sheet:
    """A form as a sheet of one row: the labels are its headers, the values its cells."""
    headers = unique_headers([p.label.rstrip(":： ") or p.label for p in form.pairs])
    row = [p.value for p in form.pairs]
    mapping, how = _auto_mapping(headers)
    for fname, cols in mapping.items():  # an unanswered label (a heading) is no field; a name has letters
        cols[:] = [c for c in cols if row[c] and (fname != "name" or any(ch.isalpha() for ch in row[c]))]
    unused, user_text, user_skip = _apply_overrides(headers, wanted, mapping, how, where, lenient)
    if "name" not in mapping:
        raise InputError(
            f"{where}: a form whose supplier name label has no value (labels: "
            f"{', '.join(repr(h) for h in headers[:6])})",
            hint=NAME_HINT,
        )
    sheet = Sheet(display, sheet_name, form.first_row, headers, mapping, how, unused_maps=unused)
    sheet.layout = "form"
    sheet.evidence = "question | answer header" if form.layout == "questions" else "label–value pairs"
    sheet.rows = [row]
    sheet.row_numbers = [form.name_row]
    sheet.notes = [t.note(form.first_row) for t in form.titles]
    sheet.notes.append(
        f"read as one supplier: {len(form.pairs)} labels in rows {form.pairs[0].row}–{form.pairs[-1].row}, "
        f"the supplier at row {form.name_row} (its name label)"
    )
    _account(sheet, user_text, user_skip, label_rows=[p.row for p in form.pairs])
    return sheet


def _account(
    sheet: Sheet, user_text: Sequence[int], user_skip: Sequence[int], label_rows: Sequence[int] | None = None
) -> None:
    """Decide every column's use from the sample rows (those up to row ``SAMPLE_HEAD_ROWS``, the same
    whether the file is read whole or streamed) and find the text columns with no value in any row held."""
    form = label_rows is not None
    held = sum(1 for n in sheet.row_numbers if n <= SAMPLE_HEAD_ROWS)  # rows are in row order
    sample = sheet.rows if form else sheet.rows[:held]
    decided = classify(
        sheet.headers,
        sheet.mapping,
        sheet.how,
        sample,
        user_text,
        user_skip,
        form=form,
        unnamed=sheet.unnamed,
    )
    sheet.mapping = decided.mapping
    sheet.text_columns = decided.text
    sheet.uses = decided.uses
    if label_rows is not None:
        sheet.uses = {c: dataclasses.replace(u, row=label_rows[c]) for c, u in decided.uses.items()}
    unfilled = {c for c in decided.text if not any(c < len(r) and r[c] for r in sample)}
    for row in sheet.rows[len(sample) :] if unfilled else ():
        for c in [c for c in unfilled if c < len(row) and row[c]]:
            unfilled.discard(c)
        if not unfilled:
            break
    sheet.unfilled = unfilled
