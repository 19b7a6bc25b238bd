"""The Forum's kiosk page in Chromium, signed in as the public_display account: the city's map
with its districts coloured by state, the eight services and the day's figures, in French first
and in English at a touch."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.db import Database
from csu.settings import Settings
from incidents.models import Incident
from tests.web.conftest import ARTIFACTS, seed_accounts, served
from tests.web.test_console_page import api_headers, new_page, sign_in
from tests.web.test_wall_page import Server

pytestmark = pytest.mark.slow

FORUM_SITE = textwrap.dedent(
    """
    site: {name: Angers, timezone: Europe/Paris}
    map:
      streets:
        - name: Boulevard Foch
          points: [[47.4730, -0.5490], [47.4680, -0.5530]]
        - name: Rue Lenepveu
          points: [[47.4705, -0.5560], [47.4712, -0.5530]]
    cameras: []
    """
)


def _incident(kind: str, severity: str, lon: float, lat: float, minutes: int) -> Incident:
    opened = datetime.now(UTC) - timedelta(minutes=minutes)
    return Incident(
        title=f"{kind} at 12 rue Lenepveu",
        type=kind,
        severity=severity,
        opened_at=opened,
        updated_at=opened,
        lon=lon,
        lat=lat,
        assignee="jdupont",
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Angers with a feeder down downtown and a leak at the Lac de Maine, half an hour ago."""
    folder = tmp_path_factory.mktemp("forum-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    db = Database(url)
    with db.session() as s:
        s.add(_incident("lighting.feeder_down", "critical", -0.5536, 47.4712, 30))
        s.add(_incident("water.leak", "medium", -0.5985, 47.4530, 40))
        s.add(_incident("parking.full", "low", -0.5985, 47.4530, 3))  # too recent to show
    db.dispose()
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(FORUM_SITE))
    with served(app) as base:
        yield Server(base)


def test_the_forum_draws_the_city_in_french(browser: Any, server: Server) -> None:
    page = new_page(browser)
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, server, "public_display", then="/forum")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text().startswith("Forum du territoire intelligent")
    page.wait_for_selector("#map svg[data-background=streets]")
    assert page.locator("#map g.district").count() == 12
    centre = page.locator("#map g.district[data-id=centre-ville]")
    assert "sev-alert" in (centre.get_attribute("class") or "")
    lac = page.locator("#map g.district[data-id=lac-de-maine]")
    assert "sev-watch" in (lac.get_attribute("class") or "")
    assert "sev-ok" in (
        page.locator("#map g.district[data-id=doutre]").get_attribute("class") or ""
    )
    services = page.locator("#services li")
    assert services.count() == 8
    assert page.locator("#services li[data-service=lighting]").inner_text().split("\n")[0] == (
        "Éclairage public"
    )
    assert "Alerte" in page.locator("#services li[data-service=lighting]").inner_text()
    assert page.locator("#activity-total").inner_text() == "2 incidents traités"
    assert page.locator("#activity li[data-service=parking] .figure").inner_text() == "0"
    assert "min de décalage" in page.locator("#as-of").inner_text()
    assert "Lenepveu" not in page.locator("#panel").inner_text()
    # A touch on a district shows its own services.
    lac.click()
    page.wait_for_selector("#district-name:text('Lac de Maine')")
    assert "À surveiller" in page.locator("#services li[data-service=water]").inner_text()
    assert page.locator("#remark-form").is_visible()
    assert page.locator("#scenario-player").is_visible()
    page.screenshot(path=str(ARTIFACTS / "forum.png"))

    page.select_option(".language-switch", "en")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#services li[data-service=lighting]:has-text('Street lighting')")
    assert page.locator("#activity-total").inner_text() == "2 incidents handled"
    # Left alone, the kiosk speaks the site's language again for the next visitors.
    page.goto(f"{server.url}/forum?idle=1")
    page.wait_for_selector("#services li[data-service=lighting]:has-text('Street lighting')")
    page.wait_for_selector("#services li[data-service=lighting]:has-text('Éclairage public')")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.context.close()


def test_a_visitor_leaves_a_remark_that_staff_publish(browser: Any, server: Server) -> None:
    """The kiosk's form sends a remark on a district; once a supervisor publishes it, the page
    lists it under that district's name."""
    page = new_page(browser)
    sign_in(page, server, "public_display", then="/forum")
    page.select_option("#remark-place", "doutre")
    page.fill("#remark-text", "Un banc de plus près de la Maine, merci")
    page.click("#remark-send")
    page.wait_for_selector("#remark-done:has-text('Merci')")
    supervisor = api_headers(server, "supervisor")
    pending = httpx.get(f"{server.url}/api/remarks", headers=supervisor).json()
    (remark,) = [r for r in pending if r["text"].startswith("Un banc")]
    published = httpx.post(f"{server.url}/api/remarks/{remark['id']}/publish", headers=supervisor)
    assert published.status_code == 200, published.text
    page.reload()
    page.wait_for_selector("#published li:has-text('Un banc de plus')")
    assert "Doutre" in page.locator("#published li").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "forum-remark.png"))
    page.context.close()
