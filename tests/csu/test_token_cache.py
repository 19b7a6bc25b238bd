"""The token cache: fresh entries answer, stale ones and forgotten ones do not."""

from __future__ import annotations

from csu.identity.models import User
from csu.identity.token_cache import MAX_ENTRIES, TokenCache


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def user(name: str = "hypervisor") -> User:
    """An unsaved user is enough: the cache only keeps the object."""
    return User(username=name, role="operator", password_hash="x")


def test_a_fresh_entry_answers_until_its_time_is_up() -> None:
    clock = Clock()
    cache = TokenCache(ttl_s=5.0, clock=clock)
    someone = user()
    cache.put("tok", someone)
    assert cache.get("tok") is someone
    clock.now += 4.9
    assert cache.get("tok") is someone
    clock.now += 0.2
    assert cache.get("tok") is None
    assert cache.get("other") is None


def test_forget_and_clear_drop_entries_at_once() -> None:
    cache = TokenCache()
    cache.put("a", user("a"))
    cache.put("b", user("b"))
    cache.forget("a")
    assert cache.get("a") is None
    assert cache.get("b") is not None
    cache.clear()
    assert cache.get("b") is None


def test_the_cache_stays_bounded() -> None:
    cache = TokenCache()
    for n in range(MAX_ENTRIES + 10):
        cache.put(f"t{n}", user())
    assert cache.get(f"t{MAX_ENTRIES + 9}") is not None
    assert cache.get("t0") is None
