"""the insurance type each settlement was settled under

Clearing (R16) and reconciliation (R17) key on it (310 employee / 390 resident); they read it from the
subject's enrolment until now, which changes when a person moves between employee and resident insurance.
Existing settlements take their subject's enrolment as it is at migration (the best record there is).
Nullable: a settlement whose subject has no enrolment on file keeps NULL (clearing counts it as resident).

Revision ID: 0020_settlement_insutype
Revises: 0014_catalogue_settle
Create Date: 2026-12-08 00:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020_settlement_insutype'
down_revision = '0014_catalogue_settle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('settlement', sa.Column('insurance_type', sa.String(length=12), nullable=True))
    # Only the rows that have an enrolment to take it from: the others stay NULL, and are not rewritten.
    op.execute("UPDATE settlement SET insurance_type = (SELECT e.insurance_type FROM enrolment e "
               "WHERE e.person_id = settlement.subject_id) "
               "WHERE EXISTS (SELECT 1 FROM enrolment e WHERE e.person_id = settlement.subject_id)")


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+): a batch rebuild of `settlement` would drop the table others refer to.
    op.execute('ALTER TABLE settlement DROP COLUMN insurance_type')
