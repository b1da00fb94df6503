"""The store's Alembic migrations, run by ``supplyscreen.store.migrate`` (no ``alembic.ini``)."""
