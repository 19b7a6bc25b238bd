"""In Chromium: a signed-out reader of a camera's sign is sent to sign in and brought back to the
printable sheet (French, the camera pictogram drawn inline, one A4 page when printed); on /admin
an administrator enters an agent's data-protection training day and the row shows it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, SITE, seed_accounts, served
from tests.web.test_account_pages import account
from tests.web.test_console_page import new_page, sign_in
from tests.web.test_signage_api import SITE_SECTION
from tests.web.test_wall_page import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The test site, with its controller and DPO, under uvicorn."""
    folder = tmp_path_factory.mktemp("signage-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    site = parse_site(
        SITE.replace("site: {name: Testville, timezone: Europe/Paris}\n", SITE_SECTION).replace(
            "    name: Street\n", "    name: Street\n    authorisation: Arrêté n° 2026-7\n"
        )
    )
    app = create_app(Settings(data_dir=folder / "var", database_url=url), site)
    with served(app) as base:
        yield Server(base)


def test_the_sign_opens_after_sign_in_in_french_with_its_pictogram(
    server: Server, browser: Any
) -> None:
    page = new_page(browser)
    page.goto(f"{server.url}/signage/cam-street")
    page.wait_for_url(f"{server.url}/login?next=/signage/cam-street")
    page.fill("#username", "operator")
    page.fill("#password", "test-password-1")
    page.press("#password", "Enter")
    page.wait_for_url(f"{server.url}/signage/cam-street")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("h1") == "Espace placé sous vidéoprotection"
    pictogram = page.locator("header svg.pictogram")
    assert pictogram.count() == 1 and pictogram.bounding_box()["width"] > 150
    assert page.locator("svg.pictogram title").text_content() == (
        "Pictogramme : caméra de vidéoprotection"
    )
    text = page.inner_text("main")
    for words in ("Ville de Testville", "dpd@testville.fr", "15 jours", "Arrêté n° 2026-7"):
        assert words in text
    # The style sheet applied (CSP lets no inline style through): the sheet is A4 wide.
    width = page.evaluate("getComputedStyle(document.querySelector('.sheet')).width")
    assert round(float(width.removesuffix("px"))) == 794  # 210 mm at 96 dpi
    page.screenshot(path=str(ARTIFACTS / "signage-sheet.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (ARTIFACTS / "signage-sheet.pdf").write_bytes(pdf)
    # Printed, the sign is one A4 page.
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    page.context.close()


def test_an_administrator_enters_the_training_day(server: Server, browser: Any) -> None:
    page = new_page(browser)
    sign_in(page, server, "admin", "/admin")
    row = "#users tbody tr[data-user='street-only']"
    assert page.inner_text(f"{row} .training") == "formation RGPD non renseignée"
    page.click(f"{row} .edit-training")
    editor = f"{row} + tr.account-editor"
    page.fill(f"{editor} input.training-date", "2026-03-12")
    page.fill(f"{editor} input.reason", "attestation du 12/03 (ticket 88)")
    page.click(f"{editor} button.save")
    page.wait_for_selector(f"{row} .training:not(.untrained)")
    assert page.inner_text(f"{row} .training") == "formé(e) le 12/03/2026"
    assert account(server, "street-only")["training_date"] == "2026-03-12"
    granted = page.get_attribute(f"{row} .grant[data-camera='cam-street']", "title")
    assert granted is not None and granted.startswith("accordée le ")
    page.locator("#users-section").screenshot(path=str(ARTIFACTS / "admin-training.png"))
    page.context.close()


def test_an_administrator_opens_a_cameras_sign_from_the_registry(
    server: Server, browser: Any
) -> None:
    page = new_page(browser)
    sign_in(page, server, "admin", "/admin")
    link = page.locator("#camera-registry tr[data-camera=cam-street] a.signage-link")
    link.wait_for()
    assert link.inner_text() == "Panneau d'information"
    with page.context.expect_page() as opened:
        link.click()
    sheet = opened.value
    sheet.wait_for_url(f"{server.url}/signage/cam-street")
    assert sheet.inner_text("h1") == "Espace placé sous vidéoprotection"
    assert "Arrêté n° 2026-7" in sheet.inner_text("main")
    page.context.close()
