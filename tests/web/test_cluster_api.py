"""GET /api/cluster on the single process: itself as the one node, leading, serving every camera."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import login


def test_supervisors_and_administrators_see_the_single_process(client: TestClient) -> None:
    for username in ("supervisor", "admin"):
        response = client.get("/api/cluster", headers=login(client, username))
        assert response.status_code == 200, response.text
        body = response.json()
        assert [n["role"] for n in body["nodes"]] == ["single"]
        name = body["nodes"][0]["name"]
        assert body["engine"] == {"leader": name}
        assert [c["id"] for c in body["cameras"]] == ["cam-street", "cam-plaza"]
        assert {c["owner"] for c in body["cameras"]} == {name}


def test_others_are_refused_with_the_right_named(client: TestClient) -> None:
    for username in ("operator", "crisis", "privacy_officer"):
        response = client.get("/api/cluster", headers=login(client, username))
        assert response.status_code == 403
        assert "cluster-read" in response.text
    client.cookies.clear()
    assert client.get("/api/cluster").status_code == 401
