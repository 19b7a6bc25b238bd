"""Noise control in Chromium: a storm of 300 lamp alarms is one line of the console's timeline,
the "people only" view shows what people wrote, the group opens on its 300 alarms, and the
crisis wall's timeline tile shows the storm as one line too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.storm_scenario import LAMPS, NOTES, post_storm
from tests.web.test_console_page import api_headers, new_page, sign_in
from tests.web.test_wall_page import Server
from tests.web.test_wall_page import server as server

pytestmark = pytest.mark.slow

TIMELINE = "#incident ol.timeline"
GROUP = f"{TIMELINE} > li[data-kind=alarm_group]"


def test_a_storm_is_one_line_people_only_and_expandable(browser: Any, server: Server) -> None:
    headers = api_headers(server)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        start = datetime.now(UTC) - timedelta(minutes=30)
        incident = post_storm(client, headers, start, prefix="PAGE")
        act = f"/api/incidents/{incident}/actions"
        client.post(act, json={"action": "note", "text": NOTES[0]}, headers=headers)
        client.post(act, json={"action": "acknowledge"}, headers=headers)

    page = new_page(browser)
    sign_in(page, server, "operator")
    page.click(f"#queue li[data-id='{incident}']")
    page.wait_for_selector(f"#incident[data-incident='{incident}']")
    group = page.wait_for_selector(GROUP)
    assert page.locator(GROUP).count() == 1 and group.get_attribute("data-count") == str(LAMPS)
    text = group.inner_text()
    assert f"{LAMPS} alarmes «\xa0Point lumineux éteint\xa0»" in text, text
    assert f"{LAMPS} sources" in text
    assert page.locator(f"{TIMELINE} > li").count() < 12
    page.screenshot(path=str(ARTIFACTS / "console-timeline-grouped.png"))

    page.click("[data-control=timeline-people]")
    page.wait_for_selector("[data-control=timeline-people][aria-pressed=true]")
    kinds = page.eval_on_selector_all(f"{TIMELINE} > li", "ns => ns.map(n => n.dataset.kind)")
    assert kinds == ["acknowledged", "status_change", "note"], kinds
    section = page.locator("#incident .timeline-section")
    section.screenshot(path=str(ARTIFACTS / "console-timeline-people.png"))

    page.click("[data-control=timeline-grouped]")
    page.click(f"{GROUP} [data-control=timeline-expand]")
    page.wait_for_selector(f"{GROUP} ol.group-alarms li[data-alarm]")
    assert page.locator(f"{GROUP} ol.group-alarms li[data-alarm]").count() == LAMPS
    assert "Lamp 299 off" in page.inner_text(f"{GROUP} ol.group-alarms")
    section = page.locator("#incident .timeline-section")
    section.screenshot(path=str(ARTIFACTS / "console-timeline-expanded.png"))
    # A refresh of the incident (the server says it changed) keeps the view as chosen.
    with httpx.Client(base_url=server.url, timeout=30) as client:
        act = f"/api/incidents/{incident}/actions"
        client.post(act, json={"action": "note", "text": NOTES[1]}, headers=headers)
    page.wait_for_selector(f"{TIMELINE} > li[data-kind=note] >> text={NOTES[1]}")
    assert page.locator(f"{GROUP} ol.group-alarms li[data-alarm]").count() == LAMPS

    # Escalated, the crisis room's timeline tile shows the storm as one line.
    with httpx.Client(base_url=server.url, timeout=30) as client:
        escalate = {"action": "escalate", "text": "whole district dark"}
        assert client.post(act, json=escalate, headers=headers).status_code == 200
    wall = page.context.new_page()
    wall.goto(f"{server.url}/wall/crisis-room")
    tile = f"#wall .tile[data-kind=timeline][data-incident='{incident}']"
    line = wall.wait_for_selector(f"{tile} li[data-kind=alarm_group]")
    assert f"{LAMPS} alarmes" in line.inner_text()
    assert wall.locator(f"{tile} li[data-kind=alarm_group]").count() == 1
    wall.screenshot(path=str(ARTIFACTS / "wall-timeline-grouped.png"))
    page.context.close()
