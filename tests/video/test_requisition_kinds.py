"""Right-of-access requests as pure rules: the legal deadline (one month, counted as EU law counts
months, on the site's clock), what each kind of record needs, and when one is late."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from video.requisitions.kinds import (
    AccessBasis,
    RequisitionIncomplete,
    RequisitionKind,
    access_deadline,
    check_record,
    one_month_after,
)
from video.requisitions.status import RequisitionStatus, is_late

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 26), date(2026, 12, 26)),
        (date(2026, 12, 15), date(2027, 1, 15)),  # across the year
        (date(2027, 1, 31), date(2027, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 30), date(2028, 2, 29)),  # a leap year
        (date(2026, 3, 31), date(2026, 4, 30)),
    ],
)
def test_one_month_is_the_same_date_next_month_or_its_last_day(received: date, due: date) -> None:
    assert one_month_after(received) == due


def test_the_deadline_is_the_end_of_that_day_on_the_sites_clock() -> None:
    # 23:30 UTC on 30 November is already 1 December in Paris: the month runs from there.
    received = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    due = access_deadline(received, PARIS)
    assert due.tzinfo is UTC
    assert due.astimezone(PARIS) == datetime(2027, 1, 1, 23, 59, 59, tzinfo=PARIS)
    assert access_deadline(received, UTC) == datetime(2026, 12, 30, 23, 59, 59, tzinfo=UTC)


def test_the_deadline_keeps_the_sites_hour_across_a_clock_change() -> None:
    # Received in winter time, due in summer time: still the day's end in Paris.
    due = access_deadline(datetime(2026, 3, 10, 9, 0, tzinfo=PARIS), PARIS)
    assert due == datetime(2026, 4, 10, 21, 59, 59, tzinfo=UTC)


def judicial(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "authority": "Parquet d'Angers",
        "officer": "OPJ Durand",
        "requester": None,
        "legal_basis": "Art. 77-1-1 CPP",
        "deadline": None,
    }
    return {**record, **changes}


def access(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "authority": None,
        "officer": None,
        "requester": "Mme Claire Martin",
        "legal_basis": AccessBasis.GDPR.value,
        "deadline": None,
    }
    return {**record, **changes}


def test_each_kind_holds_what_it_needs() -> None:
    check_record(RequisitionKind.JUDICIAL, **judicial())  # type: ignore[arg-type]
    check_record(RequisitionKind.ACCESS, **access())  # type: ignore[arg-type]
    check_record(RequisitionKind.ACCESS, **access(legal_basis="lil_art104"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "record", "key"),
    [
        (RequisitionKind.JUDICIAL, judicial(officer=None), "judicial_needs"),
        (RequisitionKind.JUDICIAL, judicial(authority=" "), "judicial_needs"),
        (RequisitionKind.JUDICIAL, judicial(requester="M. X"), "judicial_requester"),
        (RequisitionKind.ACCESS, access(requester=None), "access_needs"),
        (RequisitionKind.ACCESS, access(authority="Parquet"), "access_authority"),
        (RequisitionKind.ACCESS, access(legal_basis="Art. 15"), "access_basis"),
        (
            RequisitionKind.ACCESS,
            access(deadline=datetime(2027, 1, 1, tzinfo=UTC)),
            "access_deadline",
        ),
    ],
)
def test_a_record_missing_what_its_kind_needs_is_refused(
    kind: RequisitionKind, record: dict[str, object], key: str
) -> None:
    with pytest.raises(RequisitionIncomplete) as refused:
        check_record(kind, **record)  # type: ignore[arg-type]
    assert refused.value.key == f"errors.requisitions.{key}"


def test_late_means_past_the_deadline_and_still_unanswered() -> None:
    due = datetime(2026, 12, 26, 22, 59, 59, tzinfo=UTC)
    after = datetime(2026, 12, 27, tzinfo=UTC)
    assert is_late(RequisitionStatus.RECEIVED, due, after)
    assert is_late(RequisitionStatus.IN_PROGRESS, due, after)
    assert not is_late(RequisitionStatus.IN_PROGRESS, due, due)
    assert not is_late(RequisitionStatus.DELIVERED, due, after)
    assert not is_late(RequisitionStatus.REFUSED, due, after)
    assert not is_late(RequisitionStatus.RECEIVED, None, after)
