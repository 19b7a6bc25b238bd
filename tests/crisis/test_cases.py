"""A case's crisis log excerpt without an incident: the crisis open over the case's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crisis import crises
from crisis.cases import compose
from crisis.models import CrisisLogKind
from csu.db import Database
from csu.i18n import SiteClock
from csu.identity import service as identity
from csu.identity.roles import Role
from privacy.rights import Viewer
from video.evidence.jobs import Span

T0 = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def test_spans_alone_quote_the_crisis_open_over_them_within_their_time(db: Database) -> None:
    """The crisis open during the spans gives its lines written between their start and end,
    worded by kind; a crisis closed before them gives nothing; the title names the start."""
    with db.session() as session:
        user = identity.create_user(
            session, username="sup", role=Role.SUPERVISOR, password="test-password-1", cameras=["*"]
        )
        old = crises.create(
            session,
            title="Ancienne",
            by="sup",
            at=T0 - timedelta(days=2),
            incidents=[],
            people=[],
            text="ouverte",
        )
        old.closed_at = T0 - timedelta(days=1)
        crisis = crises.create(
            session, title="Crue", by="sup", at=T0, incidents=[], people=[], text="ouverte"
        )
        for minutes, text in ((5, "digue surveillée"), (90, "plus tard")):
            crises.write(
                session,
                crisis,
                at=T0 + timedelta(minutes=minutes),
                author="sup",
                kind=CrisisLogKind.DECISION,
                text=text,
            )
        session.commit()
        spans = [Span("cam-a", T0 + timedelta(minutes=1), T0 + timedelta(minutes=30))]
        clock = SiteClock("fr", "Europe/Paris")
        documents = compose(
            session, None, spans, viewer=Viewer(user, frozenset({"*"})), clock=clock
        )
    assert documents.crisis is not None and documents.crisis.title == "Crue"
    assert [(line.text, line.label) for line in documents.crisis_log] == [
        ("digue surveillée", "décision")
    ]
    assert documents.incident is None and documents.timeline == ()
    assert documents.title == "enregistrements du 25/11/2026 21:01"
