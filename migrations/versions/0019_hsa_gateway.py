"""HSA gateway (issue 19): partners' institution codes, the gateway's message log, sign-ins and visits

`institution.institution_code` is the national platform's code for a partner (`fixmedins_code`), unique,
set by admins. `hsamessage` logs every request to /hsa/v1 and its reply (names and ID numbers masked);
the first reply to a partner's msgid is kept, so a retry gets it again. `hsasignin` holds 9001's
sign-in numbers, one per partner, operator and day; `hsavisit` the visits 2201 registers, with the fee
detail 2204 uploads and the settlement 2207 made; `hsafile` the files of 3202 (9101 uploads, results
fetched by 9102).

Revision ID: 0019_hsa
Revises: 0015_clearing
Create Date: 2026-12-07 22:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.storage.types


revision = '0019_hsa'
down_revision = '0015_clearing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hsamessage',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('msgid', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('infno', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('opter', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('kept', sa.Boolean(), nullable=False),
    sa.Column('infcode', sa.Integer(), nullable=False),
    sa.Column('err_msg', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('request_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('settlement_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hsamessage', schema=None) as batch_op:
        batch_op.create_index('ix_hsamessage_at', ['created_at'], unique=False)
        batch_op.create_index('uq_hsamessage_kept', ['partner_id', 'msgid'], unique=True, sqlite_where=sa.text('kept'), postgresql_where=sa.text('kept'))

    op.create_table('hsasignin',
    sa.Column('sign_no', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('opter', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('signed_in_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signed_out_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('sign_no'),
    sa.UniqueConstraint('partner_id', 'opter', 'day', name='uq_hsasignin_opter_day')
    )
    op.create_table('hsavisit',
    sa.Column('mdtrt_id', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('psn_no', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('med_type', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('insutype', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('begntime', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('chrg_bchno', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('fee_lines', sa.Text(), nullable=True),
    sa.Column('settlement_id', sa.Uuid(), nullable=True),
    sa.Column('cancelled_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('mdtrt_id')
    )
    with op.batch_alter_table('hsavisit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hsavisit_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hsavisit_settlement_id'), ['settlement_id'], unique=False)

    op.create_table('hsafile',
    sa.Column('file_qury_no', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('file_qury_no')
    )
    with op.batch_alter_table('hsafile', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hsafile_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('institution_code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.create_index('uq_institution_code', ['institution_code'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('hsavisit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hsavisit_settlement_id'))
        batch_op.drop_index(batch_op.f('ix_hsavisit_partner_id'))

    with op.batch_alter_table('hsafile', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hsafile_partner_id'))

    op.drop_table('hsafile')
    op.drop_table('hsavisit')
    op.drop_table('hsasignin')
    with op.batch_alter_table('hsamessage', schema=None) as batch_op:
        batch_op.drop_index('uq_hsamessage_kept', sqlite_where=sa.text('kept'), postgresql_where=sa.text('kept'))
        batch_op.drop_index('ix_hsamessage_at')

    op.drop_table('hsamessage')

    # Not in batch mode: on SQLite that would copy the institution table, which many tables refer to; SQLite
    # (3.35 and later) drops an unindexed column in place.
    op.drop_index('uq_institution_code', table_name='institution')
    op.drop_column('institution', 'institution_code')
