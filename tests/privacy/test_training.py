"""Authorisations held without data-protection training: the pure selection over a period, and
the same read from the accounts' tables, each grant with who granted it and when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.migrate import upgrade
from privacy.service import UntrainedAuthorisation, untrained_authorisations
from privacy.training import HeldGrant, find_untrained_authorisations

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "a long enough passphrase 7"


def held(
    username: str,
    camera: str,
    *,
    by: str | None = "boss",
    at: datetime = T0,
    until: datetime | None = None,
    trained: date | None = None,
    role: str = "operator",
) -> HeldGrant:
    return HeldGrant(username, role, True, trained, camera, until, by, at)


def test_one_row_per_account_and_granter_with_its_cameras_and_earliest_time() -> None:
    grants = [
        held("op", "cam-b", at=T0 + timedelta(days=2)),
        held("op", "cam-a", at=T0),
        held("op", "cam-c", by="chief", at=T0 + timedelta(days=1)),
        held("sup", "*", by=None, role="supervisor"),
        held("trained", "cam-a", trained=date(2026, 1, 15)),
    ]
    rows = untrained_authorisations(grants, since=T0, until=T0 + timedelta(days=30))
    assert rows == [
        UntrainedAuthorisation("op", Role.OPERATOR, True, ("cam-a", "cam-b"), "boss", T0),
        UntrainedAuthorisation(
            "op", Role.OPERATOR, True, ("cam-c",), "chief", T0 + timedelta(days=1)
        ),
        UntrainedAuthorisation("sup", Role.SUPERVISOR, True, ("*",), None, T0),
    ]


def test_only_grants_in_force_in_the_period_count() -> None:
    since, until = T0, T0 + timedelta(days=10)
    grants = [
        held("ended-before", "cam-a", at=T0 - timedelta(days=9), until=T0 - timedelta(days=1)),
        held("granted-after", "cam-a", at=until + timedelta(seconds=1)),
        held("ends-inside", "cam-a", at=T0 - timedelta(days=9), until=T0 + timedelta(days=1)),
        held("never-held", "cam-a", at=T0 + timedelta(days=2), until=T0 + timedelta(days=1)),
    ]
    rows = untrained_authorisations(grants, since=since, until=until)
    assert [r.account for r in rows] == ["ends-inside"]


def test_training_after_the_period_leaves_the_agent_untrained_within_it() -> None:
    grants = [held("late", "cam-a", trained=date(2026, 6, 1))]
    assert untrained_authorisations(grants, since=T0, until=T0 + timedelta(days=1))
    assert not untrained_authorisations(grants, since=T0, until=datetime(2026, 6, 2, tzinfo=UTC))


def test_read_from_the_tables_with_who_granted_each(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db.engine)
    with db.session() as s:
        identity.create_user(s, username="boss", role=Role.ADMIN, password=PASSWORD)
        op = identity.create_user(
            s,
            username="op",
            role=Role.OPERATOR,
            password=PASSWORD,
            cameras=["cam-a"],
            granted_by="boss",
        )
        identity.create_user(
            s, username="old", role=Role.OPERATOR, password=PASSWORD, cameras=["cam-b"]
        )
        trained = identity.create_user(
            s, username="trained", role=Role.OPERATOR, password=PASSWORD, cameras=["*"]
        )
        identity.set_training_date(s, user=trained, day=date(2026, 1, 15))
        identity.replace_grants(s, user=op, grants={"cam-a": None, "cam-c": None}, granted_by="x")
    rows = find_untrained_authorisations(db)
    assert [(r.account, r.cameras, r.granted_by) for r in rows] == [
        ("old", ("cam-b",), None),
        ("op", ("cam-a",), "boss"),  # unchanged: keeps who granted it
        ("op", ("cam-c",), "x"),
    ]
    assert all(r.granted_at.tzinfo is not None for r in rows)
    db.dispose()
