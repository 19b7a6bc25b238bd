"""What evidence and playback need from the recorder: segment files found by time range."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from csu.errors import Malformed, NotFound, Term, term


class RecordedSegment(Protocol):
    """One MPEG-TS segment file of one camera's rendition (starts with an IDR)."""

    @property
    def camera_id(self) -> str:
        """The camera it was recorded from."""
        ...

    @property
    def rendition(self) -> str:
        """The masked rendition it holds (zones)."""
        ...

    @property
    def path(self) -> Path:
        """The .ts file."""
        ...

    @property
    def start(self) -> datetime:
        """Wall time (aware UTC) of its first frame."""
        ...

    @property
    def end(self) -> datetime:
        """Wall time (aware UTC) just after its last frame."""
        ...

    @property
    def size_bytes(self) -> int:
        """File size."""
        ...


class SegmentSource(Protocol):
    """The recordings index: which segments overlap a time range, oldest first."""

    def between(self, camera_id: str, start: datetime, end: datetime) -> Sequence[RecordedSegment]:
        """Segments of the camera overlapping [start, end)."""
        ...


class NoFootage(NotFound, LookupError):
    """Nothing is recorded in the asked range; the message names the camera and the range."""


def describe_range(camera_id: str, start: datetime, end: datetime) -> str:
    """`camera 'x' from 2026-01-01T10:00:00+00:00 to ...`, for errors and logs."""
    return f"camera '{camera_id}' from {start.isoformat()} to {end.isoformat()}"


def no_footage(camera_id: str, start: datetime, end: datetime) -> NoFootage:
    """The refusal of a range with nothing recorded, for people on the site's clock."""
    return NoFootage(
        f"nothing recorded for {describe_range(camera_id, start, end)}",
        key="errors.no_footage",
        camera=camera_id,
        start=start,
        end=end,
    )


MAX_PLAYBACK = timedelta(hours=1)
# A requisition may cover a day; longer spans are several exports, each logged.
MAX_EXPORT = timedelta(hours=24)


class FootageRequestInvalid(Malformed):
    """A request for recorded footage whose range or reason is wrong; the message lists each."""


def check_footage_request(
    start: datetime, end: datetime, reason: str, *, limit: timedelta, doing: str
) -> None:
    """FootageRequestInvalid naming every problem of [start, end) and the reason (the law
    wants one), e.g. for `doing` "play back"; nothing when the request may go on."""
    found = _range_problems(start, end, limit)
    if not reason.strip():
        found.insert(
            0,
            (
                f"reason: a reason is required to {doing} recorded video",
                term("errors.footage.reason_required"),
            ),
        )
    if found:
        raise FootageRequestInvalid(
            "; ".join(english for english, _ in found),
            key="errors.problems",
            problems=[words for _, words in found],
        )


def range_problems(start: datetime, end: datetime, limit: timedelta) -> list[str]:
    """Why [start, end) cannot be asked for, one line each (empty when it can)."""
    return [english for english, _ in _range_problems(start, end, limit)]


def _range_problems(start: datetime, end: datetime, limit: timedelta) -> list[tuple[str, Term]]:
    # Each problem in English (the message) and as its catalogue text (for people).
    problems = [
        (
            f"{name}: give a time zone, e.g. {moment.isoformat()}Z",
            term("errors.footage.time_zone", field=name),
        )
        for name, moment in (("start", start), ("end", end))
        if moment.tzinfo is None
    ]
    if problems:
        return problems
    if end <= start:
        problems.append(("end: must be after start", term("errors.footage.order")))
    elif end - start > limit:
        asked, most = round((end - start).total_seconds()), round(limit.total_seconds())
        problems.append(
            (
                f"range: {asked} s asked, at most {most} s at once",
                term("errors.footage.too_long", asked=asked // 60, most=most // 60),
            )
        )
    return problems
