"""Every parameter of the API is bounded in its OpenAPI document, and extreme values answer 422."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.bounds import MAX_KEY_LENGTH, MAX_ROW_ID
from csu.config import SiteConfig
from csu.settings import Settings
from csu.times import EARLIEST
from tests.web.conftest import login

BEYOND = [2**31, 2**53, 2**63, 2**64, -1]
FAR_TIME = "9999-12-31T23:00:00-05:00"  # overflows once taken to UTC
OLD_TIME = "0001-01-01T00:30:00+01:00"  # before year 1 in UTC


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _unbounded(document: dict[str, Any], schema: dict[str, Any], where: str) -> Iterator[str]:
    """Every place in a request schema that takes a number, text or list without bounds."""
    schema = _resolve(document, schema)
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        yield from _unbounded(document, branch, where)
    kind = schema.get("type")
    if kind in ("integer", "number"):
        if "minimum" not in schema and "exclusiveMinimum" not in schema:
            yield f"{where}: no minimum"
        if "maximum" not in schema and "exclusiveMaximum" not in schema:
            yield f"{where}: no maximum"
        elif kind == "integer" and schema.get("maximum", 0) > MAX_ROW_ID:
            yield f"{where}: maximum {schema['maximum']} past {MAX_ROW_ID}"
    elif kind == "string":
        if schema.get("format") == "date-time":
            if schema.get("formatMinimum") != EARLIEST.isoformat().replace("+00:00", "Z"):
                yield f"{where}: a time that is not an ApiTime"
        elif "maxLength" not in schema and "enum" not in schema and "const" not in schema:
            yield f"{where}: no maxLength"
    elif kind == "array":
        if "maxItems" not in schema:
            yield f"{where}: no maxItems"
        for n, item in enumerate(schema.get("prefixItems", [])):
            yield from _unbounded(document, item, f"{where}[{n}]")
        if isinstance(schema.get("items"), dict):
            yield from _unbounded(document, schema["items"], f"{where}[]")
    for name, field in schema.get("properties", {}).items():
        yield from _unbounded(document, field, f"{where}.{name}")


def _request_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                name = f"{method.upper()} {path} {parameter['in']}.{parameter['name']}"
                yield name, parameter["schema"]
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield f"{method.upper()} {path} body ({media})", content.get("schema", {})


def test_every_request_parameter_and_field_is_bounded(site: SiteConfig, tmp_path: Path) -> None:
    """Integers have a minimum and a maximum a database holds, text a maxLength, lists a maxItems,
    and every time is an ApiTime (its bounds stated): nothing the fuzzer sends can reach a store
    unchecked."""
    settings = Settings(data_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'x.db'}")
    document = create_app(settings, site).openapi()
    problems = [
        problem
        for name, schema in _request_schemas(document)
        for problem in _unbounded(document, schema, name)
    ]
    assert not problems, "\n".join(problems)


LONG = "x" * (MAX_KEY_LENGTH + 1)
# (who, method, url, json body, query, the location the 422 must name)
EXTREMES: list[tuple[str, str, str, Any, dict[str, str] | None, str]] = [
    ("supervisor", "GET", "/api/incidents/{n}", None, None, "path.incident_id"),
    (
        "supervisor",
        "POST",
        "/api/incidents/{n}/actions",
        {"action": "acknowledge"},
        None,
        "path.incident_id",
    ),
    (
        "supervisor",
        "POST",
        "/api/incidents/1/actions",
        {"action": "dismiss", "alarm_id": "{n}"},
        None,
        "body.alarm_id",
    ),
    (
        "supervisor",
        "POST",
        "/api/incidents/1/actions",
        {"action": "step", "step": "{n}"},
        None,
        "body.step",
    ),
    ("supervisor", "GET", "/api/crises/{n}", None, None, "path.crisis_id"),
    ("supervisor", "GET", "/api/crises/{n}/report", None, None, "path.crisis_id"),
    ("supervisor", "POST", "/api/crises/{n}/log", {"text": "x"}, None, "path.crisis_id"),
    ("supervisor", "POST", "/api/crises/{n}/close", {}, None, "path.crisis_id"),
    (
        "supervisor",
        "POST",
        "/api/crises/{n}/participants",
        {"username": "x"},
        None,
        "path.crisis_id",
    ),
    (
        "supervisor",
        "POST",
        "/api/crises",
        {"title": "t", "incidents": ["{n}"]},
        None,
        "body.incidents.0",
    ),
    (
        "supervisor",
        "POST",
        "/api/crises/1/incidents",
        {"incident_id": "{n}"},
        None,
        "body.incident_id",
    ),
    ("supervisor", "POST", "/api/holds/{n}/release", {"reason": "x"}, None, "path.hold_id"),
    (
        "supervisor",
        "POST",
        "/api/walls/csu-main/push",
        {"x": 0, "y": 0, "kind": "camera", "incident_id": "{n}"},
        None,
        "body.incident_id",
    ),
    (
        "supervisor",
        "PUT",
        "/api/walls/csu-main/layout",
        {"tiles": [{"x": 0, "y": 0, "kind": "camera", "incident_id": "{n}"}]},
        None,
        "body.tiles.0.incident_id",
    ),
    ("privacy_officer", "GET", "/api/audit/access", None, {"offset": "{n}"}, "query.offset"),
    ("supervisor", "GET", "/api/alarms", None, {"before_id": "{n}"}, "query.before_id"),
]


def _filled(value: Any, n: int) -> Any:
    if value == "{n}":
        return n
    if isinstance(value, str):
        return value.replace("{n}", str(n))
    if isinstance(value, dict):
        return {k: _filled(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, n) for v in value]
    return value


def test_ids_offsets_and_positions_past_any_row_are_422_naming_them(client: TestClient) -> None:
    """2**31 (past PostgreSQL's integer), 2**63, 2**64 and -1 in any id, offset or position: 422
    naming it (500s before)."""
    tokens = {who: login(client, who) for who in {case[0] for case in EXTREMES}}
    for who, method, url, body, query, location in EXTREMES:
        for n in BEYOND:
            response = client.request(
                method,
                _filled(url, n),
                json=_filled(body, n),
                params=_filled(query, n),
                headers=tokens[who],
            )
            assert response.status_code == 422, (method, url, n, response.text)
            assert response.json()["detail"].startswith(location), (url, n, response.text)


def test_names_longer_than_any_column_are_422_naming_them(client: TestClient) -> None:
    """A camera, wall, user, export, session or salvo name past 64 characters: 422, not a search."""
    admin, supervisor = login(client, "admin"), login(client, "supervisor")
    cases = [
        (supervisor, "GET", f"/api/cameras/{LONG}/snapshot.jpg", "path.camera_id"),
        (supervisor, "GET", f"/api/cameras/{LONG}/privacy-zones", "path.camera_id"),
        (supervisor, "DELETE", f"/api/cameras/cam-street/whep/{LONG}", "path.session_id"),
        (supervisor, "GET", f"/api/exports/{LONG}", "path.export_id"),
        (supervisor, "GET", f"/api/walls/{LONG}/layout", "path.wall_id"),
        (supervisor, "DELETE", f"/api/walls/csu-main/salvos/{LONG}", "path.name"),
        (supervisor, "GET", f"/api/analytics/events/{LONG}/snapshot.jpg", "path.event_id"),
        (admin, "POST", f"/api/users/{LONG}/deactivate", "path.username"),
        (supervisor, "GET", f"/api/alarms?source={LONG}", "query.source"),
    ]
    for headers, method, url, location in cases:
        response = client.request(method, url, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["detail"].startswith(location), (url, response.text)


@pytest.mark.parametrize("moment", [FAR_TIME, OLD_TIME])
def test_grant_expiries_and_alarm_searches_take_api_times(client: TestClient, moment: str) -> None:
    """Account expiries and the alarm search refuse times outside 1970..2200 with a 422 naming
    them (a grant's expiry at 9999 with an offset was a 500)."""
    admin, supervisor = login(client, "admin"), login(client, "supervisor")
    grants = {"grants": [{"camera_id": "cam-street", "expires_at": moment}], "reason": "test"}
    first = {"cameras": ["cam-street"], "expires_at": moment}
    account = {"username": "newcomer", "role": "operator", "password": "angers-night-watch-7"}
    cases = [
        (admin, "PUT", "/api/users/street-only/grants", grants, None, "body.grants.0.expires_at"),
        (admin, "POST", "/api/users", {**account, **first}, None, "body.expires_at"),
        (supervisor, "GET", "/api/alarms", None, {"since": moment}, "query.since"),
    ]
    for headers, method, url, body, query, location in cases:
        response = client.request(method, url, json=body, params=query, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["detail"].startswith(f"{location}: must be between"), response.text
