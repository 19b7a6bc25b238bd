"""Each account's console preferences over HTTP: saved by the account, read back by it alone on
any desk, defaults until then; unknown fields and values out of range refused by name."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import login

URL = "/api/me/preferences"
DEFAULTS: dict[str, Any] = {
    "alerting": {"min_severity": "high", "sound": True, "notify": False},
    "grid_size": None,
    "desk_layout": [],
    "language": None,
}
CHOSEN: dict[str, Any] = {
    "alerting": {"min_severity": "medium", "sound": False, "notify": True},
    "grid_size": 9,
    "desk_layout": ["cam-plaza", "cam-street"],
    "language": "en",
}


def test_an_account_reads_back_what_it_saved_on_another_session(client: TestClient) -> None:
    desk_one = login(client, "operator")
    assert client.get(URL, headers=desk_one).json() == DEFAULTS
    saved = client.put(URL, json=CHOSEN, headers=desk_one)
    assert saved.status_code == 200, saved.text
    assert saved.json() == CHOSEN

    desk_two = login(client, "operator")  # another desk, another session
    assert client.get(URL, headers=desk_two).json() == CHOSEN
    # A field left out takes its default: the document is replaced, not merged.
    again = client.put(URL, json={"grid_size": 16}, headers=desk_two)
    assert again.json() == {**DEFAULTS, "grid_size": 16}
    assert client.get(URL, headers=desk_one).json() == {**DEFAULTS, "grid_size": 16}


def test_a_change_keeps_the_fields_it_leaves_out(client: TestClient) -> None:
    operator = login(client, "operator")
    client.put(URL, json=CHOSEN, headers=operator)
    changed = client.patch(URL, json={"language": "fr", "grid_size": 16}, headers=operator)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**CHOSEN, "language": "fr", "grid_size": 16}
    # null: back to the default; a section is replaced whole.
    reset = client.patch(
        URL, json={"language": None, "alerting": {"sound": False}}, headers=operator
    ).json()
    assert reset["language"] is None and reset["grid_size"] == 16
    assert reset["alerting"] == {"min_severity": "high", "sound": False, "notify": False}
    assert client.get(URL, headers=login(client, "operator")).json() == reset


def test_each_account_has_its_own(client: TestClient) -> None:
    client.put(URL, json=CHOSEN, headers=login(client, "operator"))
    supervisor = login(client, "supervisor")
    assert client.get(URL, headers=supervisor).json() == DEFAULTS
    client.put(URL, json={"grid_size": 1}, headers=supervisor)
    assert client.get(URL, headers=login(client, "operator")).json() == CHOSEN


def test_no_preferences_without_signing_in(client: TestClient) -> None:
    assert client.get(URL).status_code == 401
    assert client.put(URL, json=CHOSEN).status_code == 401
    assert client.patch(URL, json={"grid_size": 1}).status_code == 401


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"theme": "dark"}, "body.theme"),
        ({"alerting": {"volume": 11}}, "body.alerting.volume"),
        ({"alerting": {"min_severity": "apocalyptic"}}, "body.alerting.min_severity"),
        ({"alerting": {"sound": "loud"}}, "body.alerting.sound"),
        ({"alerting": []}, "body.alerting"),
        ({"grid_size": 25}, "body.grid_size"),
        ({"grid_size": "4x4"}, "body.grid_size"),
        ({"desk_layout": ["cam"] * 17}, "body.desk_layout"),
        ({"desk_layout": ["c" * 65]}, "body.desk_layout.0"),
        ({"desk_layout": [""]}, "body.desk_layout.0"),
        ({"desk_layout": ["nul\x00byte"]}, "body.desk_layout.0"),
        ({"desk_layout": {"0": "cam-plaza"}}, "body.desk_layout"),
        ({"language": "de"}, "body.language"),
    ],
)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_unknown_fields_and_values_out_of_range_are_refused_by_name(
    client: TestClient, body: dict[str, Any], problem: str, method: str
) -> None:
    operator = login(client, "operator")
    response = client.request(method, URL, json=body, headers=operator)
    assert response.status_code == 422, response.text
    assert problem in response.json()["detail"]
    assert client.get(URL, headers=operator).json() == DEFAULTS  # nothing stored


def test_the_schema_states_the_bounds(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    document = schemas["Preferences"]
    assert document["additionalProperties"] is False
    assert document["properties"]["desk_layout"]["maxItems"] == 16
    assert schemas["AlertingPreferences"]["additionalProperties"] is False
    assert schemas["PreferencesChange"]["additionalProperties"] is False
