"""roster import feedback (issue 20): the file's own header names, each problem's value, the job's worker

`rosterimport.header_names` (JSON: canonical column -> the header text the file used) lets problems be
named by the file's own words; `rosterimporterror.value` keeps the offending value (cut to 100
characters); `rosterimport.worker` (host:pid:start time) names the process running a job, so a job whose process is
gone can be marked interrupted. Imports left running by the service before this revision name no
process: the upgrade (run with the service stopped) marks them interrupted and drops their staged rows.
Command-line dry runs used to end as cancelled; a cancelled import the command line started (no staff user)
was one, and becomes dry_run.

Revision ID: 0012_roster
Revises: 0011
Create Date: 2026-12-07 20:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012_roster'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rosterimport', schema=None) as batch_op:
        batch_op.add_column(sa.Column('header_names', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=80), nullable=True))
    with op.batch_alter_table('rosterimporterror', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value', sa.String(length=100), nullable=True))
    stuck = "SELECT id FROM rosterimport WHERE status IN ('pending', 'validating', 'applying')"
    op.execute(f"DELETE FROM rosterrow WHERE import_id IN ({stuck})")
    op.execute("UPDATE rosterimport SET status = 'interrupted', finished_at = CURRENT_TIMESTAMP "
               "WHERE status IN ('pending', 'validating', 'applying')")
    op.execute("UPDATE rosterimport SET status = 'dry_run' WHERE status = 'cancelled' AND created_by IS NULL")


def downgrade() -> None:
    op.execute("UPDATE rosterimport SET status = 'cancelled' WHERE status IN ('dry_run', 'interrupted')")
    with op.batch_alter_table('rosterimporterror', schema=None) as batch_op:
        batch_op.drop_column('value')
    with op.batch_alter_table('rosterimport', schema=None) as batch_op:
        batch_op.drop_column('worker')
        batch_op.drop_column('header_names')
