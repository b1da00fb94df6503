"""The web app's settings, declared once.

Each field of :class:`Settings` is a setting: its default, type and help text here are the single source
for the ``supplyscreen serve`` options (``--max-upload-mb`` …), for the environment variables
(``SUPPLYSCREEN_MAX_UPLOAD_MB`` …) and for the app itself. Precedence: command-line option, then
environment variable, then the default. (The shape follows datasette's declared settings.)
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from supplyscreen.errors import InputError

ENV_PREFIX = "SUPPLYSCREEN_"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Settings:
    host: str = field(
        default="127.0.0.1",
        metadata={"help": "Address to listen on. The app has no login: keep it on loopback."},
    )
    port: int = field(default=8000, metadata={"help": "Port to listen on."})
    db: str = field(
        default="",
        metadata={
            "help": "Database URL: sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/DB "
            "(default: a SQLite file in the per-user data directory)."
        },
    )
    max_upload_mb: float = field(
        default=50.0, metadata={"help": "Largest upload accepted, in MB (all files of one upload together)."}
    )
    runs: int = field(default=2, metadata={"help": "Screening runs carried out at the same time (threads)."})
    workers: int = field(
        default=1,
        metadata={"help": "Worker processes per screening run for large sheets, as for screen --workers."},
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def db_url(self) -> str:
        from supplyscreen.store import default_db_url

        return self.db or default_db_url()

    @classmethod
    def load(
        cls, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Defaults, then ``SUPPLYSCREEN_*`` environment variables, then ``overrides`` (None = not given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None and raw != "":
                values[f.name] = _convert(f, raw)
        for name, value in (overrides or {}).items():
            if value is not None:
                values[name] = value
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if not 0 < self.port < 65536:
            raise InputError(f"port {self.port} is out of range", hint="choose a port between 1 and 65535")
        if self.max_upload_mb <= 0:
            raise InputError("max upload size must be positive", hint="e.g. --max-upload-mb 50")
        if self.runs < 1:
            raise InputError("runs must be at least 1", hint="e.g. --runs 2")
        if self.workers < 1:
            raise InputError("workers must be at least 1", hint="e.g. --workers 2")

    @property
    def on_loopback(self) -> bool:
        return self.host in LOOPBACK or self.host.startswith("127.")


def _convert(f: dataclasses.Field[Any], raw: str) -> Any:
    kind = _type_of(f)
    try:
        return kind(raw)
    except ValueError as exc:
        raise InputError(
            f"{ENV_PREFIX}{f.name.upper()}={raw!r} is not a valid {kind.__name__}",
            hint="fix or unset the environment variable",
        ) from exc


def _type_of(f: dataclasses.Field[Any]) -> type:
    return {"int": int, "float": float, "str": str}[str(f.type)]


F = TypeVar("F", bound=Callable[..., Any])


def click_options(func: F) -> F:
    """Add one ``--name`` option per setting to a click command (values None when not given)."""
    import click

    for f in reversed(dataclasses.fields(Settings)):
        func = click.option(
            "--" + f.name.replace("_", "-"),
            f.name,
            type=_type_of(f),
            default=None,
            help=f"{f.metadata['help']} [env {ENV_PREFIX}{f.name.upper()}"
            + (
                f"; default {f.default:g}]"
                if isinstance(f.default, float)
                else f"; default {f.default}]"
                if f.default
                else "]"
            ),
        )(func)
    return func
