"""A requisition's status rules, as pure logic."""

from __future__ import annotations

import pytest

from csu.errors import Term
from video.requisitions.status import (
    NEXT,
    RequisitionStatus,
    RequisitionStatusIncomplete,
    RequisitionTransitionInvalid,
    check_transition,
)

S = RequisitionStatus


@pytest.mark.parametrize(
    ("old", "new"),
    [(S.RECEIVED, S.IN_PROGRESS), (S.RECEIVED, S.REFUSED), (S.IN_PROGRESS, S.REFUSED)],
)
def test_allowed_moves_pass(old: S, new: S) -> None:
    check_transition(old, new, refusal_reason="hors délai légal", handed_over=False)


def test_delivery_needs_the_hand_over() -> None:
    check_transition(S.IN_PROGRESS, S.DELIVERED, refusal_reason=None, handed_over=True)
    with pytest.raises(RequisitionStatusIncomplete) as caught:
        check_transition(S.IN_PROGRESS, S.DELIVERED, refusal_reason=None, handed_over=False)
    assert caught.value.key == "errors.requisitions.handover"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_refusal_needs_its_reason(reason: str | None) -> None:
    with pytest.raises(RequisitionStatusIncomplete) as caught:
        check_transition(S.RECEIVED, S.REFUSED, refusal_reason=reason, handed_over=False)
    assert caught.value.key == "errors.requisitions.refusal_reason"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.RECEIVED, S.DELIVERED),
        (S.RECEIVED, S.RECEIVED),
        (S.IN_PROGRESS, S.RECEIVED),
        (S.DELIVERED, S.REFUSED),
        (S.REFUSED, S.IN_PROGRESS),
        (S.DELIVERED, S.IN_PROGRESS),
    ],
)
def test_other_moves_are_refused_in_the_catalogues_words(old: S, new: S) -> None:
    with pytest.raises(RequisitionTransitionInvalid) as caught:
        check_transition(old, new, refusal_reason="x", handed_over=True)
    assert caught.value.key == "errors.requisitions.transition"
    assert caught.value.params == {
        "old": Term(f"errors.requisitions.status.{old.value}", {}),
        "new": Term(f"errors.requisitions.status.{new.value}", {}),
    }


def test_delivered_and_refused_are_final() -> None:
    assert NEXT[S.DELIVERED] == NEXT[S.REFUSED] == frozenset()
