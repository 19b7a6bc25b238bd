"""A tour tile's schedule: the camera on at any moment follows from its start and dwell alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crisis.layouts import Layout, Situation, Tile, TileKind, arrange
from crisis.tours import stamp_tours, tour_step, wall_tour, wall_tours
from csu.config.desk import TourConfig, TourStepConfig

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
CAMERAS = ("a", "b", "c", "d")


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def everyone(_camera: str) -> bool:
    return True


def test_each_camera_takes_its_dwell_in_turn_and_the_tour_wraps_around() -> None:
    """Dwell 10 s: a at 0-9.9 s, b at 10 s, ... d at 30 s, a again at 40 s and at 80 s."""
    steps = [tour_step(CAMERAS, START, 10, at(s), everyone) for s in (0, 9.9, 10, 25, 39, 40, 85)]
    assert steps == [0, 0, 1, 2, 3, 0, 0]


def test_a_moment_before_the_start_shows_the_first_camera() -> None:
    """A display whose clock runs a little behind the server's shows the first camera."""
    assert tour_step(CAMERAS, START, 10, at(-3), everyone) == 0


def test_a_camera_offline_at_its_turn_is_skipped_for_the_next() -> None:
    """b is offline: its turn goes to c; at d's turn d; with every camera offline, none."""
    online = {"a", "c", "d"}.__contains__
    assert [tour_step(CAMERAS, START, 10, at(s), online) for s in (5, 15, 25, 35)] == [0, 2, 2, 3]
    # The last camera's skipped turn wraps around to the first.
    assert tour_step(CAMERAS, START, 10, at(35), {"a", "b"}.__contains__) == 0
    assert tour_step(CAMERAS, START, 10, at(15), lambda _c: False) is None
    assert tour_step((), START, 10, at(15), everyone) is None


def test_groups_are_expanded_in_place_and_cameras_out_of_force_left_out() -> None:
    """Steps: group centre (x, y), camera z, group gare (w): retired y is not in the tour."""
    tour = TourConfig(
        id="ronde",
        name="Ronde",
        dwell_s=5,
        steps=(
            TourStepConfig(group="centre"),
            TourStepConfig(camera="z"),
            TourStepConfig(group="gare"),
        ),
    )
    groups = {"centre": ("x", "y"), "gare": ("w",)}
    shown = wall_tour(tour, groups, in_force={"x", "z", "w"})
    assert (shown.name, shown.dwell_s, shown.cameras) == ("Ronde", 5, ("x", "z", "w"))
    assert shown.seen_by({"x", "w"}.__contains__).cameras == ("x", "w")
    layout = Layout(cols=2, rows=1, tiles=(Tile(x=0, y=0, kind=TileKind.TOUR, tour_id="ronde"),))
    assert wall_tours(layout, {"ronde": tour}, groups, {"x", "z", "w"}) == {"ronde": shown}
    assert wall_tours(layout, {}, groups, {"x"}) == {}


def test_a_tour_keeps_its_start_while_it_runs_on_the_same_tile() -> None:
    """Set anew on its own tile it runs on; on another tile, or another tour, it starts now."""
    running = Tile(x=0, y=0, kind=TileKind.TOUR, tour_id="t1", tour_started_at=START)
    before = Layout(cols=2, rows=1, tiles=(running, Tile(x=1, y=0)))
    now = at(100)
    again = Layout(
        cols=2,
        rows=1,
        tiles=(
            Tile(x=0, y=0, kind=TileKind.TOUR, tour_id="t1"),
            Tile(x=1, y=0, kind=TileKind.TOUR, tour_id="t1"),
        ),
    )
    stamped = stamp_tours(again, before, now)
    assert [t.tour_started_at for t in stamped.tiles] == [START, now]
    other = Layout(cols=2, rows=1, tiles=(Tile(x=0, y=0, kind=TileKind.TOUR, tour_id="t2"),))
    assert stamp_tours(other, before, now).tiles[0].tour_started_at == now
    # A tile that is no tour carries no start.
    plain = Layout(
        cols=2, rows=1, tiles=(Tile(x=0, y=0, kind=TileKind.MAP, tour_started_at=START),)
    )
    assert stamp_tours(plain, before, now).tiles[0].tour_started_at is None


def test_the_engine_never_refills_a_tour_tile() -> None:
    """A free wall fills around a tour tile and leaves it as it is."""
    tour = Tile(x=0, y=0, kind=TileKind.TOUR, tour_id="t1", tour_started_at=START)
    layout = Layout(cols=2, rows=1, tiles=(tour, Tile(x=1, y=0)))
    situation = Situation(incidents=(), status={"a": "online", "b": "online"}, cameras=("a", "b"))
    filled = arrange(layout, situation)
    assert filled.tiles[0] == tour
    assert (filled.tiles[1].kind, filled.tiles[1].camera_id) == (TileKind.CAMERA, "a")
