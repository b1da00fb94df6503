"""Command line: a thin click adapter over the library. Errors are translated once, here."""

from __future__ import annotations

import atexit
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from supplyscreen._version import __version__
from supplyscreen.errors import InputError, RulesError, SupplyscreenError
from supplyscreen.leftovers import Terminated, raise_if_terminated, raise_on_sigterm
from supplyscreen.settings import click_options as settings_options

if TYPE_CHECKING:  # the commands import what they use when run: `supplyscreen --help` stays fast
    from supplyscreen.ingest.sheet import InputFile
    from supplyscreen.pipeline.request import ScreenRequest
    from supplyscreen.pipeline.results import ScreeningResult
    from supplyscreen.review.diff import RunDiff, RunSide
    from supplyscreen.store import Store

F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT = 1
EXIT_FAIL_ON = 3


def _say(line: str, err: bool = False) -> None:
    """Print a line that may hold supplier text (or a rule file's): characters that show nothing or steer
    the display, and control characters, appear as ⟨U+202E⟩ — the terminal shows what the file holds."""
    from supplyscreen.normalize.text import shown

    click.echo(shown(line), err=err)


def _fail(message: str) -> None:
    _say(f"Error: {message}", err=True)


def translate_errors(func: F) -> F:
    """Turn library errors into one line on stderr and exit 1; tracebacks only with --debug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        debug = bool(ctx.find_root().params.get("debug"))
        try:
            return func(*args, **kwargs)
        except RulesError as exc:
            if debug:
                raise
            _fail(exc.line())
            for problem in exc.problems:
                _say(f"  {problem}", err=True)
            ctx.exit(EXIT_BAD_INPUT)
        except SupplyscreenError as exc:
            if debug:
                raise
            _fail(exc.line())
            ctx.exit(EXIT_BAD_INPUT)
        except BrokenPipeError:  # the reader stopped reading ("… | head"): stop quietly, as Unix tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush at exit
            ctx.exit(128 + 13)  # SIGPIPE
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Terminated)
            signum = exc.signum if isinstance(exc, Terminated) else 2
            _fail(f"{'terminated' if signum != 2 else 'interrupted'}; no report was left half-written")
            ctx.exit(128 + signum)
        except Exception as exc:
            if debug:
                raise
            _fail(f"unexpected {type(exc).__name__}: {exc} — rerun with --debug and report this")
            ctx.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supplyscreen")
@click.option("--debug", is_flag=True, help="Show Python tracebacks instead of one-line errors.")
def cli(debug: bool) -> None:
    """Screen supplier and shipment spreadsheets for DPRK forced-labour risk (CAATSA §321(b))."""


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    default="screening-report",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Directory for the reports.",
)
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Rule directory (or one YAML rule file); repeat to layer your own over the bundled rules.",
)
@click.option(
    "--list",
    "lists",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Watchlist file (simple CSV, OFAC sdn.csv, OpenSanctions FtM JSON or targets.simple.csv); repeatable.",
)
@click.option("--sheet", default=None, help="Screen only this sheet of each workbook.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="FIELD=HEADER",
    help="Map a column to a canonical field (id, name, country, address, description, hs_code, vessel, notes); "
    "repeat for several columns of one field. text=HEADER screens a column as free text, skip=HEADER does not "
    "screen it.",
)
@click.option(
    "--format",
    "formats",
    default="html,json,xlsx",
    show_default=True,
    help="Comma-separated report formats: html, json, xlsx, csv, annotated (each input workbook with the "
    "verdict columns added: <input>.annotated.xlsx).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium"]),
    default=None,
    help="Exit with code 3 when any supplier reaches this tier.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes for large sheets (default: one per CPU core).",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Screen on a Dask cluster: its scheduler (tcp://HOST:8786), or 'local' for a local Dask cluster "
    "of --workers processes (needs the dask extra).",
)
@click.option("--force", is_flag=True, help="Overwrite existing reports in --out.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.option(
    "--market",
    "markets",
    multiple=True,
    metavar="us|eu",
    help="Where the goods are sold: us (the U.S. frameworks: CAATSA presumption, E.O. 13570, CBP "
    "detention), eu (Regulation (EU) 2024/3015, as due diligence); repeatable or comma-separated. "
    "Default: both.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Compile the --list files afresh, without reading or writing the compiled lists kept in the user "
    "cache directory (env SUPPLYSCREEN_CACHE_DIR moves it).",
)
@click.option(
    "--db",
    "db_url",
    default=None,
    is_flag=False,
    flag_value="",
    metavar="URL",
    help="Also record the run in this database (sqlite:///FILE or postgresql+psycopg://…); "
    "--db alone uses the web app's default database.",
)
@click.option(
    "--compare",
    default=None,
    metavar="RUN",
    help="Compare with an earlier run (its id in the --db database, else the default one; or a results.json): "
    "report.html gets a 'What changed since' section.",
)
@translate_errors
def screen(
    inputs: tuple[Path, ...],
    out_dir: Path,
    rules_dirs: tuple[Path, ...],
    lists: tuple[Path, ...],
    sheet: str | None,
    maps: tuple[str, ...],
    formats: str,
    fail_on: str | None,
    workers: int | None,
    scheduler: str | None,
    force: bool,
    quiet: bool,
    markets: tuple[str, ...],
    no_cache: bool,
    db_url: str | None,
    compare: str | None,
) -> None:
    """Screen spreadsheets (.xlsx, .xls, .csv) and write report.html, results.json and results.xlsx."""
    from supplyscreen.ingest.mapping import ColumnMaps
    from supplyscreen.ingest.sources import Source
    from supplyscreen.match.compiled import ListCache, set_default_cache
    from supplyscreen.pipeline.request import ScreenRequest
    from supplyscreen.report import STREAMED, check_out_dir, parse_formats, write_reports
    from supplyscreen.rules import RuleLayer, parse_markets

    request = ScreenRequest(
        inputs=tuple(Source.of(p) for p in inputs),
        maps=ColumnMaps.parse(maps),
        sheet=sheet,
        rules=tuple(RuleLayer.of(d) for d in rules_dirs),
        lists=tuple(Source.of(p) for p in lists),
        formats=tuple(parse_formats(formats)),
        workers=workers or os.cpu_count() or 1,
        scheduler=scheduler,
        markets=parse_markets(markets),
    )
    chosen = list(request.formats)
    check_out_dir(out_dir, chosen, force, inputs)  # a bad --out is reported before the screening, not after
    earlier = _earlier_run(compare, db_url, chosen)  # and a bad --compare
    if no_cache:
        set_default_cache(ListCache(None))

    def show(input_file: InputFile) -> None:
        if quiet:
            return
        streamed = any(sh.stream is not None for sh in input_file.sheets)
        rows = (
            f"about {input_file.estimated_rows:,} rows (read as they are screened)"
            if streamed
            else f"{input_file.rows} rows"
        )
        _say(f"{input_file.display}: {input_file.kind}, {rows}")
        for sh in input_file.sheets:
            label = f"sheet '{sh.sheet}'" if sh.sheet else "table"
            _say(f"  {label}: {sh.describe_layout()}; {sh.describe_mapping()}")
            for line in [*sh.describe_columns(limit=40), *sh.notes]:
                _say(f"    {line}")
        for note in input_file.skipped:
            _say(f"  note: {note}")

    # JSON and CSV alone are written as the rows are screened (bounded memory, CSV inputs streamed); HTML,
    # XLSX and --db need every row at the end.
    streaming = set(chosen) <= set(STREAMED) and db_url is None
    with DbRun.of(db_url, request) as recorded:
        with ProgressBar(enabled=not quiet and sys.stderr.isatty()) as bar:
            if streaming:
                result, paths = _screen_streamed(request, out_dir, force, show, bar)
            else:
                result = _screen_held(request, show, bar)
        if not streaming:  # the screener (its compiled rules and lists) is gone: the reports have the memory
            compared = _compared(earlier, result, recorded)
            paths = write_reports(result, out_dir, chosen, force=force, compared=compared)
            if compared is not None and not quiet:
                _say(f"Compared with {compared.a.describe()}: {compared.headline()}")
        if recorded is not None:
            recorded.finish(result, paths)
            if not quiet:
                click.echo(f"Recorded run {recorded.run_id} in {recorded.where}")
    if not quiet:
        tiers = result.by_tier
        click.echo(
            f"Screened {result.rows} rows: {tiers['high']} high, {tiers['medium']} medium, "
            f"{tiers['low']} low, {tiers['clear']} clear; {result.presumption_count} with the CAATSA §321(b) presumption"
            f" (of which {result.by_track['dprk_origin']} goods from the DPRK, barred outright)"
            f"; {result.by_track['detention']} named in an active CBP order (goods detained)."
        )
        for path in paths:
            click.echo(f"Wrote {path}")
    if fail_on:
        reached = tiers_at_or_above(result.by_tier, fail_on)
        if reached:
            if not quiet:
                click.echo(f"--fail-on {fail_on}: {reached} supplier(s) at or above {fail_on}", err=True)
            sys.exit(EXIT_FAIL_ON)


def _earlier_run(compare: str | None, db_url: str | None, formats: list[str]) -> RunSide | None:
    """``screen --compare``: the earlier run (a run id in the database, or a results.json file)."""
    if compare is None:
        return None
    if "html" not in formats:
        raise InputError("--compare adds a section to report.html", hint="include html in --format")
    from supplyscreen.review.diff import RunSide

    store = _open_store(db_url or None, compare)
    try:
        return RunSide.of(store, compare)
    finally:
        if store is not None:
            store.close()


def _compared(earlier: RunSide | None, result: ScreeningResult, recorded: DbRun | None) -> RunDiff | None:
    """This run compared with the ``--compare`` run, for report.html; decisions carried over are read from
    the database when the run is recorded in it."""
    if earlier is None:
        return None
    from supplyscreen.review.applied import reviews_for_run
    from supplyscreen.review.diff import RunSide, compare_runs

    this = RunSide.of_result(result, recorded.run_id if recorded is not None else None)
    reviews = reviews_for_run(recorded.store, recorded.run_id) if recorded is not None else {}
    return compare_runs(earlier, this, reviews)


def _screen_held(
    request: ScreenRequest, show: Callable[[InputFile], None], bar: ProgressBar
) -> ScreeningResult:
    """Screen a request keeping every row (for HTML, XLSX and --db)."""
    with request.screener() as screener:
        files = request.read(on_input=show)
        bar.start(sum(f.estimated_rows for f in files))
        return screener.screen(files, on_progress=bar.update)


def _screen_streamed(
    request: ScreenRequest, out_dir: Path, force: bool, show: Callable[[InputFile], None], bar: ProgressBar
) -> tuple[ScreeningResult, list[Path]]:
    """Screen a request writing JSON and CSV as the rows are screened: CSV inputs stream, no row is kept."""
    from supplyscreen.report import streamed_reports

    with request.screener() as screener:
        files = request.read(stream=True, on_input=show)
        bar.start(sum(f.estimated_rows for f in files))
        with streamed_reports(out_dir, request.formats, force) as sink:
            result = screener.screen(
                files, keep=False, encoders=sink.encoders, on_chunk=sink.write, on_progress=bar.update
            )
            return result, sink.finish(result)


class ProgressBar:
    """Rows done, rows per second and time left on stderr — only on a terminal, silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)

    def start(self, total: int) -> None:
        if self.enabled and total:
            self._bar = click.progressbar(
                length=total,
                label="Screening",
                file=sys.stderr,
                show_pos=True,
                show_eta=True,
                item_show_func=lambda _: self._rate(),
            )
            self._started = time.monotonic()
            self._bar.__enter__()

    def update(self, rows: int) -> None:
        raise_if_terminated()  # once per chunk: a SIGTERM lost while worker processes forked stops here
        if self._bar is not None:
            self._bar.update(rows)

    def _rate(self) -> str:
        elapsed = time.monotonic() - self._started
        if self._bar is None or elapsed <= 0:
            return ""
        return f"{self._bar.pos / elapsed:,.0f} rows/s"


