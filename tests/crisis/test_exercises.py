"""Exercise mode on real databases: an exercise's alarm beside a real one goes through the real
intake and engine, marked, kept apart from the real incident, the log book and the walls."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crisis.exercises import (
    CapInject,
    CsuAlarmInject,
    ExerciseEnded,
    Exercises,
    NgsiLdInject,
    end_exercise,
    injected,
    list_exercises,
    running_exercises,
    start_exercise,
    submission,
)
from crisis.layouts import IncidentView, ranked_incidents
from crisis.situation import SituationBoard
from csu.db import Database
from csu.i18n import SiteClock
from incidents.analytics_decisions import decision_counts
from incidents.clips import Clip
from incidents.engine import IncidentEngine, IntakeResult
from incidents.events import IncidentChanged
from incidents.logbook import logbook_rows
from incidents.models import ExerciseMark
from incidents.parsing import Submission
from incidents.recovery import reparsed, unparsed
from incidents.service import incident_detail, list_alarms
from incidents.store import insert_raw_ids
from incidents.stream import pack, unpack
from tests.incidents.test_clips import engine_and_clips as engine_and_clips
from tests.incidents.test_engine import CAMERA, Engine, alarm, sub


@pytest.fixture
def eng(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database."""
    e = Engine(database_url)
    yield e
    e.close()


def _exercise(eng: Engine) -> ExerciseMark:
    with eng.db.session() as s:
        return start_exercise(s, scenario="orage-tremie", title="Orage", by="sup").mark()


def _inject(eng: Engine, mark: ExerciseMark, body: bytes) -> IntakeResult:
    payload = injected(json.loads(body))
    return eng.engine.submit(submission(payload, mark)).result(timeout=10)


def test_an_exercise_alarm_beside_a_real_one_stays_apart_and_marked(eng: Engine) -> None:
    """Same source, type and place: the exercise's alarm opens its own incident, marked with the
    exercise; the real watch's next alarm joins the real incident, the exercise's the exercise's."""
    mark = _exercise(eng)
    real = eng.send(alarm("LUM-1")).alarms[0]
    drill = _inject(eng, mark, alarm("LUM-1")).alarms[0]  # even the sender's own id
    assert drill.incident_id != real.incident_id and drill.id != real.id
    assert drill.exercise == mark and real.exercise is None
    assert drill.model_dump()["exercise"] == {"id": mark.id, "title": "Orage"}
    assert "exercise_id" not in drill.model_dump()
    again_real = eng.send(alarm("LUM-2")).alarms[0]
    again_drill = _inject(eng, mark, alarm("LUM-2")).alarms[0]
    assert again_real.incident_id == real.incident_id
    assert again_drill.incident_id == drill.incident_id
    with eng.db.session() as s:
        incident = incident_detail(s, drill.incident_id or 0)
        real_incident = incident_detail(s, real.incident_id or 0)
        alarms, _ = list_alarms(s)
    assert incident is not None and real_incident is not None
    assert incident.incident.exercise == mark and incident.incident.alarm_count == 2
    assert incident.incident.model_dump(mode="json")["exercise"] == {
        "id": mark.id,
        "title": "Orage",
    }
    assert real_incident.incident.exercise is None and real_incident.incident.alarm_count == 2
    assert {a.external_id for a in alarms if a.exercise_id == mark.id} == {
        f"exercise:{mark.id}:LUM-1",
        f"exercise:{mark.id}:LUM-2",
    }
    opened = [
        e.incident
        for e in eng.events
        if isinstance(e, IncidentChanged) and e.incident.id == drill.incident_id
    ]
    assert opened and all(i.exercise == mark for i in opened)


def test_the_log_book_is_the_real_watchs_only(eng: Engine) -> None:
    """The exercise's incident and its timeline never reach the log book."""
    mark = _exercise(eng)
    real = eng.send(alarm("LUM-1")).alarms[0]
    drill = _inject(eng, mark, alarm("LUM-9", lon=-0.50)).alarms[0]
    now = datetime.now(UTC)
    with eng.db.session() as s:
        rows = logbook_rows(
            s,
            start=now - timedelta(hours=1),
            end=now + timedelta(hours=1),
            clock=SiteClock("fr", "Europe/Paris"),
        )
    assert rows and {r.incident_id for r in rows} == {real.incident_id}
    assert drill.incident_id not in {r.incident_id for r in rows}


