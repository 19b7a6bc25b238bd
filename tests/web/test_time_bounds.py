"""Times the access log could not hold are refused with 422 naming the parameter, unlogged."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login, services_of

OK_START, OK_END = "2026-11-20T08:00:00Z", "2026-11-20T08:05:00Z"
# Year 999 was hashed unpadded and read back padded; 9999 with an offset overflows in UTC.
OUT_OF_RANGE = ["0999-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00", "2200-01-01T00:00:00Z"]
SPAN_BODY = {"camera_id": "cam-street", "reason": "theft on rue Lenepveu"}
HOLD_BODY = {**SPAN_BODY, "requisition": "PV-49-2026-0042", "officer": "OPJ Durand"}

# (who, method, url, where the time goes, the other fields) for every route taking a time
ROUTES: dict[str, tuple[str, str, str, str, dict[str, Any]]] = {
    "playback": (
        "operator",
        "GET",
        "/api/cameras/cam-street/playback.mp4",
        "query",
        {"start": OK_START, "end": OK_END, "reason": "theft"},
    ),
    "recordings": (
        "operator",
        "GET",
        "/api/cameras/cam-street/recordings",
        "query",
        {"start": OK_START, "end": OK_END},
    ),
    "exports": ("supervisor", "POST", "/api/exports", "body", {**SPAN_BODY, "start": OK_START}),
    "holds": ("supervisor", "POST", "/api/holds", "body", {**HOLD_BODY, "start": OK_START}),
    "audit search": ("privacy_officer", "GET", "/api/audit/access", "query", {}),
    "audit summary": ("privacy_officer", "GET", "/api/audit/summary", "query", {}),
    "audit export": ("privacy_officer", "GET", "/api/audit/export", "query", {}),
    "log book": ("operator", "GET", "/api/logbook", "query", {"start": OK_START}),
}
PARAMETER = {"audit search": "since", "audit summary": "until", "audit export": "since"}


def _logged(client: TestClient) -> int:
    return sum(1 for _ in services_of(client).access_log.entries())


def _settled(client: TestClient) -> int:
    """The entry count once the login's own entry (written off the request) has landed."""
    count, deadline = _logged(client), time.monotonic() + 10
    while time.monotonic() < deadline:
        time.sleep(0.3)
        again = _logged(client)
        if again == count:
            return count
        count = again
    return count


@pytest.mark.parametrize("route", list(ROUTES))
def test_out_of_range_times_are_422_and_nothing_is_logged(client: TestClient, route: str) -> None:
    """Year 999, 9999 with an offset, or 2200: 422 naming the parameter; the log is untouched."""
    who, method, url, where, fields = ROUTES[route]
    name = PARAMETER.get(route, "end")
    headers = login(client, who)
    before = _settled(client)
    for moment in OUT_OF_RANGE:
        values = {**fields, name: moment}
        if where == "query":
            response = client.request(method, url, params=values, headers=headers)
        else:
            response = client.request(method, url, json=values, headers=headers)
        assert response.status_code == 422, (route, moment, response.text)
        detail = response.json()["detail"]
        assert f"{where}.{name}: must be between 1970-01-01T00:00:00Z and 2200" in detail, detail
        assert _logged(client) == before, (route, moment)


def test_a_time_without_zone_is_refused_the_same_way_everywhere(client: TestClient) -> None:
    """Naive times mean nothing at a French site: every route asks for the offset."""
    for route, (who, method, url, where, fields) in ROUTES.items():
        name = PARAMETER.get(route, "end")
        values = {**fields, name: "2026-11-20T08:05:00"}
        kwargs: dict[str, Any] = {"params": values} if where == "query" else {"json": values}
        response = client.request(method, url, headers=login(client, who), **kwargs)
        assert response.status_code == 422, (route, response.text)
        assert f"{where}.{name}: give a time zone (a UTC offset)" in response.json()["detail"]