def tiers_at_or_above(by_tier: dict[str, int], tier: str) -> int:
    order = ["high", "medium", "low", "clear"]
    return sum(by_tier[t] for t in order[: order.index(tier) + 1])


@cli.group()
def rules() -> None:
    """Inspect and validate rule files."""


@rules.command("check")
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--standalone", is_flag=True, help="Check DIRs on their own, not layered over the bundled rules."
)
@translate_errors
def rules_check(dirs: tuple[Path, ...], standalone: bool) -> None:
    """Validate rules (the bundled rules/, with DIRs layered on top); exit 1 with one line per problem."""
    from supplyscreen.rules import layered, load_rules

    ruleset = load_rules(layered(dirs, standalone))
    click.echo(
        f"OK: {len(ruleset.indicators)} indicators, {len(ruleset.combinations)} combinations, "
        f"{len(ruleset.frameworks)} legal frameworks, {len(ruleset.checklist)} checklist items, "
        f"{len(ruleset.enforcement.actions)} CBP enforcement actions (as of {ruleset.enforcement.as_of}); "
        f"sha256 {ruleset.sha256}"
    )
    for source in ruleset.sources:
        click.echo(f"  layer {source.name}: {source.files} files, sha256 {source.sha256}")


@rules.command("list")
@click.option(
    "--rules", "rules_dirs", multiple=True, type=click.Path(path_type=Path), help="Rule layer to add."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True
)
@click.option(
    "--category", default=None, help="Only this category (nexus, entity, place, country, sector, …)."
)
@translate_errors
def rules_list(rules_dirs: tuple[Path, ...], fmt: str, category: str | None) -> None:
    """List every indicator with its category, points, terms and citations."""
    from supplyscreen.reference import indicators_json, indicators_markdown, indicators_table
    from supplyscreen.rules import layered, load_rules

    ruleset = load_rules(layered(rules_dirs))
    render = {"table": indicators_table, "json": indicators_json, "markdown": indicators_markdown}[fmt]
    click.echo(render(ruleset, category), nl=False)


