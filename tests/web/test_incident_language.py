"""An incident speaks its site's language: title and checklist are written in it when opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from csu.i18n import Language
from tests.web.conftest import SITE, login

FEEDER = {
    "source": "hypervisor",
    "external_id": "LUM-12",
    "type": "lighting.feeder_down",
    "severity": "high",
    "location": {"type": "Point", "coordinates": [-0.5499, 47.47]},
    "description": "Armoire C-12, 18 points",
}
EXPECTED = {
    "fr": (
        "Départ d'éclairage en défaut : Armoire C-12, 18 points",
        "Relever sur l'hyperviseur la référence de l'armoire et le nombre de points lumineux"
        " éteints.",
        "Noter en main courante le délai de réparation annoncé par le prestataire.",
    ),
    "en": (
        "Lighting feeder down: Armoire C-12, 18 points",
        "Read the cabinet reference and the number of lamps off on the hypervisor.",
        "Log the contractor's expected repair time in the main courante.",
    ),
}


@pytest.fixture(params=["fr", "en"])
def site(request: pytest.FixtureRequest) -> SiteConfig:
    """The tests' site, speaking French (the default) or, with `site.language: en`, English."""
    text = SITE.replace(
        "timezone: Europe/Paris}", f"timezone: Europe/Paris, language: {request.param}}}"
    )
    parsed = parse_site(text)
    assert parsed.site.language == request.param
    return parsed


def test_a_new_incident_is_titled_and_listed_in_the_sites_language(
    client: TestClient, site: SiteConfig
) -> None:
    operator = login(client, "operator")
    language: Language = site.site.language
    body = FEEDER | {"occurred_at": (datetime.now(UTC) - timedelta(seconds=30)).isoformat()}
    posted = client.post("/api/alarms", json=body, headers=operator)
    assert posted.status_code == 201, posted.text
    incident_id = posted.json()["alarms"][0]["incident_id"]
    detail = client.get(f"/api/incidents/{incident_id}", headers=operator).json()
    title, first, last = EXPECTED[language]
    assert detail["title"] == title
    steps = [step["text"] for step in detail["procedure"]]
    assert (steps[0], steps[-1], len(steps)) == (first, last, 5)
