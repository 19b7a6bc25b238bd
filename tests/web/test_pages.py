"""The pages and their assets: one static mount, the sign-in page, the site's map settings."""

from __future__ import annotations

import textwrap

from fastapi.testclient import TestClient

from csu.config import parse_site
from tests.web.conftest import SITE, login


def test_the_front_page_sends_users_to_sign_in(client: TestClient) -> None:
    """/ goes to /login, which serves the sign-in form and its module."""
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == "/login"
    page = client.get("/login")
    assert page.status_code == 200
    assert '<form id="login"' in page.text
    assert '<script type="module" src="/static/login/login.js">' in page.text


def test_every_asset_comes_from_the_static_mount(client: TestClient) -> None:
    """Shared modules and page assets are served as JavaScript and CSS; unknown files are 404."""
    for name in ("api.js", "banner.js", "ws.js", "whep.js", "map.js", "dom.js"):
        answer = client.get(f"/static/common/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-type"].startswith("text/javascript"), name
        assert "export " in answer.text
    css = client.get("/static/wall/wall.css")
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/static/common/nothing.js").status_code == 404
    assert client.get("/static/../pages.py").status_code == 404


def test_the_map_settings_need_a_session_and_default_to_offline(client: TestClient) -> None:
    """No tile server unless the site names one; anonymous callers get 401."""
    assert client.get("/api/site/map").status_code == 401
    answer = client.get("/api/site/map", headers=login(client, "operator"))
    assert answer.status_code == 200
    assert answer.json() == {"tile_url": None, "attribution": None, "streets": []}


def test_a_site_may_name_its_own_tile_server_and_streets() -> None:
    """The map section validates the tile URL and the street points."""
    extra = textwrap.dedent(
        """
        map:
          tile_url: "https://tiles.city.example/{z}/{x}/{y}.png"
          streets:
            - {name: Rue Lenepveu, points: [[47.4722, -0.5530], [47.4723, -0.5520]]}
        """
    )
    site = parse_site(SITE + extra)
    assert site.map.tile_url == "https://tiles.city.example/{z}/{x}/{y}.png"
    assert site.map.streets[0].points[1] == (47.4723, -0.552)
