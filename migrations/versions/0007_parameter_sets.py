"""parameter sets: effective-dated settlement parameters in the database; settlement.parameter_set_id

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00.000000

Before this revision the parameters came from a JSON file (POLICY_PARAMETERS_FILE, by default
backend/data/policy_samples.json). A database that already holds settlements gets that file's sets
as versions (a set of year Y in force from 1 January Y), and each settlement points at the set whose
label it recorded. A database without settlements starts empty: `yibao import-parameters FILE` loads
the sets.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.storage.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SHIPPED = Path(__file__).resolve().parents[2] / "backend" / "data" / "policy_samples.json"


def upgrade() -> None:
    op.create_table('parameterset',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('region_prefix', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('b_self_pay_first_bp', sa.Integer(), nullable=False),
    sa.Column('premium_fen', sa.BigInteger(), nullable=False),
    sa.Column('deductible_employee_fen', sa.BigInteger(), nullable=False),
    sa.Column('deductible_resident_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_cap_employee_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_cap_resident_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_ratio_bp', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('b_self_pay_first_bp BETWEEN 0 AND 10000', name='ck_parameterset_b_self_pay_first_bp'),
    sa.CheckConstraint('premium_fen >= 0 AND deductible_employee_fen >= 0 AND deductible_resident_fen >= 0 '
                       'AND fund_cap_employee_fen >= 0 AND fund_cap_resident_fen >= 0',
                       name='ck_parameterset_amounts_nonnegative'),
    sa.ForeignKeyConstraint(['created_by'], ['staffuser.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_prefix', 'effective_from', name='uq_parameterset_region_from')
    )
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN with its reference inline: batch mode would copy the whole settlement table.
        op.execute("ALTER TABLE settlement ADD COLUMN parameter_set_id CHAR(32) "
                   "CONSTRAINT fk_settlement_parameter_set_id REFERENCES parameterset (id)")
    else:
        op.add_column('settlement', sa.Column('parameter_set_id', sa.Uuid(), nullable=True))
        op.create_foreign_key('fk_settlement_parameter_set_id', 'settlement', 'parameterset',
                              ['parameter_set_id'], ['id'])
    op.create_index('ix_settlement_parameter_set_id', 'settlement', ['parameter_set_id'], unique=False)
    _backfill()


def _legacy_sets() -> list[dict]:
    path = Path(os.environ.get("POLICY_PARAMETERS_FILE") or SHIPPED)
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["parameter_sets"]


def _backfill() -> None:
    """The file's sets become versions when settlements already cite them by label."""
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM settlement")).scalar() == 0:
        return
    table = sa.table('parameterset', sa.column('id', sa.Uuid()), sa.column('created_by', sa.Uuid()),
                     sa.column('effective_from', sa.Date()),
                     sa.column('created_at', backend.storage.types.UTCDateTime(timezone=True)),
                     *(sa.column(c) for c in (
                         'region_prefix', 'label', 'b_self_pay_first_bp', 'premium_fen', 'deductible_employee_fen',
                         'deductible_resident_fen', 'fund_cap_employee_fen', 'fund_cap_resident_fen', 'fund_ratio_bp')))
    now = datetime.now(UTC)
    for entry in _legacy_sets():
        start = date.fromisoformat(entry["effective_from"]) if "effective_from" in entry else date(entry["year"], 1, 1)
        conn.execute(sa.insert(table).values(
            id=uuid.uuid4(), region_prefix=entry["region_prefix"], effective_from=start, label=entry["label"],
            b_self_pay_first_bp=entry["b_self_pay_first_bp"], premium_fen=entry["premium_fen"],
            deductible_employee_fen=entry["deductible_fen"]["employee"],
            deductible_resident_fen=entry["deductible_fen"]["resident"],
            fund_cap_employee_fen=entry["annual_fund_cap_fen"]["employee"],
            fund_cap_resident_fen=entry["annual_fund_cap_fen"]["resident"],
            fund_ratio_bp=json.dumps(entry["fund_ratio_bp"], sort_keys=True), created_by=None, created_at=now))
    conn.execute(sa.text(
        "UPDATE settlement SET parameter_set_id = (SELECT p.id FROM parameterset p "
        "WHERE p.label = settlement.parameters_label ORDER BY p.effective_from DESC LIMIT 1)"))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Batch mode copies the settlement table; its lines' references are checked at commit instead.
        op.execute("PRAGMA defer_foreign_keys = ON")
    op.drop_index('ix_settlement_parameter_set_id', table_name='settlement')
    with op.batch_alter_table('settlement', schema=None) as batch_op:
        if not sqlite:  # the copy SQLite gets leaves the column's reference out with the column
            batch_op.drop_constraint('fk_settlement_parameter_set_id', type_='foreignkey')
        batch_op.drop_column('parameter_set_id')
    op.drop_table('parameterset')
