"""GET /api/site/desk: the site's camera groups, each within the reader's cameras."""

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


def test_a_group_holds_only_the_readers_cameras(client: TestClient) -> None:
    answer = client.get("/api/site/desk", headers=login(client, "street-only"))
    assert answer.status_code == 200, answer.text
    # 'Place' holds no camera this operator may see: not offered at all.
    assert answer.json()["groups"] == [
        {"id": "centre-ville", "name": "Centre-ville", "cameras": ["cam-street"]}
    ]
    assert "cam-plaza" not in answer.text


def test_the_desk_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/api/site/desk").status_code == 401
