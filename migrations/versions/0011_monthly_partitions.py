"""monthly partitions: ledger postings and settlement lines partitioned by month on PostgreSQL

Both tables get `created_at` (their transaction's or settlement's time, copied from it) and a primary key
of (id, created_at); PostgreSQL requires a partitioned table's primary key and unique constraints to hold
the partition key. A settlement payment names its line by (line_id, line_created_at), so its foreign key
still holds. On PostgreSQL the two tables are rebuilt as RANGE-partitioned tables (one partition per
month in China time, a default partition, the months of existing rows and twelve ahead) and their rows
copied over; the upgrade rewrites both tables, so run it in a maintenance window. SQLite tables get the
same columns and keys, unpartitioned.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00.000000
"""
from __future__ import annotations

import warnings
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import backend.storage.types
from backend.storage import partitions

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

MONTHS_AHEAD = 12


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, backend.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def _posting_columns() -> list:
    return [
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('transaction_id', sa.Uuid(), nullable=False),
        sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('person_id', sa.Uuid(), nullable=True),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
        sa.ForeignKeyConstraint(['transaction_id'], ['ledgertransaction.id'], ),
    ]


def _line_columns() -> list:
    return [
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('settlement_id', sa.Uuid(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('unit_price_fen', sa.BigInteger(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('fund_fen', sa.BigInteger(), nullable=False),
        sa.Column('deductible_fen', sa.BigInteger(), nullable=False),
        sa.Column('copay_fen', sa.BigInteger(), nullable=False),
        sa.Column('b_self_first_fen', sa.BigInteger(), nullable=False),
        sa.Column('self_pay_fen', sa.BigInteger(), nullable=False),
        sa.Column('non_medical_fen', sa.BigInteger(), nullable=False),
        sa.Column('cash_fen', sa.BigInteger(), nullable=False),
        sa.Column('refund_id', sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], ),
        sa.ForeignKeyConstraint(['settlement_id'], ['settlement.id'], ),
    ]


# table -> (its columns, their indexes, the unique constraint's columns, the SQL that fills created_at)
TABLES = {
    'ledgerposting': (_posting_columns,
                      [('ix_ledgerposting_person', ['person_id']),
                       ('ix_ledgerposting_transaction_id', ['transaction_id'])],
                      None,
                      "SELECT t.created_at FROM ledgertransaction t WHERE t.id = ledgerposting.transaction_id"),
    'settlementline': (_line_columns,
                       [('ix_settlementline_settlement_id', ['settlement_id'])],
                       ['settlement_id', 'line_no'],
                       "SELECT s.created_at FROM settlement s WHERE s.id = settlementline.settlement_id"),
}
LINE_FK = 'fk_settlementpayment_line'
OLD_LINE_FK = 'settlementpayment_line_id_fkey'  # PostgreSQL's name for it before
# SQLite's constraints have no names: batch mode finds the old foreign key by this convention.
SQLITE_FK_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _old_line_fk() -> str:
    """The name of the payments' foreign key on line_id alone: PostgreSQL's, one a downgrade gave, or
    SQLite's unnamed one as SQLITE_FK_NAMES names it."""
    [fk] = [fk for fk in sa.inspect(op.get_bind()).get_foreign_keys('settlementpayment')
            if fk['constrained_columns'] == ['line_id']]
    return fk['name'] or 'fk_settlementpayment_line_id_settlementline'


def _unique(table: str, with_key: bool) -> sa.UniqueConstraint | None:
    columns = TABLES[table][2]
    if columns is None:
        return None
    return sa.UniqueConstraint(*columns, *(['created_at'] if with_key else []), name=f'uq_{table}_no')


def _create(table: str, *, partitioned: bool) -> None:
    columns, indexes, _, _ = TABLES[table]
    constraints = [c for c in [_unique(table, partitioned)] if c is not None]
    key = ['id', 'created_at'] if partitioned else ['id']
    created = [_ts('created_at')] if partitioned else []
    op.create_table(table, *columns(), *created, sa.PrimaryKeyConstraint(*key, name=f'{table}_pkey'), *constraints,
                    **({'postgresql_partition_by': 'RANGE (created_at)'} if partitioned else {}))
    for name, cols in indexes:
        op.create_index(name, table, cols)


def _free_names(old: str) -> None:
    """Drop the keys and indexes of a renamed table, so the new table can take their names."""
    inspector = sa.inspect(op.get_bind())
    for unique in inspector.get_unique_constraints(old):
        op.drop_constraint(unique['name'], old, type_='unique')
    for index in inspector.get_indexes(old):
        if 'duplicates_constraint' not in index:
            op.drop_index(index['name'], table_name=old)
    op.drop_constraint(inspector.get_pk_constraint(old)['name'], old, type_='primary')


def _rebuild(table: str, *, partitioned: bool) -> None:
    """PostgreSQL: the table again, partitioned or not, with its rows copied over."""
    old = f'{table}_rebuilt'
    op.rename_table(table, old)
    _free_names(old)
    _create(table, partitioned=partitioned)
    if partitioned:
        _create_partitions(table, old)
    columns = ', '.join(c.name for c in TABLES[table][0]() if isinstance(c, sa.Column))
    columns += ', created_at' if partitioned else ''
    op.execute(f'INSERT INTO {table} ({columns}) SELECT {columns} FROM {old}')
    op.drop_table(old)


def _create_partitions(table: str, rows_from: str) -> None:
    bind = op.get_bind()
    partitions.create_default(bind, table)
    earliest = bind.execute(sa.text(f'SELECT min(created_at) FROM {rows_from}')).scalar()
    now = partitions.month_of(datetime.now(UTC))
    first = min(now, partitions.month_of(earliest)) if earliest else now
    count = (now[0] - first[0]) * 12 + now[1] - first[1] + MONTHS_AHEAD + 1
    partitions.ensure_months(bind, first, count, tables=(table,))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, (_, _, _, fill) in TABLES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(_ts('created_at', nullable=True))
        op.execute(f'UPDATE {table} SET created_at = ({fill})')
    with op.batch_alter_table('settlementpayment') as batch_op:
        batch_op.add_column(_ts('line_created_at', nullable=True))
    op.execute('UPDATE settlementpayment SET line_created_at = '
                '(SELECT l.created_at FROM settlementline l WHERE l.id = settlementpayment.line_id)')
    if sqlite:
        with op.batch_alter_table('settlementpayment', naming_convention=SQLITE_FK_NAMES) as batch_op:
            batch_op.drop_constraint(_old_line_fk(), type_='foreignkey')
        for table in TABLES:
            with warnings.catch_warnings(), op.batch_alter_table(table, recreate='always') as batch_op:
                # The copy keeps `id` flagged primary_key while the new key adds created_at; SQLAlchemy says
                # so and takes the new key, which is what is wanted.
                warnings.filterwarnings('ignore', "Table '_alembic_tmp_", sa.exc.SAWarning)
                batch_op.alter_column('created_at', existing_type=backend.storage.types.UTCDateTime(timezone=True),
                                      nullable=False)
                batch_op.create_primary_key(f'{table}_pkey', ['id', 'created_at'])
                if _unique(table, False) is not None:
                    batch_op.drop_constraint(f'uq_{table}_no', type_='unique')
                    batch_op.create_unique_constraint(f'uq_{table}_no', [*TABLES[table][2], 'created_at'])
    else:
        op.drop_constraint(_old_line_fk(), 'settlementpayment', type_='foreignkey')
        for table in TABLES:
            _rebuild(table, partitioned=True)
    with op.batch_alter_table('settlementpayment') as batch_op:
        batch_op.alter_column('line_created_at', existing_type=backend.storage.types.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_foreign_key(LINE_FK, 'settlementline', ['line_id', 'line_created_at'], ['id', 'created_at'])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('settlementpayment') as batch_op:
        batch_op.drop_constraint(LINE_FK, type_='foreignkey')
    if sqlite:
        for table in TABLES:
            with op.batch_alter_table(table, recreate='always') as batch_op:
                if _unique(table, False) is not None:
                    batch_op.drop_constraint(f'uq_{table}_no', type_='unique')
                    batch_op.create_unique_constraint(f'uq_{table}_no', TABLES[table][2])
                batch_op.create_primary_key(f'{table}_pkey', ['id'])
                batch_op.drop_column('created_at')
    else:
        for table in TABLES:
            _rebuild(table, partitioned=False)
    with op.batch_alter_table('settlementpayment') as batch_op:
        batch_op.drop_column('line_created_at')
        batch_op.create_foreign_key(OLD_LINE_FK, 'settlementline', ['line_id'], ['id'])
