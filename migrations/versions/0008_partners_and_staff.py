"""partners and staff: disabled institutions, rotated keys' grace, the key a partner session signed in with

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import backend.storage.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('apikey', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', backend.storage.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('authsession', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_key_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key('fk_authsession_api_key_id_apikey', 'apikey', ['api_key_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('authsession', schema=None) as batch_op:
        batch_op.drop_constraint('fk_authsession_api_key_id_apikey', type_='foreignkey')
        batch_op.drop_column('api_key_id')
    with op.batch_alter_table('apikey', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
