"""The layout engine's promises, checked on generated situations (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from crisis.layouts import (
    CAMERAS_PER_INCIDENT,
    VIEWABLE_STATES,
    IncidentView,
    Layout,
    Situation,
    Tile,
    TileKind,
    arrange,
)
from crisis.templates import TEMPLATES, grid_layout, template_layout
from incidents.alarms.scales import severity_rank

CAMERAS = tuple(f"cam-{n}" for n in range(10))
SEVERITIES = ("informational", "low", "medium", "high", "critical")
STATES = ("online", "online", "degraded", "offline")
# No example database in the checkout; no deadline, as CI machines vary in speed.
engine_settings = settings(database=None, deadline=None)


@st.composite
def incidents(draw: st.DrawFn, first_id: int = 1, max_size: int = 6) -> tuple[IncidentView, ...]:
    """Open incidents with distinct ids, each covered by a few distinct cameras."""
    count = draw(st.integers(0, max_size))
    found = []
    for offset in range(count):
        covering = draw(st.lists(st.sampled_from(CAMERAS), max_size=6, unique=True))
        severity = draw(st.sampled_from(SEVERITIES))
        found.append(IncidentView(first_id + offset, severity, tuple(covering)))
    return tuple(found)


statuses = st.fixed_dictionaries({c: st.sampled_from(STATES) for c in CAMERAS})


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    """Incidents, camera states and the site's cameras."""
    return Situation(draw(incidents()), draw(statuses), CAMERAS)


@st.composite
def layouts(draw: st.DrawFn) -> Layout:
    """A template or a free grid, some tiles pinned with a camera, a panel or nothing."""
    name = draw(st.sampled_from([*TEMPLATES, "grid"]))
    cols, rows = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    layout = template_layout(name, wall_cols=cols, wall_rows=rows)
    tiles = list(layout.tiles)
    for index in range(len(tiles)):
        choice = draw(st.sampled_from(["free", "free", "pin-camera", "pin-panel", "operator"]))
        camera = draw(st.sampled_from(CAMERAS))
        if choice == "pin-camera":
            tiles[index] = tiles[index].model_copy(
                update={"kind": TileKind.CAMERA, "camera_id": camera, "pinned": True, "auto": False}
            )
        elif choice == "pin-panel":
            tiles[index] = tiles[index].model_copy(
                update={"kind": TileKind.MAP, "pinned": True, "auto": False}
            )
        elif choice == "operator":
            tiles[index] = tiles[index].model_copy(
                update={"kind": TileKind.CAMERA, "camera_id": camera, "auto": False}
            )
    return layout.model_copy(update={"tiles": tuple(tiles)})


def viewable(situation: Situation, camera: str | None) -> bool:
    return situation.status.get(camera or "") in VIEWABLE_STATES


def engine_tiles(before: Layout, after: Layout) -> list[Tile]:
    """Tiles the engine was free to fill (camera or empty, not pinned, auto after arranging)."""
    return [
        new
        for old, new in zip(before.tiles, after.tiles, strict=True)
        if not old.pinned and new.auto and new.kind in (TileKind.CAMERA, TileKind.EMPTY)
    ]


def positions(layout: Layout) -> dict[str, tuple[int, int]]:
    return {t.camera_id: (t.x, t.y) for t in layout.tiles if t.camera_id and t.auto}


@engine_settings
@given(layouts(), situations())
def test_pinned_tiles_never_change_and_geometry_holds(layout: Layout, situation: Situation) -> None:
    """Pinned tiles come out exactly as they went in; no tile moves or changes size."""
    result = arrange(layout, situation)
    assert len(result.tiles) == len(layout.tiles)
    for old, new in zip(layout.tiles, result.tiles, strict=True):
        assert (old.x, old.y, old.w, old.h) == (new.x, new.y, new.w, new.h)
        if old.pinned:
            assert new == old


@engine_settings
@given(layouts(), situations())
def test_no_offline_camera_outside_pins(layout: Layout, situation: Situation) -> None:
    """Every unpinned camera tile shows a camera that is online or degraded."""
    result = arrange(layout, situation)
    for tile in result.tiles:
        if tile.kind is TileKind.CAMERA and not tile.pinned:
            assert viewable(situation, tile.camera_id), tile


@engine_settings
@given(layouts(), situations())
def test_capacity_no_duplicates_no_waste(layout: Layout, situation: Situation) -> None:
    """The engine never shows a camera twice, and leaves a tile empty only when every viewable
    camera is already on the wall."""
    result = arrange(layout, situation)
    chosen = [t.camera_id for t in engine_tiles(layout, result) if t.kind is TileKind.CAMERA]
    fixed = [
        t.camera_id for t in result.tiles if t.kind is TileKind.CAMERA and (t.pinned or not t.auto)
    ]
    assert len(chosen) == len(set(chosen))
    assert not set(chosen) & set(fixed)
    assert len(chosen) <= len(layout.tiles)
    if any(t.kind is TileKind.EMPTY for t in engine_tiles(layout, result)):
        shown = set(result.cameras())
        assert {c for c in CAMERAS if viewable(situation, c)} <= shown


