"""Reports: HTML, XLSX, JSON and CSV, and annotated copies of the inputs, each written atomically into the
output directory."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from supplyscreen.errors import OutputError
from supplyscreen.leftovers import part_prefix, remove_stale_parts
from supplyscreen.pipeline.backends import Chunk, Encoder
from supplyscreen.pipeline.results import JsonBody, ScreeningResult, json_records
from supplyscreen.pipeline.screen import screen
from supplyscreen.report.html import write_html
from supplyscreen.report.tables import csv_head, csv_records, write_csv, write_xlsx

if TYPE_CHECKING:
    from supplyscreen.review.diff import RunDiff

FORMATS = ("html", "json", "xlsx", "csv", "annotated")
DEFAULT_FORMATS = ("html", "json", "xlsx")
STREAMED = ("json", "csv")  # formats written chunk by chunk during the screening, in bounded memory
ENCODERS: dict[str, Encoder] = {"json": json_records, "csv": csv_records}
FILENAMES = {"html": "report.html", "json": "results.json", "xlsx": "results.xlsx", "csv": "results.csv"}
ANNOTATED = "annotated"  # one file per input, named after it: see report.annotated.annotated_names


def parse_formats(text: str) -> list[str]:
    wanted = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise OutputError(
            f"unknown format '{','.join(unknown) or text}'", hint=f"use some of: {','.join(FORMATS)}"
        )
    return list(dict.fromkeys(wanted))


def atomic_write(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write through a temporary file in the same directory and rename it into place."""
    os.replace(_write_temp(path, write), path)


def write_file(path: str | Path, data: bytes, force: bool = False) -> Path:
    """Write one file (a comparison, a dossier) as the reports are written: refused when it exists, unless
    ``force``, and written whole to a ``.part`` file first, then renamed into place."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"--out {target} is a directory", hint="give a file name")
    if os.path.lexists(target) and not force:
        raise OutputError(
            f"{target} already exists", hint="pass --force to overwrite, or choose another --out"
        )
    if not target.parent.is_dir():
        raise OutputError(f"{target.parent} is not a directory", hint="create it, or choose another --out")

    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    try:
        atomic_write(target, write)
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: {exc.strerror or exc}", hint="check the disk and permissions"
        ) from exc
    return target


def _write_temp(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write ``path``'s content to a hidden ``.part`` file beside it (named after its writer:
    :func:`supplyscreen.leftovers.part_prefix`); the caller renames it into place."""
    fd, tmp = tempfile.mkstemp(prefix=part_prefix(path), suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; reports get the usual permissions
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


_UMASK = _umask()


def report_targets(
    out_dir: str | Path, formats: Sequence[str], inputs: Sequence[str | Path] = ()
) -> list[tuple[str, Path]]:
    """(format, path) of every report: one per format, and for ``annotated`` one per input."""
    out = Path(out_dir)
    targets: list[tuple[str, Path]] = []
    for fmt in formats:
        if fmt == ANNOTATED:  # (openpyxl is imported only for this format)
            from supplyscreen.report.annotated import annotated_names

            targets += [(fmt, out / name) for name in annotated_names(inputs)]
        else:
            targets.append((fmt, out / FILENAMES[fmt]))
    return targets


def check_out_dir(
    out_dir: str | Path, formats: Sequence[str], force: bool = False, inputs: Sequence[str | Path] = ()
) -> list[Path]:
    """The report paths in ``out_dir``; OutputError when it is not a directory or a report exists (unless
    ``force``). Report names are fixed — but for the annotated copies, named after the input files (their
    names made safe, see :func:`~supplyscreen.report.annotated.annotated_names`): no sheet or supplier text ever becomes part of a path."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputError(
            f"--out {out} is a file, not a directory", hint="choose a directory for the reports"
        )
    targets = [path for _, path in report_targets(out, formats, inputs)]
    existing = [p for p in targets if os.path.lexists(p)]
    if existing and not force:
        raise OutputError(
            f"{existing[0]} already exists", hint="pass --force to overwrite, or choose another --out"
        )
    return targets


def _make_out_dir(out: Path) -> None:
    """Create ``out`` if needed, and remove the ``.part`` files that killed runs left in it (their writer is
    gone: :func:`supplyscreen.leftovers.stale_parts`)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create {out}: {exc.strerror}", hint="choose a writable --out directory"
        ) from exc
    remove_stale_parts(out)


@contextmanager
def _part(path: Path) -> Iterator[IO[bytes]]:
    """An open hidden ``.part`` file beside ``path`` (its ``name`` is its path), gone after the block
    unless :func:`_complete` and a rename made it the report."""
    fd, tmp = tempfile.mkstemp(prefix=part_prefix(path), suffix=".part", dir=path.parent)
    os.close(fd)
    handle = open(tmp, "w+b")  # noqa: SIM115  # closed below
    try:
        yield handle
    finally:
        handle.close()
        Path(tmp).unlink(missing_ok=True)


