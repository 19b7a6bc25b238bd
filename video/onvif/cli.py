"""`csu cameras discover`: find the ONVIF cameras of the LAN and print them as site-file entries."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import re
import sys

from csu.cli_words import cli_words
from csu.config.onvif import ENV_NAME_PATTERN

EXIT_USAGE = 2
DEFAULT_TIMEOUT_S = 3.0
TIMEOUT_RANGE_S = (0.5, 120.0)
PASSWORD_ENV = "CSU_ONVIF_PASSWORD"


def add_camera_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `cameras discover` on the `csu` subcommands."""
    cameras = commands.add_parser("cameras", help="find cameras")
    actions = cameras.add_subparsers(dest="cameras_command", required=True, metavar="ACTION")
    discover = actions.add_parser(
        "discover",
        help="probe the LAN by WS-Discovery; print each ONVIF device as site-file entries",
    )
    # Read as text and checked by the command, so that a bad value is one plain error line.
    discover.add_argument(
        "--timeout", default=str(DEFAULT_TIMEOUT_S), metavar="S", help="seconds to wait (3)"
    )
    discover.add_argument("--username", help="the ONVIF account the devices are asked with")
    discover.add_argument(
        "--password-env",
        default=PASSWORD_ENV,
        metavar="NAME",
        help=f"environment variable holding its password ({PASSWORD_ENV}); asked on a terminal",
    )
    discover.set_defaults(run=run_discover)


def run_discover(args: argparse.Namespace) -> int:
    """Probe, ask each device found, print the entries; exit 2 on bad options."""
    from video.onvif.discovery import describe_all, probe
    from video.onvif.site_entries import Account, site_entries

    timeout, errors = _timeout(args.timeout), _account_errors(args)
    if isinstance(timeout, str):
        errors.insert(0, timeout)
    password = _password(args, errors)
    if errors or isinstance(timeout, str):
        for line in errors:
            print(f"cameras discover: {line}", file=sys.stderr)
        return EXIT_USAGE
    # wsdiscovery logs every other host's probe it has no handler for, under these plain names
    for chatty in ("daemon", "threading"):
        logging.getLogger(chatty).setLevel(logging.ERROR)
    account = Account(args.username, args.password_env, password)
    found = probe(timeout)
    if not found:
        print(cli_words()("cli.discover.none", seconds=f"{timeout:g}"), file=sys.stderr)
        return 0
    devices = asyncio.run(describe_all(found, account))
    sys.stdout.write(site_entries(devices, account))
    return 0


def _timeout(text: str) -> float | str:
    """The wait in seconds, or the error line."""
    low, high = TIMEOUT_RANGE_S
    t = cli_words()
    try:
        value = float(text)
    except ValueError:
        return t("cli.discover.timeout", value=repr(text))
    if not low <= value <= high:  # also refuses nan
        return t("cli.discover.range", value=text, low=f"{low:g}", high=f"{high:g}")
    return value


def _account_errors(args: argparse.Namespace) -> list[str]:
    errors = []
    t = cli_words()
    if not re.fullmatch(ENV_NAME_PATTERN, args.password_env):
        errors.append(t("cli.discover.password_env", value=repr(args.password_env)))
    if args.username is not None and not (
        1 <= len(args.username) <= 128 and args.username.isprintable() and args.username.strip()
    ):
        errors.append(t("cli.discover.username"))
    return errors


def _password(args: argparse.Namespace, errors: list[str]) -> str | None:
    """The password of --username: from its variable, or asked on a terminal (never an argument,
    which other users of the machine can read)."""
    if args.username is None:
        return None
    password = os.environ.get(args.password_env)
    if password:
        return password
    if sys.stdin.isatty() and not errors:  # asked once the other options are right
        password = getpass.getpass(cli_words()("cli.discover.prompt", user=args.username))
        if password:
            return password
    if not sys.stdin.isatty() or not errors:
        errors.append(cli_words()("cli.discover.unset", name=args.password_env))
    return None
