"""Where a moving camera's picture may be looking: the pose estimate from position readings."""

from __future__ import annotations

from csu.config.ptz_view import PtzViewConfig
from video.ptz.pose import Reading, estimate, resting, stale_after

VIEW = PtzViewConfig(
    pan_degrees=(-60, 60),
    tilt_degrees=(-40, 10),
    fov=((0, 60), (1, 6)),
    max_pan_tilt_speed=60,
    max_zoom_speed=0.5,
    status_interval_s=0.2,
    video_delay_s=0.5,
    margin_degrees=0.5,
)


def test_nothing_read_or_nothing_read_lately_is_no_pose() -> None:
    assert estimate(VIEW, [], None, 10.0) is None
    old = Reading(10.0, -5.0, 0.0, False, at=10.0)
    assert estimate(VIEW, [old], None, 10.0 + stale_after(VIEW) + 0.01) is None


def test_at_rest_the_pose_is_the_reading_with_the_base_margin() -> None:
    still = [Reading(10.0, -5.0, 0.5, False, at=t) for t in (9.0, 9.2, 9.4, 9.6, 9.8, 10.0)]
    pose = estimate(VIEW, still, None, 10.05)
    assert pose is not None
    assert (pose.pan, pose.tilt, pose.margin) == (10.0, -5.0, 0.5)
    assert pose.fov_low == pose.fov_high == VIEW.field_of_view(0.5)


def test_while_moving_the_pose_covers_the_lag_window_and_the_way_since() -> None:
    moving = [Reading(float(p), 0.0, 0.2, True, at=t) for p, t in ((0, 9.4), (4, 9.6), (8, 9.8))]
    pose = estimate(VIEW, moving, None, 9.9)
    assert pose is not None
    # Readings from 0 to 8 degrees, centred at 4 (half-spread 4), plus 60 deg/s for 0.1 s.
    assert pose.pan == 4.0 and pose.margin >= 0.5 + 4 + 6
    assert pose.fov_low < VIEW.field_of_view(0.2) < pose.fov_high


def test_a_camera_stopped_a_moment_ago_is_still_treated_as_moving() -> None:
    # The last reading says idle, but the picture lags: frames of the move are still coming.
    readings = [Reading(0.0, 0.0, 0.0, True, at=9.6), Reading(6.0, 0.0, 0.0, False, at=9.8)]
    pose = estimate(VIEW, readings, None, 9.85)
    assert pose is not None and pose.margin >= 3.5


def test_a_command_just_sent_grows_the_zones_before_any_reading_moves() -> None:
    still = [Reading(0.0, 0.0, 0.0, False, at=9.8)]
    pose = estimate(VIEW, still, commanded_at=9.85, now=9.95)
    assert pose is not None and pose.margin >= 0.5 + 60 * 0.15


def test_an_unknown_zoom_spans_the_whole_table() -> None:
    pose = estimate(VIEW, [Reading(0.0, 0.0, None, False, at=9.9)], None, 10.0)
    assert pose is not None and (pose.fov_low, pose.fov_high) == (6.0, 60.0)


def test_only_a_camera_known_to_be_still_has_a_resting_pose() -> None:
    still = [Reading(10.0, -5.0, 0.5, False, at=t) for t in (9.0, 9.2, 9.4, 9.6, 9.8, 10.0)]
    assert resting(VIEW, still, None, 10.05) == estimate(VIEW, still, None, 10.05)
    # A command just sent, read at once: the estimate's margin rounds to the base one, yet
    # the camera may be moving, and an editor must not take its picture for a still one.
    hinted = estimate(VIEW, still, commanded_at=10.0, now=10.0)
    assert hinted is not None and hinted.margin == VIEW.margin_degrees
    assert resting(VIEW, still, commanded_at=10.0, now=10.0) is None
    moving = [Reading(0.0, 0.0, 0.2, True, at=9.8)]
    assert resting(VIEW, moving, None, 9.9) is None
    assert resting(VIEW, [Reading(0.0, 0.0, None, False, at=9.9)], None, 10.0) is None
    assert resting(VIEW, still, None, 10.0 + stale_after(VIEW) + 0.01) is None
