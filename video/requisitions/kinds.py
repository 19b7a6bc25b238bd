"""Judicial requisitions and right-of-access requests, as pure rules: what each record needs, and
the legal deadline of an access request.

A right-of-access request comes from the person filmed, not from an authority: GDPR art. 15 for
the city's own video-protection, or Directive 2016/680 (loi Informatique et libertés art. 104-105)
where the footage serves the police. Either way the centre answers within one month of receipt
(GDPR art. 12(3), which the 1978 law's art. 104-105 regime follows), counted as EU law counts
months (Regulation 1182/71 art. 3): to the end of the day of the next month with the same date,
or of that month's last day when it has none.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, tzinfo
from enum import StrEnum

from csu.errors import Invalid


class RequisitionKind(StrEnum):
    """Who asks: a judicial authority, or a person for footage of themselves."""

    JUDICIAL = "judicial"
    ACCESS = "access"


class AccessBasis(StrEnum):
    """The law a right-of-access request is made under."""

    GDPR = "gdpr_art15"  # RGPD art. 15: the city's video-protection
    POLICE = "lil_art104"  # Directive 2016/680, loi Informatique et libertés art. 104-105


class RequisitionIncomplete(Invalid):
    """A record that lacks what its kind needs, or holds what its kind may not."""


# The last second of the deadline's day: a request is late once that day has ended.
_END_OF_DAY = time(23, 59, 59)


def one_month_after(day: date) -> date:
    """The same date in the next month, or that month's last day when it has none."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def access_deadline(received_at: datetime, zone: tzinfo) -> datetime:
    """The moment (UTC) an access request received at `received_at` must be answered by: the end
    of the day one month later on the site's clock (`zone`)."""
    local_day = received_at.astimezone(zone).date()
    last = datetime.combine(one_month_after(local_day), _END_OF_DAY, tzinfo=zone)
    return last.astimezone(UTC)


def _refuse(english: str, key: str) -> RequisitionIncomplete:
    return RequisitionIncomplete(english, key=key)


def check_record(
    kind: RequisitionKind,
    *,
    authority: str | None,
    officer: str | None,
    requester: str | None,
    legal_basis: str,
    deadline: datetime | None,
) -> None:
    """Raise RequisitionIncomplete unless the record holds what its kind needs, and only that."""
    if kind is RequisitionKind.JUDICIAL:
        if not (authority or "").strip() or not (officer or "").strip():
            raise _refuse(
                "a judicial requisition needs its authority and officer",
                "errors.requisitions.judicial_needs",
            )
        if requester is not None:
            raise _refuse(
                "a judicial requisition has no requester: the authority asks",
                "errors.requisitions.judicial_requester",
            )
        return
    if not (requester or "").strip():
        raise _refuse("an access request needs its requester", "errors.requisitions.access_needs")
    if authority is not None or officer is not None:
        raise _refuse(
            "an access request comes from a person: no authority or officer",
            "errors.requisitions.access_authority",
        )
    if legal_basis not in set(AccessBasis):
        raise _refuse(
            "an access request's legal basis is gdpr_art15 or lil_art104",
            "errors.requisitions.access_basis",
        )
    if deadline is not None:
        raise _refuse(
            "an access request's deadline is the law's: one month from receipt",
            "errors.requisitions.access_deadline",
        )
