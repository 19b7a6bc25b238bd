"""Read a scenario file, and list the scenarios csu ships; every problem is one plain line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from crisis.scenarios.checker import scenario_problems, step_problems
from crisis.scenarios.model import Scenario, Step
from csu.config.loader import (  # the site file's strict YAML and its wording of errors
    SiteConfigError,
    _StrictLoader,
    _yaml_error_line,
    describe_errors,
    key_path,
    read_text,
)

SHIPPED = Path(__file__).parent / "shipped"


class ScenarioError(Exception):
    """The scenario file is unusable; `errors` holds one line per problem."""

    def __init__(self, errors: list[str], source: str = "<string>") -> None:
        self.errors = errors
        self.source = source
        super().__init__(f"{source}: {len(errors)} problem(s) in scenario\n" + "\n".join(errors))


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """A scenario from YAML text; raise ScenarioError listing every problem found."""
    try:
        data: Any = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise ScenarioError([_yaml_error_line(exc, source)], source) from None
    if not isinstance(data, dict):
        shown = "nothing" if data is None else type(data).__name__
        message = f"{source}: a scenario is a mapping (name, title, description, duration, steps)"
        raise ScenarioError([f"{message}, got {shown}"], source)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        errors = _lines(exc.errors()) + _well_formed_steps_problems(data.get("steps"))
        raise ScenarioError(errors, source) from None
    if problems := scenario_problems(scenario):
        raise ScenarioError(problems, source)
    return scenario


def _lines(errors: list[ErrorDetails]) -> list[str]:
    lines = []
    for error in errors:
        if error["type"] == "value_error":
            # the models' own refusals are already plain words
            message = str(error["msg"]).removeprefix("Value error, ")
            lines.append(f"{key_path(error['loc'])}: {message}")
        elif error["type"] == "union_tag_invalid":
            ctx = error.get("ctx", {})
            expected = str(ctx.get("expected_tags", "")).replace("'", "")
            where = key_path(error["loc"])
            lines.append(f"{where}.action: must be one of {expected} (got {ctx.get('tag')!r})")
        else:
            lines += describe_errors([error])
    return lines


def _well_formed_steps_problems(steps: Any) -> list[str]:
    """What the checker finds in the steps that are well formed, when others are not: every
    problem of the file is told at once."""
    problems: list[str] = []
    for index, raw in enumerate(steps if isinstance(steps, list) else []):
        try:
            step = Step.model_validate(raw)
        except ValidationError:
            continue  # already told
        problems += step_problems(step, index)
    return problems


def load_scenario(path: Path) -> Scenario:
    """Read and check the scenario file at `path`; raise ScenarioError listing every problem."""
    try:
        text = read_text(path, "scenario")
    except SiteConfigError as exc:
        raise ScenarioError(exc.errors, str(path)) from None
    return parse_scenario(text, str(path))


def check_scenario_file(path: Path) -> list[str]:
    """Every problem in the scenario file at `path`; empty when it is valid."""
    try:
        load_scenario(path)
    except ScenarioError as exc:
        return exc.errors
    return []


def shipped_scenarios() -> list[Scenario]:
    """The scenarios csu ships, by name."""
    scenarios = [load_scenario(path) for path in sorted(SHIPPED.glob("*.yaml"))]
    return sorted(scenarios, key=lambda scenario: scenario.name)


def shipped_scenario(name: str) -> Scenario | None:
    """The shipped scenario called `name`, if there is one."""
    return next((s for s in shipped_scenarios() if s.name == name), None)
