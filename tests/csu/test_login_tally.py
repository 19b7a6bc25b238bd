"""Failed logins tallied into one event per account-or-not, address and window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csu.identity.login_tally import FailedLoginTally

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def test_a_window_of_failures_is_one_event_with_counts() -> None:
    """Forty failures and five refusals of one account from one address: one event at the end."""
    tally = FailedLoginTally(window=timedelta(minutes=5))
    for n in range(40):
        tally.failed("operator", known=True, address="192.0.2.1", now=T0 + timedelta(seconds=n))
    for n in range(5):
        tally.refused("operator", address="192.0.2.1", now=T0 + timedelta(seconds=50 + n))
    assert tally.due(T0 + timedelta(minutes=4)) == []
    (event,) = tally.due(T0 + timedelta(minutes=5))
    assert (event.username, event.client, event.failures, event.refused) == (
        "operator", "192.0.2.1", 40, 5
    )  # fmt: skip
    assert event.first_at == T0 and event.last_at == T0 + timedelta(seconds=54)
    assert not event.locked and event.tried_names == []
    assert tally.due(T0 + timedelta(hours=1)) == []


def test_names_without_account_share_one_tally_with_a_small_sample() -> None:
    """A thousand made-up names from one address: one event, five names kept."""
    tally = FailedLoginTally()
    for n in range(1000):
        tally.failed(f"=cmd{n}", known=False, address="192.0.2.2", now=T0)
    (event,) = tally.drain(T0)
    assert event.username is None and event.failures == 1000
    assert event.tried_names == [f"=cmd{n}" for n in range(5)]


def test_a_lock_closes_the_window_at_once() -> None:
    """When a lock begins its tally is told now, not at the window's end."""
    tally = FailedLoginTally()
    tally.failed("admin", known=True, address="192.0.2.3", now=T0)
    event = tally.close("admin", address="192.0.2.3", now=T0 + timedelta(seconds=1))
    assert event is not None and event.locked and event.failures == 1
    assert tally.drain(T0) == []


def test_many_addresses_fold_into_one_overflow_per_account_or_not() -> None:
    """Past the bound on open pairs, newcomers are counted without their address."""
    tally = FailedLoginTally(max_pairs=10)
    for n in range(500):
        tally.failed("nobody", known=False, address=f"2001:db8:{n:x}::1", now=T0)
        tally.failed("operator", known=True, address=f"2001:db8:{n:x}::1", now=T0)
    events = tally.drain(T0)
    assert len(events) == 12
    overflow = {e.username: e.failures for e in events if e.client is None}
    assert overflow == {None: 495, "operator": 495}
    assert sum(e.failures for e in events) == 1000
