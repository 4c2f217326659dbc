"""Staff search at a thousand and at a million people: p50/p99 of each kind of search, in one run.

Creates two PostgreSQL databases, `yibao_search_1k` and `yibao_search_1m` (admin connection
BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres), migrates both
(so the indexes are migration 0009's), loads generated people with COPY (the two search indexes
dropped meanwhile and rebuilt after from their own definitions), and times the search the
graph's `people(search:)` runs (`services.search.search_people`: the count and the first page of 20,
in a read session of its own) for queries drawn from the people loaded:

- id_number: a full ID number; id_suffix: its last 6 characters; phone: a full mobile number;
- name: two neighbouring characters of a name (a given name, or a surname and a given character);
- name_1char: one character of a given name. At a million people one character matches
  thousands; the search counts no further than `services.search.COUNT_CAP` (1,000) and lists
  nothing past it (the console asks for a narrower query), so this kind is held to the target too.
  The "past cap" columns give the share of queries that went past it.

The baseline is the same query kind at 1,000 people; the target is p99 at 1M within 2x of p99 at
1k. Then, on the million, the name queries against the alternative the issue names, a pg_trgm GIN
index (`name LIKE '%..%'` alone, with the same cap), built in the same run.

    .venv/bin/python bench/search.py [--people 1000000] [--queries 300] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session  # noqa: E402

from backend.config import PROJECT_ROOT  # noqa: E402
from backend.domain.idnumber import Sex, make_id_number  # noqa: E402
from backend.domain.search import classify  # noqa: E402
from backend.services.people.search import COUNT_CAP, Found, search_people  # noqa: E402
from backend.storage.db import Database  # noqa: E402
from backend.storage.models import POSTGRESQL_SEARCH_INDEXES  # noqa: E402

ADMIN = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PAGE = 20
TARGET = 2.0

# Common surnames, most frequent first (a few compound), and characters common in given names.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方"]
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文辉玉凤海燕红梅志林萍飞鹏斌波宇浩凯健俊帆帅旭"
         "晨阳雪琳晶欣怡佳梓子涵轩然睿博思雨诗婷颖慧琪瑶嘉馨雅莉婉清淑珍宁春秋冬云天泽瑞祥福寿德仁义礼智信忠"
         "孝荣昌盛兴旺永长安康乐喜庆家宏振中立新力成学民生光亮金银铁山水石松柏竹兵武卫东南西北京津鲁齐")
REGIONS = ["370102", "370103", "370104", "370105", "370112", "370113", "370202", "370303", "370602", "370702",
           "370811", "371002", "371102", "371302", "371402", "371502", "371602", "371702"]
KINDS = ("id_number", "id_suffix", "phone", "name", "name_1char")


def _name(rng: random.Random) -> tuple[str, str]:
    """(surname, given name): surnames skewed as in life, given names of one or two characters."""
    surname = rng.choice(COMPOUND) if rng.random() < 0.01 else SURNAMES[min(int(rng.expovariate(1 / 18)),
                                                                           len(SURNAMES) - 1)]
    given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.25 else 2))
    return surname, given


def people(n: int, seed: int):
    """Rows for COPY into person, with unique ID numbers and phones (70% have one)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    phones = iter(rng.sample(range(10**9), n))
    born_from, span = date(1930, 1, 1), (date(2024, 12, 31) - date(1930, 1, 1)).days
    created = datetime(2026, 1, 1, tzinfo=UTC)
    while len(seen) < n:
        sex = Sex.FEMALE if rng.random() < 0.5 else Sex.MALE
        id_number = make_id_number(rng.choice(REGIONS), born_from + timedelta(days=rng.randrange(span)),
                                   rng.randrange(1000), sex)
        if id_number in seen:
            continue
        seen.add(id_number)
        surname, given = _name(rng)
        phone = f"1{3 + rng.randrange(7)}{next(phones):09d}" if rng.random() < 0.7 else None
        yield (uuid.UUID(int=rng.getrandbits(128), version=4), surname + given, id_number,
               date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])), sex.value, phone, created,
               given)


