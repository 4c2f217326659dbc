"""the partner API as a till needs it (issue 24): refunds as records, the partner's receipt number

`refund` keeps what each pool got back (fund, own account, mutual aid, cash) and the deductible it gave
back, so a refund is read, and put on its day, without its lines. Refunds made before this revision get
their figures from their lines and the lines' payments, which hold them exactly (R13).

`settlement.receipt_number` is the partner's own receipt number, unique per partner, and
`settlement.request_sha256` the digest of the bill it was sent with (so the same bill sent again is
answered, and another bill under the same number is refused).

Revision ID: 0017_partner_api
Revises: 0019_hsa
Create Date: 2026-12-07 22:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_partner_api'
down_revision = '0019_hsa'
branch_labels = None
depends_on = None

REFUND_PARTS = ('fund_fen', 'own_account_fen', 'mutual_aid_fen', 'cash_fen', 'deductible_fen')
LINES = "FROM settlementline l WHERE l.refund_id = refund.id"
PAYMENTS = ("FROM settlementpayment p JOIN settlementline l ON l.id = p.line_id AND l.created_at = p.line_created_at "
            "WHERE l.refund_id = refund.id")


def upgrade() -> None:
    with op.batch_alter_table('refund', schema=None) as batch_op:
        for name in REFUND_PARTS:
            batch_op.add_column(sa.Column(name, sa.BigInteger(), server_default='0', nullable=False))
    op.execute(f"UPDATE refund SET fund_fen = COALESCE((SELECT SUM(l.fund_fen) {LINES}), 0), "
               f"cash_fen = COALESCE((SELECT SUM(l.cash_fen) {LINES}), 0), "
               f"deductible_fen = COALESCE((SELECT SUM(l.deductible_fen) {LINES}), 0), "
               f"own_account_fen = COALESCE((SELECT SUM(p.amount_fen) {PAYMENTS} AND p.pool = 'own'), 0), "
               f"mutual_aid_fen = COALESCE((SELECT SUM(p.amount_fen) {PAYMENTS} AND p.pool <> 'own'), 0)")
    op.add_column('settlement', sa.Column('receipt_number', sa.String(length=40), nullable=True))
    op.add_column('settlement', sa.Column('request_sha256', sa.String(length=64), nullable=True))
    op.create_index('uq_settlement_receipt', 'settlement', ['institution_id', 'receipt_number'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_settlement_receipt', table_name='settlement')
    op.execute("ALTER TABLE settlement DROP COLUMN request_sha256")
    op.execute("ALTER TABLE settlement DROP COLUMN receipt_number")
    # ALTER TABLE … DROP COLUMN on both dialects (SQLite since 3.35): a batch copy of `refund` would fail on the
    # settlement lines that point at it.
    for name in reversed(REFUND_PARTS):
        op.execute(f"ALTER TABLE refund DROP COLUMN {name}")
