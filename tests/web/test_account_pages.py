"""In Chromium, as people would: an administrator resets a password on /admin and the user, at
/login, must choose a new one before landing on their page; a role changed on /admin ends the
user's console session and its live video; each camera grant keeps its own expiry."""

from __future__ import annotations

import itertools
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from csu.i18n import catalogue
from tests.web.conftest import ARTIFACTS, PASSWORD
from tests.web.test_console_page import new_page, sign_in
from tests.web.test_wall_page import Server, token
from tests.web.test_wall_page import server as server

pytestmark = pytest.mark.slow

VIDEO = "#grid .cam[data-camera='cam-street'] video"
NEW_PASSWORD = "rue-du-mail-a-minuit"
_names = itertools.count()


def bearer(server: Server, username: str) -> dict[str, str]:
    """Bearer headers for a fresh session of the account."""
    return {"Authorization": f"Bearer {token(server, username)}"}


def new_operator(server: Server, cameras: list[str]) -> str:
    """A fresh operator account, made over the API."""
    name = f"agent-{next(_names)}-{int(time.time() * 1000) % 100000}"
    body = {"username": name, "role": "operator", "password": PASSWORD, "cameras": cameras}
    made = httpx.post(f"{server.url}/api/users", json=body, headers=bearer(server, "admin"))
    assert made.status_code == 201, made.text
    return name


def account(server: Server, name: str) -> dict[str, Any]:
    """The account as the administration API lists it."""
    users = httpx.get(f"{server.url}/api/users", headers=bearer(server, "admin")).json()
    found: dict[str, Any] = next(u for u in users if u["username"] == name)
    return found


def admin_page(browser: Any, server: Server) -> Any:
    """The administrator on /admin, signed in through the login page."""
    page = new_page(browser)
    sign_in(page, server, "admin", "/admin")
    page.wait_for_selector("body[data-ready=true]")
    return page


def change(page: Any, name: str, button: str, reason: str) -> str:
    """Open one of the account's forms, give the reason and submit; returns the form's selector."""
    row = f"#users tbody tr[data-user='{name}']"
    page.click(f"{row} .{button}")
    editor = f"{row} + tr.account-editor"
    page.fill(f"{editor} input.reason", reason)
    return editor


def test_a_reset_password_is_replaced_at_sign_in_before_anything_else(
    server: Server, browser: Any
) -> None:
    name = new_operator(server, ["cam-street"])
    admin = admin_page(browser, server)
    editor = change(admin, name, "reset-password", "forgot it (ticket 12)")
    admin.click(f"{editor} button.save")
    temporary = admin.wait_for_selector(f"{editor} .temporary-password").inner_text()
    admin.wait_for_selector(f"#users tr[data-user='{name}'] .awaiting-password")
    admin.locator("#users-section").screenshot(path=str(ARTIFACTS / "admin-password-reset.png"))
    assert account(server, name)["must_change_password"] is True

    page = new_page(browser)
    page.goto(f"{server.url}/console")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#username", name)
    page.fill("#password", temporary)
    page.press("#password", "Enter")
    page.wait_for_selector("#new-password:not([hidden])")
    assert page.is_hidden("#login")
    # Meanwhile no session is open: every API call is refused.
    assert page.evaluate("fetch('/api/cameras').then(r => r.status)") == 401
    page.screenshot(path=str(ARTIFACTS / "login-new-password.png"))
    page.fill("#new-password-1", NEW_PASSWORD)
    page.fill("#new-password-2", NEW_PASSWORD + "x")
    page.click("#new-password-submit")
    differ = catalogue().text("fr", "login.new_password.differ") or ""
    error = page.wait_for_selector("#new-password-submit + .error-message")
    assert error.inner_text().lower() == differ.lower()
    page.fill("#new-password-1", "azerty123456")
    page.fill("#new-password-2", "azerty123456")
    page.click("#new-password-submit")
    page.wait_for_function(
        "() => document.querySelector('#new-password-submit + .error-message')"
        ".textContent.includes('mots de passe les plus courants')"
    )
    page.fill("#new-password-1", NEW_PASSWORD)
    page.fill("#new-password-2", NEW_PASSWORD)
    page.click("#new-password-submit")
    page.wait_for_url(f"{server.url}/console")
    page.wait_for_selector(VIDEO)
    assert account(server, name)["must_change_password"] is False
    again = httpx.post(
        f"{server.url}/api/auth/login", json={"username": name, "password": NEW_PASSWORD}
    )
    assert again.status_code == 200, again.text
    page.context.close()
    admin.context.close()


