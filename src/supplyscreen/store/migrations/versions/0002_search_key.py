"""Results: the key a supplier name is searched by (``store.keys.search_key``), worked out for stored rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from supplyscreen.store.keys import fill_keys, search_key

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("results", sa.Column("search_key", sa.Text(), nullable=False, server_default=""))
    fill_keys(op.get_bind(), "search_key", lambda row: search_key(row["name"]))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("search_key")
