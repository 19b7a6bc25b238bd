"""Two API nodes: a wall changed through one is the wall the other shows and serves."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster.processes import cluster
from tests.cluster.test_cluster_video import SITE, _login
from tests.conftest import empty_database
from tests.nats_server import NatsServer
from tests.web.conftest import seed_accounts

pytestmark = pytest.mark.slow

WALL_SITE = SITE + "walls:\n  - {id: csu-main, name: CSU wall, grid: [2, 2]}\n"


def _layout(api: str, auth: dict[str, str]) -> dict[str, Any]:
    response = httpx.get(f"{api}/api/walls/csu-main/layout", headers=auth, timeout=20)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_an_operators_layout_on_one_node_is_the_walls_layout_on_the_other(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    with (
        empty_database("postgres", tmp_path) as url,
        cluster(tmp_path, WALL_SITE, nats_server.url, url) as nodes,
    ):
        seed_accounts(url)
        one, two = nodes.api("api1").url, nodes.api("api2").url
        auth_one, auth_two = _login(one, "operator"), _login(two, "operator")
        body = {"tiles": [{"x": 0, "y": 0, "kind": "text", "text": "Marché", "pinned": True}]}
        put = httpx.put(f"{one}/api/walls/csu-main/layout", json=body, headers=auth_one)
        assert put.status_code == 200, put.text
        version = put.json()["version"]
        deadline = time.monotonic() + 15
        seen = _layout(two, auth_two)
        while seen["version"] < version and time.monotonic() < deadline:
            time.sleep(0.2)
            seen = _layout(two, auth_two)
        assert seen["version"] >= version
        first = seen["layout"]["tiles"][0]
        assert (first["kind"], first["text"], first["pinned"]) == ("text", "Marché", True)
        # And the other way, through node two.
        body = {"tiles": [{"x": 1, "y": 1, "kind": "text", "text": "Crue", "pinned": True}]}
        put = httpx.put(f"{two}/api/walls/csu-main/layout", json=body, headers=auth_two)
        assert put.status_code == 200, put.text
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            tiles = _layout(one, auth_one)["layout"]["tiles"]
            if any(t.get("text") == "Crue" and (t["x"], t["y"]) == (1, 1) for t in tiles):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"node one never showed node two's layout: {tiles}")
