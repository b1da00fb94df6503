"""One request model: what to screen and how. The CLI's options and the web app's forms and JSON API both
build a :class:`ScreenRequest`; it builds the :class:`~supplyscreen.pipeline.screener.Screener`, reads the
inputs, and gives the ``supplyscreen screen`` command that does the same (shown for a web run)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from supplyscreen.errors import InputError
from supplyscreen.ingest.mapping import ColumnMaps
from supplyscreen.ingest.read import prepare
from supplyscreen.ingest.sheet import InputFile
from supplyscreen.ingest.sources import Source
from supplyscreen.ingest.watchlist import ListSource
from supplyscreen.pipeline.screen import read_inputs
from supplyscreen.pipeline.screener import Screener
from supplyscreen.report import DEFAULT_FORMATS
from supplyscreen.rules import MARKETS, RuleLayer, layered


@dataclass(frozen=True)
class ScreenRequest:
    """Inputs (each a path or bytes with the name it is shown by), column maps (for every input, one input
    or one sheet), the sheet to screen, rule layers over the bundled rules, watchlists (their OFAC
    companion files among them or beside them), report formats and where to screen."""

    inputs: tuple[Source, ...]
    maps: ColumnMaps = field(default_factory=ColumnMaps)
    sheet: str | None = None
    rules: tuple[RuleLayer, ...] = ()
    lists: tuple[Source | ListSource, ...] = ()
    formats: tuple[str, ...] = DEFAULT_FORMATS
    workers: int = 1
    scheduler: str | None = None
    markets: tuple[str, ...] = MARKETS  # whose law the reports show (--market)

    def screener(self) -> Screener:
        """The rules (bundled, then ``rules``) and lists loaded and compiled: RulesError or InputError
        naming the file at fault. The process that reads workbooks starts meanwhile."""
        prepare(self.inputs)
        return Screener.build(
            layered(self.rules),
            self.lists,
            workers=self.workers,
            scheduler=self.scheduler,
            markets=self.markets,
        )

    def read(
        self, stream: bool = False, on_input: Callable[[InputFile], None] | None = None
    ) -> list[InputFile]:
        """Every input read with its maps (see :func:`~supplyscreen.pipeline.screen.read_inputs`)."""
        self.check_maps()
        return read_inputs(self.inputs, self.sheet, self.maps, stream, on_input)

    def check_maps(self) -> None:
        """A map for one input names an input of this request (by its name as given, or its file name)."""
        names = {n for s in self.inputs for n in (s.name, s.name.replace("\\", "/").rsplit("/", 1)[-1])}
        unknown = sorted(self.maps.input_names() - names)
        if unknown:
            raise InputError(
                f"--map names input '{unknown[0]}', which is not screened",
                hint=f"inputs: {', '.join(s.name for s in self.inputs)}",
            )

    def options(self) -> dict[str, Any]:
        """The sheet and the maps as a stored run keeps them: ``mapping`` for every input, ``file_mapping``
        by input index, ``sheet_mapping`` by input index as ``[[sheet, maps], …]``."""
        out: dict[str, Any] = {
            "mapping": {f: list(hs) for f, hs in self.maps.every.items()},
            "sheet": self.sheet,
        }
        if set(self.markets) != set(MARKETS):
            out["markets"] = list(self.markets)
        per_input: dict[str, dict[str, list[str]]] = {}
        per_sheet: dict[str, list[list[Any]]] = {}
        for i, source in enumerate(self.inputs):
            scope = self.maps.scope_of(source.name)
            if scope is not None and scope in self.maps.inputs:
                per_input[str(i)] = {f: list(hs) for f, hs in self.maps.inputs[scope].items()}
            sheets = self.maps.sheet_maps(source.name)
            if sheets:
                per_sheet[str(i)] = [[name, fields] for name, fields in sheets.items()]
        if per_input:
            out["file_mapping"] = per_input
        if per_sheet:
            out["sheet_mapping"] = per_sheet
        return out

    @staticmethod
    def maps_of(options: Mapping[str, Any], names: Sequence[str]) -> ColumnMaps:
        """The maps of stored run options (see :meth:`options`) for inputs named ``names``, in order."""
        maps = ColumnMaps.of(options.get("mapping"))
        for key, fields in (options.get("file_mapping") or {}).items():
            maps = maps.with_fields(fields, names[int(key)])
        for key, sheets in (options.get("sheet_mapping") or {}).items():
            for sheet, fields in sheets:
                if fields:
                    maps = maps.with_fields(fields, names[int(key)], sheet)
        return maps

    def args(self) -> list[str]:
        """The ``supplyscreen screen`` arguments that make this request (files by the names given)."""
        out = [s.name for s in self.inputs]
        for layer in self.rules:
            out += ["--rules", layer.name]
        for item in self.lists:
            sources = [item.source, *item.companions] if isinstance(item, ListSource) else [item]
            for source in sources:
                out += ["--list", source.name]
        if self.sheet:
            out += ["--sheet", self.sheet]
        for value in self.maps.args():
            out += ["--map", value]
        if set(self.formats) != set(DEFAULT_FORMATS):
            out += ["--format", ",".join(self.formats)]
        if set(self.markets) != set(MARKETS):
            out += ["--market", ",".join(self.markets)]
        return out

    def command(self) -> str:
        """:meth:`args` as one shell command line, every argument quoted as the shell needs."""
        return shlex.join(["supplyscreen", "screen", *self.args()])
