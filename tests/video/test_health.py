"""Camera health from frame arrivals."""

from __future__ import annotations

import pytest

from video.health import CameraState, FrameClock, assess

START = 1000.0  # an arbitrary monotonic time when the camera started


def clock_with(fps: float, start: float, end: float) -> FrameClock:
    """A clock that saw frames at `fps` from `start` up to and including `end`."""
    clock = FrameClock()
    n = round((end - start) * fps)
    for i in range(n + 1):
        clock.tick(start + i / fps)
    return clock


def test_frame_clock_measures_the_rate_over_its_window() -> None:
    """20 frames a second for 5 s reads as about 20 fps; nothing recent reads as 0."""
    clock = clock_with(20.0, START, START + 5.0)
    assert clock.fps(START + 5.0) == pytest.approx(20.0, abs=1.0)
    assert clock.last() == pytest.approx(START + 5.0)
    assert clock.fps(START + 60.0) == 0.0
    assert FrameClock().last() is None


def test_online_at_the_nominal_rate() -> None:
    """Frames at the nominal rate: online, no reason, the measured fps."""
    clock = clock_with(25.0, START, START + 10.0)
    health = assess(clock=clock, now=START + 10.0, nominal_fps=25.0, started_at=START, error=None)
    assert health.state is CameraState.ONLINE
    assert health.reason is None
    assert health.fps == pytest.approx(25.0, abs=1.0)


def test_online_just_above_half_the_nominal_rate() -> None:
    """60 % of the nominal rate is still online."""
    clock = clock_with(15.0, START, START + 10.0)
    health = assess(clock=clock, now=START + 10.0, nominal_fps=25.0, started_at=START, error=None)
    assert health.state is CameraState.ONLINE


def test_degraded_under_half_the_nominal_rate() -> None:
    """A third of the nominal rate is degraded, and the reason gives both rates."""
    clock = clock_with(8.0, START, START + 10.0)
    health = assess(clock=clock, now=START + 10.0, nominal_fps=25.0, started_at=START, error=None)
    assert health.state is CameraState.DEGRADED
    assert health.reason is not None
    assert health.reason == f"{health.fps:.1f} fps, under half the nominal 25"
    assert health.fps == pytest.approx(8.0, abs=1.0)


def test_low_rate_before_a_full_window_is_not_degraded() -> None:
    """Half a second after start the window is mostly empty: that is not a slow camera."""
    clock = clock_with(25.0, START, START + 0.5)
    health = assess(clock=clock, now=START + 0.5, nominal_fps=25.0, started_at=START, error=None)
    assert health.state is CameraState.ONLINE


def test_offline_connecting_at_start() -> None:
    """No frame yet and no error shortly after start: offline, "connecting"."""
    health = assess(
        clock=FrameClock(), now=START + 1.0, nominal_fps=25.0, started_at=START, error=None
    )
    assert health.state is CameraState.OFFLINE
    assert health.reason == "connecting"
    assert health.fps == 0.0


def test_offline_with_the_source_error_as_reason() -> None:
    """No frame and a source error: offline, and the error is the reason (even at start)."""
    error = "cannot open stream: Connection refused"
    for now in (START + 0.5, START + 30.0):
        health = assess(
            clock=FrameClock(), now=now, nominal_fps=25.0, started_at=START, error=error
        )
        assert health.state is CameraState.OFFLINE
        assert health.reason == error


def test_offline_with_the_error_after_frames_stopped() -> None:
    """Frames that stopped longer ago than the stall time, with an error: the error."""
    clock = clock_with(25.0, START, START + 10.0)
    health = assess(
        clock=clock, now=START + 16.0, nominal_fps=25.0, started_at=START, error="end of stream"
    )
    assert health.state is CameraState.OFFLINE
    assert health.reason == "end of stream"


def test_offline_after_a_stall() -> None:
    """No frame for longer than stall_s and no error: offline, saying how long."""
    clock = clock_with(25.0, START, START + 10.0)
    health = assess(
        clock=clock, now=START + 16.0, nominal_fps=25.0, started_at=START, error=None, stall_s=5.0
    )
    assert health.state is CameraState.OFFLINE
    assert health.reason == "no frame for more than 5 s"
    assert health.fps == 0.0


def test_never_connected_after_the_stall_time_is_a_stall() -> None:
    """No frame ever and no error long after start: no longer "connecting"."""
    health = assess(
        clock=FrameClock(), now=START + 6.0, nominal_fps=25.0, started_at=START, error=None
    )
    assert health.state is CameraState.OFFLINE
    assert health.reason == "no frame for more than 5 s"


def test_a_short_gap_is_not_a_stall() -> None:
    """A gap shorter than stall_s does not take the camera offline."""
    clock = clock_with(25.0, START, START + 10.0)
    health = assess(
        clock=clock, now=START + 10.5, nominal_fps=25.0, started_at=START, error=None, stall_s=5.0
    )
    assert health.state is CameraState.ONLINE
