"""In Chromium: when an operator's right ends, the console's live video stops and says why, and
when the account ends, the console goes back to sign-in (issue #15)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS, PASSWORD
from tests.web.test_console_page import new_page, sign_in
from tests.web.test_wall_page import Server, token
from tests.web.test_wall_page import server as server

pytestmark = pytest.mark.slow

VIDEO = "#grid .cam[data-camera='cam-street'] video"
PLAZA = "#grid .cam[data-camera='cam-plaza'] video"


def admin(server: Server) -> dict[str, str]:
    """The administrator's bearer headers."""
    return {"Authorization": f"Bearer {token(server, 'admin')}"}


def test_the_console_stops_the_video_whose_right_ended(server: Server, browser: Any) -> None:
    name = "console-rights"
    body = {"username": name, "role": "operator", "password": PASSWORD, "cameras": ["cam-street"]}
    made = httpx.post(f"{server.url}/api/users", json=body, headers=admin(server))
    assert made.status_code == 201, made.text
    page = new_page(browser)
    sign_in(page, server, name)
    page.wait_for_function(
        f"() => document.querySelector(\"{VIDEO}\")?.dataset.state === 'playing'"
    )
    change = {"grants": [{"camera_id": "cam-plaza"}], "reason": "moved to the plaza"}
    changed = httpx.put(f"{server.url}/api/users/{name}/grants", json=change, headers=admin(server))
    assert changed.status_code == 200, changed.text

    # The console is told its cameras changed: the street tile goes, the plaza tile comes.
    page.wait_for_selector(VIDEO, state="detached", timeout=30_000)
    page.wait_for_function(
        f"() => document.querySelector(\"{PLAZA}\")?.dataset.state === 'playing'",
        timeout=30_000,
    )
    page.screenshot(path=str(ARTIFACTS / "console-right-ended.png"))
    ended = httpx.post(
        f"{server.url}/api/users/{name}/deactivate", json={"reason": "left"}, headers=admin(server)
    )
    assert ended.status_code == 200, ended.text
    page.wait_for_url(re.compile(r"/login\?next="), timeout=30_000)
    page.context.close()
