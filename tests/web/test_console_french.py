"""The operator console of a French site, in a browser set to American English in New York: every
text is French (no catalogue key, none of the console's old English), and every time shown, the
playback range's inputs included, is on Paris's clock (headless Chromium)."""

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
from tests.web.conftest import ARTIFACTS, PASSWORD, SITE, TIMEOUT_MS, seed_accounts, served
from tests.web.test_alarms_api import csu_alarm

pytestmark = pytest.mark.slow

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
AREAS = "|".join(sorted(path.stem for path in (FOLDER / "fr").glob("*.json")))
KEY = re.compile(rf"\b(?:{AREAS})\.[a-z0-9_]+(?:\.[a-z0-9_]+)*")
# What the console said before it spoke French (each would show only if a text escaped).
ENGLISH = [
    "Operator console", "Sign out", "Queue", "to select", "to acknowledge", "No open incident",
    "Cameras", "All cameras", "Recordings", "Select an incident", "Acknowledge (a)",
    "Escalate (e)", "Push to wall", "Show cameras", "Procedure", "No procedure", "Notes",
    "Add note", "Timeline", "opened", "assigned to", "escalated", "new", "alarms",
    "Close (Esc)", "From", "Show recordings", "Play…", "asks the reason", "Reading the",
    "recorded", "Nothing recorded", "Evidence export", "Requisition", "Recipient", "Purpose",
    "judicial", "Export as evidence", "Legal hold", "Officer", "Active legal holds",
    "No active hold", "Keyboard", "select an incident", "acknowledge the selected", "escalate it",
    "write a note", "change its status", "procedure step", "enlarge", "push the incident",
    "the map", "recordings of the focused", "on a dome's video", "latest clip", "dismiss it",
    "this help", "reason dialog", "The queue lists", "Ctrl+Enter",
]  # fmt: skip
AM_PM = re.compile(r"\b\d{1,2}:\d\d(:\d\d)?\s?[AP]M\b")


@dataclass
class Site:
    """The app on a real port and the incident opened at a known moment."""

    url: str
    incident: int
    opened_at: datetime


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A French site in Paris (the test site's default language) with one incident."""
    folder = tmp_path_factory.mktemp("console-french")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        login = httpx.post(
            f"{base}/api/auth/login", json={"username": "operator", "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        opened_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=7)
        alarm = csu_alarm("FR-CONSOLE-1", occurred_at=opened_at.isoformat())
        posted = httpx.post(f"{base}/api/alarms", json=alarm, headers=headers)
        assert posted.status_code == 201, posted.text
        yield Site(base, posted.json()["alarms"][0]["incident_id"], opened_at)


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """The console, signed in as a supervisor (who sees the evidence tools too), in New York."""
    context = browser.new_context(
        locale="en-US", timezone_id="America/New_York", viewport={"width": 1600, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{site.url}/login?next=/console")
    page.fill("#username", "supervisor")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{site.url}/console")
    yield page
    context.close()


def visible_text(page: Any) -> str:
    """What a person reads now: the page's text and its controls' titles, labels and hints."""
    labels = page.evaluate(
        "[...document.querySelectorAll('[title], [aria-label], [placeholder]')]"
        ".filter(n => n.closest('dialog') === null || n.closest('dialog').open)"
        ".flatMap(n => ['title', 'aria-label', 'placeholder'].map(a => n.getAttribute(a)))"
        ".filter(Boolean).join('\\n')"
    )
    return f"{page.evaluate('document.body.innerText')}\n{labels}\n{page.title()}"


def english_in(text: str) -> list[str]:
    """The lines of `text` that hold one of the old English texts, as whole words."""
    found = re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in ENGLISH))
    return [line for line in text.splitlines() if found.search(line)]


def test_the_console_of_a_french_site_speaks_french_on_pariss_clock(page: Any, site: Site) -> None:
    item = f"#queue li[data-id='{site.incident}']"
    page.click(item)
    page.wait_for_selector(f"#incident[data-incident='{site.incident}'] .facts")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator("#top select.language-switch").count() == 1
    # Opened 7 minutes ago: Paris's clock, never New York's.
    shown = f"{site.opened_at.astimezone(PARIS):%H:%M:%S}"
    assert shown in page.inner_text(item)
    facts = page.inner_text("#incident .facts")
    assert shown in facts and f"{site.opened_at.astimezone(NEW_YORK):%H:%M}" not in facts
    assert "Départ d'éclairage en défaut" in facts  # the alarm type's French label
    texts = [visible_text(page)]
    page.screenshot(path=str(ARTIFACTS / "console-french.png"))

    page.focus("#grid .cam[data-camera='cam-street']")
    page.keyboard.press("p")
    page.wait_for_selector("#playback[open] .summary:not(:empty)")
    page.wait_for_function(
        "() => !document.querySelector('#playback .summary').textContent.endsWith('…')"
    )
    end = page.input_value("#playback [data-control=playback-end]")
    # Chromium drops ":00" seconds from the value: read it either way.
    at = datetime.fromisoformat(end).replace(tzinfo=PARIS)
    assert abs(at - datetime.now(PARIS)) < timedelta(minutes=3), end
    texts.append(visible_text(page))
    page.screenshot(path=str(ARTIFACTS / "console-french-playback.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector("#playback", state="hidden")

    page.keyboard.press("?")
    page.wait_for_selector("#help[open]")
    texts.append(visible_text(page))
    page.keyboard.press("Escape")

    for text in texts:
        assert sorted(set(KEY.findall(text))) == []
        assert english_in(text) == []
        assert not AM_PM.search(text)
