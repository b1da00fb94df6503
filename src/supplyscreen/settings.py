"""Every option read from the environment, declared once.

Each field of :class:`Settings` is a setting: its default, type and description here are the single source
for the ``supplyscreen serve`` options (``--max-upload-mb`` …), for the environment variables
(``SUPPLYSCREEN_MAX_UPLOAD_MB`` …), for the README's options table (``tests/test_settings.py`` checks it)
and for the app itself. Precedence: command-line option, then environment variable, then the default.
Settings marked ``serve=False`` are read from the environment only (by the CLI and the web app alike):
:func:`env_value` reads one without validating the others (:func:`env_setting`: typed and checked).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, TypeVar, cast

from pydantic import Field, TypeAdapter, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from supplyscreen.errors import InputError

ENV_PREFIX = "SUPPLYSCREEN_"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True)

    host: str = Field(
        default="127.0.0.1",
        description="Address to listen on. On any address but loopback every page and API call needs an "
        "account (supplyscreen users add).",
    )
    port: int = Field(default=8000, description="Port to listen on.")
    db: str = Field(
        default="",
        description="Database URL: sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB "
        "(default: a SQLite file in the per-user data directory).",
    )
    max_upload_mb: float = Field(
        default=50.0, description="Largest upload accepted, in MB (all files of one upload together)."
    )
    max_json_kb: int = Field(
        default=1024, description="Largest JSON request body accepted, in KB (the API's JSON requests)."
    )
    max_json_depth: int = Field(
        default=32, description="Deepest nesting of arrays and objects accepted in a JSON request body."
    )
    runs: int = Field(default=2, description="Screening runs carried out at the same time (threads).")
    workers: int = Field(
        default=1, description="Worker processes per screening run for large sheets, as for screen --workers."
    )
    retention_days: float = Field(
        default=0.0,
        description="Runs older than this many days are deleted when the app starts and by supplyscreen runs "
        "prune (0 keeps them forever).",
    )
    cache_dir: str = Field(
        default="",
        description="Where compiled watchlists are kept (in its lists directory; default: the per-user cache "
        "directory).",
        json_schema_extra={"serve": False},  # not a serve option: read from the environment only
    )
    chromium: str = Field(
        default="",
        description="The Chromium that prints PDF dossiers (through Playwright; default: chromium on the PATH, "
        "else /usr/bin/chromium).",
        json_schema_extra={"serve": False},
    )
    # rule files (rules check, screen --rules, rule uploads), bounded before anything in them is expanded
    rules_max_mb: float = Field(
        default=2.0, gt=0, description="Largest rule file read, in MB.", json_schema_extra={"serve": False}
    )
    rules_max_depth: int = Field(
        default=20,
        ge=1,
        le=100,
        description="Deepest nesting of lists and mappings in a rule file (the bundled rules need 7).",
        json_schema_extra={"serve": False},
    )
    rules_max_alias_nodes: int = Field(
        default=10_000,
        ge=0,
        description="Values that YAML aliases (*name) may repeat in a rule file, all aliases together.",
        json_schema_extra={"serve": False},
    )
    # limits on reading one input (supplyscreen.ingest.limits), for screen and serve alike
    max_cells: int = Field(
        default=10_000_000,
        description="Largest sheet of a workbook, in cells of its used range (rows × columns, repeats written "
        "out); a bigger one is refused (a CSV file is streamed instead).",
        json_schema_extra={"serve": False},
    )
    max_cell_chars: int = Field(
        default=2_000_000,
        description="Longest cell, in characters; a file with a longer one is refused, naming its row.",
        json_schema_extra={"serve": False},
    )
    max_line_mb: float = Field(
        default=16.0,
        description="Longest line of a CSV file, in MB; a file with a longer one is refused before it is "
        "parsed.",
        json_schema_extra={"serve": False},
    )
    max_expanded_mb: float = Field(
        default=1000.0,
        description="Most a workbook may unpack to, in MB: its ZIP parts together, and the text of its cells "
        "once every shared string and repeat is written out.",
        json_schema_extra={"serve": False},
    )
    read_memory_mb: float = Field(
        default=4000.0,
        description="Memory the process that reads one workbook may take, in MB; past it the file is refused "
        "and the process that asked carries on.",
        json_schema_extra={"serve": False},
    )
    read_cpu_seconds: int = Field(
        default=300,
        description="CPU time the process that reads one workbook may take, in seconds (and three times as "
        "long in wall-clock time); past it the file is refused.",
        json_schema_extra={"serve": False},
    )

    # review (supplyscreen.review): documents attached to evidence items
    max_document_mb: float = Field(
        default=20.0,
        gt=0,
        description="Largest document attached to an evidence item, in MB (web app and review attach).",
        json_schema_extra={"serve": False},
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_json_bytes(self) -> int:
        return self.max_json_kb * 1024

    @property
    def db_url(self) -> str:
        from supplyscreen.store import default_db_url

        return self.db or default_db_url()

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Defaults, then ``SUPPLYSCREEN_*`` environment variables (of ``environ``, default the process's),
        then ``overrides`` (None = not given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {name: f.default for name, f in cls.model_fields.items()}
        for name, f in cls.model_fields.items():
            raw = env.get(env_name(name))
            if raw is not None and raw != "":
                values[name] = _convert(name, f, raw)
        for name, value in (overrides or {}).items():
            if value is not None:
                values[name] = value
        return cls(**values)  # every field given: the process's environment is not read again

    @model_validator(mode="after")
    def _checked(self) -> Settings:
        self.check()
        return self

    def check(self) -> None:
        if not 0 < self.port < 65536:
            raise InputError(f"port {self.port} is out of range", hint="choose a port between 1 and 65535")
        if self.max_upload_mb <= 0:
            raise InputError("max upload size must be positive", hint="e.g. --max-upload-mb 50")
        if self.max_json_kb < 1 or self.max_json_depth < 1:
            raise InputError(
                "JSON limits must be at least 1", hint="e.g. --max-json-kb 1024 --max-json-depth 32"
            )
        if self.runs < 1:
            raise InputError("runs must be at least 1", hint="e.g. --runs 2")
        if self.workers < 1:
            raise InputError("workers must be at least 1", hint="e.g. --workers 2")
        if self.retention_days < 0:
            raise InputError(
                "retention days cannot be negative", hint="e.g. --retention-days 90, or 0 to keep runs"
            )
        for name in LIMITS:
            if getattr(self, name) <= 0:
                raise InputError(f"{env_name(name)} must be positive", hint="unset it for the default")

    @property
    def on_loopback(self) -> bool:
        return self.host in LOOPBACK or self.host.startswith("127.")


def env_name(name: str) -> str:
    """The environment variable of a setting: ``max_upload_mb`` → ``SUPPLYSCREEN_MAX_UPLOAD_MB``."""
    if name not in Settings.model_fields:
        raise KeyError(name)
    return ENV_PREFIX + name.upper()


LIMITS = (
    "max_cells",
    "max_cell_chars",
    "max_line_mb",
    "max_expanded_mb",
    "read_memory_mb",
    "read_cpu_seconds",
)


def env_value(name: str, environ: Mapping[str, str] | None = None) -> str:
    """One setting's environment variable as given ("" when unset), without reading the others."""
    return (os.environ if environ is None else environ).get(env_name(name), "")


