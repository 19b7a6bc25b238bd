"""Sharing cameras among workers: even shares, capacity, priority, one hand-over a round."""

from __future__ import annotations

from csu.cluster.assignment import plan, share

CAMERAS = ["c1", "c2", "c3", "c4", "c5"]


def test_a_lone_worker_takes_everything_it_can() -> None:
    assert plan(CAMERAS, {}, "w1", workers=1, capacity=10).claim == CAMERAS
    assert plan(CAMERAS, {}, "w1", workers=1, capacity=2).claim == ["c1", "c2"]


def test_two_workers_split_evenly() -> None:
    first = plan(CAMERAS, {}, "w1", workers=2, capacity=10)
    assert first.claim == ["c1", "c2", "c3"]
    holders = dict.fromkeys(first.claim, "w1")
    assert plan(CAMERAS, holders, "w2", workers=2, capacity=10).claim == ["c4", "c5"]


def test_a_worker_above_its_share_gives_up_one_camera_a_round() -> None:
    holders = dict.fromkeys(CAMERAS, "w1")
    moves = plan(CAMERAS, holders, "w1", workers=3, capacity=10)
    assert moves.release == ["c5"]
    assert moves.claim == []


def test_the_important_cameras_play_when_capacity_runs_short() -> None:
    holders = {"c1": "w2", "c2": "w2"}
    assert plan(CAMERAS, holders, "w1", workers=2, capacity=2).claim == ["c3", "c4"]


def test_a_worker_at_its_share_takes_nothing_more() -> None:
    holders = {"c1": "w1", "c2": "w1", "c3": "w1"}
    moves = plan(CAMERAS, holders, "w1", workers=2, capacity=10)
    assert moves.claim == [] and moves.release == []


def test_share_never_exceeds_capacity() -> None:
    assert share(300, 2, 100) == 100
    assert share(3, 0, 5) == 3
