"""Results: the resolved country (``store.keys.country_key``), so the country filter groups China, CHINA and
中国; worked out for stored rows from their country and address.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from supplyscreen.store.keys import country_key, fill_keys

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("results", sa.Column("country_key", sa.Text(), nullable=False, server_default=""))
    fill_keys(op.get_bind(), "country_key", lambda row: country_key(row["country"], row["address"]))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("country_key")
