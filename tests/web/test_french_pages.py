"""A French site's wall, administration and audit pages, each opened by its role in a browser
set to American English in New York: every text is French (no catalogue key, none of the pages'
old English), and every time is a Paris time (headless Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.i18n.catalogue import FOLDER
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, PASSWORD, TIMEOUT_MS, seed_accounts, served
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_walls import WALL_SITE

pytestmark = pytest.mark.slow

PARIS = ZoneInfo("Europe/Paris")
# A key as docs/i18n.md names them: its area (a catalogue file), a dot, then words.
AREAS = "|".join(sorted(path.stem for path in (FOLDER / "fr").glob("*.json")))
KEY = re.compile(rf"\b(?:{AREAS})\.[a-z0-9_]+(?:\.[a-z0-9_]+)*")
# What the pages said before they spoke French (each would show only if a text escaped).
ENGLISH = {
    "/wall/crisis-room": [
        "Incident timeline",
        "Crisis:",
        "Alarms (",
        "Nothing to show",
        "No crisis open",
        "Cannot show this panel",
        "may not see",
    ],
    "/admin": [
        "Sign out",
        "Cameras",
        "Privacy zones",
        "Refresh snapshot",
        "Close polygon",
        "Undo point",
        "Save zones",
        "Users and authorisations",
        "New account",
        "Create account",
        "Username",
        "Password",
        "Cluster",
        "Who serves each camera",
        "Last seen",
        "Edit zones",
        "days",
        "Deactivate",
        "all cameras",
        "until",
        "asked by",
        "masked now",
        "Their reason",
        "Expires",
        "Reason for",
        "Withdraw",
        "Refuse",
        "Incident engine",
        "anonymised video",
        "online",
        "no longer be masked",
        "after the change",
    ],
    "/audit": [
        "Sign out",
        "Chain verification",
        "Verify now",
        "Intact",
        "entries",
        "checkpoint",
        "Access log",
        "Search",
        "Newer",
        "Older",
        "Export",
        "Activity summary",
        "Entries",
        "Views",
        "Live time",
        "granted",
        "denied",
        "asked by",
        "masked now",
        "Their reason",
        "Expires",
        "Confirm",
        "Refuse",
        "privacy officer",
        "no longer masked",
        "after the change",
    ],
}
READY = {
    "/wall/crisis-room": (
        "() => ['timeline', 'crisis_log', 'alarms'].every(kind =>"
        " document.querySelector(`#wall .tile[data-kind=${kind}] li time`))"
        " && document.querySelector('#wall .tile[data-kind=map] svg')"
    ),
    "/admin": (
        "() => document.body.dataset.ready === 'true'"
        " && document.querySelector('#cluster-section').dataset.loaded === 'true'"
        " && document.querySelector('#zone-changes article.zone-change')"
    ),
    "/audit": (
        "() => document.body.dataset.ready === 'true'"
        " && document.querySelector('#results tbody tr time')"
        " && document.querySelector('#zone-changes article.zone-change')"
    ),
}
ROLES = {"/wall/crisis-room": "crisis", "/admin": "admin", "/audit": "privacy_officer"}


@dataclass
class Site:
    """The app on a real port, and the moments the pages must show."""

    url: str
    change_at: datetime
    change_expires: datetime


def paris(moment: str | datetime) -> datetime:
    """A moment on the site's clock."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(PARIS)


def bearer(url: str, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Headers of a fresh session."""
    answer = httpx.post(f"{url}/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A French site in Paris with a crisis on its wall, a grant that ends and a pending zone
    change, so that every page has texts and times to show."""
    folder = tmp_path_factory.mktemp("french-pages")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(WALL_SITE))
    with served(app) as base:
        admin, operator = bearer(base, "admin"), bearer(base, "operator")
        for name, role in (("nuit", "operator"), ("admin2", "admin")):
            account = {
                "username": name,
                "role": role,
                "password": "a-long-password-7",
                "cameras": ["cam-plaza"] if role == "operator" else ["*"],
                "expires_at": "2099-12-31T22:59:59Z" if role == "operator" else None,
            }
            created = httpx.post(f"{base}/api/users", json=account, headers=admin)
            assert created.status_code == 201, created.text
        second = bearer(base, "admin2", "a-long-password-7")
        asked = httpx.put(
            f"{base}/api/cameras/cam-street/privacy-zones",
            json={"zones": [], "reason": "façade démolie"},
            headers=second,
        )
        assert asked.status_code == 202, asked.text
        change = asked.json()["change"]
        alarm = httpx.post(f"{base}/api/alarms", json=csu_alarm("FR-1"), headers=operator)
        incident = alarm.json()["alarms"][0]["incident_id"]
        escalated = httpx.post(
            f"{base}/api/incidents/{incident}/actions",
            json={"action": "escalate", "text": "passage inférieur inondé"},
            headers=operator,
        )
        assert escalated.status_code == 200, escalated.text
        pushed = httpx.post(
            f"{base}/api/walls/crisis-room/push",
            json={"x": 0, "y": 0, "kind": "alarms"},
            headers=operator,
        )
        assert pushed.status_code == 200, pushed.text
        yield Site(
            base,
            datetime.fromisoformat(change["requested_at"]),
            datetime.fromisoformat(change["expires_at"]),
        )


