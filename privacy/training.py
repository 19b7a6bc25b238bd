"""Authorisations held by agents with no data-protection training on record: the ethics report
flags each, with who granted it and when."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from csu.db import Database
from csu.identity.models import CameraGrant, User
from csu.identity.roles import Role
from csu.times import as_utc


@dataclass(frozen=True)
class HeldGrant:
    """One camera grant with its account's facts, as read from the accounts' tables."""

    username: str
    role: str
    active: bool
    training_date: date | None
    camera_id: str
    expires_at: datetime | None
    granted_by: str | None
    granted_at: datetime


@dataclass(frozen=True)
class UntrainedAuthorisation:
    """An account's cameras granted by one administrator while it has no training on record."""

    account: str
    role: Role
    active: bool
    cameras: tuple[str, ...]
    granted_by: str | None  # None: the site file, the command line, or before it was recorded
    granted_at: datetime  # the earliest of these grants: since when the agent is untrained


def _in_force(grant: HeldGrant, since: datetime, until: datetime) -> bool:
    granted = as_utc(grant.granted_at)
    if grant.expires_at is None:
        return granted <= until
    # A grant recorded already expired was never held.
    ends = as_utc(grant.expires_at)
    return granted <= until and ends > since and ends > granted


def _untrained(grant: HeldGrant, until: datetime) -> bool:
    # Trained only after the period: untrained throughout it.
    return grant.training_date is None or grant.training_date > until.date()


def untrained_authorisations(
    grants: Iterable[HeldGrant], *, since: datetime, until: datetime
) -> list[UntrainedAuthorisation]:
    """The grants in force at some time in [since, until] whose agent had no training on record
    by `until`, one row per account and granting administrator, by account then time."""
    since, until = as_utc(since), as_utc(until)
    groups: dict[tuple[str, str | None], list[HeldGrant]] = {}
    for grant in grants:
        if _in_force(grant, since, until) and _untrained(grant, until):
            groups.setdefault((grant.username, grant.granted_by), []).append(grant)
    rows = [
        UntrainedAuthorisation(
            account=username,
            role=Role(held[0].role),
            active=held[0].active,
            cameras=tuple(sorted(g.camera_id for g in held)),
            granted_by=granted_by,
            granted_at=min(as_utc(g.granted_at) for g in held),
        )
        for (username, granted_by), held in groups.items()
    ]
    return sorted(rows, key=lambda r: (r.account, r.granted_at, r.granted_by or ""))


def held_grants(db: Database) -> list[HeldGrant]:
    """Every camera grant with its account's facts, expired ones included."""
    with db.session() as session:
        return held_grants_in(session)


def held_grants_in(session: Session) -> list[HeldGrant]:
    """Every camera grant with its account's facts, read in the caller's session (one query)."""
    query = select(CameraGrant, User).join(User, col(User.id) == col(CameraGrant.user_id))
    return [
        HeldGrant(
            username=user.username,
            role=user.role,
            active=user.active,
            training_date=user.training_date,
            camera_id=grant.camera_id,
            expires_at=grant.expires_at,
            granted_by=grant.granted_by,
            granted_at=grant.created_at,
        )
        for grant, user in session.exec(query)
    ]


def find_untrained_authorisations(
    db: Database, *, since: datetime | None = None, until: datetime | None = None
) -> list[UntrainedAuthorisation]:
    """The untrained authorisations in force over [since, until] (both default to now)."""
    now = datetime.now(UTC)
    end = until or now
    return untrained_authorisations(held_grants(db), since=since or end, until=end)