def create_database(name: str) -> str:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(ADMIN).set(database=name).render_as_string(hide_password=False)
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    return url


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def load(db: Database, n: int, seed: int, queries: int) -> tuple[dict[str, list[str]], float, float]:
    """COPY n people with the search indexes of 0009 dropped, then rebuild them from their own
    definitions (as read from pg_indexes), as a bulk load would. Returns search texts of each kind
    drawn from the people loaded, the seconds COPY took and the seconds the rebuild took."""
    rng = random.Random(seed + 1)
    picked: list[tuple] = []
    raw = db.engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur:
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'person' "
                        "AND indexname = ANY(%s)", [sorted(POSTGRESQL_SEARCH_INDEXES)])
            definitions = cur.fetchall()
            assert len(definitions) == len(POSTGRESQL_SEARCH_INDEXES), definitions
            for name, _ in definitions:
                cur.execute(f"DROP INDEX {name}")
            started = time.perf_counter()
            with cur.copy("COPY person (id, name, id_number, birth_date, sex, phone, created_at) FROM STDIN") as copy:
                for i, row in enumerate(people(n, seed)):
                    copy.write_row(row[:7])
                    # reservoir sample of the people to search for
                    if len(picked) < queries:
                        picked.append(row)
                    elif (j := rng.randrange(i + 1)) < queries:
                        picked[j] = row
            copied = time.perf_counter() - started
            started = time.perf_counter()
            for _, definition in definitions:
                cur.execute(definition)
            cur.execute("ANALYZE person")
            indexed = time.perf_counter() - started
        raw.driver_connection.commit()
    finally:
        raw.close()
    with_phone = [p for p in picked if p[5]] or picked
    texts = {
        "id_number": [p[2] for p in picked],
        "id_suffix": [p[2][-6:] for p in picked],
        "phone": [rng.choice(with_phone)[5] for _ in picked],
        "name": [_pair(rng, p[1]) for p in picked],
        "name_1char": [rng.choice(p[7]) for p in picked],
    }
    return texts, copied, indexed


def _pair(rng: random.Random, name: str) -> str:
    start = rng.randrange(len(name) - 1)
    return name[start:start + 2]


def _search(session_or_db, query) -> Found:
    if isinstance(session_or_db, Database):
        with session_or_db.read() as s:
            return search_people(s, query, 0, PAGE)
    return search_people(session_or_db, query, 0, PAGE)


def _clock(fn) -> tuple[float, Found]:
    started = time.perf_counter()
    found = fn()
    return time.perf_counter() - started, found


def _summary(samples: list[tuple[float, Found]]) -> tuple[float, float, float, float]:
    """p50 and p99 in ms, the mean number found (counted up to the cap), the share past the cap in %."""
    cuts = statistics.quantiles([t for t, _ in samples], n=100, method="inclusive")
    return (cuts[49] * 1000, cuts[98] * 1000, statistics.fmean(f.total for _, f in samples),
            100 * statistics.fmean(f.capped for _, f in samples))


def time_sizes(small: Database, big: Database, small_texts: list[str], big_texts: list[str]):
    """Each kind's queries at both sizes, alternating one at 1k and one at 1M, so that whatever else
    the machine is doing weighs on both alike; after one warm-up pass of each."""
    small_q, big_q = [classify(t) for t in small_texts], [classify(t) for t in big_texts]
    for q in small_q:
        _search(small, q)
    for q in big_q:
        _search(big, q)
    small_t, big_t = [], []
    for a, b in zip(small_q, big_q, strict=True):
        small_t.append(_clock(lambda a=a: _search(small, a)))
        big_t.append(_clock(lambda b=b: _search(big, b)))
    return _summary(small_t), _summary(big_t)


TRGM_COUNT = text("SELECT count(*) FROM (SELECT 1 FROM person WHERE name LIKE :p LIMIT :over) AS m")
TRGM_PAGE = text("SELECT * FROM person WHERE name LIKE :p ORDER BY name, id LIMIT 20")


def _without(db: Database, index: str, fn) -> tuple[float, int]:
    """Time fn(connection) in a transaction that has dropped `index` (rolled back after), so the
    planner can only use the other one."""
    with db.engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text(f"DROP INDEX {index}"))
        result = _clock(lambda: fn(conn))
        trans.rollback()
    return result


