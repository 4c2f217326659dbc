"""The `yibao` command: migrate, seed-demo, serve, staff, partners and passwords, codes, the ledger check and its
partitions, the graph's reference."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from backend.config import PROJECT_ROOT, get_settings


def _runtime():
    from backend.runtime import Runtime

    return Runtime.from_settings()


def migrate(_args) -> int:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    command.upgrade(cfg, "head")
    print(f"database at revision head: {_safe_url()}")
    return 0


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def seed_demo(args) -> int:
    from backend import demo

    rt = _runtime()
    if demo.has_demo_data(rt):
        message = "the database already has people; demo data not loaded again"
    else:
        demo.seed(rt)
        message = "demo data loaded"
    if args.json:
        print(json.dumps(demo.logins(), ensure_ascii=False, indent=2))
        print(message, file=sys.stderr)
    else:
        _print_logins(demo.logins(), message)
    return 0


def _print_logins(data: dict, message: str) -> None:
    print(message)
    print("\nDemo logins (demo data only; every password here is public):")
    print("  Household members — sign in with ID number or phone:")
    for p in data["people"]:
        print(f"    {p['name']:<4}  {p['id_number']}  {p['phone'] or '-':<11}  {p['password']}   ({p['role']})")
    print("  Staff — sign in with username:")
    for s in data["staff"]:
        print(f"    {s['username']:<10} {s['password']:<12} {s['role']}")
    print("  Partners — send 'Authorization: Bearer <api key>' to /graphql:")
    for k in data["partners"]:
        print(f"    {k['name']} ({k['kind']}): {k['api_key']}")


def serve(args) -> int:
    import uvicorn

    from web.app import create_app

    settings = get_settings()
    app = create_app(_runtime())
    print(f"yibao-family on http://{args.host}:{args.port}/  (GraphQL: http://{args.host}:{args.port}/graphql)",
          flush=True)
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise: tell it the same proxies as the app.
    trusted = settings.forwarded_allow_ips.strip()
    # No `server: uvicorn` header: it tells an attacker nothing useful to us, only to them.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False,
                proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None)
    return 0


def create_staff(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.accounts import create_staff as create

    password = args.password or getpass.getpass("password: ")
    staff = create(_runtime(), Actor(SYSTEM, Channel.CLI), username=args.username, name=args.name or args.username,
                   role=args.role, password=password)
    print(f"staff user {staff.username} ({staff.role}) created")
    return 0


def set_password(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.accounts import set_password as set_

    password = args.password or getpass.getpass("new password: ")
    set_(_runtime(), Actor(SYSTEM, Channel.CLI), args.username, password)
    print(f"password of {args.username} set; their sessions and tokens have ended")
    return 0


def disable_staff(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.accounts import disable_staff as disable

    disable(_runtime(), Actor(SYSTEM, Channel.CLI), args.username, args.reason)
    print(f"staff user {args.username} disabled; their sessions and tokens have ended")
    return 0


def create_partner(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.accounts import create_partner as create

    inst, key = create(_runtime(), Actor(SYSTEM, Channel.CLI), name=args.name, kind=args.kind,
                       level=args.level, region_code=args.region)
    print(f"partner {inst.name} ({inst.kind}) created; its API key, shown once:\n{key}")
    return 0


def prune_codes(args) -> int:
    from datetime import timedelta

    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.codes import prune_expired

    removed = prune_expired(_runtime(), Actor(SYSTEM, Channel.CLI), timedelta(hours=args.hours))
    print(f"removed {removed} unused codes that expired more than {args.hours} h ago")
    return 0


def schema(args) -> int:
    from backend.config import PROJECT_ROOT
    from backend.graph.reference import print_sdl

    sdl = print_sdl()
    if args.write:
        (PROJECT_ROOT / "schema.graphql").write_text(sdl, encoding="utf-8")
        print("wrote schema.graphql")
    else:
        print(sdl, end="")
    return 0


def docs(args) -> int:
    from backend.graph.reference import DOCS, docs_with_rule_table

    DOCS.write_text(docs_with_rule_table(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"regenerated the rule table in {DOCS.name}")
    return 0


def verify_ledger(_args) -> int:
    from backend.services.ledger_check import render, verify
    from backend.storage.db import Database

    settings = get_settings()
    db = Database.from_url(settings.database_url, transaction_pooling=settings.database_transaction_pooling)
    try:
        report = verify(db)
    finally:
        db.dispose()
    print(f"verify-ledger on {_safe_url()}")
    print(render(report))
    return 0 if report.ok else 1


def _month(value: str) -> tuple[int, int]:
    year, month = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError("a month is YYYY-MM")
    return year, month


def create_partitions(args) -> int:
    from datetime import UTC, datetime

    from backend.storage import partitions
    from backend.storage.db import Database

    settings = get_settings()
    db = Database.from_url(settings.database_url, transaction_pooling=settings.database_transaction_pooling)
    try:
        if db.dialect != "postgresql":
            print(f"{db.dialect}: tables are not partitioned; nothing to do")
            return 0
        first = args.start or partitions.month_of(datetime.now(UTC))
        with db.engine.begin() as conn:
            outcome = partitions.ensure_months(conn, first, args.months, move_from_default=args.move_from_default)
    except partitions.PartitionError as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    for name in outcome.created:
        print(f"created {name}" + (" (rows moved in from the default partition)" if name in outcome.moved else ""))
    print(f"{len(outcome.created)} partitions created, {len(outcome.existing)} already there")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yibao", description="yibao-family service (honours DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="alembic upgrade head").set_defaults(run=migrate)
    p = sub.add_parser("seed-demo", help="load demo data into an empty database and print the logins")
    p.add_argument("--json", action="store_true", help="print the logins as JSON for scripts")
    p.set_defaults(run=seed_demo)
    p = sub.add_parser("serve", help="serve the web app and /graphql with uvicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=serve)
    p = sub.add_parser("create-staff", help="add an insurer staff user")
    p.add_argument("--username", required=True)
    p.add_argument("--name")
    p.add_argument("--role", choices=["clerk", "auditor", "admin"], required=True)
    p.add_argument("--password", help="prompted for when omitted")
    p.set_defaults(run=create_staff)
    p = sub.add_parser("set-password", help="set a person's or staff user's password and end their sessions")
    p.add_argument("--username", required=True, help="staff username, or a person's ID number or phone")
    p.add_argument("--password", help="prompted for when omitted")
    p.set_defaults(run=set_password)
    p = sub.add_parser("disable-staff", help="stop a staff user signing in and end their sessions")
    p.add_argument("--username", required=True)
    p.add_argument("--reason")
    p.set_defaults(run=disable_staff)
    p = sub.add_parser("create-partner", help="add a partner institution and print its API key once")
    p.add_argument("--name", required=True)
    p.add_argument("--kind", choices=["hospital", "pharmacy", "app"], required=True)
    p.add_argument("--level", type=int, default=0, help="hospital level 1-3 (0: none)")
    p.add_argument("--region", required=True, help="GB/T 2260 region code, e.g. 370102")
    p.set_defaults(run=create_partner)
    p = sub.add_parser("prune-codes", help="delete unused presented codes that expired long ago (run daily)")
    p.add_argument("--hours", type=float, default=24)
    p.set_defaults(run=prune_codes)
    p = sub.add_parser("schema", help="print the graph's SDL (sorted), or write it to schema.graphql")
    p.add_argument("--write", action="store_true")
    p.set_defaults(run=schema)
    sub.add_parser("docs", help="regenerate the rule table in docs/graphql.md from the code").set_defaults(run=docs)
    p = sub.add_parser("verify-ledger", help="check the money invariants on the live database (after an incident; daily)")
    p.set_defaults(run=verify_ledger)
    p = sub.add_parser("partitions", help="create the monthly partitions of the ledger ahead (PostgreSQL; run monthly)")
    p.add_argument("--months", type=int, default=12, help="how many months, this one included")
    p.add_argument("--from", dest="start", type=_month, help="the first month, YYYY-MM (default: this month)")
    p.add_argument("--move-from-default", action="store_true",
                   help="also for months with rows in the default partition: move them (locks; a quiet hour's job)")
    p.set_defaults(run=create_partitions)
    args = parser.parse_args(argv)
    from backend.domain.errors import DomainError
    from backend.i18n import error_message

    try:
        return args.run(args)
    except DomainError as refused:
        where = f" ({refused.field})" if refused.field else ""
        print(f"refused{where}: {error_message('en', refused)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
