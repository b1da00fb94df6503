"""Alembic's environment for the store: migrations run on the connection that ``store.migrate`` hands over
in ``config.attributes["connection"]``, so no ``alembic.ini`` or URL is needed."""

from alembic import context

from supplyscreen.store.models import Base

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters a table by copying it, which batch operations do for later revisions
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
