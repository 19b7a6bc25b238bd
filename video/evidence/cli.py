"""`csu export verify DIR_OR_ZIP [--public-key FILE]`: is this export what the site signed?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from csu.cli_words import cli_words
from video.evidence.verify import VerifyUsageError, verify_export

EXIT_ALTERED = 1
EXIT_USAGE = 2


def add_export_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `export verify` on the `csu` subcommands."""
    export = commands.add_parser("export", help="check evidence exports")
    actions = export.add_subparsers(dest="export_command", required=True, metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="check an export folder's or zip's signature and files (exit 1 names what differs)",
    )
    verify.add_argument("folder", type=Path, metavar="DIR_OR_ZIP")
    verify.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="the site's evidence public key (PEM), obtained from the site: pins the signer",
    )
    verify.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace) -> int:
    """Exit 0 intact, 1 with one line per difference, 2 when the export cannot be checked."""
    try:
        verdict = verify_export(args.folder, args.public_key)
    except VerifyUsageError as exc:
        for line in exc.errors:
            print(f"export verify: {line}", file=sys.stderr)
        return EXIT_USAGE
    if not verdict.ok:
        for line in verdict.problems:
            print(line)
        return EXIT_ALTERED
    t = cli_words()
    key = t("cli.export.pinned" if verdict.pinned else "cli.export.shipped")
    print(
        t(
            "cli.export.intact",
            folder=args.folder,
            count=verdict.files,
            signer=key,
            id=verdict.key_id,
        )
    )
    return 0
