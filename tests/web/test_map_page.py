"""The console's map as people use it (headless Chromium): streets with their names, labels that
never overlap, cameras and incidents reachable by keyboard, zoom and pan kept on the site, and an
alert from far away listed beside the map instead of zooming it out to the world."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, seed_accounts, served
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_console_page import api_headers, new_page, sign_in
from tests.web.test_wall_page import Server

pytestmark = pytest.mark.slow

# Six cameras within some 40 m: their names cannot all sit beside their dots.
CAMERAS = "\n".join(
    f"""  - id: cam-{n}
    name: Caméra du square {n}
    source: demo://{"street" if n % 2 else "plaza"}
    location: {{lat: {47.4710 + 0.00006 * n}, lon: {-0.5530 + 0.00005 * n}}}
    view: {{bearing_deg: {60 * n}, fov_deg: 60, range_m: 30}}
    recording: {{mode: "off"}}"""
    for n in range(6)
)
MAP_SITE = (
    textwrap.dedent(
        """
    site: {name: Angers, timezone: Europe/Paris}
    map:
      streets:
        - name: Rue Lenepveu
          points: [[47.4705, -0.5560], [47.4712, -0.5530], [47.4722, -0.5500]]
        - name: Boulevard Foch
          points: [[47.4730, -0.5490], [47.4700, -0.5510]]
    cameras:
    """
    )
    + CAMERAS
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A site of six close cameras and two streets."""
    folder = tmp_path_factory.mktemp("map-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(MAP_SITE))
    with served(app) as base:
        yield Server(base)


OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('#map-pane svg g[data-kind] text')]
    .map((t) => t.getBoundingClientRect());
  let clashes = 0;
  for (let i = 0; i < boxes.length; i += 1) for (let j = i + 1; j < boxes.length; j += 1) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) clashes += 1;
  }
  return { labels: boxes.length, clashes };
}"""


def scale(page: Any) -> float:
    """The map's current scale (pixels per world unit)."""
    return float(page.locator("#map-pane svg").get_attribute("data-scale"))


def test_the_map_reads_and_moves_as_people_expect(browser: Any, server: Server) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_selector("#map-pane svg[data-background=streets]")  # once the site's map is read
    assert page.locator(".map-street-name", has_text="Rue Lenepveu").count() == 1
    page.wait_for_selector("#map-pane g[data-kind=camera]")
    assert page.locator("#map-pane g[data-kind=camera]").count() == 6
    labels = page.evaluate(OVERLAPS)
    assert labels["clashes"] == 0 and 1 <= labels["labels"] < 6, labels
    hidden = page.locator("#map-pane g.label-hidden title").first.text_content()
    assert hidden and hidden.startswith("Caméra du square")  # its name is still its tooltip

    site_scale = scale(page)
    headers = api_headers(server)
    near = csu_alarm("MAP-NEAR", location={"type": "Point", "coordinates": [-0.5528, 47.4712]})
    far = csu_alarm(
        "MAP-FAR", type="weather.alert", location={"type": "Point", "coordinates": [-73.57, 45.50]}
    )
    for alarm in (near, far):
        answer = httpx.post(f"{server.url}/api/alarms", json=alarm, headers=headers)
        assert answer.status_code == 201, answer.text
    near_id = httpx.get(f"{server.url}/api/incidents", headers=headers).json()
    ids = {i["lon"] < -1: i["id"] for i in near_id}
    page.wait_for_selector(f"#map-pane g[data-kind=incident][data-id='{ids[False]}']")
    page.wait_for_selector(f".map-outside button[data-id='{ids[True]}']")
    assert page.locator(f"#map-pane svg g[data-id='{ids[True]}']").count() == 0
    assert scale(page) == pytest.approx(site_scale)  # the far alert did not zoom the map out
    page.screenshot(path=str(ARTIFACTS / "console-map.png"))

    # Keyboard: zoom in, pan, and back to the whole site; the view stays on the site's area.
    page.focus("#map-pane .map-surface")
    page.keyboard.press("+")
    assert scale(page) == pytest.approx(site_scale * 1.5)
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    right = page.locator(f"#map-pane g[data-kind=incident][data-id='{ids[False]}']").count()
    page.keyboard.press("0")
    assert scale(page) == pytest.approx(site_scale)
    assert right in (0, 1)

    # A camera and an incident chosen with Tab and Enter, as with a click.
    camera = page.locator("#map-pane g[data-kind=camera][data-id='cam-3']")
    camera.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#grid .cam[data-camera='cam-3']")
    marker = page.locator(f"#map-pane g[data-kind=incident][data-id='{ids[False]}']")
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#queue li[data-id='{ids[False]}'][aria-selected=true]")
    page.locator(f".map-outside button[data-id='{ids[True]}']").click()
    page.wait_for_selector(f"#queue li[data-id='{ids[True]}'][aria-selected=true]")
    page.context.close()
