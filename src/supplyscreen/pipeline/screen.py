"""The library API: one function that reads and screens spreadsheets and returns results — a thin wrapper
over :class:`~supplyscreen.pipeline.screener.Screener`, which the CLI and the web app use directly."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from supplyscreen.ingest.mapping import ColumnMaps
from supplyscreen.ingest.read import prepare, read_input
from supplyscreen.ingest.sheet import InputFile
from supplyscreen.ingest.sources import SourceLike
from supplyscreen.ingest.watchlist import ListSource
from supplyscreen.pipeline.backends import Chunk, Encoder
from supplyscreen.pipeline.results import Progress, ScreeningResult, SupplierResult
from supplyscreen.pipeline.screener import Screener
from supplyscreen.rules import MARKETS, RuleLayer

__all__ = ["ScreeningResult", "SupplierResult", "read_inputs", "screen"]


def read_inputs(
    inputs: Sequence[SourceLike | InputFile],
    sheet: str | None = None,
    mapping: Mapping[str, Sequence[str]] | ColumnMaps | None = None,
    stream: bool = False,
    on_input: Callable[[InputFile], None] | None = None,
) -> list[InputFile]:
    """Read every input (an :class:`InputFile` already read, e.g. a DataFrame's rows, is kept as it is),
    calling ``on_input`` with each once all are read."""
    files = [
        given if isinstance(given, InputFile) else read_input(given, sheet, mapping, stream)
        for given in inputs
    ]
    for input_file in files:
        if on_input is not None:
            on_input(input_file)
    return files


def screen(
    inputs: Sequence[SourceLike | InputFile],
    rules_dirs: Sequence[RuleLayer | str | Path] | None = None,
    sheet: str | None = None,
    mapping: Mapping[str, Sequence[str]] | ColumnMaps | None = None,
    on_input: Callable[[InputFile], None] | None = None,
    lists: Sequence[SourceLike | ListSource] = (),
    on_start: Callable[[int], None] | None = None,
    on_progress: Progress | None = None,
    workers: int = 1,
    encoders: Mapping[str, Encoder] | None = None,
    on_chunk: Callable[[Chunk], None] | None = None,
    keep: bool = True,
    scheduler: str | None = None,
    markets: Sequence[str] = MARKETS,
) -> ScreeningResult:
    """Read, match and score every row of every input. Raises SupplyscreenError subclasses on bad input.

    ``rules_dirs`` are rule layers (None: the bundled rules alone) and ``lists`` watchlists (paths, bytes or
    :class:`ListSource` s with OFAC's companion files); see :meth:`Screener.build`. ``on_input`` is called
    with each file as read (:func:`read_inputs`); ``on_start`` with the (estimated) total number of rows
    once all are open; the rest is :meth:`Screener.screen`'s. ``workers`` > 1 screens large sheets in that
    many forked processes (not from a multi-threaded program such as the web app); with ``scheduler`` (a
    Dask scheduler address, or "local"), rows are screened on a Dask cluster instead. With ``keep`` false,
    CSV files stream. ``markets`` (``us``, ``eu``) are those whose law the reports show."""
    prepare([given for given in inputs if not isinstance(given, InputFile)])  # starts while the rules load
    with Screener.build(rules_dirs, lists, workers=workers, scheduler=scheduler, markets=markets) as screener:
        files = read_inputs(inputs, sheet, mapping, stream=not keep, on_input=on_input)
        if on_start is not None:
            on_start(sum(f.estimated_rows for f in files))
        return screener.screen(
            files, keep=keep, encoders=encoders, on_chunk=on_chunk, on_progress=on_progress
        )
