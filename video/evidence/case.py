"""A case's documents: typed data given by whoever composes the case (crisis), written into the
case's folder as JSON beside the clips, each listed in the signed manifest like the footage.

Video stays below incidents and crisis: it never reads them, it writes what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from csu.i18n import SiteClock
from video.evidence.manifest import FileEntry, canonical_bytes, file_entry, iso

CLIPS = "clips"
TIMELINE = "timeline.json"
NOTES = "notes.json"
CRISIS_LOG = "crisis_log.json"
INDEX = "index.html"
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class CaseLine:
    """One dated line of a case's documents: a timeline entry, a note, a crisis log line."""

    at: datetime
    kind: str
    author: str | None
    text: str
    source: str = ""  # where it comes from, as the reader says it ("incident 12", "crise 3")
    label: str = ""  # its kind in the site's language, for the page (the JSON keeps `kind`)


@dataclass(frozen=True)
class CaseIncident:
    """The incident a case is made for, as it stood when the case was made."""

    id: int
    title: str
    type: str
    severity: str
    status: str
    opened_at: datetime
    closed_at: datetime | None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class CaseCrisis:
    """The crisis whose log the case quotes."""

    id: int
    title: str


@dataclass(frozen=True)
class CaseDocuments:
    """What a case carries beside its clips, and the site's clock its page is written on."""

    title: str
    clock: SiteClock
    incident: CaseIncident | None = None
    timeline: tuple[CaseLine, ...] = ()
    notes: tuple[CaseLine, ...] = ()
    crisis: CaseCrisis | None = None
    crisis_log: tuple[CaseLine, ...] = field(default=())


@dataclass(frozen=True)
class Clip:
    """One span's clip as the case's page and manifest describe it."""

    name: str  # clips/<camera>_<start>_<end>.mp4
    camera_id: str
    camera_name: str
    start: datetime
    end: datetime
    frames: int


def clip_name(camera_id: str, start: datetime, end: datetime) -> str:
    """The relative name of a span's clip in a case's folder."""
    return f"{CLIPS}/{camera_id}_{_stamp(start)}_{_stamp(end)}.mp4"


def _stamp(moment: datetime) -> str:
    return iso(moment).replace("-", "").replace(":", "").split(".")[0] + "Z"


def write_documents(folder: Path, documents: CaseDocuments) -> list[FileEntry]:
    """timeline.json, notes.json and crisis_log.json (sorted keys, UTF-8); their entries."""
    incident = _incident(documents.incident)
    crisis = _crisis(documents.crisis)
    bodies = {
        TIMELINE: {"incident": incident, "entries": _lines(documents.timeline)},
        NOTES: {"incident": incident, "notes": _lines(documents.notes)},
        CRISIS_LOG: {"crisis": crisis, "entries": _lines(documents.crisis_log)},
    }
    entries = []
    for name, body in bodies.items():
        path = folder / name
        path.write_bytes(canonical_bytes(body))
        entries.append(file_entry(path, JSON_TYPE, root=folder))
    return entries


def _lines(lines: tuple[CaseLine, ...]) -> list[dict[str, Any]]:
    return [
        {"at": iso(line.at), "kind": line.kind, "author": line.author, "text": line.text}
        | ({"source": line.source} if line.source else {})
        for line in lines
    ]


def _incident(incident: CaseIncident | None) -> dict[str, Any] | None:
    if incident is None:
        return None
    return {
        "id": incident.id,
        "title": incident.title,
        "type": incident.type,
        "severity": incident.severity,
        "status": incident.status,
        "opened_at": iso(incident.opened_at),
        "closed_at": iso(incident.closed_at) if incident.closed_at else None,
        "lon": incident.lon,
        "lat": incident.lat,
    }


def _crisis(crisis: CaseCrisis | None) -> dict[str, Any] | None:
    return None if crisis is None else {"id": crisis.id, "title": crisis.title}


def case_facts(documents: CaseDocuments, clips: list[Clip]) -> dict[str, Any]:
    """What the manifest says of the case besides its files (JSON, parsed by tools)."""
    return {
        "kind": "case",
        "title": documents.title,
        "incident": _incident(documents.incident),
        "crisis": _crisis(documents.crisis),
        "spans": [
            {
                "file": clip.name,
                "camera_id": clip.camera_id,
                "camera_name": clip.camera_name,
                "start": iso(clip.start),
                "end": iso(clip.end),
                "frames": clip.frames,
            }
            for clip in clips
        ],
    }
