"""A NUL in a path or a query is refused with a 400 naming it, never a 500 at the database."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.web.conftest import login
from web.url_text import url_problem


def test_the_problem_is_named() -> None:
    assert url_problem("/api/users/a\x00b/grants", b"") == "the path contains a NUL character (%00)"
    assert url_problem("/api/alarms", b"source=hyper%00visor&limit=5") == (
        "query parameter 'source' contains a NUL character (%00)"
    )
    assert url_problem("/api/alarms", b"source=%C3%A9t%C3%A9&x=%FF") is None


def test_nul_in_a_search_or_a_path_is_a_400(client: TestClient) -> None:
    operator, admin = login(client, "operator"), login(client, "admin")
    for url, headers in (
        ("/api/alarms?source=hyper%00visor", operator),
        ("/api/incidents?status=new%00", operator),
        ("/api/users/oper%00ator/grants", admin),
    ):
        method = client.put if url.endswith("grants") else client.get
        kwargs = {"json": {"cameras": []}} if url.endswith("grants") else {}
        response = method(url, headers=headers, **kwargs)
        assert response.status_code == 400, (url, response.text)
        assert "NUL" in response.json()["detail"]
    assert client.get("/api/alarms?source=%C3%A9", headers=operator).status_code == 200


def test_free_text_no_database_stores_is_a_422_naming_the_field(client: TestClient) -> None:
    operator = login(client, "operator")
    alarm = {
        "source": "hypervisor",
        "external_id": "TXT-1",
        "type": "lighting.feeder_down",
        "severity": "high",
        "occurred_at": "2026-11-25T21:04:00+01:00",
        "location": {"type": "Point", "coordinates": [-0.5499, 47.47]},
        "description": "Feeder down",
    }
    incident_id = client.post("/api/alarms", json=alarm, headers=operator).json()["alarms"][0][
        "incident_id"
    ]
    for text in ("a\x00b", "a\ud800b"):
        response = client.post(
            f"/api/incidents/{incident_id}/actions",
            content=json_bytes({"action": "note", "text": text}),
            headers={**operator, "content-type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert "text" in response.text and ("NUL" in response.text or "surrogate" in response.text)


def json_bytes(body: dict[str, str]) -> bytes:
    """JSON as Python writes it: a lone surrogate goes out as its \\ud800 escape."""
    return json.dumps(body).encode()
