"""A reader's mailbox: one value per key, replaced or merged, taken in the order keys arrived."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st

from csu.mailbox import Mailbox


def test_a_later_value_replaces_the_one_waiting_under_its_key() -> None:
    box: Mailbox[str, int] = Mailbox()
    box.put("a", 1)
    box.put("b", 2)
    box.put("a", 3)
    assert box.take() == [3, 2]
    assert box.take() == [] and len(box) == 0


def test_a_merge_combines_with_what_waits() -> None:
    box: Mailbox[str, list[int]] = Mailbox()
    for n in range(4):
        box.put("alarms", [n], merge=lambda old, new: old + new)
    assert box.take() == [[0, 1, 2, 3]]


def test_wait_returns_once_something_waits_and_not_before() -> None:
    async def scenario() -> None:
        box: Mailbox[str, int] = Mailbox()
        waiter = asyncio.create_task(box.wait())
        await asyncio.sleep(0.05)
        assert not waiter.done()
        box.put("a", 1)
        await asyncio.wait_for(waiter, 10)
        box.take()
        again = asyncio.create_task(box.wait())
        await asyncio.sleep(0.05)
        assert not again.done()  # taken: nothing waits any more
        again.cancel()

    asyncio.run(scenario())


@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers())))
def test_what_is_taken_is_the_last_value_of_each_key_in_first_arrival_order(
    puts: list[tuple[str, int]],
) -> None:
    box: Mailbox[str, int] = Mailbox()
    for key, value in puts:
        box.put(key, value)
    last = {key: value for key, value in puts}
    first_order = list(dict.fromkeys(key for key, _ in puts))
    assert box.take() == [last[key] for key in first_order]
