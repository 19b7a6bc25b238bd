"""Desk layouts through the console (headless Chromium): camera groups from the site file,
a camera dragged onto a tile (kept in the user's account, back after a reload), and tours that
cycle a tile through their cameras."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, PASSWORD, seed_accounts, served
from tests.web.test_console_page import api_headers, new_page, sign_in, wait_for
from tests.web.test_console_preferences import forget_preferences, signed_out, stored
from tests.web.test_map_page import MAP_SITE
from tests.web.test_wall_page import Server

pytestmark = pytest.mark.slow

DESK = textwrap.dedent(
    """
    groups:
      - {id: centre-ville, name: Centre-ville, cameras: [cam-3, cam-1]}
      - {id: gare, name: Gare, cameras: [cam-4, cam-0, cam-2]}
    tours:
      - id: parvis
        name: Parvis
        dwell_s: 2
        steps: [{camera: cam-4}, {camera: cam-5}, {group: centre-ville}]
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The map test's six cameras, in two groups."""
    folder = tmp_path_factory.mktemp("desk-layouts")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    db = Database(url)
    with db.session() as s:
        cameras = [f"cam-{n}" for n in range(5)]  # not cam-5
        identity.create_user(
            s, username="partial", role=Role.OPERATOR, password=PASSWORD, cameras=cameras
        )
    db.dispose()
    app = create_app(
        Settings(data_dir=folder / "var", database_url=url), parse_site(MAP_SITE + DESK)
    )
    with served(app) as base:
        yield Server(base)


@pytest.fixture(autouse=True)
def fresh_accounts(server: Server) -> None:
    """Each test starts from accounts with no layout of their own (the server keeps them)."""
    forget_preferences(server, "operator", "partial")


def tiles(page: Any) -> list[str]:
    """The cameras of the grid's tiles, in order."""
    return [
        str(c) for c in page.eval_on_selector_all("#grid .cam", "n => n.map(c => c.dataset.camera)")
    ]


def test_choosing_a_group_shows_its_cameras(browser: Any, server: Server) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    options = page.eval_on_selector_all("#grid-group option", "n => n.map(o => o.textContent)")
    assert options == ["Choisir un groupe…", "Centre-ville", "Gare"]
    page.select_option("#grid-group", "gare")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 3")
    assert tiles(page) == ["cam-4", "cam-0", "cam-2"]
    assert page.locator("#grid-title").text_content() == "Groupe « Gare »"
    page.wait_for_function(
        "() => [...document.querySelectorAll('#grid .cam video')].every(v => v.readyState >= 2)"
    )
    page.screenshot(path=str(ARTIFACTS / "desk-group.png"))
    page.select_option("#grid-group", "centre-ville")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 2")
    assert tiles(page) == ["cam-3", "cam-1"]
    page.keyboard.press("g")  # every camera again: the chooser no longer names a group
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    assert page.locator("#grid-group").input_value() == ""
    page.context.close()


PLAYING = "(id) => document.querySelector(`#grid .cam[data-camera='${id}'] video`)?.readyState >= 2"


def test_a_camera_dragged_onto_tile_2_takes_it(browser: Any, server: Server) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    assert tiles(page) == ["cam-0", "cam-1", "cam-2", "cam-3"]
    page.locator("#desk-cameras button[data-camera='cam-5']").drag_to(
        page.locator("#grid .cam").nth(1)
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#grid .cam')[1]?.dataset.camera === 'cam-5'"
    )
    assert tiles(page) == ["cam-0", "cam-5", "cam-2", "cam-3"]
    assert page.locator("#grid-title").text_content() == "Disposition du poste"
    page.wait_for_function(PLAYING, arg="cam-5")
    page.screenshot(path=str(ARTIFACTS / "desk-dropped.png"))
    # A camera already on the desk swaps places: never twice on one desk.
    page.locator("#desk-cameras button[data-camera='cam-0']").drag_to(
        page.locator("#grid .cam").nth(3)
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#grid .cam')[3]?.dataset.camera === 'cam-0'"
    )
    assert tiles(page) == ["cam-3", "cam-5", "cam-2", "cam-0"]
    # From the map: its camera dragged onto the third tile.
    page.locator("#map-pane [data-kind='camera'][data-id='cam-4']").drag_to(
        page.locator("#grid .cam").nth(2), force=True
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#grid .cam')[2]?.dataset.camera === 'cam-4'"
    )
    assert tiles(page) == ["cam-3", "cam-5", "cam-4", "cam-0"]
    page.wait_for_function(PLAYING, arg="cam-4")
    page.context.close()


