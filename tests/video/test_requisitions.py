"""The requisitions register: supervisors keep it, the privacy officer reads it, changes logged."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.migrate import upgrade
from privacy.access_log import AccessLog
from privacy.access_log.models import AccessLogEntry
from privacy.guard import AccessDenied
from privacy.rights import Requester, viewer_of
from video.requisitions.service import (
    REQUISITION_CREATE,
    REQUISITION_READ,
    REQUISITION_UPDATE,
    Handover,
    NewRequisition,
    RequestedSpan,
    RequisitionChange,
    RequisitionNotFound,
    RequisitionService,
    RequisitionStatus,
)
from video.requisitions.status import RequisitionStatusIncomplete, RequisitionTransitionInvalid

DAY0 = datetime(2026, 11, 25, 19, 30, tzinfo=UTC)


@dataclass
class Site:
    """A migrated database, its access log and the register."""

    db: Database
    log: AccessLog
    register: RequisitionService

    def entries(self, action: str) -> list[AccessLogEntry]:
        return [e for e in self.log.entries() if e.action == action]

    def actor(self, username: str) -> Requester:
        with self.db.session() as session:
            user = identity.get_user(session, username=username)
            assert user is not None
            viewer = viewer_of(session, user)
        return Requester(viewer, "192.0.2.7")


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    db = Database(database_url)
    upgrade(db.engine)
    with db.session() as session:
        for role in (Role.SUPERVISOR, Role.OPERATOR, Role.ADMIN):
            identity.create_user(
                session, username=role.value, role=role, password="pw-123456789", cameras=["*"]
            )
        identity.create_user(
            session, username="dpo", role=Role.PRIVACY_OFFICER, password="pw-123456789"
        )
    log = AccessLog(db)
    yield Site(db, log, RequisitionService(db, log))
    db.dispose()


def new_requisition(reference: str = "PV-49-2026-0042") -> NewRequisition:
    return NewRequisition(
        reference=reference,
        authority="Parquet d'Angers",
        officer="OPJ Durand",
        received_at=DAY0,
        legal_basis="Art. 77-1 CPP",
        requested=(RequestedSpan("cam-ralliement-1", DAY0, DAY0 + timedelta(hours=1)),),
        deadline=DAY0 + timedelta(days=8),
    )


def test_a_supervisor_records_a_requisition_and_the_creation_is_logged(site: Site) -> None:
    req = site.register.create(new_requisition(), site.actor("supervisor"))
    assert req.id is not None and req.status == "received"
    stored = site.register.get(req.id, site.actor("dpo"))
    assert stored.requested == [
        {
            "camera_id": "cam-ralliement-1",
            "start": "2026-11-25T19:30:00+00:00",
            "end": "2026-11-25T20:30:00+00:00",
        }
    ]
    assert stored.deadline == DAY0 + timedelta(days=8)
    (entry,) = site.entries(REQUISITION_CREATE)
    assert entry.outcome == "granted" and entry.user == "supervisor"
    assert entry.requisition == "PV-49-2026-0042"
    assert json.loads(entry.details)["authority"] == "Parquet d'Angers"


def test_the_life_of_a_requisition_logs_each_change_before_and_after(site: Site) -> None:
    boss = site.actor("supervisor")
    req = site.register.create(new_requisition(), boss)
    assert req.id is not None
    site.register.update(req.id, RequisitionChange(status=RequisitionStatus.IN_PROGRESS), boss)
    with pytest.raises(RequisitionStatusIncomplete):
        site.register.update(req.id, RequisitionChange(status=RequisitionStatus.DELIVERED), boss)
    handover = Handover("OPJ Durand", DAY0 + timedelta(days=2), "clé USB", "R-17")
    done = site.register.update(
        req.id, RequisitionChange(status=RequisitionStatus.DELIVERED, handover=handover), boss
    )
    assert done.status == "delivered" and done.recipient == "OPJ Durand"
    assert done.handed_over_at == DAY0 + timedelta(days=2) and done.receipt == "R-17"
    with pytest.raises(RequisitionTransitionInvalid):
        site.register.update(
            req.id, RequisitionChange(RequisitionStatus.REFUSED, refusal_reason="trop tard"), boss
        )
    updates = site.entries(REQUISITION_UPDATE)
    changes = [json.loads(e.details) for e in updates]
    assert [(c["before"]["status"], c["after"]["status"]) for c in changes] == [
        ("received", "in_progress"),
        ("in_progress", "delivered"),
    ]
    assert changes[1]["after"]["medium"] == "clé USB"
    assert changes[1]["before"]["medium"] is None


def test_a_refusal_keeps_its_reason(site: Site) -> None:
    boss = site.actor("supervisor")
    req = site.register.create(new_requisition(), boss)
    assert req.id is not None
    change = RequisitionChange(RequisitionStatus.REFUSED, refusal_reason="images détruites")
    refused = site.register.update(req.id, change, boss)
    assert refused.status == "refused" and refused.refusal_reason == "images détruites"
    listed = site.register.search(site.actor("dpo"), status=RequisitionStatus.REFUSED)
    assert [r.id for r in listed] == [req.id]
    assert site.register.search(boss, status=RequisitionStatus.RECEIVED) == []


def test_operators_are_refused_and_the_privacy_officer_only_reads(site: Site) -> None:
    with pytest.raises(AccessDenied, match="no requisition-management right"):
        site.register.create(new_requisition(), site.actor("operator"))
    req = site.register.create(new_requisition(), site.actor("supervisor"))
    assert req.id is not None
    with pytest.raises(AccessDenied, match="no requisition-management right"):
        site.register.update(
            req.id, RequisitionChange(RequisitionStatus.IN_PROGRESS), site.actor("dpo")
        )
    with pytest.raises(AccessDenied, match="no requisition-read right"):
        site.register.search(site.actor("operator"))
    with pytest.raises(AccessDenied):
        site.register.get(req.id, site.actor("admin"))
    assert [r.id for r in site.register.search(site.actor("dpo"))] == [req.id]
    denied = [e for e in site.log.entries() if e.outcome == "denied"]
    assert [(e.action, e.user) for e in denied] == [
        (REQUISITION_CREATE, "operator"),
        (REQUISITION_UPDATE, "dpo"),
        (REQUISITION_READ, "operator"),
        (REQUISITION_READ, "admin"),
    ]
    assert site.register.get(req.id, site.actor("dpo")).status == "received"


def test_an_unknown_requisition_is_named(site: Site) -> None:
    with pytest.raises(RequisitionNotFound) as caught:
        site.register.get(999, site.actor("supervisor"))
    assert caught.value.key == "errors.requisitions.unknown"
    assert not site.register.exists(999)
