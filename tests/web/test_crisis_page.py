"""The crisis cell's page in Chromium, as the crisis account uses it: it signs in and lands on
/crisis, writes a decision about an incident, recalls a salvo (the wall display changes), closes
the crisis with a summary and opens its report; once with the mouse, once with the keyboard only.

Screenshots go to test-artifacts/crisis-page-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, PASSWORD, TIMEOUT_MS, seed_accounts, served
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_walls import WALL_SITE

pytestmark = pytest.mark.slow

SALVO = "Carte seule"
MAP_ONLY = (
    "() => [...document.querySelectorAll('#wall .tile')].map(n => n.dataset.kind).join() === 'map'"
)


@dataclass
class Room:
    """The served app, an operator's headers, and the incidents the operator opened."""

    url: str
    operator: dict[str, str]
    incidents: list[int]


def _token(url: str, username: str) -> str:
    answer = httpx.post(f"{url}/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    value: str = answer.json()["access_token"]
    return value


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Room]:
    """A French site with two walls; two incidents; a salvo of the main wall showing the map."""
    folder = tmp_path_factory.mktemp("crisis-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(WALL_SITE))
    with served(app) as base:
        operator = {"Authorization": f"Bearer {_token(base, 'operator')}"}
        street = csu_alarm("PAGE-A")
        plaza = csu_alarm(
            "PAGE-B",
            type="water.flood_sensor",
            location={"type": "Point", "coordinates": [-0.56, 47.48]},
            description="Flood sensor P-3",
        )
        incidents = []
        for alarm in (street, plaza):
            answer = httpx.post(f"{base}/api/alarms", json=alarm, headers=operator)
            assert answer.status_code == 201, answer.text
            incidents.append(answer.json()["alarms"][0]["incident_id"])
        assert incidents[0] != incidents[1]
        layout = {"tiles": [{"x": 0, "y": 0, "w": 2, "h": 2, "kind": "map", "pinned": True}]}
        walls = f"{base}/api/walls/csu-main"
        assert httpx.put(f"{walls}/layout", json=layout, headers=operator).status_code == 200
        saved = httpx.post(f"{walls}/salvos", json={"name": SALVO}, headers=operator)
        assert saved.status_code == 201, saved.text
        yield Room(base, operator, incidents)


def _scramble_wall(room: Room) -> None:
    """The operator puts the main wall back on four tiles: the salvo will have to change it."""
    answer = httpx.put(
        f"{room.url}/api/walls/csu-main/layout", json={"template": "2x2"}, headers=room.operator
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
def wall(browser: Any, room: Room) -> Iterator[Any]:
    """The main wall's display, signed in as the crisis account, showing four tiles."""
    _scramble_wall(room)
    context = browser.new_context(viewport={"width": 960, "height": 540})
    context.add_cookies(
        [{"name": "csu_session", "value": _token(room.url, "crisis"), "url": room.url}]
    )
    display = context.new_page()
    display.set_default_timeout(TIMEOUT_MS)
    display.goto(f"{room.url}/wall/csu-main")
    display.wait_for_function("() => document.querySelectorAll('#wall .tile').length === 4")
    yield display
    context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser for the crisis cell, in New York: the page must still speak Paris time."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="en-US", timezone_id="America/New_York"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on `selector`: proof it is reachable by keyboard."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached with Tab in {limit} presses")


def _sign_in(page: Any, room: Room, *, keyboard: bool) -> None:
    page.goto(f"{room.url}/login")
    if keyboard:
        page.wait_for_function("() => document.activeElement?.id === 'username'")
        page.keyboard.type("crisis")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
    else:
        page.fill("#username", "crisis")
        page.fill("#password", PASSWORD)
        page.click("#submit")
    page.wait_for_url(f"{room.url}/crisis")


def _check_report(report: Any, *, title: str, decision: str, summary: str) -> None:
    report.wait_for_load_state()
    text = report.content()
    for expected in (title, decision, summary):
        assert expected in text, expected


def test_the_crisis_cell_works_its_crisis_with_the_mouse(page: Any, wall: Any, room: Room) -> None:
    """Escalation opens the crisis; the cell decides, recalls the map, closes and reads."""
    incident = room.incidents[0]
    escalate = {"action": "escalate", "text": "passage souterrain inondé"}
    answer = httpx.post(
        f"{room.url}/api/incidents/{incident}/actions", json=escalate, headers=room.operator
    )
    assert answer.status_code == 200, answer.text
    _sign_in(page, room, keyboard=False)
    page.wait_for_selector("#crisis:not([hidden])")
    assert page.locator("h1").inner_text() == "Cellule de crise"
    page.wait_for_selector(f"#incidents li[data-incident='{incident}']")
    title = page.locator("#crisis-title").inner_text()
    since = page.locator("#crisis-since").inner_text()
    assert since.startswith("Ouverte le ") and "/" in since and " par operator" in since
    page.wait_for_selector(f"#salvos button.salvo[data-salvo='{SALVO}']")
    page.screenshot(path=str(ARTIFACTS / "crisis-page-open.png"))

    decision = "Fermer le passage souterrain à la circulation"
    page.fill("#decision-text", decision)
    page.select_option("#decision-incident", str(incident))
    page.click("#decision-submit")
    row = page.locator("#log tbody tr[data-kind=decision]").first
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[1:] == ["crisis", "décision", decision, f"n° {incident}"]
    assert "Décision enregistrée" in page.locator("#announce").inner_text()
    # Another member's decision is announced in the live region.
    other = {"text": "Prévenir la préfecture", "incident_id": incident}
    crisis_id = httpx.get(f"{room.url}/api/crises/current", headers=room.operator).json()["id"]
    supervisor = {"Authorization": f"Bearer {_token(room.url, 'supervisor')}"}
    answer = httpx.post(f"{room.url}/api/crises/{crisis_id}/log", json=other, headers=supervisor)
    assert answer.status_code == 201, answer.text
    page.wait_for_function(
        "() => document.getElementById('announce').textContent"
        ".includes('Nouvelle décision de supervisor : Prévenir la préfecture')"
    )

    page.click(f"#salvos button.salvo[data-salvo='{SALVO}'][data-wall='csu-main']")
    wall.wait_for_function(MAP_ONLY)
    page.wait_for_function(
        "() => document.getElementById('announce').textContent.includes('rappelée')"
    )
    wall.screenshot(path=str(ARTIFACTS / "crisis-page-wall-after-salvo.png"))
    page.screenshot(path=str(ARTIFACTS / "crisis-page-decided.png"))

    page.click("#close-button")
    page.wait_for_selector("#close-dialog[open]")
    summary = "Eau évacuée, circulation rétablie à 23 h"
    page.fill("#close-summary", summary)
    page.screenshot(path=str(ARTIFACTS / "crisis-page-closing.png"))
    page.click("#close-confirm")
    page.wait_for_selector("#none:not([hidden])")
    assert "clôturée" in page.locator("#last-text").inner_text()
    page.screenshot(path=str(ARTIFACTS / "crisis-page-closed.png"))
    with page.context.expect_page() as opened:
        page.click("#last-report")
    _check_report(opened.value, title=title, decision=decision, summary=summary)


def test_the_crisis_cell_works_its_crisis_with_the_keyboard_only(
    page: Any, wall: Any, room: Room
) -> None:
    """No crisis open: the cell activates one, decides, recalls the map, closes, reads: all keys."""
    answer = httpx.get(f"{room.url}/api/crises/current", headers=room.operator)
    if answer.json() is not None:  # the mouse test left it open (run alone, it never is)
        closing = {"text": "fin"}
        httpx.post(
            f"{room.url}/api/crises/{answer.json()['id']}/close",
            json=closing,
            headers=room.operator,
        )
    incident = room.incidents[1]
    _sign_in(page, room, keyboard=True)
    page.wait_for_selector("#none:not([hidden])")
    page.screenshot(path=str(ARTIFACTS / "crisis-page-none.png"))
    _tab_to(page, "#activate-title")
    title = "Crue de la Maine"
    page.keyboard.type(title)
    page.keyboard.press("Tab")
    _select_by_keys(page, "#activate-incident", str(incident))
    _tab_to(page, "#activate-submit")
    page.keyboard.press("Enter")
    page.wait_for_selector("#crisis:not([hidden])")
    page.wait_for_function("() => document.activeElement?.id === 'decision-text'")
    assert page.locator("#crisis-title").inner_text() == title

    decision = "Évacuer les quais bas"
    page.keyboard.type(decision)
    page.keyboard.press("Tab")
    _select_by_keys(page, "#decision-incident", str(incident))
    _tab_to(page, "#decision-submit")
    page.keyboard.press("Enter")
    row = page.locator("#log tbody tr[data-kind=decision]").first
    row.wait_for()
    assert row.locator("td").all_inner_texts()[3:] == [decision, f"n° {incident}"]

    _tab_to(page, f"#salvos button.salvo[data-salvo='{SALVO}'][data-wall='csu-main']")
    page.keyboard.press("Enter")
    wall.wait_for_function(MAP_ONLY)

    _tab_to(page, "#close-button")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement?.id === 'close-summary'")
    summary = "Décrue amorcée, quais rouverts"
    page.keyboard.type(summary)
    _tab_to(page, "#close-confirm", limit=5)
    page.keyboard.press("Enter")
    page.wait_for_selector("#none:not([hidden])")
    page.wait_for_function("() => document.activeElement?.id === 'last-report'")
    page.screenshot(path=str(ARTIFACTS / "crisis-page-keyboard-closed.png"))
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    _check_report(opened.value, title=title, decision=decision, summary=summary)


def _select_by_keys(page: Any, selector: str, value: str) -> None:
    """Move a focused select with the arrow keys until it shows `value`."""
    _tab_to(page, selector, limit=5)
    for _ in range(20):
        if page.eval_on_selector(selector, "s => s.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} never showed {value}")


def test_a_wall_operator_recalls_the_same_salvo_from_the_console(
    page: Any, wall: Any, room: Room
) -> None:
    """The console shows each wall's salvos as buttons; one click puts the map back."""
    page.context.add_cookies(
        [{"name": "csu_session", "value": _token(room.url, "operator"), "url": room.url}]
    )
    page.goto(f"{room.url}/console")
    button = page.locator(f"#salvos button.salvo[data-salvo='{SALVO}'][data-wall='csu-main']")
    button.wait_for()
    assert (
        button.get_attribute("aria-label") == f"Rappeler la salve « {SALVO} » sur le mur CSU wall"
    )
    button.click()
    wall.wait_for_function(MAP_ONLY)
    page.wait_for_selector("#salvos .salvo-status:text('rappelée')")
    page.screenshot(path=str(ARTIFACTS / "crisis-page-console-salvos.png"))
