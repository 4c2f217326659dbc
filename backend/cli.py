"""The `yibao` command: migrate, import-parameters, seed-demo, serve, staff, partners and passwords, codes,
the ledger check and its partitions, the graph's reference."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import uuid
from pathlib import Path

from backend.config import PROJECT_ROOT, get_settings


def _(message: str, **params) -> str:
    """A line for a person at the command line, in its language (LC_ALL, LC_MESSAGES or LANG): the message
    translated, its whole-number parameters grouped by thousands. Machine-readable output does not use it."""
    from backend.domain.errors import Plural
    from backend.i18n import command_line_locale, gettext, number

    locale = command_line_locale()
    counted = message.count if isinstance(message, Plural) else None  # gettext groups the plural's count
    return gettext(locale, message, **{k: number(locale, v) if type(v) is int and k != counted else v
                                       for k, v in params.items()})


def ngettext(singular: str, plural: str, count: int, **params) -> str:
    """The singular or plural form for `count`, as `_` writes it."""
    from backend.domain.errors import Plural

    return _(Plural(singular, plural), count=count, **params)


def _runtime():
    from backend.runtime import Runtime

    return Runtime.from_settings()


def migrate(_args) -> int:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    command.upgrade(cfg, "head")
    print(_("database at revision head: {url}", url=_safe_url()))
    return 0


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def import_parameters(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.region.parameters import import_file

    changed, unchanged = import_file(_runtime(), Actor(SYSTEM, Channel.CLI), args.file,
                                     far_ahead_confirmed=args.far_ahead)
    print(_("parameter sets from {file}: {changed} added or replaced, {unchanged} already there",
            file=str(args.file), changed=changed, unchanged=unchanged))
    return 0


def seed_demo(args) -> int:
    from backend import demo
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.catalogue import imports as catalogue
    from backend.services.region.parameters import SAMPLES, import_file

    rt = _runtime()
    import_file(rt, Actor(SYSTEM, Channel.CLI), SAMPLES)  # the demo settles under the sample parameters...
    catalogue.import_file(rt, Actor(SYSTEM, Channel.CLI), catalogue.SAMPLES)  # ...and through the sample catalogue
    if demo.has_demo_data(rt):
        message = _("the database already has people; demo data not loaded again")
    else:
        demo.seed(rt)
        message = _("demo data loaded")
    if args.json:
        print(json.dumps(demo.logins(), ensure_ascii=False, indent=2))
        print(message, file=sys.stderr)
    else:
        _print_logins(demo.logins(), message)
    return 0


def _print_logins(data: dict, message: str) -> None:
    print(message)
    print("\n" + _("Demo logins (demo data only; every password here is public):"))
    print("  " + _("Household members — sign in with ID number or phone:"))
    for p in data["people"]:
        print(f"    {p['name']:<4}  {p['id_number']}  {p['phone'] or '-':<11}  {p['password']}   ({p['role']})")
    print("  " + _("Staff — sign in with username:"))
    for s in data["staff"]:
        print(f"    {s['username']:<10} {s['password']:<12} {s['role']}")
    print("  " + _("Partners — send 'Authorization: Bearer <api key>' to /graphql:"))
    for k in data["partners"]:
        print(f"    {k['name']} ({k['kind']}): {k['api_key']}")


def serve(args) -> int:
    import uvicorn

    from backend.observability import logs

    settings = get_settings()
    logs.configure(settings.log_level)  # the supervisor's own lines; each worker sets up its own too
    workers = max(1, args.workers)
    if workers > 1:
        _multiprocess_metrics_dir()
    print(ngettext("yibao-family on {url}  (GraphQL: {url}graphql, {count} worker process)",
                   "yibao-family on {url}  (GraphQL: {url}graphql, {count} worker processes)",
                   workers, url=f"http://{args.host}:{args.port}/"), flush=True)
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise: tell it the same proxies as the app.
    trusted = settings.forwarded_allow_ips.strip()
    # Each worker builds the app through `serve_app`, which sets up the JSON logs first; uvicorn's own
    # logging setup and access lines are off (the app writes one JSON access line per request).
    # No `server: uvicorn` header: it tells an attacker nothing useful to us, only to them.
    uvicorn.run("web.app:serve_app", factory=True, workers=workers, host=args.host, port=args.port,
                log_config=None, log_level=settings.log_level.lower(), access_log=False, server_header=False,
                proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None)
    return 0


def _multiprocess_metrics_dir() -> None:
    """Prometheus multiprocess mode: every worker writes its counts into one directory, which must start
    empty; an operator's own PROMETHEUS_MULTIPROC_DIR is used (and emptied), otherwise a fresh one."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # named here: the supervisor does not import the client
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="yibao-metrics-"))
        import atexit

        atexit.register(shutil.rmtree, path, ignore_errors=True)
    os.environ[MULTIPROC_ENV] = str(path)


