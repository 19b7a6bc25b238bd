"""PTZ arbitration as pure rules: one holder, lapsing locks, take-over by priority only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from csu.identity.roles import Role
from video.ptz.control import Arbiter, Ended, EndReason, Granted, Operator, Refused

T0 = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
LOCK = timedelta(seconds=30)
ANNE = Operator("anne", Role.OPERATOR)
BRUNO = Operator("bruno", Role.OPERATOR)
BRUNO_ASSIGNED = Operator("bruno", Role.OPERATOR, assignee=True)
SOPHIE = Operator("sophie", Role.SUPERVISOR)
PEOPLE = (ANNE, BRUNO, BRUNO_ASSIGNED, SOPHIE, Operator("chloe", Role.SUPERVISOR, assignee=True))


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_holder_keeps_the_camera_until_the_lock_lapses() -> None:
    arbiter = Arbiter(LOCK)
    first = arbiter.claim("dome", ANNE, _at(0))
    assert isinstance(first, Granted) and first.started
    refused = arbiter.claim("dome", BRUNO, _at(20))
    assert isinstance(refused, Refused) and refused.until == _at(30)
    again = arbiter.claim("dome", ANNE, _at(25), preset="p1")  # her command renews the lock
    assert isinstance(again, Granted) and not again.started and again.session.presets == ("p1",)
    assert isinstance(arbiter.claim("dome", BRUNO, _at(50)), Refused)
    after = arbiter.claim("dome", BRUNO, _at(55))
    assert isinstance(after, Granted) and after.started and after.ended is not None
    assert after.ended.reason is EndReason.EXPIRED and after.ended.at == _at(55)
    assert after.ended.session.presets == ("p1",) and after.ended.session.commands == 2


def test_a_higher_role_or_an_assignee_takes_over_and_equals_never_do() -> None:
    arbiter = Arbiter(LOCK)
    arbiter.claim("dome", ANNE, _at(0))
    taken = arbiter.claim("dome", BRUNO_ASSIGNED, _at(1))
    assert isinstance(taken, Granted) and taken.ended is not None
    assert (taken.ended.reason, taken.ended.by) == (EndReason.TAKEN_OVER, "bruno")
    assert isinstance(arbiter.claim("dome", ANNE, _at(2)), Refused)
    by_supervisor = arbiter.claim("dome", SOPHIE, _at(3))
    assert isinstance(by_supervisor, Granted) and by_supervisor.ended is not None
    assert isinstance(arbiter.claim("dome", BRUNO_ASSIGNED, _at(4)), Refused)
    assert arbiter.release("dome", "anne", _at(5)) is None  # only the holder lets go
    released = arbiter.release("dome", "sophie", _at(6))
    assert released is not None and released.reason is EndReason.RELEASED
    assert arbiter.holder("dome", _at(6)) is None


def test_lapsed_sessions_end_at_their_lapse() -> None:
    arbiter = Arbiter(LOCK)
    arbiter.claim("a", ANNE, _at(0))
    arbiter.claim("b", BRUNO, _at(20))
    assert [e.session.camera_id for e in arbiter.expire(_at(40))] == ["a"]
    assert arbiter.expire(_at(40)) == []
    (ended,) = arbiter.expire(_at(90))
    assert (ended.session.camera_id, ended.at, ended.reason) == ("b", _at(50), EndReason.EXPIRED)


def test_stopping_ends_every_session_held_or_lapsed() -> None:
    arbiter = Arbiter(LOCK)
    arbiter.claim("a", ANNE, _at(0))
    arbiter.claim("b", BRUNO, _at(20))
    ended = {e.session.camera_id: (e.reason, e.at) for e in arbiter.end_all(_at(40))}
    assert ended == {"a": (EndReason.EXPIRED, _at(30)), "b": (EndReason.STOPPED, _at(40))}
    assert arbiter.end_all(_at(41)) == [] and arbiter.holder("b", _at(41)) is None


steps = st.lists(
    st.tuples(
        st.sampled_from(("claim", "release", "expire")),
        st.sampled_from(("c1", "c2")),
        st.sampled_from(PEOPLE),
        st.floats(min_value=0, max_value=40),
    ),
    max_size=60,
)


@given(steps)
def test_every_session_ends_once_and_only_a_higher_priority_takes_over(
    script: list[tuple[str, str, Operator, float]],
) -> None:
    arbiter = Arbiter(LOCK)
    now = T0
    started: list[tuple[str, datetime, str]] = []
    ended: list[Ended] = []
    for action, camera, who, step in script:
        now += timedelta(seconds=step)
        before = arbiter.holder(camera, now)
        if action == "expire":
            ended += arbiter.expire(now)
            continue
        if action == "release":
            if (end := arbiter.release(camera, who.username, now)) is not None:
                ended.append(end)
            continue
        outcome = arbiter.claim(camera, who, now)
        if isinstance(outcome, Refused):
            assert before is not None and before.holder.username != who.username
            assert before.holder.priority >= who.priority and outcome.until > now
            continue
        assert arbiter.holder(camera, now) == outcome.session
        if outcome.started:
            started.append((camera, now, who.username))
        else:
            assert before is not None and before.holder.username == who.username
        if outcome.ended is not None:
            ended.append(outcome.ended)
            assert outcome.ended.session.started <= outcome.ended.at <= now
            if outcome.ended.reason is EndReason.TAKEN_OVER:
                assert who.priority > outcome.ended.session.holder.priority
    ended += arbiter.expire(now + LOCK)
    # Every session started ended exactly once, and none is left.
    keys = sorted(
        (e.session.camera_id, e.session.started, e.session.holder.username) for e in ended
    )
    assert keys == sorted(started)
    assert all(arbiter.holder(c, now + LOCK) is None for c in ("c1", "c2"))


def test_a_camera_moved_away_ends_its_session_once() -> None:
    arbiter = Arbiter(LOCK)
    arbiter.claim("dome", ANNE, _at(0))
    ended = arbiter.end("dome", _at(10), EndReason.MOVED)
    assert ended is not None and (ended.reason, ended.at) == (EndReason.MOVED, _at(10))
    assert arbiter.end("dome", _at(11), EndReason.MOVED) is None
    assert isinstance(arbiter.claim("dome", BRUNO, _at(12)), Granted)
    lapsed = arbiter.end("dome", _at(60), EndReason.MOVED)
    assert lapsed is not None and (lapsed.reason, lapsed.at) == (EndReason.EXPIRED, _at(42))
