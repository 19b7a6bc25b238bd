"""The pages speak the site's language and write times on the site's clock, whatever the
browser's own language and time zone (headless Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import SITE, TIMEOUT_MS, seed_accounts, served

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app (a French site in Europe/Paris) on a real port."""
    folder = tmp_path_factory.mktemp("i18n-pages")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        yield base


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A browser in New York speaking American English: nothing of it may show on the pages."""
    context = browser.new_context(locale="en-US", timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


CLOCK = """async () => {
  const m = await import("/static/common/i18n.js");
  return {
    winter: m.formatDateTime("2026-12-07T21:04:05Z"),
    seconds: m.formatTime("2026-12-07T21:04:05Z", { seconds: true }),
    input: m.toSiteInput("2026-07-14T21:04:00Z"),
    back: m.fromSiteInput("2026-07-14T23:04").toISOString(),
    afterChange: m.fromSiteInput("2026-03-29T03:30").toISOString(),
    plural: [m.t("common.none"), m.t("no.such.key")],
  };
}"""


def test_the_sign_in_page_speaks_french_and_the_clock_is_paris(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    assert page.locator("#submit").inner_text() == "Se connecter"
    assert page.title() == "csu — connexion"
    assert page.evaluate("document.documentElement.lang") == "fr"
    clock = page.evaluate(CLOCK)
    assert clock["winter"] == "07/12/2026 22:04"
    assert clock["seconds"] == "22:04:05"
    assert clock["input"] == "2026-07-14T23:04"
    assert clock["back"] == "2026-07-14T21:04:00.000Z"
    # 03:30 on the morning clocks go forward in Paris is 01:30 UTC.
    assert clock["afterChange"] == "2026-03-29T01:30:00.000Z"
    assert clock["plural"] == ["Aucun", "no.such.key"]


def test_a_user_switches_to_english_and_it_stays(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.select_option("select.language-switch", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#submit").inner_text() == "Sign in"
    page.goto(f"{base_url}/login")
    assert page.locator("#submit").inner_text() == "Sign in"