def create_staff(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.people.accounts import create_staff as create

    password = args.password or getpass.getpass(_("password: "))
    staff = create(_runtime(), Actor(SYSTEM, Channel.CLI), username=args.username, name=args.name or args.username,
                   role=args.role, password=password)
    print(_("staff user {username} ({role}) created", username=staff.username, role=staff.role))
    return 0


def set_password(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.people.accounts import set_password as set_

    password = args.password or getpass.getpass(_("new password: "))
    set_(_runtime(), Actor(SYSTEM, Channel.CLI), args.username, password)
    print(_("password of {username} set; their sessions and tokens have ended", username=args.username))
    return 0


def _operator():
    from backend.principals import SYSTEM, Actor, Channel

    return Actor(SYSTEM, Channel.CLI)


def disable_staff(args) -> int:
    from backend.services.admin import staff

    staff.disable_staff_user(_runtime(), _operator(), args.username, args.reason)
    print(_("staff user {username} disabled; their sessions and tokens have ended", username=args.username))
    return 0


def enable_staff(args) -> int:
    from backend.services.admin import staff

    staff.enable_staff_user(_runtime(), _operator(), args.username, args.reason)
    print(_("staff user {username} enabled; they can sign in again", username=args.username))
    return 0


def set_staff_role(args) -> int:
    from backend.services.admin import staff

    user = staff.set_staff_role(_runtime(), _operator(), args.username, args.role, args.reason)
    print(_("staff user {username} is now {role}", username=user.username, role=user.role))
    return 0


def _key_ref(text: str) -> str:
    """An operator may paste the whole key or just its prefix; only the prefix is used."""
    from backend.services.platform.credentials import split_api_key

    parts = split_api_key(text.strip())
    return parts[0] if parts else text.strip()


def issue_key(args) -> int:
    from backend.services.admin import partners

    issued = partners.issue_key(_runtime(), _operator(), args.partner, args.reason)
    print(_("new API key (prefix {prefix}), shown once:", prefix=issued.key.prefix))
    print(issued.plaintext)
    return 0


def rotate_key(args) -> int:
    from backend.services.admin import partners

    rotation = partners.rotate_key(_runtime(), _operator(), _key_ref(args.key), args.reason)
    old = rotation.old
    if old.revoked_at is None:
        print(_("key {prefix} rotated; the old key keeps working until {until}.", prefix=old.prefix,
                until=old.expires_at.isoformat(timespec="minutes")))
    else:
        print(_("key {prefix} rotated; the old key stopped working at once.", prefix=old.prefix))
    print(_("The new key (prefix {prefix}), shown once:", prefix=rotation.new.key.prefix))
    print(rotation.new.plaintext)
    return 0


def revoke_key(args) -> int:
    from backend.services.admin import partners

    key = partners.revoke_key(_runtime(), _operator(), _key_ref(args.key), args.reason)
    print(_("key {prefix} revoked; it and the sandbox sessions signed in with it stop working now",
            prefix=key.prefix))
    return 0


def disable_partner(args) -> int:
    from backend.services.admin import partners

    inst = partners.disable_partner(_runtime(), _operator(), args.partner, args.reason)
    print(_("partner {name} disabled; none of its keys or sessions work until it is enabled", name=inst.name))
    return 0


def enable_partner(args) -> int:
    from backend.services.admin import partners

    inst = partners.enable_partner(_runtime(), _operator(), args.partner, args.reason)
    print(_("partner {name} enabled; its live keys work again", name=inst.name))
    return 0


def list_partners(args) -> int:
    from backend.services.admin import partners
    from backend.services.admin.api_keys import is_live

    rt = _runtime()
    now = rt.clock.now()
    records, _total = partners.list_partners(rt)
    if args.json:
        print(json.dumps([{
            "id": str(r.institution.id), "name": r.institution.name, "kind": r.institution.kind,
            "level": r.institution.level, "region": r.institution.region_code,
            "disabled_at": r.institution.disabled_at.isoformat() if r.institution.disabled_at else None,
            "keys": [{"prefix": k.prefix, "live": is_live(k, now), "created_at": k.created_at.isoformat(),
                      "expires_at": k.expires_at.isoformat() if k.expires_at else None,
                      "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None} for k in r.keys],
        } for r in records], ensure_ascii=False, indent=2))
        return 0
    for r in records:
        inst = r.institution
        state = _("DISABLED") if inst.disabled_at else _("enabled")
        print(_("{id}  {name} ({kind}, level {level}, {region})  {state}", id=str(inst.id), name=inst.name,
                kind=inst.kind, level=str(inst.level), region=inst.region_code, state=state))
        for k in r.keys:
            if k.revoked_at is not None:
                key_state = _("revoked {at}", at=k.revoked_at.isoformat(timespec="minutes"))
            elif k.expires_at is not None:
                key_state = (_("expires {at}") if is_live(k, now) else _("expired {at}")).format(
                    at=k.expires_at.isoformat(timespec="minutes"))
            else:
                key_state = _("live")
            print("    " + _("key {prefix}  created {at}  {state}", prefix=k.prefix,
                              at=k.created_at.isoformat(timespec="minutes"), state=key_state))
    return 0


def create_partner(args) -> int:
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.people.accounts import create_partner as create

    inst, key = create(_runtime(), Actor(SYSTEM, Channel.CLI), name=args.name, kind=args.kind,
                       level=args.level, region_code=args.region)
    print(_("partner {name} ({kind}) created; its API key, shown once:", name=inst.name, kind=inst.kind))
    print(key)
    return 0


def prune_codes(args) -> int:
    from datetime import timedelta

    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.family_account.codes import prune_expired

    removed = prune_expired(_runtime(), Actor(SYSTEM, Channel.CLI), timedelta(hours=args.hours))
    print(ngettext("removed {count} unused code that expired more than {hours} h ago",
                   "removed {count} unused codes that expired more than {hours} h ago", removed,
                   hours=f"{args.hours:g}"))
    return 0


def import_roster(args) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from backend.domain.money import yuan
    from backend.i18n import command_line_locale
    from backend.i18n import gettext as translate
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.roster import roster

    locale = command_line_locale()  # for the stored problems, their columns and the problems CSV

    out = Console(stderr=True)
    path = Path(args.file)
    if not path.exists():
        print(_("No such file: {path}", path=str(path)), file=sys.stderr)
        return 1
    try:
        with path.open("rb"):
            pass
    except OSError as unreadable:  # a folder, or a file this user may not read
        print(_("Cannot read {path}: {reason}", path=str(path), reason=unreadable.strerror or str(unreadable)),
              file=sys.stderr)
        return 1
    rt, actor = _runtime(), Actor(SYSTEM, Channel.CLI)
    row, anew = roster.start(rt, actor, path, path.name, args.encoding)
    if not anew:
        who = roster.started_by(rt, row) or _("the command line")
        when = _china_minute(row.finished_at or row.created_at)
        if row.status == roster.Status.DONE:
            print(_("This file was already imported on {when} by {who} (import {id}); nothing changed.",
                    when=when, who=who, id=str(row.id)))
            return 0
        print(_("This file is already an import ({status}, started {when} by {who}, import {id}); nothing changed.",
                status=_(roster.STATUS_LABELS[roster.Status(row.status)]), when=_china_minute(row.created_at),
                who=who, id=str(row.id)))
        return 0 if row.status in (roster.Status.READY, roster.Status.APPLYING) else 1
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=out, transient=True) as bar:
        task = bar.add_task(_("checking {name} ({encoding})", name=path.name, encoding=row.encoding), total=None)
        row = roster.validate(rt, row.id, path,
                              progress=lambda done, total: bar.update(task, completed=done, total=total))
    print(_("import {id}: {rows} rows in {encoding}, {problems} problems; {new} new, {changed} changed, "
            "{unchanged} unchanged", id=str(row.id), rows=row.total_rows, encoding=row.encoding,
            problems=row.error_count, new=row.new_count, changed=row.changed_count, unchanged=row.unchanged_count))
    names, synonyms = roster.header_of(row)
    for column, header in synonyms.items():
        print(_("The column “{header}” was read as {column}.", header=header,
                column=_(roster.COLUMN_TITLES[column])))
    if row.status == roster.Status.INVALID:
        with rt.db.read() as s:
            for e in roster.errors(s, row.id, limit=20):
                where = (_("row {row}, {column}", row=e.row_no, column=roster.column_header(names, e.column, locale))
                         if e.column else _("row {row}", row=e.row_no))
                if e.value:
                    where += f" “{e.value}”"
                print("  " + _("{where}: {problem}", where=where,
                               problem=translate(locale, e.message_id, **json.loads(e.params))))
        if args.errors_csv:
            with open(args.errors_csv, "w", encoding="utf-8-sig", newline="") as f:
                for chunk in roster.errors_csv(rt, row.id, locale):
                    f.write(chunk)
            print(_("the problems written to {path}", path=args.errors_csv))
        if row.error_count >= roster.COUNTED_PROBLEMS:
            print(ngettext("Checking stopped there, after the first {count} row: is this the right file?",
                           "Checking stopped there, after the first {count} rows: is this the right file?",
                           row.total_rows))
        if row.error_count > roster.STORED_PROBLEMS:
            print(_("Only the first {kept} of {count} problems are kept.", kept=roster.STORED_PROBLEMS,
                    count=row.error_count))
        print(_("nothing imported: fix the file and run again"))
        return 1
    if args.dry_run:
        roster.end_dry_run(rt, actor, row.id)
        print(_("dry run: nothing imported"))
        return 0
    roster.confirm(rt, actor, row.id)
    with Progress(*columns, console=out, transient=True) as bar:
        task = bar.add_task(_("applying in one transaction"), total=row.total_rows)
        row = roster.apply(rt, actor, row.id, progress=lambda done, total: bar.update(task, completed=done,
                                                                                      total=total))
    if row.status != roster.Status.DONE:
        print(_("import {id} failed, nothing of it was written: {error}", id=str(row.id), error=row.error_message),
              file=sys.stderr)
        return 1
    print(_("done: {new} people added, {changed} updated, {adjusted} balances adjusted (net {net} yuan, "
            "ledger kind roster_adjustment)", new=row.new_count, changed=row.changed_count,
            adjusted=row.adjusted_count, net=yuan(row.adjusted_net_fen)))
    return 0


def import_catalogue(args) -> int:
    from pathlib import Path

    from backend.i18n import command_line_locale
    from backend.i18n import gettext as translate
    from backend.principals import SYSTEM, Actor, Channel
    from backend.services.catalogue import imports

    locale = command_line_locale()
    path = Path(args.file)
    if not path.is_file():
        print(_("No such file: {path}", path=str(path)), file=sys.stderr)
        return 1
    rt = _runtime()
    row, anew = imports.import_file(rt, Actor(SYSTEM, Channel.CLI), path, encoding=args.encoding, dry_run=args.dry_run)
    if not anew:
        print(_("This file was already imported on {when} (import {id}); nothing changed.",
                when=_china_minute(row.created_at), id=str(row.id)))
        return 0
    print(_("catalogue import {id} ({encoding}): rows {rows}, problems {problems}, new versions {new}, "
            "unchanged {unchanged}, end dates set {ended}", id=str(row.id), rows=row.total_rows,
            encoding=row.encoding, problems=row.error_count, new=row.new_count, unchanged=row.unchanged_count,
            ended=row.closed_count))
    if row.status == imports.Status.INVALID:
        for e in imports.problems(row)[:20]:
            where = (_("row {row}, {column}", row=e.row, column=imports.column_header(row, e.column, locale))
                     if e.column else _("row {row}", row=e.row))
            if e.value:
                where += f" “{e.value}”"
            print("  " + _("{where}: {problem}", where=where, problem=translate(locale, e.message_id, **e.params)))
        if args.errors_csv:
            with open(args.errors_csv, "w", encoding="utf-8-sig", newline="") as f:
                f.writelines(imports.problems_csv(row, locale))
            print(_("the problems written to {path}", path=args.errors_csv))
        print(_("nothing imported: fix the file and run again"))
        return 1
    if row.status == imports.Status.DRY_RUN:
        print(_("dry run: nothing imported"))
    return 0


def _china_minute(at) -> str:
    from datetime import UTC

    from backend.clock import CHINA

    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def schema(args) -> int:
    from backend.config import PROJECT_ROOT
    from backend.graph.reference import print_sdl

    sdl = print_sdl()
    if args.write:
        (PROJECT_ROOT / "schema.graphql").write_text(sdl, encoding="utf-8")
        print(_("wrote schema.graphql"))
    else:
        print(sdl, end="")
    return 0


def docs(args) -> int:
    from backend.graph.reference import DOCS, docs_with_rule_table

    DOCS.write_text(docs_with_rule_table(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
    print(_("regenerated the rule table in {name}", name=DOCS.name))
    return 0


def verify_ledger(_args) -> int:
    from backend.services.money.ledger_check import verify
    from backend.storage.db import Database

    settings = get_settings()
    db = Database.from_url(settings.database_url, transaction_pooling=settings.database_transaction_pooling)
    try:
        report = verify(db)
    finally:
        db.dispose()
    print(_("verify-ledger on {url}", url=_safe_url()))
    print(_ledger_report(report))
    return 0 if report.ok else 1


def _ledger_report(report) -> str:
    """The short report `yibao verify-ledger` prints; the invariants' names, rules and first examples are
    the checker's own (technical, English)."""
    lines = [_("checked: {counts}", counts=", ".join(_("{count} {what}", count=n, what=what)
                                                     for what, n in report.checked.items()))]
    for invariant, broken in report.results:
        if broken is None:
            lines.append("  " + _("ok      {name}: {rule}", name=invariant.name, rule=invariant.rule))
        else:
            lines.append("  " + _("BROKEN  {name} ({count}{more}): {first}", name=invariant.name,
                                  count=broken.count, more="+" if broken.at_least else "", first=broken.first))
    passed = sum(1 for _r, b in report.results if b is None)
    lines.append(ngettext("{passed} of {count} invariant holds ({seconds} s, one snapshot)",
                          "{passed} of {count} invariants hold ({seconds} s, one snapshot)", len(report.results),
                          passed=passed, seconds=f"{report.seconds:.2f}"))
    if report.broken:
        lines.append(_("FIRST BROKEN: {name}: {first}", name=report.broken[0].invariant,
                       first=report.broken[0].first))
    return "\n".join(lines)


def _month(value: str) -> tuple[int, int]:
    year, month = (int(part) for part in value.split("-"))
    if not 1 <= month <= 12:
        raise argparse.ArgumentTypeError(_("a month is YYYY-MM"))
    return year, month


def create_partitions(args) -> int:
    from datetime import UTC, datetime

    from backend.storage import partitions
    from backend.storage.db import Database

    settings = get_settings()
    db = Database.from_url(settings.database_url, transaction_pooling=settings.database_transaction_pooling)
    try:
        if db.dialect != "postgresql":
            print(_("{dialect}: tables are not partitioned; nothing to do", dialect=db.dialect))
            return 0
        first = args.start or partitions.month_of(datetime.now(UTC))
        with db.engine.begin() as conn:
            outcome = partitions.ensure_months(conn, first, args.months, move_from_default=args.move_from_default)
    except partitions.PartitionError as refused:
        print(_("refused: {reason}", reason=_(refused.message_id, **refused.params)), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    for name in outcome.created:
        print(_("created {name} (rows moved in from the default partition)", name=name) if name in outcome.moved
              else _("created {name}", name=name))
    print(ngettext("{count} partition created, {existing} already there",
                   "{count} partitions created, {existing} already there", len(outcome.created),
                   existing=len(outcome.existing)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yibao", description="yibao-family service (honours DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="alembic upgrade head").set_defaults(run=migrate)
    p = sub.add_parser("import-parameters", help="load settlement parameter sets from a JSON file (idempotent)")
    p.add_argument("file", type=Path, help="in the format of backend/data/policy_samples.json")
    p.add_argument("--far-ahead", action="store_true",
                   help="confirm effective dates more than two years ahead (refused otherwise)")
    p.set_defaults(run=import_parameters)
    p = sub.add_parser("seed-demo", help="load the sample parameters and demo data into an empty database, "
                                         "and print the logins")
    p.add_argument("--json", action="store_true", help="print the logins as JSON for scripts")
    p.set_defaults(run=seed_demo)
    p = sub.add_parser("serve", help="serve the web app and /graphql with uvicorn")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (metrics then use a shared directory)")
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
    p.add_argument("--reason", required=True, help="why (audited)")
    p.set_defaults(run=disable_staff)
    p = sub.add_parser("enable-staff", help="let a disabled staff user sign in again")
    p.add_argument("--username", required=True)
    p.add_argument("--reason", required=True, help="why (audited)")
    p.set_defaults(run=enable_staff)
    p = sub.add_parser("set-staff-role", help="change a staff user's role (never leaves no admin)")
    p.add_argument("--username", required=True)
    p.add_argument("--role", choices=["clerk", "auditor", "admin"], required=True)
    p.add_argument("--reason", required=True, help="why (audited)")
    p.set_defaults(run=set_staff_role)
    p = sub.add_parser("create-partner", help="add a partner institution and print its API key once")
    p.add_argument("--name", required=True)
    p.add_argument("--kind", choices=["hospital", "pharmacy", "app"], required=True)
    p.add_argument("--level", type=int, default=0, help="hospital level 1-3 (0: none)")
    p.add_argument("--region", required=True, help="GB/T 2260 region code, e.g. 370102")
    p.set_defaults(run=create_partner)
    p = sub.add_parser("list-partners", help="partner institutions with their ids and API keys (prefixes only)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=list_partners)
    for name, run, what in (("issue-key", issue_key, "issue another API key for a partner and print it once"),
                            ("disable-partner", disable_partner, "stop all of a partner's keys and sessions"),
                            ("enable-partner", enable_partner, "let a disabled partner's live keys work again")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--partner", type=uuid.UUID, required=True, help="the institution's id (yibao list-partners)")
        p.add_argument("--reason", required=True, help="why (audited)")
        p.set_defaults(run=run)
    for name, run, what in (("rotate-key", rotate_key, "replace an API key; the old one works for "
                             "API_KEY_ROTATION_GRACE_HOURS more"),
                            ("revoke-key", revoke_key, "stop an API key at once")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--key", required=True, help="the key's prefix (yibao list-partners), or the whole key")
        p.add_argument("--reason", required=True, help="why (audited)")
        p.set_defaults(run=run)
    p = sub.add_parser("prune-codes", help="delete unused presented codes that expired long ago (run daily)")
    p.add_argument("--hours", type=float, default=24)
    p.set_defaults(run=prune_codes)
    p = sub.add_parser("import-roster", help="validate a bureau's roster CSV, then apply it all or nothing")
    p.add_argument("file", help="CSV with a header row; format: docs/operations.md#roster-import")
    p.add_argument("--dry-run", action="store_true", help="validate and report, import nothing")
    p.add_argument("--encoding", help="utf-8 or gb18030 (default: detected)")
    p.add_argument("--errors-csv", metavar="OUT", help="write every problem found to this CSV file")
    p.set_defaults(run=import_roster)
    p = sub.add_parser("import-catalogue", help="check the insurer's catalogue CSV whole, then apply it all or nothing "
                                               "(idempotent)")
    p.add_argument("file", help="CSV with a header row; format: docs/guide/staff-catalogue.md "
                                "(sample: backend/data/catalogue_samples.csv)")
    p.add_argument("--dry-run", action="store_true", help="check and report, import nothing")
    p.add_argument("--encoding", help="utf-8 or gb18030 (default: detected)")
    p.add_argument("--errors-csv", metavar="OUT", help="write the problems found to this CSV file")
    p.set_defaults(run=import_catalogue)
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
    from backend.i18n import command_line_locale, error_message

    try:
        return args.run(args)
    except DomainError as refused:
        where = f" ({refused.field})" if refused.field else ""
        print(_("refused{where}: {reason}", where=where, reason=error_message(command_line_locale(), refused)),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
