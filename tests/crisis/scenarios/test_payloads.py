"""Offsets as written in a scenario, and placeholders filled for a run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crisis.scenarios.payloads import fill, unknown_placeholders
from crisis.scenarios.timing import format_offset, parse_offset

SENT = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("+00:05:00", 300), ("01:30:00", 5400), ("+100:00:00", 360_000), (90, 90), (1.5, 1.5)],
)
def test_offsets_read_as_written(written: object, seconds: float) -> None:
    assert parse_offset(written) == timedelta(seconds=seconds)


@pytest.mark.parametrize("written", [True, "5m", "00:60:00", "+1:2:3", -1, "+200:00:00", None])
def test_other_offsets_are_refused(written: object) -> None:
    with pytest.raises(ValueError, match="must be"):
        parse_offset(written)


def test_offsets_are_written_back_as_a_scenario_writes_them() -> None:
    assert format_offset(timedelta(hours=1, minutes=2, seconds=3)) == "+01:02:03"


def test_placeholders_are_filled_for_the_run_and_its_moment() -> None:
    text = "<identifier>x-{{run}}</identifier><sent>{{sent}}</sent><expires>{{ sent + 06:00:00 }}"
    assert fill(text + "</expires>{{sent-00:30:00}}", "ex-7", SENT) == (
        "<identifier>x-ex-7</identifier><sent>2026-12-07T18:30:00+00:00</sent>"
        "<expires>2026-12-08T00:30:00+00:00</expires>2026-12-07T18:00:00+00:00"
    )
    assert unknown_placeholders("{{run}} {{sent+01:00:00}} {{now}} {{sent+1h}}") == [
        "{{now}}",
        "{{sent+1h}}",
    ]
    # an unknown placeholder is left as written (the checker has named it)
    assert fill("{{now}}", "ex-7", SENT) == "{{now}}"