@engine_settings
@given(layouts(), situations())
def test_most_severe_incident_wins_space(layout: Layout, situation: Situation) -> None:
    """If a tile goes to a less severe incident (or to the quiet-wall fill), every more severe
    incident has its first viewable cameras on the wall."""
    result = arrange(layout, situation)
    shown = set(result.cameras())
    severity = {i.id: severity_rank(i.severity) for i in situation.incidents}
    given_to = [t.incident_id for t in engine_tiles(layout, result) if t.kind is TileKind.CAMERA]
    if not given_to:
        return
    lowest = min(severity[i] if i is not None else -2 for i in given_to)
    for incident in situation.incidents:
        if severity[incident.id] > lowest:
            first = [c for c in incident.cameras if viewable(situation, c)]
            assert set(first[:CAMERAS_PER_INCIDENT]) <= shown, (incident, result)


@engine_settings
@given(layouts(), situations())
def test_arranging_twice_changes_nothing(layout: Layout, situation: Situation) -> None:
    """Arranging is idempotent: a wall does not flicker when nothing changed."""
    once = arrange(layout, situation)
    assert arrange(once, situation) == once


@engine_settings
@given(layouts(), situations(), incidents(first_id=100, max_size=3))
def test_added_alarms_do_not_reshuffle(
    layout: Layout, situation: Situation, new: tuple[IncidentView, ...]
) -> None:
    """New incidents (later alarms) never move a camera that stays on the wall to another tile."""
    before = arrange(layout, situation)
    grown = Situation((*situation.incidents, *new), situation.status, situation.cameras)
    after = arrange(before, grown)
    old, now = positions(before), positions(after)
    for camera in old.keys() & now.keys():
        assert old[camera] == now[camera], camera


@engine_settings
@given(layouts(), situations(), st.sampled_from(CAMERAS))
def test_camera_back_online_does_not_reshuffle(
    layout: Layout, situation: Situation, camera: str
) -> None:
    """A camera coming online (an added camera) takes a free or a fill tile, moving no other."""
    status = dict(situation.status) | {camera: "offline"}
    before = arrange(layout, Situation(situation.incidents, status, CAMERAS))
    after = arrange(before, Situation(situation.incidents, status | {camera: "online"}, CAMERAS))
    old, now = positions(before), positions(after)
    for kept in old.keys() & now.keys():
        assert old[kept] == now[kept]


@settings(max_examples=50, database=None, deadline=None)
@given(situations())
def test_offline_camera_is_replaced_in_place(situation: Situation) -> None:
    """When a shown camera goes offline its tile gets another camera; the others stay put."""
    before = arrange(grid_layout(2, 2), situation)
    shown = [t for t in before.tiles if t.kind is TileKind.CAMERA]
    if not shown:
        return
    victim = shown[0]
    status = dict(situation.status) | {victim.camera_id or "": "offline"}
    after = arrange(before, Situation(situation.incidents, status, CAMERAS))
    assert victim.camera_id not in after.cameras()
    for old, new in zip(before.tiles, after.tiles, strict=True):
        if old.kind is TileKind.CAMERA and old is not victim and old.camera_id in after.cameras():
            assert new.camera_id == old.camera_id


def test_operator_camera_offline_is_replaced_but_pinned_one_stays() -> None:
    """An operator's unpinned camera gives way when offline; a pinned one never does."""
    layout = Layout(
        cols=2,
        rows=1,
        tiles=(
            Tile(x=0, y=0, kind=TileKind.CAMERA, camera_id="cam-0"),
            Tile(x=1, y=0, kind=TileKind.CAMERA, camera_id="cam-1", pinned=True),
        ),
    )
    status = {c: "online" for c in CAMERAS} | {"cam-0": "offline", "cam-1": "offline"}
    result = arrange(layout, Situation((), status, CAMERAS))
    assert result.tiles[0].camera_id == "cam-2" and result.tiles[0].auto
    assert result.tiles[1] == layout.tiles[1]


def test_critical_incident_takes_the_large_tile_when_tiles_run_short() -> None:
    """On a full wall a critical incident displaces the quiet-wall fill, biggest tile first."""
    status = {c: "online" for c in CAMERAS}
    quiet = arrange(
        template_layout("1+5", wall_cols=3, wall_rows=3), Situation((), status, CAMERAS)
    )
    assert quiet.cameras() == list(CAMERAS[:6])
    fire = IncidentView(1, "critical", ("cam-9", "cam-8"))
    busy = arrange(quiet, Situation((fire,), status, CAMERAS))
    assert {"cam-9", "cam-8"} <= set(busy.cameras())
    large = busy.tiles[0]
    assert large.w == 2 and large.camera_id in {"cam-0", "cam-9"}
    assert [t.incident_id for t in busy.tiles if t.camera_id in {"cam-8", "cam-9"}] == [1, 1]


def test_timeline_tile_follows_the_most_severe_incident_without_flicker() -> None:
    """An auto timeline shows the top incident and keeps it while it stays top."""
    layout = Layout(cols=1, rows=1, tiles=(Tile(x=0, y=0, kind=TileKind.TIMELINE, auto=True),))
    high = IncidentView(5, "high", ())
    first = arrange(layout, Situation((high,), {}, ()))
    assert first.tiles[0].incident_id == 5
    other_high = IncidentView(3, "high", ())
    assert arrange(first, Situation((high, other_high), {}, ())).tiles[0].incident_id == 5
    critical = IncidentView(9, "critical", ())
    assert arrange(first, Situation((high, critical), {}, ())).tiles[0].incident_id == 9
    assert arrange(first, Situation((), {}, ())).tiles[0].incident_id is None