@cli.group()
def db() -> None:
    """The database of runs (the web app's, and screen --db's)."""


@db.command("upgrade")
@click.option(
    "--db", "db_url", default=None, help="Database URL; default $SUPPLYSCREEN_DB, else the web app's."
)
@translate_errors
def db_upgrade(db_url: str | None) -> None:
    """Bring the database's schema to this version's (as the web app and screen --db do when they open it)."""
    from supplyscreen.store import Store, migrate

    store = Store(db_url)
    store.close()
    where = store.engine.url.render_as_string(hide_password=True)
    now, before = migrate.head(), store.found_revision
    if before == now:
        click.echo(f"{where}: schema revision {now}, up to date")
    else:
        click.echo(f"{where}: schema revision {now}, " + (f"upgraded from {before}" if before else "created"))


DB_OPTION = click.option(
    "--db", "db_url", default=None, help="Database URL; default $SUPPLYSCREEN_DB, else the web app's."
)


@cli.group()
def runs() -> None:
    """The runs kept in the database (the web app's, and screen --db's): list, delete, prune."""


@runs.command("list")
@DB_OPTION
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True, help="At most this many.")
@translate_errors
def runs_list(db_url: str | None, limit: int) -> None:
    """List runs, newest first: id, created, source, status, rows, inputs."""
    from supplyscreen.store import Store

    store = Store(db_url)
    try:
        for run in store.list_runs(limit):
            created = run.created_at.replace(microsecond=0).isoformat(sep=" ")
            click.echo(f"{run.id}  {created}  {run.source:<4} {run.status:<11} {run.rows:>9,}  {run.title}")
    finally:
        store.close()