def _trigram(conn, fragment: str) -> Found:
    total = conn.execute(TRGM_COUNT, {"p": f"%{fragment}%", "over": COUNT_CAP + 1}).scalar_one()
    if total > COUNT_CAP:
        return Found([], COUNT_CAP, True)
    conn.execute(TRGM_PAGE, {"p": f"%{fragment}%"}).all()
    return Found([], total, False)


def time_name_indexes(db: Database, texts: list[str]):
    """Name fragments through the 0009 index and through a pg_trgm index, alternately."""
    grams_t, trgm_t = [], []
    for rounds in (1, 2):
        for t in texts:
            q = classify(t)
            g = _without(db, "ix_person_name_trgm", lambda c, q=q: _search(Session(bind=c), q))
            r = _without(db, "ix_person_name_grams", lambda c, t=t: _trigram(c, t))
            if rounds == 2:  # the first round warms both
                grams_t.append(g)
                trgm_t.append(r)
    return _summary(grams_t), _summary(trgm_t)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the two databases afterwards")
    args = parser.parse_args()
    sizes = {"1k": args.small, "1m": args.people}
    print(f"load average at start {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine "
          "weighs on both sizes alike: their queries alternate)")
    dbs: dict[str, Database] = {}
    texts: dict[str, dict[str, list[str]]] = {}
    for label, n in sizes.items():
        dbs[label] = Database.from_url(create_database(f"yibao_search_{label}"))
        texts[label], copied, indexed = load(dbs[label], n, seed=8, queries=args.queries)
        print(f"{n:>9,} people: COPY {copied:6.1f} s ({n / copied:,.0f} rows/s, unique btrees on ID number and "
              f"phone in place), then the search indexes of 0009 rebuilt in {indexed:5.1f} s")

    print(f"\nstaff search, p50 / p99 in ms over {args.queries} queries of each kind (count + first page of {PAGE}),"
          f" 1k and 1M alternating; baseline: the same kind at {sizes['1k']:,} people")
    print(f"{'kind':<11} {'p50 1k':>8} {'p99 1k':>8} {'found 1k':>9} {'p50 1M':>8} {'p99 1M':>8} {'found 1M':>9}"
          f" {'past cap 1M':>12} {'p99 1M/1k':>10}  target <= {TARGET}x")
    for kind in KINDS:
        small, big = time_sizes(dbs["1k"], dbs["1m"], texts["1k"][kind], texts["1m"][kind])
        ratio = big[1] / small[1]
        verdict = "met" if ratio <= TARGET else "MISSED"
        print(f"{kind:<11} {small[0]:8.2f} {small[1]:8.2f} {small[2]:9.1f} {big[0]:8.2f} {big[1]:8.2f} {big[2]:9.1f}"
              f" {big[3]:11.0f}% {ratio:9.2f}x  {verdict}")

    with dbs["1m"].engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text("CREATE INDEX ix_person_name_trgm ON person USING gin (name gin_trgm_ops)"))
        conn.execute(text("ANALYZE person"))
        built = time.perf_counter() - started
    with dbs["1m"].engine.connect() as conn:
        mb = conn.execute(text("SELECT pg_relation_size('ix_person_name_grams') / 1e6, "
                               "pg_relation_size('ix_person_name_trgm') / 1e6")).one()
    print(f"\nname fragments at {sizes['1m']:,} people, p50 / p99 in ms: the 0009 index (characters and pairs, "
          f"{mb[0]:.0f} MB) beside pg_trgm (gin_trgm_ops, {mb[1]:.0f} MB, built in {built:.0f} s), alternating")
    for kind in ("name", "name_1char"):
        grams, trgm = time_name_indexes(dbs["1m"], texts["1m"][kind])
        print(f"{kind:<11} grams {grams[0]:8.2f} {grams[1]:8.2f}   pg_trgm {trgm[0]:8.2f} {trgm[1]:8.2f}"
              f"   pg_trgm / grams at p99 {trgm[1] / grams[1]:6.1f}x")

    print(f"load average at end {os.getloadavg()[0]:.1f}")
    for label in sizes:
        dbs[label].dispose()
        if not args.keep:
            drop_database(f"yibao_search_{label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
