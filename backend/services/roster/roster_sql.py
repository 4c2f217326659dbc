"""Validation on PostgreSQL, set-based: the file's fields go by COPY into a temporary table, and one
INSERT … SELECT checks and normalizes them into the staging table.

Python still reads the file (the csv module, in C: record numbers, blank lines, the header, the encoding
exactly as `roster.validate` reads them) but checks nothing per row; PostgreSQL does the row checks of
`backend.domain.roster.check_row` (ID number shape, province, birth date, check digit; name; phone;
insurance type; status; region; balance) and the row digest, over all rows in one statement.

The SQL is at least as strict as the Python: it accepts only values whose normalized form it computes
exactly as the domain does (ASCII spaces trimmed, ASCII case folded, names of a whitelist of scripts,
phones of ASCII digits). A row it does not accept may still be good (a name in a rarer script, a
non-breaking space before a number): so it names no problem. When any row is not accepted, or the
file is not clean CSV of the header's width, nothing of this pass is kept and the caller checks the
file row by row in Python, which names every problem as before (`tests/services/test_roster_sql.py`
holds the two to the same answers).
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psycopg
from sqlmodel import Session

from backend.domain.idnumber import known_province
from backend.domain.insurance import InsuranceType
from backend.domain.money import MAX_AMOUNT_FEN
from backend.domain.regions import shandong_cities
from backend.domain.roster import INSURANCE_TYPES, STATUSES, Header, header_columns
from backend.domain.text import PERSON_NAME_MAX
from backend.runtime import Runtime
from backend.services.roster.roster_file import Records

# Names the SQL accepts: printable ASCII, Latin letters, the middle dots of transliterated names, CJK
# ideographs. Every one of these characters is outside Unicode's categories C* (which `clean_name`
# refuses) and none but the ASCII space is whitespace (so trimming ASCII spaces trims what `strip` would).
NAME_CHARACTERS = r"^[ -~\u00b7\u00c0-\u024f\u2022\u3005\u3007\u30fb\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_SUM = " + ".join(f"substr(idn, {i + 1}, 1)::int * {w}" for i, w in enumerate(_WEIGHTS))

_RAW = ("CREATE TEMPORARY TABLE rosterraw (row_no integer, id_number text, name text, phone text, insurance_type text, "
        "region_code text, status text, balance_yuan text) ON COMMIT DROP")

# Each LATERAL level computes once per row what the next one needs (OFFSET 0 keeps the planner from
# folding them into one expression that repeats every regular expression); every cast is guarded by the
# shape it casts (a WHERE does not fix the order in which PostgreSQL evaluates its conditions, a CASE does).
_CHECK = f"""
INSERT INTO rosterrow (import_id, row_no, person_id, existing, id_number, name, phone, birth_date, sex, insurance_type,
                       region_code, status, balance_fen, row_sha256, changed, delta_fen)
SELECT %(import_id)s, r.row_no, coalesce(known.id, gen_random_uuid()), known.id IS NOT NULL, t.idn, t.nm,
       nullif(p.ph, ''), d.born, CASE WHEN mod(substr(t.idn, 17, 1)::int, 2) = 1 THEN 'male' ELSE 'female' END,
       p.kind, t.region, p.st, p.fen, h.digest, entry.row_sha256 IS DISTINCT FROM h.digest, coalesce(p.fen, 0)
  FROM rosterraw r
  CROSS JOIN LATERAL (
    SELECT upper(btrim(coalesce(r.id_number, ''), ' ')) AS idn,
           btrim(coalesce(r.name, ''), ' ') AS nm,
           regexp_replace(coalesce(r.phone, ''), '[ \\t\\n\\r\\f\\v()（）-]', '', 'g') AS ph0,
           btrim(coalesce(r.insurance_type, ''), ' ') AS kind0,
           btrim(coalesce(r.region_code, ''), ' ') AS region,
           btrim(coalesce(r.status, ''), ' ') AS status0,
           btrim(coalesce(r.balance_yuan, ''), ' ') AS amount
    OFFSET 0) t
  CROSS JOIN LATERAL (
    SELECT t.idn ~ '^[0-9]{{17}}[0-9X]$' AS id_shape,
           CASE WHEN t.ph0 ~ '^(\\+86|0086)[0-9]+$' THEN regexp_replace(t.ph0, '^(\\+86|0086)', '') END AS national,
           replace(btrim(ltrim(t.amount, '¥￥'), ' '), ',', '') AS yuan
    OFFSET 0) s
  CROSS JOIN LATERAL (
    SELECT CASE WHEN s.id_shape THEN substr(t.idn, 7, 4)::int END AS y,
           CASE WHEN s.id_shape THEN substr(t.idn, 11, 2)::int END AS m,
           CASE WHEN s.id_shape THEN substr(t.idn, 13, 2)::int END AS d,
           CASE WHEN s.id_shape THEN substr('10X98765432', mod({_CHECK_SUM}, 11) + 1, 1) = substr(t.idn, 18, 1) END
             AS check_ok,
           CASE WHEN s.national IS NULL THEN t.ph0
                WHEN s.national ~ '^1[0-9]{{10}}$' OR left(s.national, 1) = '0' THEN s.national
                ELSE '0' || s.national END AS ph,
           %(types)s::jsonb ->> CASE WHEN t.kind0 ~ '^[ -~]*$' THEN lower(t.kind0) ELSE t.kind0 END AS kind,
           %(statuses)s::jsonb ->> CASE WHEN t.status0 ~ '^[ -~]*$' THEN lower(t.status0) ELSE t.status0 END AS st,
           CASE WHEN s.yuan ~ '^[0-9]{{1,10}}(\\.[0-9]{{0,2}})?$'
                THEN split_part(s.yuan, '.', 1)::bigint * 100 + rpad(split_part(s.yuan, '.', 2), 2, '0')::int END AS fen
    OFFSET 0) p
  CROSS JOIN LATERAL (
    SELECT CASE WHEN p.m BETWEEN 1 AND 12 AND p.d >= 1 AND p.y >= 1900 AND p.d <= CASE
                  WHEN p.m = 2 THEN CASE WHEN (mod(p.y, 4) = 0 AND mod(p.y, 100) <> 0) OR mod(p.y, 400) = 0 THEN 29 ELSE 28 END
                  WHEN p.m IN (4, 6, 9, 11) THEN 30 ELSE 31 END
                THEN make_date(p.y, p.m, p.d) END AS born
    OFFSET 0) d
  CROSS JOIN LATERAL (
    SELECT encode(sha256(convert_to(concat_ws(E'\\x1f', t.idn, t.nm, p.ph, p.kind, t.region, p.st,
                                              coalesce(p.fen::text, '')), 'UTF8')), 'hex') AS digest
    OFFSET 0) h
  -- People on file, and what the last roster said about them, resolved here (as `resolve_people` does)
  -- so the staged rows need not be rewritten for it.
  LEFT JOIN person known ON known.id_number = t.idn
  LEFT JOIN rosterentry entry ON entry.person_id = known.id
 WHERE s.id_shape AND p.check_ok AND substr(t.idn, 1, 2) = ANY(%(provinces)s) AND d.born <= %(today)s
   AND char_length(t.nm) BETWEEN 1 AND {PERSON_NAME_MAX} AND t.nm ~ %(name_characters)s
   AND (p.ph = '' OR p.ph ~ '^[0-9]{{5,20}}$')
   AND t.region ~ '^[0-9]{{6}}$' AND substr(t.region, 1, 2) = ANY(%(provinces)s)
   AND (substr(t.region, 1, 2) <> '37' OR substr(t.region, 1, 4) = ANY(%(cities)s))
   AND p.st IS NOT NULL
   AND ((p.kind = '{InsuranceType.EMPLOYEE.value}' AND p.fen IS NOT NULL AND p.fen <= {MAX_AMOUNT_FEN})
        OR (p.kind = '{InsuranceType.RESIDENT.value}' AND t.amount = ''))