@runs.command("delete")
@click.argument("run_ids", nargs=-1, required=True, metavar="RUN_ID...")
@DB_OPTION
@translate_errors
def runs_delete(run_ids: tuple[str, ...], db_url: str | None) -> None:
    """Delete runs (by id, or a unique start of one such as the 8 characters the pages show) with their
    files, results and reports; files another run uses are kept."""
    from supplyscreen.store import Store

    store = Store(db_url)
    try:
        deleted = store.delete_runs(store.find_runs(run_ids))
    finally:
        store.close()
    click.echo(f"Deleted {deleted} run(s)")


@runs.command("prune")
@click.option(
    "--days",
    type=click.FloatRange(min=0),
    default=None,
    help="Delete runs older than this many days; default $SUPPLYSCREEN_RETENTION_DAYS (0: keep them all).",
)
@DB_OPTION
@translate_errors
def runs_prune(days: float | None, db_url: str | None) -> None:
    """Delete the runs older than the retention period (--days, else the retention_days setting)."""
    from supplyscreen.settings import Settings
    from supplyscreen.store import Store

    keep = Settings.load().retention_days if days is None else days
    store = Store(db_url)
    try:
        deleted = store.prune(keep)
    finally:
        store.close()
    click.echo(
        f"Deleted {len(deleted)} run(s) older than {keep:g} days" if keep else "Retention is 0: runs are kept"
    )


