"""settlement driven by the catalogue (issue 23, R18): over-limit self-pay, the catalogue entry each line
used, and the two settlement policy checks' defaults

`settlement.overlmt_selfpay_fen` and `settlementline.overlmt_selfpay_fen` (the part above a price cap,
0 for settlements made before); per line the catalogue entry (version) used, its national code and its
price cap (NULL before, and for a line outside the catalogue). On PostgreSQL `settlementline` is
partitioned: ALTER TABLE on the partitioned table adds the columns to every partition.

Policy limits (rows of `policylimit`, everywhere): a bill is settled within 30 days of its service date
for outpatient and pharmacy visits and 180 days for inpatient ones; a hospital does not settle pharmacy
visits, a pharmacy neither outpatient nor inpatient ones. Staff change them on /console/limits.

Revision ID: 0014_catalogue_settle
Revises: 0017_partner_api
Create Date: 2026-12-07 23:00:00.000000
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import backend.storage.types

revision = '0014_catalogue_settle'
down_revision = '0017_partner_api'
branch_labels = None
depends_on = None

DEFAULT_LIMITS = {"service_days_outpatient": 30, "service_days_pharmacy": 30, "service_days_inpatient": 180,
                  "visit_hospital_pharmacy": 0, "visit_pharmacy_outpatient": 0, "visit_pharmacy_inpatient": 0}


def upgrade() -> None:
    with op.batch_alter_table('settlement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overlmt_selfpay_fen', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('settlementline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overlmt_selfpay_fen', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('catalogue_entry_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('national_code', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('price_cap_fen', sa.BigInteger(), nullable=True))
    limits = sa.table('policylimit', sa.column('name', sa.String), sa.column('region_prefix', sa.String),
                      sa.column('value', sa.Integer), sa.column('set_at', backend.storage.types.UTCDateTime))
    op.bulk_insert(limits, [dict(name=name, region_prefix='', value=value, set_at=datetime(2026, 12, 7, tzinfo=UTC))
                            for name, value in DEFAULT_LIMITS.items()])


def downgrade() -> None:
    names = ", ".join(f"'{name}'" for name in DEFAULT_LIMITS)
    op.execute(f"DELETE FROM policylimit WHERE name IN ({names}) OR name LIKE 'service_days_%' "
               "OR name LIKE 'visit_%'")
    # Plain ALTER TABLE (SQLite 3.35+ has DROP COLUMN): a batch rebuild of `settlementline` on SQLite would
    # drop the table its payments refer to.
    for table, column in (('settlementline', 'price_cap_fen'), ('settlementline', 'national_code'),
                          ('settlementline', 'catalogue_entry_id'), ('settlementline', 'overlmt_selfpay_fen'),
                          ('settlement', 'overlmt_selfpay_fen')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
