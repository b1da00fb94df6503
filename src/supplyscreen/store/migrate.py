"""The store's schema kept current by Alembic, driven from code: the store upgrades a database when it
opens it, and ``supplyscreen db upgrade`` does the same on request. No ``alembic.ini`` is needed.

A database made before the store had migrations (by ``create_all``) has the tables but no
``alembic_version``: it is stamped with the first revision, which is that schema, then upgraded.

To write a revision, add a file to ``migrations/versions`` (``script.py.mako`` is its template), or let
Alembic compare the models with a database: ``command.revision(config(connection), "what",
autogenerate=True)``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).with_name("migrations")
BEFORE_MIGRATIONS = "0001"  # the revision whose schema create_all made


class MigrationError(Exception):
    """The database cannot be brought to this version's schema (say, a newer supplyscreen upgraded it)."""


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the store's migrations, running on ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    """The newest revision: the schema of the models."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def stamped(connection: Connection) -> str | None:
    """The revision recorded in the database (``alembic_version``), if any."""
    return MigrationContext.configure(connection).get_current_revision()


def revision(connection: Connection) -> str | None:
    """The database's revision: None when it is empty, ``BEFORE_MIGRATIONS`` when it was made before the
    store had migrations."""
    current = stamped(connection)
    if current is None and inspect(connection).has_table("runs"):
        return BEFORE_MIGRATIONS
    return current


def upgrade(engine: Engine) -> str | None:
    """Bring the database to the newest revision; returns the revision it had (None: it was empty).

    When another process upgrades the same database at the same moment, whichever finishes second finds it
    current and carries on."""
    target = head()
    with engine.connect() as connection:
        before = revision(connection)
    if before == target:
        return before
    try:
        with engine.begin() as connection:
            cfg = config(connection)
            if before == BEFORE_MIGRATIONS and stamped(connection) is None:
                command.stamp(cfg, BEFORE_MIGRATIONS)
            command.upgrade(cfg, "head")
    except CommandError as exc:
        raise MigrationError(f"its schema revision {before} is unknown to this version: {exc}") from exc
    except SQLAlchemyError:
        with engine.connect() as connection:
            if revision(connection) == target:
                return before
        raise
    return before
