"""`csu demo`: the simulated hypervisor escalates the flooding and the crisis-room wall switches."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.test_demo import _token, running_demo

pytestmark = pytest.mark.slow


def test_the_demo_escalation_switches_the_crisis_room(tmp_path: Path) -> None:
    """The water pair is escalated; a crisis opens; crisis-room shows it, csu-main stays auto."""
    env = {"CSU_DEMO_PASSWORD": "demo-password", "CSU_DEMO_PACE": "0.05"}
    with running_demo(tmp_path, env) as (url, _lines):
        headers = {"Authorization": f"Bearer {_token(url, 'crisis', 'demo-password')}"}
        walls = httpx.get(f"{url}/api/walls", headers=headers).json()
        assert {(w["id"], w["rendition"]) for w in walls} == {
            ("csu-main", "zones"),
            ("crisis-room", "anonymised"),
        }
        deadline = time.monotonic() + 60
        room: dict[str, object] = {}
        while time.monotonic() < deadline:
            room = httpx.get(f"{url}/api/walls/crisis-room/layout", headers=headers).json()
            if room["mode"] == "crisis":
                break
            time.sleep(0.5)
        assert room["mode"] == "crisis", room
        crisis = httpx.get(f"{url}/api/crises/current", headers=headers).json()
        assert crisis["id"] == room["crisis_id"] and crisis["opened_by"] == "hypervisor"
        incident = httpx.get(f"{url}/api/incidents/{crisis['incidents'][0]}", headers=headers)
        assert incident.json()["type"].startswith("water.")
        main = httpx.get(f"{url}/api/walls/csu-main/layout", headers=headers).json()
        assert main["mode"] == "auto"
