"""GET /api/site/desk: the site's camera groups and tours, each within the reader's cameras."""

from __future__ import annotations

import textwrap

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from tests.web.conftest import SITE, login

GROUPS = textwrap.dedent(
    """
    groups:
      - {id: centre-ville, name: Centre-ville, cameras: [cam-plaza, cam-street]}
      - {id: place, name: Place, cameras: [cam-plaza]}
    tours:
      - {id: nuit, name: Nuit, dwell_s: 4, steps: [{camera: cam-plaza}, {group: centre-ville}]}
      - {id: place, name: Place seule, steps: [{group: place}]}
    """
)


@pytest.fixture
def site() -> SiteConfig:
    """The two test cameras in two groups."""
    return parse_site(SITE + GROUPS)


def test_groups_come_in_the_site_order(client: TestClient) -> None:
    answer = client.get("/api/site/desk", headers=login(client, "operator"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["groups"] == [
        {"id": "centre-ville", "name": "Centre-ville", "cameras": ["cam-plaza", "cam-street"]},
        {"id": "place", "name": "Place", "cameras": ["cam-plaza"]},
    ]
    assert answer.json()["tours"] == [
        {
            "id": "nuit",
            "name": "Nuit",
            "dwell_s": 4,
            "cameras": ["cam-plaza", "cam-plaza", "cam-street"],
        },
        {"id": "place", "name": "Place seule", "dwell_s": 10, "cameras": ["cam-plaza"]},
    ]


def test_a_group_holds_only_the_readers_cameras(client: TestClient) -> None:
    answer = client.get("/api/site/desk", headers=login(client, "street-only"))
    assert answer.status_code == 200, answer.text
    # 'Place' holds no camera this operator may see: not offered at all.
    assert answer.json()["groups"] == [
        {"id": "centre-ville", "name": "Centre-ville", "cameras": ["cam-street"]}
    ]
    # A tour never names a camera this operator may not see; one with none left is not offered.
    assert answer.json()["tours"] == [
        {"id": "nuit", "name": "Nuit", "dwell_s": 4, "cameras": ["cam-street"]}
    ]
    assert "cam-plaza" not in answer.text


def test_the_desk_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/api/site/desk").status_code == 401
