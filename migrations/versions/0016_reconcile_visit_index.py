"""reconciliation (issue 18 §2): an index on idempotencykey.result_id

A detail reconciliation reports each settlement's visit reference, the partner's idempotency key of its
settle request, found by the settlement's id (`result_id`). Without an index SQLite scanned every key of
the partner for each settlement (quadratic in a day's settlements); PostgreSQL hashed them all.

Revision ID: 0016_reconcile
Revises: 0013_catalogue
Create Date: 2026-12-07 22:40:00.000000
"""
from __future__ import annotations

from alembic import op

revision = '0016_reconcile'
down_revision = '0013_catalogue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_idempotencykey_result', 'idempotencykey', ['result_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_idempotencykey_result', table_name='idempotencykey')