@cli.command()
@click.option("--name", default="", help="Supplier name.")
@click.option("--country", default="", help="Country.")
@click.option("--address", default="", help="Address, city or port.")
@click.option("--description", default="", help="Goods or business description.")
@click.option("--hs-code", "hs_code", default="", help="HS code(s).")
@click.option("--vessel", default="", help="Vessel name and/or IMO number.")
@click.option("--notes", default="", help="Workforce, audit or free-text notes.")
@click.option(
    "--rules", "rules_dirs", multiple=True, type=click.Path(path_type=Path), help="Rule layer to add."
)
@click.option(
    "--list",
    "lists",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Watchlist to match against, showing every candidate and why it was kept or dropped; repeatable.",
)
@translate_errors
def explain(
    name: str,
    country: str,
    address: str,
    description: str,
    hs_code: str,
    vessel: str,
    notes: str,
    rules_dirs: tuple[Path, ...],
    lists: tuple[Path, ...],
) -> None:
    """Show every rule evaluated for one supplier, which fired and why, and the resulting score; with --list,
    every watchlist candidate, its comparisons and why it was kept or dropped."""
    from supplyscreen.pipeline.screener import Screener
    from supplyscreen.rules import layered

    fields = {
        "name": name,
        "country": country,
        "address": address,
        "description": description,
        "hs_code": hs_code,
        "vessel": vessel,
        "notes": notes,
    }
    if not any(fields.values()):
        raise InputError("nothing to explain", hint="give at least one of --name, --country, --address, …")
    with Screener.build(layered(rules_dirs), lists) as screener:
        for line in screener.explain(fields).lines():
            _say(line)


# --- comparing runs, and a supplier's dossier ----------------------------------------------------------


def _open_store(db_url: str | None, *given: str) -> Store | None:
    """The database named by ``--db`` (else the default one), unless every argument is a results.json file."""
    from supplyscreen.store import Store

    return None if given and all(Path(g).is_file() for g in given) else Store(db_url)


def _emit(data: bytes, out: Path | None, force: bool) -> None:
    """Write ``data`` to ``--out`` (refused if it exists, unless --force), else to standard output."""
    from supplyscreen.report import write_file

    if out is None:
        click.echo(data, nl=False)
    else:
        click.echo(f"Wrote {write_file(out, data, force)}")


@cli.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@DB_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write to this file, not to stdout."
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@translate_errors
def diff_runs(run_a: str, run_b: str, db_url: str | None, fmt: str, out: Path | None, force: bool) -> None:
    """What changed from run RUN_A to run RUN_B (run ids, or their first characters, in the database; or two
    results.json files): suppliers added and removed, tier, presumption and legal-track changes, new and
    vanished hits, decisions carried over — the summary counts first, then the suppliers."""
    import json

    from supplyscreen.report.html import changes_page
    from supplyscreen.review.applied import reviews_for_run
    from supplyscreen.review.diff import RunSide, compare_runs

    store = _open_store(db_url, run_a, run_b)
    try:
        side_a, side_b = RunSide.of(store, run_a), RunSide.of(store, run_b)
        reviews = reviews_for_run(store, side_b.id) if store is not None and side_b.id else {}
        changes = compare_runs(side_a, side_b, reviews)
    finally:
        if store is not None:
            store.close()
    if fmt == "text" and out is None:
        _say(changes.text().rstrip("\n"))
        return
    data = {
        "text": lambda: changes.text(),
        "json": lambda: json.dumps(changes.as_json(), ensure_ascii=False, indent=1) + "\n",
        "html": lambda: changes_page(changes),
    }[fmt]()
    _emit(data.encode("utf-8"), out, force)