class StreamSink:
    """Where screened chunks go as they come: the JSON records to a spool (the head, which counts every
    row, is written last), the CSV lines straight to their ``.part`` file."""

    def __init__(self, parts: dict[str, IO[bytes]], spool: IO[bytes] | None, targets: list[Path]) -> None:
        self.parts, self.spool, self.targets = parts, spool, targets
        self.body = JsonBody(spool) if spool is not None else None
        if "csv" in parts:
            parts["csv"].write(csv_head())

    @property
    def encoders(self) -> dict[str, Encoder]:
        """What each chunk is encoded with, where it is screened."""
        return {fmt: ENCODERS[fmt] for fmt in self.parts}

    def write(self, chunk: Chunk) -> None:
        if self.body is not None:
            self.body.write(chunk.encoded["json"])
        if "csv" in self.parts:
            self.parts["csv"].write(chunk.encoded["csv"])

    def finish(self, result: ScreeningResult) -> list[Path]:
        """Complete every report and rename them all into place; their paths."""
        if self.spool is not None:
            handle = self.parts["json"]
            handle.write(result.json_head())
            self.spool.flush()
            self.spool.seek(0)
            shutil.copyfileobj(self.spool, handle, 1 << 24)
            handle.write(result.JSON_TAIL)
        for part in self.parts.values():
            _complete(part)
        for part, path in zip(self.parts.values(), self.targets, strict=True):
            os.replace(part.name, path)
        return self.targets


@contextmanager
def streamed_reports(
    out_dir: str | Path, formats: Sequence[str] = STREAMED, force: bool = False
) -> Iterator[StreamSink]:
    """The JSON and CSV reports written chunk by chunk as the rows are screened (pass the sink's
    ``encoders`` and ``write`` to :meth:`Screener.screen` with ``keep=False``, then ``finish`` it): no row
    is kept, so memory stays bounded however many rows there are. The reports appear, all at once, only
    when finished; an interruption leaves no ``.part`` file and the old reports untouched."""
    unknown = [f for f in formats if f not in STREAMED]
    if unknown:
        raise OutputError(f"{', '.join(unknown)} cannot be streamed", hint="use write_reports")
    out = Path(out_dir)
    targets = check_out_dir(out, formats, force)
    _make_out_dir(out)
    try:
        with ExitStack() as stack:
            parts = {fmt: stack.enter_context(_part(p)) for fmt, p in zip(formats, targets, strict=True)}
            spool = stack.enter_context(_part(out / FILENAMES["json"])) if "json" in parts else None
            yield StreamSink(parts, spool, targets)
    except OSError as exc:
        raise OutputError(
            f"cannot write {out}: {exc.strerror or exc}", hint="check the disk and permissions"
        ) from exc


def screen_to_reports(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    formats: Sequence[str] = STREAMED,
    force: bool = False,
    **options: Any,
) -> tuple[ScreeningResult, list[Path]]:
    """Screen ``inputs`` (``options`` as for :func:`supplyscreen.pipeline.screen.screen`) and write the JSON
    and CSV reports as the rows are screened (see :func:`streamed_reports`); CSV inputs stream."""
    with streamed_reports(out_dir, formats, force) as sink:
        result = screen(inputs, encoders=sink.encoders, on_chunk=sink.write, keep=False, **options)
        return result, sink.finish(result)


def _complete(handle: IO[bytes]) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    os.chmod(handle.name, 0o666 & ~_UMASK)


def _writers(
    result: ScreeningResult, compared: RunDiff | None = None
) -> dict[str, Callable[[IO[bytes]], None]]:
    """Each report format's writer, to a binary handle; ``compared`` adds "What changed" to the HTML."""

    return {
        "html": lambda h: write_html(result, h, compared),
        "json": result.write_json,
        "xlsx": lambda h: write_xlsx(result, h),
        "csv": lambda h: write_csv(result, h),
    }


def render_report(result: ScreeningResult, fmt: str, compared: RunDiff | None = None) -> bytes:
    """One report (html, json, xlsx or csv) in memory: the bytes :func:`write_reports` would write."""
    buffer = io.BytesIO()
    _writers(result, compared)[fmt](buffer)
    return buffer.getvalue()


def write_reports(
    result: ScreeningResult,
    out_dir: str | Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    force: bool = False,
    compared: RunDiff | None = None,
) -> list[Path]:
    """Write the chosen formats into ``out_dir``; refuse to overwrite existing reports unless ``force``.
    ``compared`` (this run compared with an earlier one) adds "What changed since" to report.html.

    Every report is first written in full to a ``.part`` file beside its final name; only when all of them
    are complete are they renamed into place. An interruption or a failure (disk full, Ctrl-C) leaves no
    report that looks complete and no ``.part`` file behind.
    """
    out = Path(out_dir)
    inputs = [f.display for f in result.inputs]
    check_out_dir(out, formats, force, inputs)
    targets = report_targets(out, formats, inputs)
    _make_out_dir(out)
    annotated = iter(result.inputs)
    writers = _writers(result, compared)
    parts: list[Path] = []
    path = out
    try:
        for fmt, path in targets:
            if fmt == ANNOTATED:
                from supplyscreen.report.annotated import write_annotated

                source = next(annotated)
                parts.append(_write_temp(path, partial(write_annotated, result, source)))
            else:
                parts.append(_write_temp(path, writers[fmt]))
        for part, (_, path) in zip(parts, targets, strict=True):
            os.replace(part, path)
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror or exc}", hint="check the disk and permissions"
        ) from exc
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    return [path for _, path in targets]
