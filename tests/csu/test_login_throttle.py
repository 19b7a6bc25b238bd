"""Failed-login throttling: free tries, growing delays, locks, and no concurrent slipping in."""

from __future__ import annotations

from csu.identity.login_throttle import RULES, LoginThrottle, Scope, ThrottleRule, address_key


def _fail(throttle: LoginThrottle, name: str, address: str, now: float) -> bool:
    assert throttle.admit(name, address, now) is None
    return throttle.settle(name, address, success=False, now=now).locked


def test_delays_grow_after_the_free_failures_and_are_capped() -> None:
    """Five free failures for an account, then 1, 2, 4 ... seconds, never more than the cap."""
    rule = RULES[Scope.ACCOUNT]
    assert [rule.wait_after(n) for n in range(1, 9)] == [0, 0, 0, 0, 1, 2, 4, 8]
    assert rule.wait_after(40) == rule.max_delay_s


def test_a_guesser_at_one_address_is_slowed_then_locked_and_the_right_password_waits() -> None:
    """60 wrong passwords from one address: delays, then a lock; the right one is refused too."""
    throttle, now, tries = LoginThrottle(), 0.0, 0
    refusals = []
    for _ in range(60):
        refusal = throttle.admit("operator", "198.51.100.7", now)
        if refusal is None:
            tries += 1
            throttle.settle("operator", "198.51.100.7", success=False, now=now)
            continue
        refusals.append(refusal)
        if refusal.locked:
            break
        now += refusal.retry_after_s  # an obedient guesser waits as told
    assert tries == RULES[Scope.ACCOUNT_FROM_ADDRESS].lock_after
    last = refusals[-1]
    assert last.locked and last.retry_after_s == 900
    assert last.reason == (
        "too many failed sign-ins for this account from this address: locked, try again in 900 s"
    )
    assert throttle.admit("operator", "198.51.100.7", now) is not None
    # The lock is the address's: the operator at the control room's own address is only slowed.
    elsewhere = throttle.admit("operator", "10.0.0.5", now + 31)
    assert elsewhere is None
    throttle.settle("operator", "10.0.0.5", success=True, now=now + 31)
    assert throttle.admit("operator", "198.51.100.7", now + 899) is not None
    assert throttle.admit("operator", "198.51.100.7", now + 901) is None


def test_spraying_many_names_from_one_address_locks_the_address() -> None:
    """Thirty failures over any names lock the address for every name."""
    throttle, now = LoginThrottle(), 0.0
    locked = False
    for n in range(30):
        while (refusal := throttle.admit(f"user{n}", "203.0.113.9", now)) is not None:
            now += refusal.retry_after_s
        locked = throttle.settle(f"user{n}", "203.0.113.9", success=False, now=now).locked
    assert locked
    refusal = throttle.admit("admin", "203.0.113.9", now)
    assert refusal is not None and refusal.scope is Scope.ADDRESS and refusal.locked


def test_concurrent_tries_past_the_free_ones_go_one_at_a_time() -> None:
    """60 tries at once: only the free ones are checked; the others wait for an outcome."""
    throttle = LoginThrottle()
    admitted = [throttle.admit("operator", "192.0.2.1", 0.0) is None for _ in range(60)]
    assert sum(admitted) == RULES[Scope.ACCOUNT].free
    refused = throttle.admit("operator", "192.0.2.1", 0.0)
    assert refused is not None and refused.waiting and refused.retry_after_s == 1
    assert refused.reason == "another sign-in for this account is being checked: try again in 1 s"


def test_success_clears_the_account_but_not_the_address() -> None:
    """A right password resets the account's count; an address's guesses stay counted."""
    throttle = LoginThrottle()
    for n in range(9):
        _fail(throttle, "operator" if n < 4 else f"x{n}", "192.0.2.2", float(n))
    assert throttle.admit("operator", "192.0.2.2", 10.0) is None
    throttle.settle("operator", "192.0.2.2", success=True, now=10.0)
    _fail(throttle, "x9", "192.0.2.2", 11.0)
    refusal = throttle.admit("operator", "192.0.2.2", 11.5)
    assert refusal is not None and refusal.scope is Scope.ADDRESS


def test_failures_are_forgotten_after_a_quiet_hour_and_memory_is_bounded() -> None:
    """Old failures no longer count; the least recently seen entries go past the bound."""
    rule = ThrottleRule(free=1, base_delay_s=1, max_delay_s=1, lock_after=None, lock_s=0,
                        forget_after_s=60)  # fmt: skip
    throttle = LoginThrottle(dict.fromkeys(Scope, rule), max_keys=30)
    _fail(throttle, "a", "192.0.2.3", 0.0)
    assert throttle.admit("a", "192.0.2.3", 0.5) is not None
    assert throttle.admit("a", "192.0.2.3", 61.0) is None
    for n in range(100):
        throttle.admit(f"n{n}", f"192.0.2.{n}", 62.0)
    assert len(throttle) == 30


def test_ipv6_addresses_count_per_64() -> None:
    """One host owns a /64: its addresses share one count; IPv4 (mapped or not) is itself."""
    assert address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::1")
    assert address_key("2001:db8:1:2::5") != address_key("2001:db8:1:3::5")
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1") == "192.0.2.1"
    assert address_key(None) == "unknown"
