"""An operator's console preferences follow the account, not the browser (headless Chromium):
alert severity and sound, grid size and the desk's layout chosen at one desk are there at
another desk (a fresh browser context) once the same user signs in; another user has their own.
The language is the browser's before sign-in and the account's after."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_console_page import api_headers, new_page, sign_in, wait_for
from tests.web.test_map_page import server as server
from tests.web.test_wall_page import Server

pytestmark = pytest.mark.slow

PREFERENCES = "/api/me/preferences"


def stored(server: Server, username: str) -> dict[str, Any]:
    """The account's preferences, as the server keeps them."""
    answer = httpx.get(f"{server.url}{PREFERENCES}", headers=api_headers(server, username))
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    return document


def forget_preferences(server: Server, *usernames: str) -> None:
    """Back to the defaults: a browser test starts from an account that chose nothing."""
    for username in usernames:
        answer = httpx.put(
            f"{server.url}{PREFERENCES}", json={}, headers=api_headers(server, username)
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture(autouse=True)
def fresh_accounts(server: Server) -> None:
    forget_preferences(server, "operator", "supervisor")


def signed_out(page: Any) -> None:
    """Sign out and wait for the sign-in page (by its form: the console's last requests may
    abort the first navigation, which wait_for_url reports as an error)."""
    page.click("#logout")
    page.wait_for_selector("#login #username")
    assert "/login" in page.url


def tiles(page: Any) -> list[str]:
    """The cameras of the grid's tiles, in order."""
    ids = page.eval_on_selector_all("#grid .cam", "n => n.map(c => c.dataset.camera)")
    return [str(c) for c in ids]


def test_choices_made_at_one_desk_are_there_at_the_next(browser: Any, server: Server) -> None:
    desk_one = new_page(browser)
    sign_in(desk_one, server, "operator")
    desk_one.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    desk_one.select_option("#alert-threshold", "medium")
    desk_one.uncheck("#alert-sound")
    desk_one.select_option("#grid-size", "9")
    desk_one.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 6")
    desk_one.locator("#desk-cameras button[data-camera='cam-5']").drag_to(
        desk_one.locator("#grid .cam").nth(0)
    )
    desk_one.wait_for_function(
        "() => document.querySelectorAll('#grid .cam')[0]?.dataset.camera === 'cam-5'"
    )
    layout = tiles(desk_one)
    wait_for(lambda: stored(server, "operator")["desk_layout"] == layout)
    assert stored(server, "operator") == {
        "alerting": {"min_severity": "medium", "sound": False, "notify": False},
        "grid_size": 9,
        "desk_layout": layout,
        "language": None,
    }
    assert (
        desk_one.evaluate("Object.keys(localStorage).filter(k => !k.startsWith('csu.language'))")
        == []
    )
    desk_one.screenshot(path=str(ARTIFACTS / "preferences-desk-one.png"))

    # Another desk: another browser, nothing in its storage, the same operator.
    desk_two = new_page(browser)
    sign_in(desk_two, server, "operator")
    desk_two.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 6")
    assert desk_two.locator("#alert-threshold").input_value() == "medium"
    assert not desk_two.locator("#alert-sound").is_checked()
    assert desk_two.locator("#grid-size").input_value() == "9"
    assert tiles(desk_two) == layout
    assert desk_two.locator("#grid-title").text_content() == "Disposition du poste"
    desk_two.screenshot(path=str(ARTIFACTS / "preferences-desk-two.png"))

    # Another user at that desk: their own (the defaults), not the operator's.
    signed_out(desk_two)
    sign_in(desk_two, server, "supervisor")
    desk_two.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    assert desk_two.locator("#alert-threshold").input_value() == "high"
    assert desk_two.locator("#alert-sound").is_checked()
    assert desk_two.locator("#grid-size").input_value() == "4"
    assert tiles(desk_two)[0] != "cam-5"
    assert stored(server, "supervisor")["grid_size"] is None
    desk_one.context.close()
    desk_two.context.close()


def test_the_language_is_the_browsers_before_sign_in_and_the_accounts_after(
    browser: Any, server: Server
) -> None:
    desk_one = new_page(browser)
    sign_in(desk_one, server, "operator")
    desk_one.select_option("#top select.language-switch", "en")
    desk_one.wait_for_function("() => document.documentElement.lang === 'en'")
    wait_for(lambda: stored(server, "operator")["language"] == "en")
    desk_one.wait_for_selector("body[data-ready=true]")
    assert desk_one.locator("#alert-sound").evaluate("n => n.parentNode.textContent.trim()") == (
        "Sound"
    )

    desk_two = new_page(browser)
    desk_two.goto(f"{server.url}/console")
    desk_two.wait_for_url("**/login**")
    assert desk_two.locator("#submit").inner_text() == "Se connecter"  # nobody signed in yet
    sign_in(desk_two, server, "operator")
    assert desk_two.evaluate("document.documentElement.lang") == "en"
    assert desk_two.locator("#alert-sound").evaluate("n => n.parentNode.textContent.trim()") == (
        "Sound"
    )
    desk_two.screenshot(path=str(ARTIFACTS / "preferences-language-desk-two.png"))

    # Signed out, the desk speaks its browser's language again; the next user, theirs.
    signed_out(desk_two)
    assert desk_two.locator("#submit").inner_text() == "Se connecter"
    sign_in(desk_two, server, "supervisor")
    assert desk_two.evaluate("document.documentElement.lang") == "fr"
    desk_one.context.close()
    desk_two.context.close()


def test_choices_an_older_console_kept_in_the_browser_move_to_the_account(
    browser: Any, server: Server
) -> None:
    desk = new_page(browser)
    desk.goto(f"{server.url}/login")
    desk.evaluate(
        """() => {
          const alerting = {threshold: 'low', notify: false};
          localStorage.setItem('csu.alerting.operator', JSON.stringify(alerting));
          localStorage.setItem('csu.grid.operator', '16');
          localStorage.setItem('csu.desk_layout.operator', JSON.stringify(['cam-3', 'cam-2']));
        }"""
    )
    sign_in(desk, server, "operator")
    assert desk.locator("#alert-threshold").input_value() == "low"
    assert desk.locator("#grid-size").input_value() == "16"
    desk.wait_for_function("() => document.querySelector('#grid .cam')?.dataset.camera === 'cam-3'")
    wait_for(lambda: stored(server, "operator")["grid_size"] == 16)
    assert stored(server, "operator")["alerting"]["min_severity"] == "low"
    assert stored(server, "operator")["desk_layout"] == ["cam-3", "cam-2"]
    assert (
        desk.evaluate("Object.keys(localStorage).filter(k => !k.startsWith('csu.language'))") == []
    )
    desk.context.close()
