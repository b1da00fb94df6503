"""Screening runs in the background, over the library API.

A run's files live in the database; to screen, they are written to a private temporary directory under
names the app chooses (``input-1.xlsx``, ``rules-1.yaml``), never under the names the user gave. The names
the user gave are put back on the results (``InputFile.display`` and ``Sheet.file``) so that the reports
read exactly as the CLI's would for ``supplyscreen screen <name>``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from supplyscreen.errors import InputError, RulesError, SupplyscreenError
from supplyscreen.ingest.columns import PSEUDO_FIELDS
from supplyscreen.ingest.read import InputFile, Sheet, read_input
from supplyscreen.pipeline import screen as api
from supplyscreen.report import write_reports
from supplyscreen.rules import FIELDS, default_rules_dir, load_rules
from supplyscreen.store import REPORT_FORMATS, Run, Store, now
from supplyscreen.web.uploads import Upload, rule_file, spreadsheet, watchlist

log = logging.getLogger("supplyscreen.web")

PREVIEW_ROWS = 3


def lists_supported() -> bool:
    """Whether the library screens against watchlists yet (``api.screen(lists=…)``)."""
    return "lists" in inspect.signature(api.screen).parameters


def error_dict(exc: SupplyscreenError) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "message": exc.message,
        "hint": exc.hint,
        "problems": list(getattr(exc, "problems", []) or []),
    }


def _renamed(exc: SupplyscreenError, names: Mapping[str, str]) -> SupplyscreenError:
    """The same error with temporary paths replaced by the names the user gave."""

    def fix(text: str | None) -> str | None:
        if text is None:
            return None
        for path, name in sorted(names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(path, name)
        return text

    if isinstance(exc, RulesError):
        return RulesError(fix(exc.message) or "", [fix(p) or "" for p in exc.problems], fix(exc.hint))
    clone = type(exc).__new__(type(exc))
    SupplyscreenError.__init__(clone, fix(exc.message) or "", fix(exc.hint))
    return clone


# --- files on disk ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Workspace:
    """A run's files written under app-chosen names in a temporary directory."""

    root: Path
    inputs: list[tuple[Path, str]]
    rules_dir: Path | None
    lists: list[tuple[Path, str]]

    @property
    def names(self) -> dict[str, str]:
        out = {str(p): n for p, n in [*self.inputs, *self.lists]}
        if self.rules_dir is not None:
            out.update({str(self.rules_dir / p.name): n for p, n in self._rule_names})
            out[str(self.rules_dir)] = "uploaded rules"
        return out

    _rule_names: list[tuple[Path, str]] = dataclasses.field(default_factory=list)

    @property
    def layers(self) -> list[Path] | None:
        return [default_rules_dir(), self.rules_dir] if self.rules_dir is not None else None


def write_workspace(
    root: Path,
    inputs: Sequence[Upload],
    rules: Sequence[Upload] = (),
    lists: Sequence[Upload] = (),
) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    paths: list[tuple[Path, str]] = []
    for i, up in enumerate(inputs, start=1):
        path = root / f"input-{i}.{up.ext}"
        path.write_bytes(up.data)
        paths.append((path, up.name))
    rules_dir = None
    rule_names: list[tuple[Path, str]] = []
    if rules:
        rules_dir = root / "rules"
        rules_dir.mkdir()
        for i, up in enumerate(rules, start=1):
            path = rules_dir / f"rules-{i}.yaml"
            path.write_bytes(up.data)
            rule_names.append((path, up.name))
    list_paths = []
    if lists:
        (root / "lists").mkdir()
        for i, up in enumerate(lists, start=1):
            path = root / "lists" / f"list-{i}.{up.ext}"
            path.write_bytes(up.data)
            list_paths.append((path, up.name))
    return Workspace(root, paths, rules_dir, list_paths, rule_names)


def check_rules(rules: Sequence[Upload]) -> None:
    """Validate uploaded rule files layered over the bundled rules; raises RulesError naming them."""
    if not rules:
        return
    with tempfile.TemporaryDirectory(prefix="supplyscreen-rules-") as tmp:
        ws = write_workspace(Path(tmp), [], rules)
        try:
            load_rules(ws.layers)
        except SupplyscreenError as exc:
            raise _renamed(exc, ws.names) from None


# --- the map step -----------------------------------------------------------------------------------


