"""Screening a pandas DataFrame: its rows are read as a spreadsheet given to ``supplyscreen screen`` is — the
header's evidence, the automatic mapping (or yours), the account of every column — and screened by the same
code (:func:`supplyscreen.pipeline.screen.screen`); the verdicts come back as columns of a copy of the frame."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from supplyscreen.errors import InputError
from supplyscreen.ingest.mapping import build_sheet, check_field, unique_headers
from supplyscreen.ingest.sheet import InputFile
from supplyscreen.ingest.sources import Source
from supplyscreen.ingest.workbook import cell_text
from supplyscreen.pipeline.screener import Screener
from supplyscreen.report.tables import verdict_reasons
from supplyscreen.rules import layered
from supplyscreen.score import TIERS

RESULT_COLUMNS = ("score", "tier", "presumption", "track", "reasons")
# the tier as an ordered categorical: ``out.sort_values("tier", ascending=False)``, ``out[out.tier >= "medium"]``
TIER_DTYPE = pd.CategoricalDtype(list(reversed(TIERS)), ordered=True)
MAPPING_HINT = "pass mapping={'name': COLUMN, ...} with column labels as in df.columns"

ColumnLabels = Hashable | Sequence[Hashable]


def screen_frame(
    df: pd.DataFrame,
    mapping: Mapping[str, ColumnLabels] | None = None,
    rules: str | Path | Sequence[str | Path] | None = None,
    lists: Sequence[str | Path] = (),
    *,
    workers: int = 1,
    name: str = "DataFrame",
    screener: Screener | None = None,
) -> pd.DataFrame:
    """Screen every row of ``df`` and return a copy with five columns added: ``score`` (0–100), ``tier``
    (an ordered categorical: clear < low < medium < high), ``presumption`` (bool: the CAATSA §321(b)
    presumption applies), ``track`` (``dprk_origin``, ``detention``, ``presumption``, ``due_diligence`` or ``none``) and
    ``reasons`` (the findings in one line, as in the Reasons column of ``results.xlsx``). The index, the row
    order and the original columns are kept; a row with no content at all is ``clear``.

    The columns are mapped to the canonical fields (``id``, ``name``, ``country``, ``address``,
    ``description``, ``hs_code``, ``vessel``, ``notes``) by their labels, as ``supplyscreen screen`` maps a
    header row, and every other column is screened as free text or not, as there. ``mapping`` overrides it
    like ``--map``: ``{field: column label or [labels]}``, also ``"text"`` (screen as free text) and
    ``"skip"`` (do not screen). ``rules`` are rule directories layered over the bundled rules (``--rules``);
    ``lists`` watchlist files (``--list``); ``workers`` > 1 screens 20,000 rows or more in forked processes.
    A ``screener`` (:class:`~supplyscreen.pipeline.screener.Screener`, built once) screens many frames
    without loading and compiling the rules and lists again; ``rules``, ``lists`` and ``workers`` are then
    its own.
    The index is not screened (``df.reset_index()`` makes it a column). Raises :class:`InputError` for a
    mapping naming an unknown field or column, a frame without a supplier name column, or result columns
    that ``df`` already has.

    >>> import pandas as pd
    >>> from supplyscreen import screen_frame
    >>> df = pd.DataFrame(
    ...     {"Supplier": ["Hunchun Xinyuan Aquatic Products", "Brennerwerk GmbH"],
    ...      "Country": ["China", "Germany"],
    ...      "Notes": ["About 40 North Korean workers in the plant", ""]},
    ...     index=["V-1", "V-2"])
    >>> out = screen_frame(df)
    >>> out[["score", "tier", "presumption", "track"]]
         score   tier  presumption        track
    V-1    100   high         True  presumption
    V-2      0  clear        False         none
    >>> print(out.loc["V-1", "reasons"].split("; ")[0])
    North Korean nationals in the workforce [notes: “About 40 North Korean workers in the plant”] +90
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"screen_frame needs a pandas DataFrame, not {type(df).__name__}")
    taken = [c for c in RESULT_COLUMNS if c in df.columns]
    if taken:
        raise InputError(
            f"{name}: already has the column(s) {', '.join(map(repr, taken))} that screening adds",
            hint=f"rename or drop them first, e.g. df.drop(columns={taken!r})",
        )
    labels = [_label(c) for c in df.columns]  # the header row, a blank label left blank (unnamed)
    headers = unique_headers(labels)  # as the sheet will name its columns (a blank one by its letter)
    overrides = _overrides(df.columns, headers, mapping, name)
    out = df.copy()
    verdicts: dict[int, tuple[int, str, bool, str, str]] = {}
    if len(df.columns):
        grid = [labels, *([cell_text(_plain(v)) for v in row] for row in df.to_numpy(dtype=object))]
        try:
            sheet = build_sheet(name, None, grid, overrides)
        except InputError as exc:
            raise InputError(exc.message, hint=MAPPING_HINT) from exc
        digest = hashlib.sha256("\x1e".join("\x1f".join(row) for row in grid).encode("utf-8")).hexdigest()
        source = InputFile(Source(name), digest, "DataFrame", [sheet])
        if screener is not None:
            result = screener.screen([source])
        else:
            layers = layered([rules] if isinstance(rules, str | Path) else list(rules or ()))
            with Screener.build(layers, lists, workers=workers) as own:
                result = own.screen([source])
        for s in result.suppliers:
            v = s.verdict
            # grid row r (0 the header) is spreadsheet row r + 1 and the frame's position r - 1
            verdicts[s.row - 2] = (v.score, v.tier, v.presumption, v.track, verdict_reasons(v))
    clear = (0, "clear", False, "none", "")
    values = [verdicts.get(i, clear) for i in range(len(df))]
    out["score"] = np.array([v[0] for v in values], dtype=np.int64)
    out["tier"] = pd.Categorical([v[1] for v in values], dtype=TIER_DTYPE)
    out["presumption"] = np.array([v[2] for v in values], dtype=bool)
    out["track"] = pd.array([v[3] for v in values], dtype="str")
    out["reasons"] = pd.array([v[4] for v in values], dtype="str")
    return out