def test_a_payload_left_unparsed_keeps_its_exercise(eng: Engine) -> None:
    """Recovery after a crash parses an exercise's stored payload for the same exercise."""
    mark = _exercise(eng)
    with eng.db.session() as s:
        insert_raw_ids(s, [submission(injected({"x": 1}), mark)])
        found = unparsed(s, after=0, limit=10)
    [(raw, title)] = found
    assert raw.exercise_id == mark.id and title == "Orage"
    assert reparsed(raw, datetime.now(UTC), title).error is not None  # not an alarm, still kept


def test_exercises_start_end_and_refuse_injects_once_ended(eng: Engine) -> None:
    """An ended exercise is listed with who ended it and takes no more injects."""
    mark = _exercise(eng)
    with eng.db.session() as s:
        assert [e.id for e in running_exercises(s)] == [mark.id]
        ended = end_exercise(s, mark.id, by="sup2")
        assert ended.ended_by == "sup2" and not ended.running
        assert running_exercises(s) == [] and list_exercises(s)[0].ended_at is not None
        with pytest.raises(ExerciseEnded):
            end_exercise(s, mark.id, by="sup2")

    class _Intake:
        async def receive(self, _s: Any) -> None:
            raise AssertionError("an ended exercise's inject reached the intake")

    service = Exercises(eng.db, _Intake())  # type: ignore[arg-type]
    with pytest.raises(ExerciseEnded):
        asyncio.run(service.inject(mark.id, CsuAlarmInject(alarm={})))


def test_injects_are_told_apart_by_their_format() -> None:
    """XML is CAP, a Notification NGSI-LD, any other dict csu's JSON; each by its channel."""
    mark = ExerciseMark(id=3, title="t")
    assert isinstance(injected("<alert/>"), CapInject)
    assert isinstance(injected({"type": "Notification", "data": []}), NgsiLdInject)
    assert isinstance(injected({"source": "s"}), CsuAlarmInject)
    assert submission(injected("<alert/>"), mark).channel.value == "http.cap"
    assert submission(injected({"data": []}), mark).exercise == mark


def test_real_incidents_always_win_the_walls() -> None:
    """A critical exercise incident ranks below a minor real one, however old."""
    drill = IncidentView(1, "critical", ("cam-1",), exercise=True)
    real = IncidentView(9, "low", ("cam-1",))
    assert [i.id for i in ranked_incidents([drill, real])] == [9, 1]
    board = SituationBoard(())
    assert board.situation(crisis=False, status={}).incidents == ()


def test_an_exercise_keeps_no_real_footage(
    engine_and_clips: tuple[IncidentEngine, Database, list[Clip]],
) -> None:
    """A camera covering an exercise's incident is attached but records no clip for it."""
    engine, db, handed = engine_and_clips
    with db.session() as s:
        mark = start_exercise(s, scenario="s", title="t", by="sup").mark()
    drill = engine.submit(submission(injected(json.loads(alarm("D-1"))), mark)).result(timeout=10)
    real = engine.submit(sub(alarm("R-1"))).result(timeout=10)  # same place: never merged
    with db.session() as s:
        detail = incident_detail(s, drill.alarms[0].incident_id or 0)
    assert detail is not None and detail.incident.cameras == [CAMERA.camera_id]
    assert [e.kind for e in detail.timeline] == ["alarm_received", "camera_attached"]
    assert [c.incident_id for c in handed] == [real.alarms[0].incident_id]


def test_the_alarm_stream_carries_the_exercise_mark() -> None:
    """In a cluster the leader's engine gets the payload from the stream, mark included; a real
    payload's message is as it was (no exercise in its head)."""
    mark = ExerciseMark(id=4, title="Orage")
    drill = submission(injected({"source": "s"}), mark)
    assert unpack(pack(drill, intake_id="i-1", node="n")).exercise == mark
    real = Submission(drill.channel, drill.body, drill.received_at)
    message = pack(real, intake_id="i-2", node="n")
    assert b"exercise" not in message.split(b"\n")[0] and unpack(message).exercise is None


def test_analytics_statistics_are_the_real_watchs(eng: Engine) -> None:
    """An exercise's analytics alarm counts in no statistics of raised alarms."""
    mark = _exercise(eng)
    kind = "video.analytics.zone_intrusion"
    assert eng.send(alarm("AN-1", kind)).accepted
    _inject(eng, mark, alarm("AN-2", kind))
    with eng.db.session() as s:
        counts = decision_counts(s)
    assert counts[kind]["raised"] == 1