def preview(uploads: Sequence[Upload], sheet: str | None = None) -> list[dict[str, Any]]:
    """The detected header row and column mapping of every sheet of every file, without screening."""
    out = []
    with tempfile.TemporaryDirectory(prefix="supplyscreen-preview-") as tmp:
        ws = write_workspace(Path(tmp), uploads)
        for (path, name), up in zip(ws.inputs, uploads, strict=True):
            entry: dict[str, Any] = {"name": name, "kind": up.ext, "rows": 0, "sheets": [], "skipped": []}
            try:
                f = read_input(path, sheet=sheet)
            except SupplyscreenError as exc:
                entry["error"] = error_dict(_renamed(exc, ws.names))
                out.append(entry)
                continue
            entry["kind"] = f.kind
            entry["rows"] = f.rows
            entry["skipped"] = [_renamed(InputError(n), ws.names).message for n in f.skipped]
            entry["sheets"] = [_sheet_preview(sh) for sh in f.sheets]
            out.append(entry)
    return out


def _sheet_preview(sh: Sheet) -> dict[str, Any]:
    return {
        "sheet": sh.sheet or "",
        "header_row": sh.header_row,
        "rows": len(sh.rows),
        "headers": sh.headers,
        "mapping": {f: [sh.headers[c] for c in sh.mapping[f]] for f in FIELDS if sh.mapping.get(f)},
        "how": {f: sh.how.get(f, "") for f in FIELDS if sh.mapping.get(f)},
        "sample": sh.rows[:PREVIEW_ROWS],
        "layout": sh.describe_layout(),
        "columns": [u.as_json() for u in sh.columns()],  # every column's use: field, text, not screened
        "notes": list(sh.notes),
    }


def parse_mapping(value: Any) -> dict[str, list[str]]:
    """``{"field": "Header" | ["Header", …]}`` as given to the API → ``{"field": ["Header", …]}``. Besides the
    canonical fields, ``text`` screens columns as free text and ``skip`` leaves them unscreened."""
    if value in (None, "", {}):
        return {}
    if not isinstance(value, dict):
        raise InputError("mapping must be an object of field → header", hint='e.g. {"name": "Vendor Name"}')
    out: dict[str, list[str]] = {}
    for fname, headers in value.items():
        if fname not in FIELDS and fname not in PSEUDO_FIELDS:
            raise InputError(
                f"mapping names unknown field '{fname}'",
                hint=f"use one of: {', '.join([*FIELDS, *PSEUDO_FIELDS])}",
            )
        items = [headers] if isinstance(headers, str) else headers
        if (
            not isinstance(items, list)
            or not all(isinstance(h, str) and h.strip() for h in items)
            or not items
        ):
            raise InputError(f"mapping for '{fname}' must be a header or a list of headers")
        out[fname] = [h.strip() for h in items]
    return out


def cli_equivalent(run: Run) -> str | None:
    """The ``supplyscreen screen`` command that gives the same reports, when there is one."""
    import shlex

    opts = run.options
    if opts.get("sheet_mapping"):
        return None
    parts = ["supplyscreen", "screen", *(shlex.quote(f.name) for f in run.inputs)]
    if run.files_of("rules"):
        parts += ["--rules", "RULES_DIR"]
    for f in run.files_of("list"):
        parts += ["--list", shlex.quote(f.name)]
    if opts.get("sheet"):
        parts += ["--sheet", shlex.quote(str(opts["sheet"]))]
    for fname, headers in (opts.get("mapping") or {}).items():
        for header in headers:
            parts += ["--map", shlex.quote(f"{fname}={header}")]
    return " ".join(parts)


# --- screening --------------------------------------------------------------------------------------


class Progress:
    """Rows screened / all rows, written to the run a few times a second at most."""

    def __init__(self, store: Store, run_id: str, total: int) -> None:
        self.store, self.run_id, self.total = store, run_id, total
        self.done = 0
        self._last = 0.0

    def expect(self, rows: int) -> None:
        self.total = max(self.total, self.done + rows)

    def add(self, rows: int) -> None:
        self.done += rows
        self.total = max(self.total, self.done)
        if time.monotonic() - self._last > 0.25:
            self._last = time.monotonic()
            self.store.set_progress(self.run_id, self.done, self.total)


