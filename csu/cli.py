"""The `csu` command line."""

from __future__ import annotations

import argparse
import getpass
import logging
import re
import secrets
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from crisis.scenarios.cli import add_scenario_commands
from csu.cameras.check import registry_lines
from csu.cli_words import cli_words
from csu.cluster.cli import add_cluster_commands
from csu.config import SiteConfig, SiteConfigError, check_site_file, load_site
from csu.config.authorisations import USER_PATTERN
from csu.db import Database
from csu.i18n import Translator
from csu.identity.password_rule import WeakPassword
from csu.identity.roles import Role
from csu.migrate import upgrade
from csu.settings import Settings, settings_errors
from privacy.access_log import AccessLog, AccessLogUnavailable
from privacy.audit.cli import add_audit_commands
from video.evidence.cli import add_export_commands
from video.onvif.cli import add_camera_commands

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `csu` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        log_level = Settings().log_level
    except ValidationError as exc:
        for line in settings_errors(exc):
            print(line, file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Migration, scheduler and HTTP-client chatter (the demo hypervisor logs every post) hides
    # what an operator needs to read.
    for noisy in ("alembic", "apscheduler", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csu", description="City supervision and crisis room.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the whole system on the embedded demo site")
    _listen_options(demo)
    demo.set_defaults(run=_run_demo)

    serve = sub.add_parser("serve", help="run a real site")
    serve.add_argument("--config", type=Path, required=True, metavar="SITE.yaml")
    _listen_options(serve)
    serve.set_defaults(run=_run_serve)

    check = sub.add_parser(
        "check-config", help="validate a site file; say which cameras the database changed"
    )
    check.add_argument("file", type=Path, metavar="SITE.yaml")
    check.add_argument(
        "--database", metavar="URL", help="database to read (default: CSU_DATABASE_URL's)"
    )
    check.set_defaults(run=_run_check_config)

    analyze = sub.add_parser("analyze", help="run the video analytics on a file (for tuning)")
    analyze.add_argument("video", type=Path, metavar="VIDEO")
    analyze.add_argument(
        "--rules", type=Path, metavar="FILE", help="YAML: input_size, privacy_zones, rules (README)"
    )
    # Read as text and checked by the command, so that a bad value is one plain error line.
    analyze.add_argument("--fps", default="5", metavar="N", help="frames analysed a second")
    analyze.set_defaults(run=_run_analyze)

    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = user_sub.add_parser("add", help="create a named account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--cameras", default="", help="comma-separated camera ids, or '*'")
    add.add_argument("--expires", type=date.fromisoformat, help="last day (YYYY-MM-DD)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument(
        "--anonymised", action="store_true", help="this account only ever sees anonymised video"
    )
    add.set_defaults(run=_run_user_add)
    worker = sub.add_parser("worker", help="run a camera worker of a cluster (CSU_NATS_URL)")
    worker.add_argument("--config", type=Path, required=True, metavar="SITE.yaml")
    worker.add_argument("--name", required=True, help="this worker's name (lowercase slug)")
    worker.add_argument(
        "--advertise", required=True, metavar="URL", help="where browsers reach this worker"
    )
    _listen_options(worker)
    worker.set_defaults(run=_run_worker)
    add_cluster_commands(sub)
    add_audit_commands(sub)
    add_export_commands(sub)
    add_camera_commands(sub)
    add_scenario_commands(sub)
    return parser


def _listen_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _run_analyze(args: argparse.Namespace) -> int:
    from video.analytics import offline

    try:
        fps = float(args.fps)
    except ValueError:
        print(cli_words()("cli.fps", value=repr(args.fps)), file=sys.stderr)
        return EXIT_USAGE
    return offline.main(args.video, args.rules, fps, Settings().data_dir)


def _run_check_config(args: argparse.Namespace) -> int:
    errors = check_site_file(args.file)
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        return EXIT_USAGE
    print(cli_words(args.file)("cli.valid", file=args.file))
    # Which source is in force per camera: the site file seeds the registry, administrators'
    # changes in the database win until the file changes that camera (csu.cameras.merge).
    url = args.database or Settings().resolved_database_url()
    lines, problems = registry_lines(load_site(args.file), url, cli_words(args.file))
    print("\n".join(lines))
    for line in problems:
        print(line, file=sys.stderr)
    return EXIT_USAGE if problems else 0


def _load_or_exit(path: Path) -> SiteConfig | None:
    try:
        return load_site(path)
    except SiteConfigError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        return None


def _run_serve(args: argparse.Namespace) -> int:
    site = _load_or_exit(args.config)
    if site is None:
        return EXIT_USAGE
    settings = Settings()
    # With CSU_NATS_URL this is a cluster's API node, which needs the cluster's PostgreSQL.
    errors = settings.cluster_errors() if settings.nats_url else []
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        return EXIT_USAGE
    _serve(settings, site, args.host, args.port)
    return 0


def _run_worker(args: argparse.Namespace) -> int:
    import uvicorn

    from csu.cluster.runtime import NodeSettings
    from csu.worker import create_worker_app
    from web.http_server import header_deadline_protocol

    site = _load_or_exit(args.config)
    settings = Settings()
    errors = _worker_errors(args, settings)
    if site is None or errors:
        for line in errors:
            print(line, file=sys.stderr)
        return EXIT_USAGE
    assert settings.nats_url is not None
    node = NodeSettings(
        settings.nats_url,
        args.name,
        "worker",
        url=args.advertise.rstrip("/"),
        capacity=settings.worker_capacity,
    )
    uvicorn.run(
        create_worker_app(settings, site, node),
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        http=header_deadline_protocol(),
    )
    return 0


def _worker_errors(args: argparse.Namespace, settings: Settings) -> list[str]:
    errors = settings.cluster_errors()
    t = cli_words(args.config)
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", args.name):
        errors.append(t("cli.worker.name", value=repr(args.name)))
    advertised = urlsplit(args.advertise)
    if advertised.scheme not in ("http", "https") or not advertised.hostname:
        errors.append(t("cli.worker.advertise", value=repr(args.advertise)))
    return errors


def _run_demo(args: argparse.Namespace) -> int:
    from csu.demo import DOME, demo_site
    from csu.demo.accounts import HYPERVISOR_ACCOUNT, demo_passwords, ensure_demo_accounts
    from csu.demo.dome import demo_dome
    from csu.demo.dome.thread import DeviceThread
    from csu.demo.hypervisor import hypervisor_companion

    settings = Settings()
    site = demo_site()
    db = _migrated_database(settings)
    passwords = demo_passwords(settings.data_dir / "demo-accounts.json")
    try:
        machine = ensure_demo_accounts(db, site, passwords)
    except WeakPassword as exc:  # a CSU_DEMO_PASSWORD the password rule refuses
        print(f"CSU_DEMO_PASSWORD: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        db.dispose()
    url = f"http://{args.host}:{args.port}/"
    t = Translator(site.site.language)
    print(t("cli.demo.banner", url=url, folder=settings.data_dir.resolve()))
    print(t("cli.demo.accounts"))
    for username, password in passwords.items():
        print(f"  {username:<16} {password}")
    sys.stdout.flush()
    hypervisor = hypervisor_companion(args.host, args.port, (HYPERVISOR_ACCOUNT, machine))
    # The PTZ dome films before the app opens its cameras: its thread runs beside the app.
    with DeviceThread(demo_dome(site, DOME)) as dome:
        site = demo_site(dome_port=dome.port)
        _serve(settings, site, args.host, args.port, companions=[hypervisor])
    return 0


def _run_user_add(args: argparse.Namespace) -> int:
    from privacy.accounts import AccountAdmin, AccountConflict, AccountInvalid, NewAccount

    errors = _user_add_errors(args)
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        return EXIT_USAGE
    password, generated = _password(args)
    try:
        account = NewAccount(
            username=args.name,
            role=Role(args.role),
            password=password,
            cameras=[c.strip() for c in args.cameras.split(",") if c.strip()],
            expires_at=datetime.combine(args.expires, time.max, UTC) if args.expires else None,
            anonymised_view=args.anonymised,
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            why = error["msg"].removeprefix("Value error, ")
            said = why if why.startswith(field) else f"{field} {why}"
            print(f"user add: {said}", file=sys.stderr)
        return EXIT_USAGE
    db = _migrated_database(Settings())
    try:
        # The one path that creates accounts; the command line has no csu account behind it,
        # so the operating-system user is recorded.
        admin = AccountAdmin(db, AccessLog(db), cameras=None)
        admin.provision(account, via="cli", context={"os_user": _os_user()})
    except (AccountConflict, AccountInvalid) as exc:
        print(f"user add: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AccessLogUnavailable as exc:
        print(cli_words()("cli.user.not_created", error=exc), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    t = cli_words()
    role = t(f"accounts.role.{args.role}")
    if generated:
        print(t("cli.user.created_password", role=role, name=args.name, password=password))
    else:
        print(t("cli.user.created", role=role, name=args.name))
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _user_add_errors(args: argparse.Namespace) -> list[str]:
    errors = []
    t = cli_words()
    if not re.match(USER_PATTERN, args.name):
        errors.append(t("cli.user.name", name=args.name))
    if args.expires is not None and args.expires < date.today():
        errors.append(t("cli.user.expires", date=f"{args.expires:%d/%m/%Y}"))
    cameras = [c.strip() for c in args.cameras.split(",") if c.strip()]
    if "*" in cameras and len(cameras) > 1:
        errors.append(t("cli.user.cameras"))
    return errors


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if sys.stdin.isatty():
        t = cli_words()
        first = getpass.getpass(t("cli.user.password"))
        if first == getpass.getpass(t("cli.user.again")):
            return first, False
        raise SystemExit(t("cli.user.differ"))
    return secrets.token_urlsafe(12), True


def _migrated_database(settings: Settings) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    upgrade(db.engine)
    return db


def _serve(
    settings: Settings,
    site: SiteConfig,
    host: str,
    port: int,
    companions: Sequence[Callable[[Any], Coroutine[Any, Any, None]]] = (),
) -> None:
    import uvicorn

    from csu.app import create_app
    from web.http_server import header_deadline_protocol

    app = create_app(settings, site, companions=companions)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=False,
        http=header_deadline_protocol(),  # slow request headers are cut off (slowloris)
    )


if __name__ == "__main__":
    sys.exit(main())
