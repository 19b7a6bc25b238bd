"""A page reads a worker's answers across origins (it gets there by an API node's redirect, with
`Origin: null`): the headers it needs must be exposed, or fetch() hides them. X-Playback-Start
is the playback clock's origin: hidden, the panel's clock and synced playback never start."""

from __future__ import annotations

import textwrap
from pathlib import Path

from fastapi.testclient import TestClient

from csu.cluster.runtime import NodeSettings
from csu.config import parse_site
from csu.settings import Settings
from csu.worker import create_worker_app
from web.playback import PLAYBACK_START

SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - {id: cam-street, name: Street, source: demo://street, location: {lat: 47.47, lon: -0.55}}
    """
)


def test_a_worker_exposes_the_playback_start_to_a_page_of_another_origin(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'csu.db'}")
    node = NodeSettings("nats://127.0.0.1:1", "w1", "worker", url="http://w1:8100")
    app = create_worker_app(settings, parse_site(SITE), node)
    # Not started (no lifespan): the CORS layer answers the same without the cluster behind it.
    client = TestClient(app)
    answer = client.get("/healthz", headers={"Origin": "null"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["access-control-allow-origin"] == "*"
    exposed = [
        h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")
    ]
    assert PLAYBACK_START.lower() in exposed, exposed
    assert "location" in exposed, exposed
    assert "access-control-allow-credentials" not in answer.headers  # the ticket authorises
