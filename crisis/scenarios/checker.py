"""What the model cannot say of a scenario: times in order, known alarm types and placeholders,
run-specific identifiers, and every alarm accepted by csu's real adapters."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from crisis.scenarios.model import ALARM_TYPED_ACTIONS, Scenario, ShowOnWall, Step
from crisis.scenarios.payloads import render, strings, unknown_placeholders
from crisis.scenarios.timing import format_offset
from incidents.alarms.adapters.cap import parse_cap
from incidents.alarms.adapters.csu_json import parse_csu_alarm
from incidents.alarms.adapters.ngsi_ld import parse_ngsi_ld_notification
from incidents.alarms.catalogue import ALARM_TYPES, unknown_type_message
from incidents.alarms.errors import AlarmParseError

# A fixed moment for trying the alarms: only their shape is checked here.
_TRIAL = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
_TRIAL_RUN = "check"


def scenario_problems(scenario: Scenario) -> list[str]:
    """Every problem the model does not catch, one `<key path>: <problem>` line each."""
    problems = list(_times(scenario))
    for index, step in enumerate(scenario.steps):
        problems += step_problems(step, index)
    return problems


def step_problems(step: Step, index: int) -> list[str]:
    """The problems of one well-formed step: alarm types, placeholders, ids, the adapter's word."""
    where = f"steps[{index}]"
    return [
        *_expectations(step, where),
        *_placeholders(step, where),
        *_identifiers(step, where),
        *_adapter(step, where),
    ]


def _times(scenario: Scenario) -> Iterator[str]:
    previous = timedelta(0)
    for index, step in enumerate(scenario.steps):
        at = format_offset(step.at)
        if step.at < previous:
            yield (
                f"steps[{index}].at: {at} is before the previous step ({format_offset(previous)});"
                " write the steps in time order"
            )
        if step.at > scenario.duration:
            yield (
                f"steps[{index}].at: {at} is after the scenario's end "
                f"(duration {format_offset(scenario.duration)})"
            )
        previous = max(previous, step.at)


def _expectations(step: Step, where: str) -> Iterator[str]:
    for number, expected in enumerate(step.expect):
        if expected.within <= timedelta(0):
            yield f"{where}.expect[{number}].within: must be more than 0 seconds"
        if isinstance(expected, ALARM_TYPED_ACTIONS) and expected.alarm_type not in ALARM_TYPES:
            problem = _short(unknown_type_message(expected.alarm_type))
            yield f"{where}.expect[{number}].alarm_type: {problem}"


def _placeholders(step: Step, where: str) -> Iterator[str]:
    texts = strings(step.alarm) + strings(step.ngsi_ld) + ([step.cap] if step.cap else [])
    for text in texts:
        for bad in unknown_placeholders(text):
            use = "use {{run}}, {{sent}} or {{sent+HH:MM:SS}}"
            yield f"{where}.{step.kind}: unknown placeholder {bad} ({use})"


def _identifiers(step: Step, where: str) -> Iterator[str]:
    # Without the run in its id, a second run would update the first run's alarm.
    for path, value in _ids(step):
        if isinstance(value, str) and "{{run}}" not in value.replace(" ", ""):
            yield f"{where}.{path}: must contain {{{{run}}}}, so that each run's alarms are its own"


def _ids(step: Step) -> Iterator[tuple[str, Any]]:
    if step.alarm is not None and "external_id" in step.alarm:
        yield "alarm.external_id", step.alarm["external_id"]
    if step.ngsi_ld is not None:
        entities = step.ngsi_ld.get("data")
        for number, entity in enumerate(entities if isinstance(entities, list) else []):
            if isinstance(entity, dict) and "id" in entity:
                yield f"ngsi_ld.data[{number}].id", entity["id"]
    if step.cap is not None and "<identifier>" in step.cap:
        start = step.cap.index("<identifier>") + len("<identifier>")
        yield "cap.identifier", step.cap[start : step.cap.find("</identifier>", start)]


def _adapter(step: Step, where: str) -> list[str]:
    """The real adapter's refusal of the step's alarm, if it refuses it."""
    if step.kind == "inject":
        return []
    payload = render(step, _TRIAL_RUN, _TRIAL, "en")
    try:
        if step.kind == "cap":
            if not parse_cap(payload.body or b""):
                return [f"{where}.cap: an Ack or Error message gives no alarm"]
        elif step.kind == "ngsi_ld":
            if not parse_ngsi_ld_notification(payload.body).alarms:
                return [f"{where}.ngsi_ld: carries no Alert or Anomaly entity"]
        else:
            parse_csu_alarm(payload.body)
    except AlarmParseError as exc:
        return [_adapter_line(where, step.kind, str(exc))]
    return []


def _adapter_line(where: str, kind: str, message: str) -> str:
    """`steps[3].alarm.type: ...` from the adapter's `type: ...`."""
    field, sep, rest = message.partition(": ")
    if sep and kind in ("alarm", "camera") and " " not in field:
        return f"{where}.{kind}.{field}: {_short(rest)}"
    return f"{where}.{kind}: {_short(message)}"


def _short(message: str) -> str:
    # the adapter lists every valid type after its suggestion: too long for one line
    return message.split("; valid types:", 1)[0]


def site_problems(
    scenario: Scenario, cameras: Collection[str], walls: Collection[str]
) -> list[str]:
    """The cameras and walls the scenario names that a site does not have."""
    problems: list[str] = []
    for index, step in enumerate(scenario.steps):
        if step.camera is not None and step.camera.camera not in cameras:
            camera = _not_on_site("camera", step.camera.camera)
            problems.append(f"steps[{index}].camera.camera: {camera}")
        for number, expected in enumerate(step.expect):
            if not isinstance(expected, ShowOnWall):
                continue
            where = f"steps[{index}].expect[{number}]"
            if expected.camera not in cameras:
                problems.append(f"{where}.camera: {_not_on_site('camera', expected.camera)}")
            if expected.wall is not None and expected.wall not in walls:
                problems.append(f"{where}.wall: {_not_on_site('wall', expected.wall)}")
    return problems


def _not_on_site(what: str, name: str) -> str:
    return f"no {what} {name!r} on this site"