def screen_workspace(
    ws: Workspace,
    options: Mapping[str, Any],
    progress: Progress | None = None,
) -> api.ScreeningResult:
    """Screen a workspace as ``supplyscreen screen`` would; per-sheet mapping corrections screen those
    sheets one at a time and the parts are put together in input order."""
    names = ws.names
    sheet = options.get("sheet") or None
    mapping = options.get("mapping") or {}
    # {"<input index>": [["<sheet name>", {field: [header, …]}], …]} — every sheet of a corrected file
    per_sheet: Mapping[str, Sequence[tuple[str, Mapping[str, list[str]]]]] = (
        options.get("sheet_mapping") or {}
    )
    per_file: Mapping[str, Mapping[str, list[str]]] = options.get("file_mapping") or {}
    extra: dict[str, Any] = {}
    if ws.lists and lists_supported():
        extra["lists"] = [p for p, _ in ws.lists]

    def named(display: str) -> Callable[[InputFile], None]:
        def on_input(f: InputFile) -> None:
            f.display = display
            for sh in f.sheets:
                sh.file = display

        return on_input

    def screen(path: Path, display: str, **kwargs: Any) -> api.ScreeningResult:
        if progress is not None:
            extra["on_start"] = progress.expect
            extra["on_progress"] = progress.add
        return api.screen([path], ws.layers, on_input=named(display), **kwargs, **extra)

    parts: list[api.ScreeningResult] = []
    try:
        for index, (path, display) in enumerate(ws.inputs):
            corrections = per_sheet.get(str(index)) or []
            if not corrections:
                whole = {**mapping, **(per_file.get(str(index)) or {})}
                parts.append(screen(path, display, sheet=sheet, mapping=whole))
                continue
            pieces = []
            for sheet_name, correction in corrections:
                merged = {**mapping, **correction}
                pieces.append(screen(path, display, sheet=sheet_name or None, mapping=merged))
            first = pieces[0].inputs[0]
            combined = InputFile(
                first.path,
                first.display,
                first.sha256,
                first.kind,
                [sh for p in pieces for sh in p.inputs[0].sheets],
                [note for p in pieces for note in p.inputs[0].skipped],
            )
            parts.append(
                dataclasses.replace(
                    pieces[0],
                    inputs=[combined],
                    suppliers=[s for p in pieces for s in p.suppliers],
                    finished_at=pieces[-1].finished_at,
                )
            )
    except SupplyscreenError as exc:
        raise _renamed(exc, names) from None
    result = dataclasses.replace(
        parts[0],
        inputs=[f for p in parts for f in p.inputs],
        suppliers=[s for p in parts for s in p.suppliers],
        finished_at=parts[-1].finished_at,
    )
    for entry in result.lists:
        if isinstance(entry.get("path"), str) and entry["path"] in names:
            entry["path"] = names[entry["path"]]
    return result


def render_reports(result: api.ScreeningResult, out_dir: Path) -> dict[str, bytes]:
    """The report bytes, written by the same ``write_reports`` the CLI uses."""
    paths = write_reports(result, out_dir, REPORT_FORMATS, force=True)
    return {fmt: path.read_bytes() for fmt, path in zip(REPORT_FORMATS, paths, strict=True)}


def execute(store: Store, run_id: str) -> None:
    """Screen one stored run and keep its results and reports. Errors are recorded on the run."""
    run = store.get_run(run_id)
    if run is None:
        return
    total = sum(int(p.get("rows") or 0) for p in run.options.get("preview") or [])
    store.update_run(run_id, status="running", started_at=now(), progress_done=0, progress_total=total)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="supplyscreen-run-") as tmp:
            inputs = [spreadsheet(f.name, store.file_bytes(f.sha256)) for f in run.inputs]
            rules = [rule_file(f.name, store.file_bytes(f.sha256)) for f in run.files_of("rules")]
            lists = [watchlist(f.name, store.file_bytes(f.sha256)) for f in run.files_of("list")]
            ws = write_workspace(Path(tmp), inputs, rules, lists)
            result = screen_workspace(ws, run.options, Progress(store, run_id, total))
            reports = render_reports(result, Path(tmp) / "out")
        store.save_result(run_id, result, reports, seconds=round(time.perf_counter() - started, 3))
    except SupplyscreenError as exc:
        store.fail(run_id, error_dict(exc))
    except Exception as exc:  # the run fails; the server goes on
        log.exception("screening run %s failed", run_id)
        store.fail(
            run_id,
            {
                "type": "UnexpectedError",
                "message": f"unexpected {type(exc).__name__} while screening",
                "hint": "the server log has the details; please report this",
                "problems": [],
            },
        )


class Runner:
    """A small pool of screening threads. Requests only queue work and return at once."""

    def __init__(self, store: Store, workers: int = 2) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="supplyscreen-screen")
        self._futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, run_id: str) -> None:
        with self._lock:
            self._futures[run_id] = self._pool.submit(execute, self.store, run_id)

    def wait(self, run_id: str, timeout: float) -> None:
        with self._lock:
            future = self._futures.get(run_id)
        if future is not None:
            with contextlib.suppress(TimeoutError):
                future.exception(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
