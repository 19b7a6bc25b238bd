"""Recorded spans and the gaps between them over a time range: pure, from index segments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from video.recording.index import Segment

# Consecutive segments meet within a frame or two (each is cut on a keyframe); a longer hole
# is a real gap (camera offline, queue overflow, events mode idle).
JOIN_TOLERANCE = timedelta(seconds=0.5)


@dataclass(frozen=True)
class Span:
    """A stretch of time, [start, end)."""

    start: datetime
    end: datetime


def recorded_spans(
    segments: Sequence[Segment], start: datetime, end: datetime
) -> tuple[list[Span], list[Span]]:
    """Adjacent segments merged into spans within [start, end), and the gaps between them."""
    spans: list[Span] = []
    for segment in sorted(segments, key=lambda s: s.start):
        a, b = max(segment.start, start), min(segment.end, end)
        if b <= a:
            continue
        if spans and a - spans[-1].end <= JOIN_TOLERANCE:
            spans[-1] = Span(spans[-1].start, max(spans[-1].end, b))
        else:
            spans.append(Span(a, b))
    gaps: list[Span] = []
    cursor = start
    for span in spans:
        if span.start > cursor:
            gaps.append(Span(cursor, span.start))
        cursor = max(cursor, span.end)
    if cursor < end:
        gaps.append(Span(cursor, end))
    return spans, gaps
