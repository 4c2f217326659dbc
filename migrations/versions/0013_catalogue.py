"""catalogue (issue 23): the insurer's catalogue entries by version, their imports, institutions' item mappings

`catalogueentry` holds one version of a catalogue item (医保目录) in force from valid_from to valid_to;
`catalogueimport` the files that loaded them; `itemmapping` an institution's item code mapped to a
national code (目录对照), pending until staff approve or reject it. New tables only: nothing existing changes.

Revision ID: 0013_catalogue
Revises: 0012_roster
Create Date: 2026-12-07 22:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.storage.types

revision = '0013_catalogue'
down_revision = '0012_roster'
branch_labels = None
depends_on = None

APPROVED = sa.text("status = 'approved'")
PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table('catalogueimport',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('file_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('encoding', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('new_count', sa.Integer(), nullable=False),
    sa.Column('unchanged_count', sa.Integer(), nullable=False),
    sa.Column('closed_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('header_names', sa.Text(), nullable=True),
    sa.Column('problems', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staffuser.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('file_sha256')
    )
    op.create_table('itemmapping',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('institution_id', sa.Uuid(), nullable=False),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('item_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('national_code', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('submitted_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_via', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['staffuser.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('itemmapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_itemmapping_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index('ix_itemmapping_status', ['status', 'submitted_at'], unique=False)
        batch_op.create_index('uq_itemmapping_approved', ['institution_id', 'item_code'], unique=True,
                              sqlite_where=APPROVED, postgresql_where=APPROVED)
        batch_op.create_index('uq_itemmapping_pending', ['institution_id', 'item_code'], unique=True,
                              sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_table('catalogueentry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('national_code', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('item_class', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('b_self_first_bp', sa.Integer(), nullable=True),
    sa.Column('price_cap_fen', sa.BigInteger(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('import_id', sa.Uuid(), nullable=False),
    sa.Column('row_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.CheckConstraint("b_self_first_bp IS NULL OR (item_class = 'B' AND b_self_first_bp BETWEEN 0 AND 10000)",
                       name='ck_catalogueentry_b_self_first_bp'),
    sa.CheckConstraint("item_class IN ('A', 'B', 'C')", name='ck_catalogueentry_class'),
    sa.CheckConstraint("kind IN ('drug', 'service', 'consumable')", name='ck_catalogueentry_kind'),
    sa.CheckConstraint('price_cap_fen IS NULL OR price_cap_fen >= 0', name='ck_catalogueentry_price_cap'),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name='ck_catalogueentry_valid'),
    sa.ForeignKeyConstraint(['import_id'], ['catalogueimport.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('national_code', 'valid_from', name='uq_catalogueentry_code_from')
    )
    with op.batch_alter_table('catalogueentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogueentry_import_id'), ['import_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('catalogueentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogueentry_import_id'))
    op.drop_table('catalogueentry')
    with op.batch_alter_table('itemmapping', schema=None) as batch_op:
        batch_op.drop_index('uq_itemmapping_pending', sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.drop_index('uq_itemmapping_approved', sqlite_where=APPROVED, postgresql_where=APPROVED)
        batch_op.drop_index('ix_itemmapping_status')
        batch_op.drop_index(batch_op.f('ix_itemmapping_institution_id'))
    op.drop_table('itemmapping')
    op.drop_table('catalogueimport')
