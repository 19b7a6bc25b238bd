"""After sign-in the login page follows `next` only to this site (headless Chromium)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import PASSWORD, SITE, TIMEOUT_MS, seed_accounts, served

pytestmark = pytest.mark.slow

# As they appear in a link's query string.
OFF_SITE = [
    "/%5Cevil.example/phish",
    "/%09/evil.example/phish",
    "/%0A/evil.example/phish",
    "//evil.example/phish",
    "https://evil.example/phish",
    "javascript:alert(1)",
    "/login?next=//evil.example",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a real port, with one account per role."""
    folder = tmp_path_factory.mktemp("login-redirect")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        yield base


def _sign_in_with_next(browser: Any, base_url: str, raw_next: str) -> str:
    context = browser.new_context()
    # Any request that leaves the test server lands on a page of "evil.example"'s own.
    context.route(
        re.compile(r"^(?!" + re.escape(base_url) + r")"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="phished"),
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/login?next={raw_next}")
    page.fill("#username", "operator")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(lambda url: not url.startswith(f"{base_url}/login"), wait_until="commit")
    landed: str = page.url
    context.close()
    return landed


@pytest.mark.parametrize("raw_next", OFF_SITE)
def test_next_off_site_lands_on_the_role_home(browser: Any, base_url: str, raw_next: str) -> None:
    """Backslash, tab and newline tricks, other origins and schemes: the operator's console."""
    assert _sign_in_with_next(browser, base_url, raw_next) == f"{base_url}/console"


def test_next_on_this_site_is_followed(browser: Any, base_url: str) -> None:
    """A page of this site, with its query, is where the sign-in goes on to."""
    landed = _sign_in_with_next(browser, base_url, "/audit%3Fsince%3D2026-11-01")
    assert landed == f"{base_url}/audit?since=2026-11-01"
