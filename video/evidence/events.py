"""Events of evidence exports."""

from __future__ import annotations

from typing import ClassVar

from csu.events import Event, Reach


class ExportProgress(Event):
    """How far an export has got: `percent` of its span written (100 once signed), its state.

    Published as the work advances (at most a few times a second) and at every change of state,
    so a console draws the bar from events alone; only those who may export the camera get it.
    """

    topic: ClassVar[str] = "video.export_progress"
    # Live: the console that asked may be connected to another node than the one exporting.
    reach: ClassVar[Reach] = "live"
    export_id: str
    camera_id: str  # an export's camera, a case's first one
    cameras: list[str] = []  # every camera of a case (empty for one camera's export)
    user: str  # who asked for it
    state: str  # pending, running, done, failed (video.evidence.jobs.ExportState)
    percent: int
