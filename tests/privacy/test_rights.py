"""The one place that decides a user's cameras, and the watch that ends what lost its right."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from csu.bus import EventBus
from csu.db import Database
from csu.events import Event
from csu.identity import service as identity
from csu.identity.models import User
from csu.identity.roles import ALL_CAMERAS, Role
from privacy.policy import EVERY_CAMERA, Action, camera_allowed, camera_scope
from privacy.rights import CameraRights, Viewer
from privacy.rights_watch import RightsWatch

PASSWORD = "a long enough passphrase 7"
CAMERAS = ("cam-a", "cam-b", "cam-c")


@given(
    role=st.sampled_from(list(Role)),
    action=st.sampled_from(list(Action)),
    granted=st.frozensets(st.sampled_from((*CAMERAS, ALL_CAMERAS))),
    camera=st.sampled_from(CAMERAS),
    active=st.booleans(),
)
def test_the_viewer_and_the_policy_table_agree(
    role: Role, action: Action, granted: frozenset[str], camera: str, active: bool
) -> None:
    user = User(username="u", role=role.value, password_hash="x", active=active)
    viewer = Viewer(user, granted)
    allowed = active and camera_allowed(role, action, camera, granted)
    assert viewer.may(action, camera) is allowed
    assert viewer.scope(action).allows(camera) is allowed
    assert (camera_scope(role, action, granted) is EVERY_CAMERA) == (
        camera_scope(role, action, granted).everything
    )


def test_metadata_roles_see_every_camera_but_watch_none_without_a_grant() -> None:
    officer = Viewer(User(username="dpo", role="privacy_officer", password_hash="x"), frozenset())
    assert officer.sees_every_camera and officer.sees("anything")
    assert not officer.may(Action.LIVE_VIEW, "anything")
    street = Viewer(User(username="op", role="operator", password_hash="x"), frozenset({"cam-a"}))
    assert street.visible(["cam-b", "cam-a"]) == ["cam-a"] and not street.sees_every_camera


def test_moving_a_camera_is_an_operators_per_camera_right_and_saving_presets_a_supervisors() -> (
    None
):
    def viewer(role: str) -> Viewer:
        return Viewer(User(username=role, role=role, password_hash="x"), frozenset({"dome"}))

    movers = {r for r in Role if viewer(r).may(Action.PTZ, "dome")}
    assert movers == {Role.OPERATOR, Role.SUPERVISOR}
    assert not viewer("operator").may(Action.PTZ, "other-camera")
    savers = {r for r in Role if viewer(r).may(Action.PTZ_PRESET_SAVE, "dome")}
    assert savers == {Role.SUPERVISOR}
    tour_setters = {r for r in Role if viewer(r).may(Action.PTZ_TOUR, "dome")}
    assert tour_setters == {Role.SUPERVISOR}


def _user(db: Database, name: str, cameras: list[str], expires: datetime | None = None) -> str:
    with db.session() as s:
        user = identity.create_user(
            s,
            username=name,
            role=Role.OPERATOR,
            password=PASSWORD,
            cameras=cameras,
            expires_at=expires,
        )
        return identity.issue_token(s, user=user, lifetime=timedelta(hours=1))


def test_a_token_resolves_to_its_rights_never_cached_past_an_expiry(db: Database) -> None:
    published: list[Event] = []
    rights = CameraRights(db, published.append, cache_s=60)
    # Long enough for the password hashing on a loaded machine, yet well within the 60 s cache.
    soon = datetime.now(UTC) + timedelta(seconds=4)
    token = _user(db, "op1", ["cam-a"], soon)
    viewer = rights.resolve(token)
    assert viewer is not None and viewer.may(Action.LIVE_VIEW, "cam-a")
    assert viewer.changes_at is not None and rights.cached(token) is viewer
    assert rights.resolve("made-up") is None
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)
    assert rights.cached(token) is None, "kept past the grant's expiry"
    again = rights.resolve(token)
    assert again is not None and not again.may(Action.LIVE_VIEW, "cam-a")


async def test_the_watch_ends_holds_whose_right_ended_and_follows_the_others(
    db: Database,
) -> None:
    bus = EventBus()
    await bus.start()
    rights = CameraRights(db, bus.publish_threadsafe)
    watch = RightsWatch(rights, bus, interval_s=60)  # only events wake it in this test
    await watch.start()
    keep, lose = _user(db, "keep", ["cam-a"]), _user(db, "lose", ["cam-a"])
    ended: dict[str, str] = {}
    followed: list[frozenset[str]] = []

    def hold(token: str) -> None:
        viewer = rights.resolve(token)
        assert viewer is not None and viewer.token_hash is not None

        def follow(now: Viewer) -> str | None:
            followed.append(now.cameras)
            return None if now.may(Action.LIVE_VIEW, "cam-a") else "cam-a gone"

        async def end(why: str) -> None:
            ended[viewer.username] = why

        watch.hold(viewer.token_hash, follow, end)

    hold(keep)
    hold(lose)
    assert watch.held == 2
    rights.logout(lose, username="lose")
    for _ in range(100):
        if ended:
            break
        await asyncio.sleep(0.05)
    assert ended == {"lose": "logged out"} and watch.held == 1
    assert frozenset({"cam-a"}) in followed
    await watch.stop()
    await bus.stop()
