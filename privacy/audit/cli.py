"""`csu audit verify`, `key` and `export`: the access log from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from csu.cli_words import cli_words
from csu.db import Database
from csu.migrate import upgrade
from csu.settings import FINGERPRINT, Settings, settings_errors
from privacy.access_log import AccessLog, AccessLogUnavailable
from privacy.access_log.signing import SigningKeyError
from privacy.access_log.trust import configured_verifier
from privacy.audit.export import ExportFormat, write_export
from privacy.audit.service import export_rows
from privacy.audit.verification import Verification, VerifySources, verify_with

EXIT_BROKEN = 1
EXIT_USAGE = 2


def add_audit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `audit verify`, `audit key` and `audit export` on the `csu` subcommands."""
    audit = commands.add_parser("audit", help="check and export the access log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check the hash chain and its signed checkpoints")
    verify.add_argument(
        "--public-key",
        "--key",
        dest="public_keys",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a trusted key (its public half), pinned by hand; repeat for rotated keys",
    )
    verify.add_argument(
        "--fingerprint",
        dest="fingerprints",
        action="append",
        default=[],
        metavar="SHA256:...",
        help="fingerprint of a trusted key, as handed to the privacy officer (repeatable)",
    )
    verify.add_argument(
        "--witness",
        dest="witnesses",
        action="append",
        default=[],
        metavar="FILE|URL",
        help="checkpoints held off the machine: a syslog capture, a JSON Lines file or nats://",
    )
    verify.set_defaults(run=run_verify)
    key = actions.add_parser("key", help="print the access-log key's fingerprint, to pin")
    key.set_defaults(run=run_key)
    export = actions.add_parser("export", help="write the access log to stdout")
    export.add_argument("--since", help="from this date or time (UTC unless it says otherwise)")
    export.add_argument("--until", help="up to this date or time, excluded")
    export.add_argument("--format", choices=[f.value for f in ExportFormat], default="csv")
    export.set_defaults(run=run_export)


def run_verify(args: argparse.Namespace) -> int:
    """Verify the log; exit 0 intact, 1 with a line per problem, 2 when it cannot start."""
    t = cli_words()
    errors = [
        t("cli.audit.fingerprint", value=repr(pin))
        for pin in args.fingerprints
        if not FINGERPRINT.fullmatch(pin)
    ]
    errors += [t("cli.audit.witness", value=w) for w in args.witnesses if not _readable(w)]
    settings = _settings() if not errors else None
    for line in errors:
        print(line, file=sys.stderr)
    if settings is None:
        return EXIT_USAGE
    sources = VerifySources.from_settings(
        settings, pins=args.fingerprints, public_keys=args.public_keys, witnesses=args.witnesses
    )
    db = _database(settings)
    started = time.perf_counter()
    try:
        # Each problem is printed as it is found: a long log's report starts at once.
        done = verify_with(db, sources, on_problem=print)
    except SigningKeyError as exc:
        print(f"audit verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        db.dispose()
    print(_describe(done, time.perf_counter() - started))
    return 0 if done.report.ok else EXIT_BROKEN


def run_key(args: argparse.Namespace) -> int:
    """Print the fingerprint of the site's access-log key and where its public half is."""
    settings = _settings()
    if settings is None:
        return EXIT_USAGE
    path = settings.signing_key_path()
    try:
        verifier = configured_verifier(path)
    except SigningKeyError as exc:
        print(f"audit key: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if verifier is None:
        print(cli_words()("cli.audit.no_key", path=path), file=sys.stderr)
        return EXIT_USAGE
    print(verifier.fingerprint)  # alone on stdout: what scripts read and pin
    print(cli_words()("cli.audit.key_hint", path=path, id=verifier.key_id), file=sys.stderr)
    return 0


def _readable(witness: str) -> bool:
    return witness.startswith("nats://") or Path(witness).is_file()


def run_export(args: argparse.Namespace) -> int:
    """Export the entries in the period to stdout; the export itself is logged first."""
    since, since_error = _moment("--since", args.since)
    until, until_error = _moment("--until", args.until)
    errors = [e for e in (since_error, until_error) if e]
    if since and until and since >= until:
        errors.append(cli_words()("cli.audit.order"))
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
        print(cli_words()("cli.audit.not_exported", error=exc), file=sys.stderr)
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
        return None, cli_words()("cli.audit.moment", option=option, value=text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), None


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _describe(done: Verification, seconds: float) -> str:
    report = done.report
    rate = f"{report.entries / seconds:,.0f} entries/s" if seconds > 0 else "-"
    notes = "".join(f"\nnote: {note}" for note in report.notes)
    if not report.ok:
        return (
            f"access log BROKEN: {report.problem_count} problem(s) above"
            f" (checked {report.entries} entries in {seconds:.2f} s){notes}"
        )
    if report.entries == 0:
        return f"access log intact: empty{notes}"
    span = f"entries {report.first_seq}..{report.last_seq}"
    signed = "no signed checkpoint yet"
    if report.latest is not None:
        unsigned = (report.last_seq or 0) - report.latest.seq
        signed = f"newest {report.latest.describe()} covers entry {report.latest.seq}"
        signed += f", {unsigned} entries after it" if unsigned else ""
        signed += f", key {done.latest_fingerprint}" + ("" if done.pinned else " (unpinned)")
    return (
        f"access log intact: {report.entries} {span}, {report.checkpoints} checkpoints;"
        f" {signed} ({seconds:.2f} s, {rate}){notes}"
    )