def env_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting read alone, as :func:`env_value`, converted to its type and checked against its bounds;
    its default when unset."""
    f = Settings.model_fields[name]
    raw = env_value(name, environ)
    if not raw:
        return f.default
    value = _convert(name, f, raw)
    if not f.metadata:  # no bounds to check
        return value
    try:
        TypeAdapter(cast(Any, Annotated)[(f.annotation, *f.metadata)]).validate_python(value)
    except ValidationError as exc:
        raise InputError(
            f"{env_name(name)}={raw!r}: {exc.errors()[0]['msg']}",
            hint="fix or unset the environment variable",
        ) from exc
    return value


def serve_options() -> Iterator[tuple[str, FieldInfo]]:
    """The settings that are ``serve`` options, in order."""
    for name, f in Settings.model_fields.items():
        extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
        if extra.get("serve", True):
            yield name, f


def _convert(name: str, f: FieldInfo, raw: str) -> Any:
    kind = _type_of(f)
    try:
        return kind(raw)
    except ValueError as exc:
        raise InputError(
            f"{env_name(name)}={raw!r} is not a valid {kind.__name__}",
            hint="fix or unset the environment variable",
        ) from exc


def _type_of(f: FieldInfo) -> type:
    kind = f.annotation
    if kind not in (int, float, str):
        raise TypeError(f"a setting is an int, a float or a str, not {kind}")
    assert isinstance(kind, type)
    return kind


F = TypeVar("F", bound=Callable[..., Any])


def click_options(func: F) -> F:
    """Add one ``--name`` option per ``serve`` setting to a click command (values None when not given)."""
    import click

    for name, f in reversed(list(serve_options())):
        default = f.default
        func = click.option(
            "--" + name.replace("_", "-"),
            name,
            type=_type_of(f),
            default=None,
            help=f"{f.description} [env {env_name(name)}"
            + (
                f"; default {default:g}]"
                if isinstance(default, float)
                else f"; default {default}]"
                if default
                else "]"
            ),
        )(func)
    return func