def test_a_dropped_layout_comes_back_after_a_reload_for_its_user(
    browser: Any, server: Server
) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    page.locator("#desk-cameras button[data-camera='cam-5']").drag_to(
        page.locator("#grid .cam").nth(1)
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#grid .cam')[1]?.dataset.camera === 'cam-5'"
    )
    layout = ["cam-0", "cam-5", "cam-2", "cam-3"]
    wait_for(lambda: stored(server, "operator")["desk_layout"] == layout)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_function(
        "() => document.querySelectorAll('#grid .cam')[1]?.dataset.camera === 'cam-5'"
    )
    assert tiles(page) == ["cam-0", "cam-5", "cam-2", "cam-3"]
    assert page.locator("#grid-title").text_content() == "Disposition du poste"
    page.wait_for_function(PLAYING, arg="cam-5")
    page.screenshot(path=str(ARTIFACTS / "desk-layout-restored.png"))

    # Another user of this browser gets their own layout, without the camera they may not see.
    saved = httpx.put(
        f"{server.url}/api/me/preferences",
        json={"desk_layout": ["cam-5", "cam-4", "cam-1"]},
        headers=api_headers(server, "partial"),
    )
    assert saved.status_code == 200, saved.text
    signed_out(page)
    sign_in(page, server, "partial")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 2")
    assert tiles(page) == ["cam-4", "cam-1"]
    assert page.locator("#grid-title").text_content() == "Disposition du poste"
    page.context.close()


def test_the_keyboard_chooses_a_tile_then_a_camera(browser: Any, server: Server) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    page.locator("#grid .cam").nth(1).focus()
    page.keyboard.press("r")
    assert page.locator("#grid .cam").nth(1).get_attribute("class").count("drop-target") == 1
    assert page.evaluate("document.activeElement.dataset.camera") == "cam-0"  # the strip's first
    for _ in range(4):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.camera") == "cam-4"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('#grid .cam')[1]?.dataset.camera === 'cam-4'"
    )
    assert tiles(page) == ["cam-0", "cam-4", "cam-2", "cam-3"]
    assert page.evaluate("document.activeElement.dataset.camera") == "cam-4"  # the tile, focused
    assert page.locator("#desk-status").text_content() == "Caméra du square 4 sur la tuile 2"
    page.wait_for_function(PLAYING, arg="cam-4")
    page.context.close()


# Tile 2's camera each time it changes, with the page's clock, for `seconds`.
WATCH = """(seconds) => new Promise((done) => {
  const seen = [];
  const look = () => {
    const id = document.querySelectorAll('#grid .cam')[1]?.dataset.camera;
    if (!seen.length || seen[seen.length - 1].id !== id) seen.push({ id, at: performance.now() });
  };
  look();
  const timer = setInterval(look, 50);
  setTimeout(() => { clearInterval(timer); done(seen); }, seconds * 1000);
})"""


def start_tour_on_tile_2(page: Any) -> None:
    """Focus the second tile (the tile a tour runs on), then choose the tour 'Parvis'."""
    page.wait_for_function("() => document.querySelectorAll('#grid .cam').length === 4")
    page.wait_for_selector("#tour-choose option[value=parvis]", state="attached")
    page.locator("#grid .cam").nth(1).focus()
    page.select_option("#tour-choose", "parvis")


def test_a_tour_cycles_its_cameras_on_one_tile(browser: Any, server: Server) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    start_tour_on_tile_2(page)
    page.wait_for_function(PLAYING, arg="cam-4")
    page.screenshot(path=str(ARTIFACTS / "desk-tour.png"))
    seen = page.evaluate(WATCH, 6.5)
    # cam-3 is on tile 4 already: skipped rather than swapped, so the other tiles never move.
    ids = [s["id"] for s in seen]
    assert ids[:3] in (["cam-4", "cam-5", "cam-1"], ["cam-5", "cam-1", "cam-4"]), ids
    # The first entry is when the watch began, not a change.
    dwell = [(b["at"] - a["at"]) / 1000 for a, b in itertools.pairwise(seen[1:])]
    assert dwell and all(1.8 < d < 2.6 for d in dwell), dwell
    assert [tiles(page)[k] for k in (0, 2, 3)] == ["cam-0", "cam-2", "cam-3"]
    assert page.locator("#grid .cam[data-tour=parvis] .tour-badge").text_content() == (
        "Séquence « Parvis »"
    )
    page.click("#tour-stop")
    stopped_on = tiles(page)[1]
    assert page.locator("#grid .cam[data-tour]").count() == 0
    assert [s["id"] for s in page.evaluate(WATCH, 2.5)] == [stopped_on]
    assert page.locator("#tour-stop").is_hidden()
    page.context.close()


def test_a_tour_never_shows_a_camera_the_user_may_not_see(browser: Any, server: Server) -> None:
    page = new_page(browser)
    sign_in(page, server, "partial")
    start_tour_on_tile_2(page)
    seen = [s["id"] for s in page.evaluate(WATCH, 5.5)]
    assert "cam-5" not in seen and len(seen) >= 3, seen
    assert set(seen) <= {"cam-4", "cam-1"}, seen
    page.select_option("#grid-size", "1")  # tile 2 is gone: the tour ends rather than hide
    page.wait_for_selector("#tour-stop", state="hidden")
    assert page.locator("#tour-choose").input_value() == ""
    page.context.close()
