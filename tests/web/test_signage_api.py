"""A camera's public sign over HTTP: its data as JSON and as a printable sheet, for any signed-in
role and no one else; an unknown camera is a 404 naming it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from csu.identity.roles import Role
from privacy.service import camera_signage
from tests.web.conftest import SITE, login
from web.signage import sheet

SITE_SECTION = """site:
  name: Testville
  controller: {name: Ville de Testville, address: 1 place de la Mairie}
  dpo: {name: DPD de Testville, email: dpd@testville.fr, phone: 01 02 03 04 05}
"""


@pytest.fixture
def site() -> SiteConfig:
    """The test site with a controller and a DPO, and an authorisation for cam-street."""
    text = SITE.replace(
        "site: {name: Testville, timezone: Europe/Paris}\n",
        SITE_SECTION,
    ).replace(
        "    name: Street\n",
        "    name: Street\n    authorisation: Arrêté préfectoral n° 2026-7 du 02/01/2026\n",
    )
    return parse_site(text)


# The Forum's kiosk is refused before any of this (tests/web/test_forum_access.py).
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.PUBLIC_DISPLAY])
def test_every_role_reads_the_sign_with_every_field(client: TestClient, role: Role) -> None:
    response = client.get("/api/cameras/cam-street/signage", headers=login(client, role.value))
    assert response.status_code == 200, response.text
    sign = response.json()
    assert sign["camera_id"] == "cam-street" and sign["camera_name"] == "Street"
    assert sign["language"] == "fr" and sign["pictogram"] == "camera"
    assert sign["controller"]["name"] == "Ville de Testville"
    assert sign["dpo"] == {
        "name": "DPD de Testville",
        "email": "dpd@testville.fr",
        "address": None,
        "phone": "01 02 03 04 05",
    }
    assert sign["retention_days"] == 15
    assert sign["authorisation"] == "Arrêté préfectoral n° 2026-7 du 02/01/2026"
    assert sign["missing"] == [] and sign["analytics"] is None
    texts = sign["texts"]
    assert texts["title"] == "Espace placé sous vidéoprotection"
    assert "15 jours" in texts["retention"] and "dpd@testville.fr" in texts["rights"]
    assert "L251" in texts["legal_basis"] and "CNIL" in texts["complaint"]


def test_a_camera_without_its_order_says_so_and_english_is_asked_for(
    client: TestClient,
) -> None:
    headers = login(client, "street-only")  # no grant on cam-plaza: the sign is public anyway
    sign = client.get("/api/cameras/cam-plaza/signage?lang=en", headers=headers).json()
    assert sign["missing"] == ["authorisation"] and sign["authorisation"] is None
    assert sign["texts"]["title"] == "Area under video protection"
    assert "prefectoral authorisation" in sign["texts"]["missing"]


def test_the_printable_sheet_is_french_html_with_its_pictogram(client: TestClient) -> None:
    headers = login(client, "operator")
    response = client.get("/api/cameras/cam-street/signage?format=html", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="fr">' in page and "<svg" in page and "<img" not in page
    assert "Espace placé sous vidéoprotection" in page and "dpd@testville.fr" in page
    assert "/static/signage/sign.css" in page
    assert client.get("/signage/cam-street", headers=headers).text == page


def test_unknown_camera_is_404_and_signed_out_readers_are_refused(client: TestClient) -> None:
    headers = {**login(client, "operator"), "Accept-Language": "en"}
    response = client.get("/api/cameras/cam-nowhere/signage", headers=headers)
    assert response.status_code == 404
    assert "cam-nowhere" in response.json()["detail"]
    client.cookies.clear()
    assert client.get("/api/cameras/cam-street/signage").status_code == 401
    page = client.get("/signage/cam-street", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/signage/cam-street"


def test_a_sheet_escapes_what_the_site_file_says() -> None:
    # The site file is trusted, but a name is text: it is never read as markup.
    site = parse_site(SITE.replace("name: Street", "name: '<b>Rue</b> & co'"))
    page = sheet(camera_signage(site.cameras[0], site.site, "fr"))
    assert "&lt;b&gt;Rue&lt;/b&gt; &amp; co" in page and "<b>Rue" not in page
