"""monthly clearing and payout (issue 18): batches, their items and lines, deductions, payee accounts

`clearingbatch` is one month's clearing (at most one not rejected per month); `clearingitem` puts a
settlement or refund in exactly one batch (its id is the key); `clearingline` is one row per institution,
insurance type and clearing type; `clearingdeduction` an auditor's deduction from a settlement;
`institution.payee_bank_name` / `payee_account_no` where clearing pays it.

Revision ID: 0015_clearing
Revises: 0016_reconcile
Create Date: 2026-12-07 22:08:56.334802
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.storage.types


revision = '0015_clearing'
down_revision = '0016_reconcile'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clearingbatch',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('period_start', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('prepared_by', sa.Uuid(), nullable=False),
    sa.Column('prepared_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.Uuid(), nullable=True),
    sa.Column('approved_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rejected_by', sa.Uuid(), nullable=True),
    sa.Column('rejected_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('paid_by', sa.Uuid(), nullable=True),
    sa.Column('paid_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('bank_reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['staffuser.id'], ),
    sa.ForeignKeyConstraint(['paid_by'], ['staffuser.id'], ),
    sa.ForeignKeyConstraint(['prepared_by'], ['staffuser.id'], ),
    sa.ForeignKeyConstraint(['rejected_by'], ['staffuser.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clearingbatch', schema=None) as batch_op:
        batch_op.create_index('uq_clearingbatch_month', ['month'], unique=True, sqlite_where=sa.text("status != 'rejected'"), postgresql_where=sa.text("status != 'rejected'"))

    op.create_table('clearingitem',
    sa.Column('source_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('insutype', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('clr_type', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('bill_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('own_fen', sa.BigInteger(), nullable=False),
    sa.Column('aid_fen', sa.BigInteger(), nullable=False),
    sa.Column('cash_fen', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source_id')
    )
    with op.batch_alter_table('clearingitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clearingitem_batch_id'), ['batch_id'], unique=False)

    op.create_table('clearingline',
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('insutype', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('clr_type', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('settlements', sa.Integer(), nullable=False),
    sa.Column('refunds', sa.Integer(), nullable=False),
    sa.Column('bill_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('own_fen', sa.BigInteger(), nullable=False),
    sa.Column('aid_fen', sa.BigInteger(), nullable=False),
    sa.Column('cash_fen', sa.BigInteger(), nullable=False),
    sa.Column('deducted_fen', sa.BigInteger(), nullable=False),
    sa.Column('payable_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['clearingbatch.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('batch_id', 'institution_id', 'insutype', 'clr_type')
    )
    op.create_table('clearingdeduction',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('settlement_id', sa.Uuid(), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('personal_fen', sa.BigInteger(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['clearingbatch.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['staffuser.id'], ),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('clearingdeduction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clearingdeduction_settlement_id'), ['settlement_id'], unique=False)

    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_bank_name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
        batch_op.add_column(sa.Column('payee_account_no', sqlmodel.sql.sqltypes.AutoString(length=34), nullable=True))



def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ too): a batch copy of `institution` would trip its foreign keys.
    op.execute("ALTER TABLE institution DROP COLUMN payee_account_no")
    op.execute("ALTER TABLE institution DROP COLUMN payee_bank_name")

    with op.batch_alter_table('clearingdeduction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clearingdeduction_settlement_id'))

    op.drop_table('clearingdeduction')
    op.drop_table('clearingline')
    with op.batch_alter_table('clearingitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clearingitem_batch_id'))

    op.drop_table('clearingitem')
    with op.batch_alter_table('clearingbatch', schema=None) as batch_op:
        batch_op.drop_index('uq_clearingbatch_month', sqlite_where=sa.text("status != 'rejected'"), postgresql_where=sa.text("status != 'rejected'"))

    op.drop_table('clearingbatch')