"""

Progress = Callable[[int], None]  # rows read so far
WORK_MEM = "64MB"  # for the one checking statement's hash joins (the server's default is 4 MB)


class NotClean(Exception):
    """The file is not for this pass (a bad header, a record of another width, a row the SQL does not accept)."""


def _parameters(import_id: uuid.UUID, today: date) -> dict:
    provinces = [f"{p:02d}" for p in range(100) if known_province(f"{p:02d}")]
    return dict(import_id=import_id, today=today, provinces=provinces, cities=sorted(shandong_cities()),
                name_characters=NAME_CHARACTERS,
                types=json.dumps({key: kind.value for key, kind in INSURANCE_TYPES.items()}),
                statuses=json.dumps({key: status.value for key, status in STATUSES.items()}))


def stage_file(s: Session, import_id: uuid.UUID, path: Path, encoding: str, today: date,
               on_header: Callable[[Header], None], progress: Progress, every: int) -> int:
    """Read the file into the staging table, checked in SQL, inside the caller's transaction; how many data
    rows it had. Raises NotClean (the caller rolls back and checks row by row) when any row is not accepted."""
    cursor = s.connection().connection.driver_connection.cursor()
    cursor.execute(_RAW)
    records = iter(Records(path, encoding))
    try:
        _, first = next(records)
    except (StopIteration, UnicodeDecodeError, csv.Error):
        raise NotClean("no readable header") from None
    header = header_columns(first)
    if header.errors:
        raise NotClean("header")
    on_header(header)
    width = len(first)
    by_position = {at: column for column, at in header.positions.items()}
    columns = ", ".join(by_position[at] for at in range(width))
    processed = 0
    try:
        with cursor.copy(f"COPY rosterraw (row_no, {columns}) FROM STDIN") as copy:
            for number, fields in records:
                if len(fields) != width:
                    raise NotClean("width")
                fields.insert(0, number)
                copy.write_row(fields)
                processed += 1
                if processed % every == 0:
                    progress(processed)
    except (UnicodeDecodeError, csv.Error, psycopg.DataError) as broken:  # DataError: a NUL character
        raise NotClean(str(broken)) from None
    # Every row's values differ: caching the per-row subqueries (Memoize) only costs (measured: a quarter of
    # the statement's time). The planner needs the temporary table's size to join it to person by hashing
    # (not by a look-up per row), and the hash of person's ids wants more than the default 4 MB.
    cursor.execute("ANALYZE rosterraw")
    cursor.execute("SET LOCAL enable_memoize = off")
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    cursor.execute(_CHECK, _parameters(import_id, today))
    if cursor.rowcount != processed:
        raise NotClean("rows the SQL does not accept")
    return processed


def validate(rt: Runtime, import_id: uuid.UUID, path: Path, encoding: str, today: date,
             on_header: Callable[[Header], None], progress: Progress, every: int) -> int | None:
    """Stage a whole file checked in SQL, in one transaction: its row count, or None when the file must be
    checked row by row (nothing of this pass is then kept)."""
    try:
        return rt.db.write(lambda s: stage_file(s, import_id, path, encoding, today, on_header, progress, every))
    except NotClean:
        return None
