"""search and dashboard: indexes for finding people at scale, and settlements by time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00.000000

On PostgreSQL, each kind of staff search gets its index (see docs/operations.md, "Finding people"):
- last digits of an ID number: a `text_pattern_ops` btree on `reverse(id_number)`, so "ends with"
  becomes a prefix match;
- name fragments: a GIN index on `person_name_grams(name)`, every character and every pair of
  neighbouring characters of the name (`backend.domain.search.name_grams` is the same function in
  Python). pg_trgm was measured against it (bench/search.py) and left out: a 1- or 2-character
  fragment, which is most Chinese name searches, yields no trigram, and its GIN index is then read
  whole.
Exact ID numbers and phones already have their unique btrees. Both dialects get a btree on
`settlement.created_at` for the dashboard's figures of today and this month.
"""
from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# PL/pgSQL rather than SQL: the SQL form (generate_series, array_agg) is not inlined in an index
# expression and cost 9x as much per row when measured (117 against 13 microseconds). Repeated
# characters may repeat in the array; GIN keeps each key once.
NAME_GRAMS = """
CREATE FUNCTION person_name_grams(name text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  grams text[] := '{}';
  n int := char_length(name);
BEGIN
  FOR i IN 1..n LOOP
    grams := grams || substr(name, i, 1);
    IF i < n THEN
      grams := grams || substr(name, i, 2);
    END IF;
  END LOOP;
  RETURN grams;
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table('settlement', schema=None) as batch_op:
        batch_op.create_index('ix_settlement_created_at', ['created_at'], unique=False)
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(NAME_GRAMS)
    # fastupdate off: a search never reads through a pending list of recent inserts (tens of ms after
    # a roster import until the next vacuum); imports pay for it instead, measured in bench/search.py.
    op.execute("CREATE INDEX ix_person_name_grams ON person USING gin (person_name_grams(name)) "
               "WITH (fastupdate = off)")
    op.execute("CREATE INDEX ix_person_id_number_reversed ON person (reverse(id_number) text_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX ix_person_id_number_reversed")
        op.execute("DROP INDEX ix_person_name_grams")
        op.execute("DROP FUNCTION person_name_grams(text)")
    with op.batch_alter_table('settlement', schema=None) as batch_op:
        batch_op.drop_index('ix_settlement_created_at')
