"""A step's payload as the intake takes it, made for one run at the moment it is sent.

A scenario's alarms are templates: `{{run}}` becomes the run's id (so that two runs, or a run
and the real watch, never update each other's alarms) and `{{sent}}`, `{{sent+HH:MM:SS}}` or
`{{sent-HH:MM:SS}}` the moment the step is sent, in ISO 8601.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crisis.scenarios.model import CameraEvent, Step, StepKind
from crisis.scenarios.timing import parse_offset
from csu.i18n import Language, Translator

PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_KNOWN = re.compile(r"^\s*(?:run|sent\s*(?:([+-])\s*(\d{1,3}:[0-5]\d:[0-5]\d))?)\s*$")
CONTENT_TYPES: dict[StepKind, str] = {
    "alarm": "application/json",
    "cap": "application/cap+xml",
    "ngsi_ld": "application/json",
    "camera": "application/json",
}


@dataclass(frozen=True)
class Payload:
    """What the intake receives for one step: a body and its content type (no body: an inject)."""

    kind: StepKind
    body: bytes | None
    content_type: str | None
    camera_id: str | None = None

    def document(self) -> dict[str, Any] | str | None:
        """The body decoded: a CAP alert's XML text, a JSON object (csu alarm, NGSI-LD
        notification, camera alarm), or None for an inject."""
        if self.body is None:
            return None
        if self.kind == "cap":
            return self.body.decode()
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded


def unknown_placeholders(text: str) -> list[str]:
    """The `{{...}}` in `text` that are neither `{{run}}` nor `{{sent}}` (with an offset)."""
    return [match.group(0) for match in PLACEHOLDER.finditer(text) if not _KNOWN.match(match[1])]


def fill(text: str, run_id: str, sent_at: datetime) -> str:
    """`text` with its placeholders replaced for a run sent at `sent_at`."""

    def replace(match: re.Match[str]) -> str:
        known = _KNOWN.match(match[1])
        if known is None:
            return match.group(0)
        if match[1].strip() == "run":
            return run_id
        sign, offset = known.groups()
        moment = sent_at
        if offset is not None:
            delta = parse_offset(offset)
            moment = sent_at + delta if sign == "+" else sent_at - delta
        return moment.isoformat(timespec="seconds")

    return PLACEHOLDER.sub(replace, text)


def _filled(value: Any, run_id: str, sent_at: datetime) -> Any:
    if isinstance(value, str):
        return fill(value, run_id, sent_at)
    if isinstance(value, list):
        return [_filled(item, run_id, sent_at) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, run_id, sent_at) for key, item in value.items()}
    return value


def strings(value: Any) -> list[str]:
    """Every text inside a decoded JSON value (where placeholders may be)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    return []


def render(step: Step, run_id: str, sent_at: datetime, language: Language) -> Payload:
    """The payload of `step` for run `run_id`, sent at `sent_at` (aware)."""
    kind = step.kind
    if step.alarm is not None:
        body: dict[str, Any] = {"occurred_at": "{{sent}}", **step.alarm}
        return _json(kind, _filled(body, run_id, sent_at))
    if step.cap is not None:
        xml = fill(step.cap, run_id, sent_at).encode()
        return Payload(kind, xml, CONTENT_TYPES[kind])
    if step.ngsi_ld is not None:
        return _json(kind, _filled(step.ngsi_ld, run_id, sent_at))
    if step.camera is not None:
        alarm = camera_alarm(step.camera, run_id, sent_at, language)
        return Payload(kind, json.dumps(alarm).encode(), CONTENT_TYPES[kind], step.camera.camera)
    return Payload(kind, None, None)


def _json(kind: StepKind, value: Any) -> Payload:
    return Payload(kind, json.dumps(value, ensure_ascii=False).encode(), CONTENT_TYPES[kind])


def camera_alarm(
    event: CameraEvent, run_id: str, sent_at: datetime, language: Language
) -> dict[str, Any]:
    """csu's alarm JSON for a camera event, as csu raises it for a real camera."""
    t = Translator(language)
    reason = "" if event.reason is None else event.reason.text(language)
    if event.event == "analytics":
        kind = f"video.analytics.{event.kind}"
        text = t("scenarios.camera.analytics", camera=event.camera, kind=event.kind)
        # the intake files analytics under their own source, one alarm per detection
        source, external_id = "csu.analytics", f"analytics:{event.camera}:{run_id}:{sent_at:%H%M%S}"
    else:
        kind = "video.loss"
        key = "scenarios.camera.lost" if event.event == "video_loss" else "scenarios.camera.back"
        text = t(key, camera=event.camera)
        # a loss and its end share one id, as csu's own outage alarms do
        source, external_id = "csu.video", f"video.loss:{event.camera}:{run_id}"
    return {
        "source": source,
        "external_id": external_id,
        "type": kind,
        "occurred_at": sent_at.isoformat(),
        "camera_id": event.camera,
        "status": "cleared" if event.event == "video_restored" else "active",
        "description": f"{text} ({reason})" if reason else text,
        "data": {"exercise_run": run_id},
    }
