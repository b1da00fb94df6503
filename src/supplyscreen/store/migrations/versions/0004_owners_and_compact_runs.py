"""Runs: the process that queued or screens them (so a run whose process died is interrupted by whoever
opens the store), ``results.json``'s head and the catalogue that result rows refer to; files and reports:
a codec (stored compressed). Rows stored before are read as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN_COLUMNS = ("owner_host", "owner_pid", "owner_started", "results_head", "catalogue")


def upgrade() -> None:
    op.add_column("runs", sa.Column("owner_host", sa.String(255), nullable=False, server_default=""))
    op.add_column("runs", sa.Column("owner_pid", sa.Integer(), nullable=True))
    op.add_column("runs", sa.Column("owner_started", sa.Float(), nullable=True))
    op.add_column("runs", sa.Column("results_head", sa.JSON(), nullable=True))
    op.add_column("runs", sa.Column("catalogue", sa.JSON(), nullable=True))
    for table in ("files", "reports"):
        op.add_column(table, sa.Column("codec", sa.String(8), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for name in RUN_COLUMNS:
            batch.drop_column(name)
    for table in ("files", "reports"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("codec")
