"""`csu audit verify` and `csu audit export`: the access log from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from csu.db import Database
from csu.migrate import upgrade
from csu.settings import Settings, settings_errors
from privacy.access_log import AccessLog, AccessLogUnavailable
from privacy.access_log.checkpoints import witness_path
from privacy.access_log.signing import SigningKeyError, trusted_keys
from privacy.access_log.verify import VerifyReport, verify_database
from privacy.audit.export import ExportFormat, write_export
from privacy.audit.service import export_rows

EXIT_BROKEN = 1
EXIT_USAGE = 2


def add_audit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `audit verify` and `audit export` on the `csu` subcommands."""
    audit = commands.add_parser("audit", help="check and export the access log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check the hash chain and its signed checkpoints")
    verify.add_argument(
        "--key", type=Path, help="signing key or its public half (default: the site's key)"
    )
    verify.set_defaults(run=run_verify)
    export = actions.add_parser("export", help="write the access log to stdout")
    export.add_argument("--since", help="from this date or time (UTC unless it says otherwise)")
    export.add_argument("--until", help="up to this date or time, excluded")
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default="csv")
    export.set_defaults(run=run_export)


def run_verify(args: argparse.Namespace) -> int:
    """Verify the log; exit 0 intact, 1 naming the first problem, 2 when it cannot start."""
    settings = _settings()
    if settings is None:
        return EXIT_USAGE
    try:
        keys = trusted_keys(args.key or settings.signing_key_path())
    except SigningKeyError as exc:
        print(f"audit verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    db = _database(settings)
    started = time.perf_counter()
    try:
        report = verify_database(db, keys=keys, witness=witness_path(settings.data_dir))
    finally:
        db.dispose()
    print(_describe(report, time.perf_counter() - started))
    return 0 if report.ok else EXIT_BROKEN


def run_export(args: argparse.Namespace) -> int:
    """Export the entries in the period to stdout; the export itself is logged first."""
    since, since_error = _moment("--since", args.since)
    until, until_error = _moment("--until", args.until)
    errors = [e for e in (since_error, until_error) if e]
    if since and until and since >= until:
        errors.append("--since must be before --until")
    settings = _settings() if not errors else None
    for line in errors:
        print(line, file=sys.stderr)
    if settings is None:
        return EXIT_USAGE
    db = _database(settings)
    try:
        rows = export_rows(
            db, AccessLog(db), operator=_os_user(), since=since, until=until, fmt=args.format
        )
        write_export(rows, sys.stdout, ExportFormat(args.format))
    except AccessLogUnavailable as exc:
        print(f"audit export: {exc}; nothing exported", file=sys.stderr)
        return EXIT_BROKEN
    finally:
        db.dispose()
    return 0


def _settings() -> Settings | None:
    try:
        return Settings()
    except ValidationError as exc:
        for line in settings_errors(exc):
            print(line, file=sys.stderr)
        return None


def _database(settings: Settings) -> Database:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    upgrade(db.engine)
    return db


def _moment(option: str, text: str | None) -> tuple[datetime | None, str | None]:
    if text is None:
        return None, None
    try:
        if len(text) == len("YYYY-MM-DD"):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC), None
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None, f"{option}: '{text}' is not a date (YYYY-MM-DD) or an ISO 8601 time"
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _describe(report: VerifyReport, seconds: float) -> str:
    rate = f"{report.entries / seconds:,.0f} entries/s" if seconds > 0 else "-"
    if not report.ok:
        return f"{report.problem}\n(checked {report.entries} entries in {seconds:.2f} s)"
    if report.entries == 0:
        return "access log intact: empty"
    span = f"entries {report.first_seq}..{report.last_seq}"
    signed = "no signed checkpoint yet"
    if report.latest is not None:
        unsigned = (report.last_seq or 0) - report.latest.seq
        signed = f"newest {report.latest.describe()} covers entry {report.latest.seq}"
        signed += f", {unsigned} entries after it" if unsigned else ""
    return (
        f"access log intact: {report.entries} {span}, {report.checkpoints} checkpoints;"
        f" {signed} ({seconds:.2f} s, {rate})"
    )
