"""`csu scenario list` and `csu scenario check FILE`: the shipped exercise scenarios."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crisis.scenarios.checker import site_problems
from crisis.scenarios.loader import ScenarioError, load_scenario, shipped_scenarios
from crisis.scenarios.model import Scenario
from crisis.scenarios.timing import format_offset
from csu.cli_words import cli_words
from csu.config import SiteConfigError, load_site

EXIT_USAGE = 2


def add_scenario_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `scenario list` and `scenario check` on the `csu` subcommands."""
    scenario = commands.add_parser("scenario", help="exercise scenarios")
    actions = scenario.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the scenarios csu ships, one a line")
    listing.set_defaults(run=run_list)
    check = actions.add_parser("check", help="validate a scenario file; exit 2, one line an error")
    check.add_argument("file", type=Path, metavar="FILE")
    check.add_argument(
        "--config", type=Path, metavar="SITE.yaml", help="also check its cameras and walls exist"
    )
    check.set_defaults(run=run_check)


def run_list(args: argparse.Namespace) -> int:
    """Each shipped scenario: its name, then its title in the command line's language."""
    language = cli_words().language
    try:
        scenarios = shipped_scenarios()
    except ScenarioError as exc:  # a broken shipped file is csu's bug: say which
        for line in exc.errors:
            print(f"{exc.source}: {line}", file=sys.stderr)
        return EXIT_USAGE
    width = max((len(scenario.name) for scenario in scenarios), default=0)
    for scenario in scenarios:
        print(f"{scenario.name:<{width}}  {scenario.title.text(language)}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Exit 0 with one line when the file is a valid scenario, else 2 and a line per problem."""
    try:
        scenario = load_scenario(args.file)
        errors = [] if args.config is None else _site_problems(scenario, args.config)
    except (ScenarioError, SiteConfigError) as exc:
        errors = exc.errors
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        return EXIT_USAGE
    t = cli_words(args.config)
    steps = len(scenario.steps)
    print(
        t(
            "scenarios.check.valid",
            file=args.file,
            name=scenario.name,
            count=steps,
            duration=format_offset(scenario.duration),
        )
    )
    return 0


def _site_problems(scenario: Scenario, site_file: Path) -> list[str]:
    """What the scenario names that the site file lacks (SiteConfigError if it is unusable)."""
    site = load_site(site_file)
    cameras = {camera.id for camera in site.cameras}
    return site_problems(scenario, cameras, {wall.id for wall in site.walls})
