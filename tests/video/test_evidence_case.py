"""A case's pure parts: its job's state file, its progress across clips, its offline page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from csu.events import Event
from csu.i18n import SiteClock
from video.evidence import jobs
from video.evidence.case import CaseDocuments, CaseIncident, CaseLine, Clip, clip_name
from video.evidence.case_page import render
from video.evidence.events import ExportProgress
from video.evidence.jobs import ExportJob, ExportState, Span, case_request
from video.evidence.progress import ProgressBoard

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def case_job() -> ExportJob:
    """A pending case of two 10 s spans of two cameras."""
    spans = [Span("cam-a", T0, T0 + timedelta(seconds=10))]
    spans.append(Span("cam-b", T0 + timedelta(seconds=20), T0 + timedelta(seconds=30)))
    request = case_request(spans, user="sup", reason="rixe", incident_id=7)
    return ExportJob(jobs.new_id(T0), request, "zones", T0)


def test_a_case_job_keeps_its_spans_and_an_older_state_file_still_loads(tmp_path: Path) -> None:
    """Saved and read back, a case has its spans, cameras and incident; a state file written
    before cases (no `more`, `case` or `incident_id`) loads as one camera's export."""
    job = case_job()
    jobs.save(tmp_path, job)
    loaded = jobs.load(tmp_path, job.id)
    assert loaded == job
    assert loaded.request.cameras == ("cam-a", "cam-b") and loaded.request.case
    path = jobs.state_path(tmp_path, job.id)
    data = json.loads(path.read_text())
    for name in ("more", "case", "incident_id"):
        del data["request"][name]
    path.write_text(json.dumps(data))
    old = jobs.load(tmp_path, job.id)
    assert old is not None and not old.request.case
    assert old.request.spans == (Span("cam-a", T0, T0 + timedelta(seconds=10)),)


def test_progress_runs_across_the_clips_and_names_every_camera() -> None:
    """Halfway through the second of two equal clips is 75 %; the events name both cameras."""
    told: list[Event] = []
    board = ProgressBoard(told.append)
    job = case_job().moved(ExportState.RUNNING)
    board.watch(job, 0)((T0 + timedelta(seconds=5)).timestamp())
    board.watch(job, 1)((T0 + timedelta(seconds=25)).timestamp())
    assert board.percent(job) == 75
    assert all(isinstance(e, ExportProgress) for e in told)
    assert [e.cameras for e in told if isinstance(e, ExportProgress)] == [["cam-a", "cam-b"]] * 2


def test_the_page_plays_clips_by_relative_path_and_escapes_what_people_wrote() -> None:
    """index.html: each clip by its relative name with its span in ms, the timeline in the
    site's language and clock, a note's markup shown as text, nothing fetched from a network."""
    clock = SiteClock("fr", "Europe/Paris")
    note = CaseLine(T0 + timedelta(seconds=3), "note", "operator", "<script>alert(1)</script>")
    incident = CaseIncident(7, "Rixe", "public_order.fight", "high", "closed", T0, None)
    documents = CaseDocuments("incident 7 : Rixe", clock, incident, (note,), (note,))
    name = clip_name("cam-a", T0, T0 + timedelta(seconds=10))
    assert name == "clips/cam-a_20261125T100000Z_20261125T100010Z.mp4"
    clip = Clip(name, "cam-a", "Rue A", T0, T0 + timedelta(seconds=10), 250)
    page = render(documents, [clip], made_by="sup", made_at=T0, reason="rixe", requisition="PV 1")
    assert f'src="{name}"' in page and 'data-start="1795600800000"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Chronologie de l&#x27;incident" in page and "25/11/2026 11:00:03" in page
    assert "http" not in page.replace('lang="fr"', "")