def open_page(browser: Any, url: str, path: str) -> Any:
    """The page signed in through the sign-in form by its role, in New York's American English."""
    context = browser.new_context(
        locale="en-US", timezone_id="America/New_York", viewport={"width": 1400, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{url}/login?next={path}")
    page.fill("#username", ROLES[path])
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{url}{path}")
    page.wait_for_function(READY[path])
    return page


def assert_times_are_paris(page: Any) -> None:
    """Every <time> shows its moment on Paris's clock (24 h, dd/mm/yyyy)."""
    times = page.eval_on_selector_all(
        "time[datetime]", "nodes => nodes.map(n => [n.getAttribute('datetime'), n.textContent])"
    )
    for moment, text in times:
        at = paris(moment)
        assert text in {f"{at:%d/%m/%Y %H:%M}", f"{at:%H:%M:%S}", f"{at:%H:%M}"}, (moment, text)


def assert_near_paris_now(text: str) -> None:
    """A dd/mm/yyyy HH:MM (or a HH:MM:SS clock) within a few minutes of Paris's now."""
    now = datetime.now(PARIS)
    if re.fullmatch(r"\d\d:\d\d:\d\d", text):
        seen = datetime.combine(now.date(), datetime.strptime(text, "%H:%M:%S").time(), PARIS)
    else:
        shape = "%d/%m/%Y %H:%M:%S" if text.count(":") == 2 else "%d/%m/%Y %H:%M"
        seen = datetime.strptime(text, shape).replace(tzinfo=PARIS)
    assert abs(seen - now) < timedelta(minutes=3), (text, now)


@pytest.mark.parametrize("path", ["/wall/crisis-room", "/admin", "/audit"])
def test_each_page_of_a_french_site_speaks_french_on_pariss_clock(
    browser: Any, site: Site, path: str
) -> None:
    page = open_page(browser, site.url, path)
    assert page.evaluate("document.documentElement.lang") == "fr"
    text = page.evaluate("document.body.innerText")
    # Access-log actions ("admin.users", "audit.search") are the log's own words, not keys.
    data = set(
        page.eval_on_selector_all("#results td.action", "cells => cells.map(c => c.textContent)")
    )
    assert sorted(set(KEY.findall(text)) - data) == []
    assert [
        words for words in ENGLISH[path] if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text)
    ] == []
    assert not re.search(r"\b\d{1,2}:\d\d(:\d\d)?\s?[AP]M\b", text)
    assert page.locator("select.language-switch").count() == 1
    assert_times_are_paris(page)
    if path == "/wall/crisis-room":
        assert page.locator("#wall time").count() >= 3
        assert_near_paris_now(page.inner_text("#clock"))
    else:
        card = page.inner_text("#zone-changes article.zone-change")
        assert f"demandée par admin2 le {paris(site.change_at):%d/%m/%Y %H:%M}" in card
        assert f"Expire le {paris(site.change_expires):%d/%m/%Y %H:%M}" in card
    if path == "/admin":
        grant = page.inner_text("#users tr[data-user='nuit'] .grant[data-camera='cam-plaza']")
        assert grant == "cam-plaza (jusqu'au 31/12/2099 23:59)"
    if path == "/audit":
        status = page.inner_text("#verify-status")
        for said in (r"vérifiée le (\S+ \S+)", r"signé le (\S+ \S+)"):
            found = re.search(said, status)
            assert found, status
            assert_near_paris_now(found.group(1))
        assert page.locator("#results time").count() > 0
    page.screenshot(
        path=str(ARTIFACTS / f"fr-{path.strip('/').replace('/', '-')}.png"), full_page=True
    )
    page.context.close()


def test_the_audit_reads_its_period_on_pariss_clock(browser: Any, site: Site) -> None:
    """From and Until are Paris times whatever the browser's zone: 23:04 in July is 21:04 UTC."""
    page = open_page(browser, site.url, "/audit")
    page.fill("#f-since", "2026-07-14T23:04")
    page.fill("#f-until", "2026-12-07T22:04")
    with page.expect_request(lambda request: "/api/audit/access?" in request.url) as asked:
        page.click("#search-button")
    query = httpx.URL(asked.value.url).params
    assert query["since"] == "2026-07-14T21:04:00.000Z"
    assert query["until"] == "2026-12-07T21:04:00.000Z"
    assert datetime.fromisoformat(query["until"]) < datetime.now(UTC) + timedelta(days=3650)
    page.context.close()


def test_a_refusal_is_said_in_the_pages_language_not_the_browsers(browser: Any, site: Site) -> None:
    """The server's refusals are worded in the page's language (api() names it), whatever the
    browser's own: French on this French site, English once the user chooses English."""
    context = browser.new_context(locale="en-US", timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{site.url}/login")
    page.fill("#username", "operator")
    page.fill("#password", "not-the-password")
    page.click("#submit")
    refusal = page.wait_for_selector("#submit + .error-message")
    assert refusal.inner_text() == "Identifiant ou mot de passe incorrect"
    page.screenshot(path=str(ARTIFACTS / "fr-login-refused.png"))
    page.evaluate("localStorage.setItem('csu.language', 'en')")
    page.reload()
    page.fill("#username", "operator")
    page.fill("#password", "not-the-password")
    page.click("#submit")
    refusal = page.wait_for_selector("#submit + .error-message")
    assert refusal.inner_text() == "Wrong username or password"
    context.close()
