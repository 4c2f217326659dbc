"""roster import: import jobs, their errors, staged rows, per-person row digests

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:39:41.501245
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.storage.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rosterimport',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('encoding', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('rows_processed', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('new_count', sa.Integer(), nullable=False),
    sa.Column('changed_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('adjusted_count', sa.Integer(), nullable=False),
    sa.Column('adjusted_net_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['staffuser.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('file_sha256')
    )
    with op.batch_alter_table('rosterimport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rosterimport_status'), ['status'], unique=False)

    op.create_table('rosterentry',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('row_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=True),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['rosterimport.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    with op.batch_alter_table('rosterentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rosterentry_import_id'), ['import_id'], unique=False)

    op.create_table('rosterimporterror',
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('column', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['rosterimport.id'], ),
    sa.PrimaryKeyConstraint('import_id', 'seq')
    )
    op.create_table('rosterrow',
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('existing', sa.Boolean(), nullable=False),
    sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('insurance_type', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=True),
    sa.Column('row_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('changed', sa.Boolean(), nullable=False),
    sa.Column('delta_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['rosterimport.id'], ),
    sa.PrimaryKeyConstraint('import_id', 'row_no')
    )
    with op.batch_alter_table('ledgertransaction', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sa.VARCHAR(length=16),
               type_=sqlmodel.sql.sqltypes.AutoString(length=20),
               existing_nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('ledgertransaction', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
               type_=sa.VARCHAR(length=16),
               existing_nullable=False)

    op.drop_table('rosterrow')
    op.drop_table('rosterimporterror')
    with op.batch_alter_table('rosterentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rosterentry_import_id'))

    op.drop_table('rosterentry')
    with op.batch_alter_table('rosterimport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rosterimport_status'))

    op.drop_table('rosterimport')
