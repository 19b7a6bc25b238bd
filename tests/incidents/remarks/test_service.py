"""The remark service on a real database: taken, moderated (logged), shown to the public
rounded and without contact, exported for the services, purged by age with an explicit now."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from csu.db import Database
from csu.errors import Conflict, NotFound
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.migrate import upgrade
from incidents.remarks.rules import CityBox, RemarkLimiter, RemarkRefused
from incidents.remarks.service import RemarkService, RemarkStatus
from privacy.access_log import AccessLog
from privacy.rights import Requester, viewer_of

NOW = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # 23:30 in Angers: published the 7th
ANGERS = CityBox(47.40, -0.66, 47.53, -0.48)


@pytest.fixture
def service(database_url: str) -> Iterator[RemarkService]:
    db = Database(database_url)
    upgrade(db.engine)
    with db.session() as session:
        identity.create_user(
            session, username="sup", role=Role.SUPERVISOR, password="pw-1234567-remarks"
        )
    log = AccessLog(db)
    yield RemarkService(
        db,
        log,
        ANGERS,
        RemarkLimiter(100, 100),
        retention_days=180,
        zone=ZoneInfo("Europe/Paris"),
    )
    db.dispose()


def supervisor(service: RemarkService) -> Requester:
    with service._db.session() as session:
        user = identity.get_user(session, username="sup")
        assert user is not None
        return Requester(viewer_of(session, user), "192.0.2.9")


def test_moderation_publishes_refuses_and_logs_each_step(service: RemarkService) -> None:
    sup = supervisor(service)
    first = service.submit("kiosk", (47.471249, -0.551849, "Trottoir défoncé", "a@b.fr", True))
    second = service.submit("kiosk", (47.46, -0.55, "Spam", None, False))
    assert first.id is not None and second.id is not None
    assert [r.id for r in service.listing(RemarkStatus.PENDING, sup)] == [first.id, second.id]

    published = service.publish(first.id, sup, now=NOW)
    assert (published.status, published.moderated_by) == ("published", "sup")
    refused = service.refuse(second.id, "  publicité  ", sup, now=NOW)
    assert refused.refusal_reason == "publicité"
    with pytest.raises(Conflict):
        service.publish(second.id, sup)
    with pytest.raises(NotFound):
        service.refuse(999, "x", sup)
    with pytest.raises(RemarkRefused):
        service.refuse(first.id, "   ", sup)

    public = service.published()
    assert [(p.text, p.lat, p.lon, p.published_on) for p in public] == [
        ("Trottoir défoncé", 47.471, -0.552, "2026-12-07")
    ]
    assert "contact" not in vars(public[0])

    entries = [e for e in service._log.entries() if e.action.startswith("remarks.")]
    assert [e.action for e in entries] == [
        "remarks.list",
        "remarks.publish",
        "remarks.refuse",
    ]
    assert all(e.user == "sup" and e.client == "192.0.2.9" for e in entries)
    assert json.loads(entries[2].details) == {
        "remark": second.id,
        "status": "refused",
        "reason": "publicité",
    }


def test_the_export_holds_pending_and_published_remarks_and_consented_contacts_only(
    service: RemarkService,
) -> None:
    sup = supervisor(service)
    kept = service.submit("k", (47.47, -0.55, "=HYPERLINK(1)", "claire@example.org", True))
    plain = service.submit("k", (47.48, -0.56, "Sans contact", None, False))
    gone = service.submit("k", (47.49, -0.57, "Refusée", "x@y.fr", True))
    assert kept.id and plain.id and gone.id
    service.publish(plain.id, sup, now=NOW)
    service.refuse(gone.id, "hors sujet", sup, now=NOW)

    text, rows = service.export("csv", sup)
    assert [(r["id"], r["status"], r["contact"]) for r in rows] == [
        (kept.id, "pending", "claire@example.org"),
        (plain.id, "published", None),
    ]
    assert rows[1]["published_at"] == NOW.isoformat()
    read = list(csv.DictReader(io.StringIO(text)))
    assert read[0]["text"] == "'=HYPERLINK(1)"  # a formula stays text in a spreadsheet
    assert read[1]["contact"] == "" and "hors sujet" not in text and "x@y.fr" not in text
    assert "moderated_by" not in read[0]


def test_the_purge_deletes_remarks_older_than_the_retention_whatever_their_state(
    service: RemarkService,
) -> None:
    sup = supervisor(service)
    old = service.submit("k", (47.47, -0.55, "ancienne", "a@b.fr", True), now=NOW)
    recent = service.submit("k", (47.47, -0.55, "récente", None, False), now=NOW + timedelta(1))
    assert old.id and recent.id
    service.publish(old.id, sup, now=NOW)
    assert service.purge(NOW + timedelta(days=180)) == 0
    assert service.purge(NOW + timedelta(days=180, seconds=1)) == 1
    left = service.listing(RemarkStatus.PENDING, sup) + service.listing(RemarkStatus.PUBLISHED, sup)
    assert [r.text for r in left] == ["récente"]
    assert service.published() == []