def test_a_role_changed_on_the_admin_page_ends_the_users_console_and_video(
    server: Server, browser: Any
) -> None:
    name = new_operator(server, ["cam-street"])
    console = new_page(browser)
    sign_in(console, server, name)
    console.wait_for_function(
        f"() => document.querySelector(\"{VIDEO}\")?.dataset.state === 'playing'"
    )
    admin = admin_page(browser, server)
    editor = change(admin, name, "change-role", "moved to the crisis cell")
    admin.select_option(f"{editor} select.role", "crisis")
    admin.locator(f"{editor}").screenshot(path=str(ARTIFACTS / "admin-role-change.png"))
    admin.click(f"{editor} button.save")
    admin.wait_for_selector(f"#users tr[data-user='{name}'] + tr.account-editor", state="detached")
    # The session opened as an operator is over: the console goes back to sign-in.
    console.wait_for_url(re.compile(r"/login\?next="), timeout=30_000)
    officer = bearer(server, "privacy_officer")
    deadline = time.monotonic() + 20
    reasons: list[str] = []
    while time.monotonic() < deadline and not reasons:
        found = httpx.get(
            f"{server.url}/api/audit/access",
            params={"user": name, "action": "video.live_end"},
            headers=officer,
        ).json()["items"]
        reasons = [json.dumps(e["details"]) for e in found]
        time.sleep(0.5)
    assert reasons and all("role changed to crisis" in r for r in reasons), reasons
    assert account(server, name)["role"] == "crisis"
    changed = httpx.get(
        f"{server.url}/api/audit/access",
        params={"action": "admin.role_changed", "user": "admin"},
        headers=officer,
    ).json()["items"]
    assert any(e["reason"] == "moved to the crisis cell" for e in changed)
    console.context.close()
    admin.context.close()


def test_each_camera_grant_keeps_its_own_expiry_on_the_admin_page(
    server: Server, browser: Any
) -> None:
    name = new_operator(server, ["cam-street"])
    admin = admin_page(browser, server)
    row = f"#users tbody tr[data-user='{name}']"

    def save_grants(reason: str, **dates: str) -> None:
        editor = change(admin, name, "edit-grants", reason)
        for camera, day in dates.items():
            item = f"{editor} li[data-camera='{camera.replace('_', '-')}']"
            admin.check(f"{item} input.granted")
            admin.fill(f"{item} input.expires", day)
        if len(dates) == 2:
            admin.locator(editor).screenshot(path=str(ARTIFACTS / "admin-grant-expiries.png"))
        admin.click(f"{editor} button.save")
        admin.wait_for_selector(f"{row} + tr.account-editor", state="detached")

    save_grants("night shift", cam_street="2098-06-30", cam_plaza="2099-12-31")
    save_grants("plaza extended", cam_plaza="2100-01-31")
    grants = {g["camera_id"]: g["expires_at"] for g in account(server, name)["grants"]}
    days = {
        c: datetime.fromisoformat(e).astimezone(UTC).date().isoformat() for c, e in grants.items()
    }
    # The last day runs to its end on the site's clock (Paris: 22:59:59 or 21:59:59 UTC).
    assert days == {"cam-street": "2098-06-30", "cam-plaza": "2100-01-31"}
    assert "2098" in admin.inner_text(f"{row} .grant[data-camera='cam-street']")
    admin.context.close()
