"""The console in a real headless Chromium during an exercise: a red page-wide EXERCICE banner,
and the exercise's incident badged in the queue and its view while the real one is not."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from crisis.exercises import Exercises, injected
from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, SITE, TIMEOUT_MS, seed_accounts, served
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_exercises_api import BY_THE_PLAZA
from tests.web.test_wall_page import Server, token

pytestmark = pytest.mark.slow
RED = "rgb(192, 0, 0)"


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Server]]:
    """A real server and its app (the scenario runner's door is a service, not a route)."""
    folder = tmp_path_factory.mktemp("exercise-console")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        yield app, Server(base)


def test_the_console_shows_exercise_unmistakably(
    browser: Any, app_server: tuple[Any, Server]
) -> None:
    """Banner across the page while the exercise runs; badge on its incident only."""
    app, server = app_server
    operator = {"Authorization": f"Bearer {token(server, 'operator')}"}
    supervisor = {"Authorization": f"Bearer {token(server, 'supervisor')}"}
    real = httpx.post(f"{server.url}/api/alarms", json=csu_alarm("REAL-1"), headers=operator)
    real_id = real.json()["alarms"][0]["incident_id"]
    body = {"scenario": "orage-tremie", "title": "Orage, trémie inondée"}
    exercise = httpx.post(f"{server.url}/api/exercises", json=body, headers=supervisor).json()
    services = app.state.services
    step = injected(csu_alarm("DRILL-1", location=BY_THE_PLAZA))
    inject = Exercises(services.db, services.incidents).inject(exercise["id"], step)
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        drill = pool.submit(asyncio.run, inject).result(timeout=30)
    drill_id = drill.model_dump()["alarms"][0]["incident_id"]

    page = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}/console")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#username", "operator")
    page.fill("#password", "test-password-1")
    page.press("#password", "Enter")
    page.wait_for_selector("#exercise-banner:not([hidden])")
    banner = page.locator("#exercise-banner")
    assert banner.inner_text().upper().startswith("EXERCICE")
    assert "Orage, trémie inondée" in (banner.text_content() or "")
    assert banner.evaluate("n => getComputedStyle(n).backgroundColor") == RED
    drill_item = page.locator(f"#queue li[data-id='{drill_id}']")
    drill_item.locator(".exercise-badge").wait_for()
    assert drill_item.locator(".exercise-badge").inner_text() == "EXERCICE"
    assert page.locator(f"#queue li[data-id='{real_id}'] .exercise-badge").count() == 0
    assert page.locator("#counts").inner_text() == "1 à acquitter"  # the real watch's only
    drill_item.click()
    page.wait_for_selector("#incident h3 .exercise-badge")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-exercise.png"))
    check_the_wall(page.context.new_page(), server, real_id, drill_id)
    httpx.post(f"{server.url}/api/exercises/{exercise['id']}/end", headers=supervisor)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_timeout(1000)
    assert page.locator("#exercise-banner").is_hidden()
    assert page.locator(f"#queue li[data-id='{drill_id}'] .exercise-badge").count() == 1


def check_the_wall(wall: Any, server: Server, real_id: int, drill_id: int) -> None:
    """The wall shows the banner over its tiles, and the badge on the exercise's camera tile."""
    wall.set_default_timeout(TIMEOUT_MS)
    wall.goto(f"{server.url}/wall/csu-main")
    wall.wait_for_selector("#exercise-banner:not([hidden])")
    drill_tile = f"#wall .tile[data-kind=camera][data-incident='{drill_id}']"
    wall.wait_for_selector(f"{drill_tile} .exercise-badge")
    wall.wait_for_selector(f"#wall .tile[data-kind=camera][data-incident='{real_id}']")
    assert wall.locator(f"#wall .tile[data-incident='{real_id}'] .exercise-badge").count() == 0
    badge = wall.locator(f"{drill_tile} .exercise-badge")
    assert badge.evaluate("n => getComputedStyle(n).backgroundColor") == RED
    wall.screenshot(path=str(ARTIFACTS / "wall-exercise.png"))
    wall.close()
