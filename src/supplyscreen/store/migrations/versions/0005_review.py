"""Review: users, decisions on hits and suppliers, supplier statuses, evidence items with their documents,
the append-only audit trail (events, hash-chained) and its lock row in ``meta``; results: the supplier key
(``review.keys.supplier_key``) that recognises a supplier across runs, worked out for stored rows from their
``results.json`` object.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.sql import column, table

from supplyscreen.review.keys import supplier_key_of

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_LOCK = "audit_lock"  # review.audit.LOCK_KEY: the row every event writer updates first
FILL_BATCH = 2000


def upgrade() -> None:
    op.add_column("results", sa.Column("supplier_key", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_results_supplier_key", "results", ["supplier_key"])
    _fill_supplier_keys(op.get_bind())
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("supplier_key", sa.Text(), nullable=False),
        sa.Column("hit_key", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(24), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("hits", sa.JSON(), nullable=True),
    )
    op.create_index("ix_decisions_keys", "decisions", ["supplier_key", "hit_key", "id"])
    op.create_table(
        "supplier_status",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("supplier_key", sa.Text(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
    )
    op.create_index("ix_supplier_status_key", "supplier_status", ["supplier_key", "id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("codec", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("supplier_key", sa.Text(), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=True),
    )
    op.create_index("ix_evidence_keys", "evidence", ["supplier_key", "item_id", "id"])
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False, index=True),
        sa.Column("target", sa.Text(), nullable=False, index=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    meta = table("meta", column("key"), column("value"))
    op.bulk_insert(meta, [{"key": AUDIT_LOCK, "value": ""}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM meta WHERE key = :key").bindparams(key=AUDIT_LOCK))
    for name in ("events", "evidence", "documents", "supplier_status", "decisions", "users"):
        op.drop_table(name)
    op.drop_index("ix_results_supplier_key", "results")
    with op.batch_alter_table("results") as batch:
        batch.drop_column("supplier_key")


def _fill_supplier_keys(connection: sa.Connection) -> None:
    """Work out the supplier key of every stored result row from its ``results.json`` object (fields and
    source), in batches, through a plain table description (the models may change later)."""
    results = table(
        "results",
        column("run_id"),
        column("position"),
        column("supplier", sa.JSON),
        column("supplier_key"),
    )
    primary = (results.c.run_id, results.c.position)
    read = sa.select(*primary, results.c.supplier).order_by(*primary).limit(FILL_BATCH)
    write = (
        sa.update(results)
        .where(results.c.run_id == sa.bindparam("r"), results.c.position == sa.bindparam("p"))
        .values(supplier_key=sa.bindparam("v"))
    )
    batch = connection.execute(read).all()
    while batch:
        values = [{"r": r, "p": p, "v": supplier_key_of(supplier or {})} for r, p, supplier in batch]
        connection.execute(write, values)
        after = sa.tuple_(*primary) > sa.tuple_(batch[-1][0], batch[-1][1])
        batch = connection.execute(read.where(after)).all()
