"""auth sessions: server-side sign-in sessions and bearer tokens, revocable at once

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.storage.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('authsession',
    sa.Column('secret_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('principal_kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('principal_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backend.storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('secret_sha256')
    )
    with op.batch_alter_table('authsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authsession_principal_id'), ['principal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('authsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authsession_principal_id'))
    op.drop_table('authsession')
