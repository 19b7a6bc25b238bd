"""The pure rules of recording: pre-alarm buffer, segment cuts, spans and gaps, config bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from csu.config.cameras import RecordingConfig
from video.encoding import TimedPacket
from video.recording.files import recover_partial_segments
from video.recording.index import Segment
from video.recording.segments import (
    PreAlarmBuffer,
    SegmentName,
    end_wall,
    parse_segment_file,
    segment_file,
    should_cut,
)
from video.recording.spans import Span, recorded_spans

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def packet(i: int, *, gop: int = 5, fps: int = 5) -> TimedPacket:
    """Frame i of a stream at `fps` with an IDR every `gop` frames (packet payload unused)."""
    return TimedPacket(None, i * 90_000 // fps, i % gop == 0, 1000.0 + i / fps)


def test_pre_alarm_buffer_starts_on_an_idr_and_covers_its_length() -> None:
    buffer = PreAlarmBuffer(seconds=2.0)
    for i in range(3, 30):  # joins mid-GOP: 3 and 4 have no IDR to decode from
        buffer.push(packet(i))
    items = buffer.drain()
    assert items[0].keyframe and items[0].pts == packet(15).pts
    # Newest frame is 29 (5.8 s): the buffer reaches back to the last IDR at or before 3.8 s.
    assert items[-1].wall - items[0].wall >= 2.0
    assert [p.pts for p in items] == [packet(i).pts for i in range(15, 30)]
    assert len(buffer) == 0 and buffer.first_wall() is None
    for i in range(30, 50):
        buffer.push(packet(i))
    # A trigger that wants footage from 7.5 s on gets the GOP that holds that moment.
    assert buffer.drain(since=packet(37).wall)[0].pts == packet(35).pts


def test_segments_cut_at_the_first_keyframe_after_their_length() -> None:
    start = packet(0).wall
    assert not should_cut(start, packet(9), 2.0)  # 1.8 s, not a keyframe anyway
    assert not should_cut(start, packet(11), 2.0)  # past 2 s but not a keyframe
    assert should_cut(start, packet(15), 2.0)
    assert end_wall(packet(9), packet(8).pts) == pytest.approx(packet(9).wall + 0.2)
    assert end_wall(packet(0), None) == pytest.approx(packet(0).wall + 0.04)


def seg(start_s: float, end_s: float) -> Segment:
    """A segment over seconds from T0 (no file: spans read times only)."""
    return Segment(
        "cam",
        "zones",
        Path("/x.ts"),
        T0 + timedelta(seconds=start_s),
        T0 + timedelta(seconds=end_s),
        1,
    )


def at(seconds: float) -> datetime:
    """T0 plus seconds."""
    return T0 + timedelta(seconds=seconds)


def test_adjacent_segments_merge_into_spans_and_holes_are_gaps() -> None:
    segments = [seg(0, 10), seg(10.02, 20), seg(20, 30), seg(45, 55), seg(55, 65)]
    spans, gaps = recorded_spans(segments, at(5), at(60))
    assert spans == [Span(at(5), at(30)), Span(at(45), at(60))]
    assert gaps == [Span(at(30), at(45))]
    spans, gaps = recorded_spans(segments, at(-10), at(80))
    assert gaps == [Span(at(-10), at(0)), Span(at(30), at(45)), Span(at(65), at(80))]
    assert recorded_spans([], at(0), at(10)) == ([], [Span(at(0), at(10))])


def test_recording_config_defaults_and_bounds() -> None:
    config = RecordingConfig()
    assert (config.mode, config.segment_s, config.pre_alarm_s, config.post_alarm_s) == (
        "continuous",
        10.0,
        10.0,
        30.0,
    )
    with pytest.raises(ValidationError, match="segment_s"):
        RecordingConfig(segment_s=1)
    with pytest.raises(ValidationError, match="mode"):
        RecordingConfig.model_validate({"mode": "sometimes"})
    with pytest.raises(ValidationError, match="extra"):
        RecordingConfig.model_validate({"mode": "off", "fps": 3})


def test_an_unfinished_segment_without_a_whole_frame_is_removed(tmp_path: Path) -> None:
    day = tmp_path / "cam" / "zones" / "2026-11-25"
    day.mkdir(parents=True)
    (day / "20261125T100000.000000Z.ts.part").write_bytes(b"\x47" * 188)
    kept = day / "20261125T095950.000000Z.ts"
    kept.write_bytes(b"\x47" * 188)
    assert recover_partial_segments(tmp_path) == []
    assert [p.name for p in day.iterdir()] == [kept.name]
    assert recover_partial_segments(tmp_path / "absent") == []


def test_segment_file_names_read_back() -> None:
    root = Path("/rec")
    start = T0 + timedelta(microseconds=123456)
    path = segment_file(root, "cam-1", "zones", start.timestamp())
    assert parse_segment_file(root, path) == SegmentName("cam-1", "zones", start)
    assert parse_segment_file(root, path.with_name(path.name + ".part")) is None
    assert parse_segment_file(root, root / "cam-1" / "zones" / "2026-11-24" / path.name) is None
    assert parse_segment_file(root, root / "cam-1" / path.name) is None
    assert parse_segment_file(Path("/other"), path) is None