def _plain(value: Any) -> Any:
    """A cell as :func:`cell_text` reads it: numpy scalars as Python ones, missing values (NaN, NaT,
    ``pd.NA``, None) as None."""
    if isinstance(value, np.generic):
        value = value.item()
    try:
        missing = pd.isna(value)
    except (TypeError, ValueError):
        return value
    return None if missing is True else value


def _label(label: Hashable) -> str:
    """A column label as a header's text: a tuple of a MultiIndex joined, whitespace collapsed."""
    parts = label if isinstance(label, tuple) else (label,)
    return " ".join(" ".join("" if p is None else str(p) for p in parts).split())


def _overrides(
    columns: pd.Index, headers: list[str], mapping: Mapping[str, ColumnLabels] | None, name: str
) -> dict[str, list[str]]:
    """``mapping`` as ``--map`` overrides (field → header texts), every field and column checked."""
    out: dict[str, list[str]] = {}
    for given, labels in (mapping or {}).items():
        field = check_field(str(given), f"{name}: mapping")
        several = isinstance(labels, list) or (isinstance(labels, tuple) and labels not in list(columns))
        wanted: list[Hashable] = list(labels) if several else [labels]  # type: ignore[arg-type]
        if not wanted:
            raise InputError(f"{name}: mapping {field!r} names no column", hint=MAPPING_HINT)
        for label in wanted:
            found = [i for i, c in enumerate(columns) if c == label] or [
                i
                for i, c in enumerate(columns)
                if _label(c) == _label(label) and not isinstance(label, tuple)
            ]
            if not found:
                shown = ", ".join(repr(c) for c in columns[:20]) + (", …" if len(columns) > 20 else "")
                raise InputError(
                    f"{name}: mapping {field}={label!r} matches no column (columns: {shown or 'none'})",
                    hint="give a column label exactly as it is in df.columns",
                )
            out.setdefault(field, []).extend(headers[i] for i in found)
    return out