@cli.command()
@click.argument("run")
@click.argument("supplier")
@DB_OPTION
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Write to this file, not to stdout."
)
@click.option(
    "--pdf", is_flag=True, help="A PDF, printed by Chromium (needs: pip install 'supplyscreen[pdf]')."
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@translate_errors
def dossier(run: str, supplier: str, db_url: str | None, out: Path | None, pdf: bool, force: bool) -> None:
    """The due-diligence dossier of one SUPPLIER of RUN: one self-contained HTML file (or PDF) with its data as
    read, every hit with its evidence and citations, its legal track and checklist, the decisions and their
    history, and the run's provenance. SUPPLIER is its position (#12, as on its web page), its id, its key
    (id:…, name:…) or part of its name."""
    from supplyscreen.report.dossier import dossier_html, dossier_pdf, find_supplier
    from supplyscreen.review import audit
    from supplyscreen.review.applied import reviews_for_run
    from supplyscreen.review.audit import Actor
    from supplyscreen.store import Store, now

    if pdf and out is None and sys.stdout.isatty():
        raise InputError("a PDF is not written to a terminal", hint="give --out FILE.pdf")
    store = Store(db_url)
    try:
        (run_id,) = store.find_runs([run])
        stored = store.get_run(run_id)
        assert stored is not None
        if stored.status != "done":
            raise InputError(
                f"run {run_id[:8]} is {stored.status}, not done", hint="wait until it is screened"
            )
        found = find_supplier(store, stored, supplier)
        review = reviews_for_run(store, run_id).get(found.position)
        made = now().replace(microsecond=0).isoformat(sep=" ") + " UTC"
        html = dossier_html(stored, found, review, store.results_head(run_id), made)
        data = dossier_pdf(html) if pdf else html.encode("utf-8")
        _emit(data, out, force)
        audit.record(
            store,
            Actor.cli(),
            "export.dossier",
            f"run:{run_id}",
            after={"position": found.position, "file": str(out) if out else "stdout"},
        )
    finally:
        store.close()


class DbRun:
    """``screen --db``: the run is recorded in the database the web app reads as soon as the command starts
    (``running``, owned by this process), with its results and reports at the end. A command that fails
    records the error; one interrupted (Ctrl-C, SIGTERM) records that, and one killed outright is found
    interrupted by the next process that reads the run. Either way it can be screened again at once."""

    def __init__(self, store: Store, run_id: str) -> None:
        self.store, self.run_id = store, run_id

    @classmethod
    @contextmanager
    def of(cls, db_url: str | None, request: ScreenRequest) -> Iterator[DbRun | None]:
        """The recorded run of ``request`` (None without ``--db``), closed afterwards."""
        if db_url is None:
            yield None
            return
        from supplyscreen.store import Store

        store = Store(db_url or None)
        try:
            from supplyscreen.review.audit import Actor

            inputs = [(source.name, source.read_bytes()) for source in request.inputs]
            run = cls(store, store.start_run(inputs, options=request.options(), actor=Actor.cli()))
            try:
                yield run
            except KeyboardInterrupt:
                store.interrupt(run.run_id, "the command was interrupted before this run finished")
                raise
            except SupplyscreenError as exc:
                store.fail(run.run_id, exc.as_json())
                raise
            except Exception as exc:
                store.fail(
                    run.run_id,
                    {
                        "type": "UnexpectedError",
                        "message": f"unexpected {type(exc).__name__}",
                        "hint": "rerun with --debug and report this",
                        "problems": [],
                    },
                )
                raise
        finally:
            store.close()

    @property
    def where(self) -> str:
        return self.store.engine.url.render_as_string(hide_password=True)

    def finish(self, result: ScreeningResult, paths: list[Path]) -> None:
        """Keep the results and the reports written to ``paths``."""
        from supplyscreen.report import FILENAMES
        from supplyscreen.store import REPORT_FORMATS

        reports = {p.suffix.lstrip("."): p.read_bytes() for p in paths if p.name in FILENAMES.values()}
        self.store.finish(
            self.run_id, result, {fmt: reports[fmt] for fmt in REPORT_FORMATS if fmt in reports}
        )


@cli.command()
@settings_options
@translate_errors
def serve(**options: Any) -> None:
    """Start the web app: upload spreadsheets, check their columns, screen and review in the browser."""
    import uvicorn

    from supplyscreen.settings import Settings
    from supplyscreen.web.app import create_app

    settings = Settings.load(options)
    # what the server writes (database, uploads, temporary files) is readable by its owner only
    os.umask(os.umask(0o077) | 0o077)
    app = create_app(settings)

    url = f"http://{settings.host}:{settings.port}/"
    click.echo(
        f"supplyscreen web app on {url} (database {app.state.store.engine.url.render_as_string(hide_password=True)}); Ctrl+C stops it"
    )
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", server_header=False)


# review, audit and users (supplyscreen.review.cli): decisions, the audit trail, accounts
from supplyscreen.review.cli import COMMANDS as REVIEW_COMMANDS  # noqa: E402

for _command in REVIEW_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    raise_on_sigterm()  # SIGTERM stops a command as Ctrl-C does: nothing half-written is left behind
    try:
        cli(prog_name="supplyscreen")
    except SystemExit as done:
        _fast_exit(done.code)


def _fast_exit(code: object) -> NoReturn:
    """End the process once the command is done, without freeing its heap object by object: a screening run
    holds a compiled watchlist of millions of small objects, and tearing them down took 0.4 s of a 2 s run
    (mypy's ``--fast-exit`` does the same). Exit handlers still run and the output is flushed first."""
    if code is not None and not isinstance(code, int):
        click.echo(str(code), err=True)
        code = 1
    atexit._run_exitfuncs()  # what a normal exit runs first (logging, multiprocessing, …)
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
