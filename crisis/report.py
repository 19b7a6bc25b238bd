"""The printable crisis report: plain HTML, no script, readable on paper."""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape

from crisis.report_data import CameraShown, Line, ReportData
from incidents.service import AlarmGroup, describe_group, group_entries

STYLE = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 18pt; margin-bottom: 0.2em; } h2 { font-size: 13pt; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999;
padding: 3px 6px; text-align: left; vertical-align: top; } th { background: #eee; }
.meta { color: #444; } .decision { font-weight: bold; } .alarm-group { color: #333; }
.annex { border-top: 3px double #333; margin-top: 3em; padding-top: 1em; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; }
  tr { page-break-inside: avoid; } .annex { break-before: page; page-break-before: always; } }
"""
ANNEX_MARK = "<!-- annex -->"  # what precedes it is the report proper, what follows the annex


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _line_row(line: Line, zone: tzinfo) -> list[str]:
    return [
        _when(line.at, zone),
        escape(line.source),
        f'<span class="{escape(line.kind)}">{escape(line.kind)}</span>',
        escape(line.author or "csu"),
        escape(line.text),
    ]


def _group_row(group: AlarmGroup[Line], zone: tzinfo) -> list[str]:
    return [
        _when(group.first, zone),
        escape(group.entries[0].source),
        '<span class="alarm-group">alarms</span>',
        "csu",
        escape(describe_group(group, zone)),
    ]


def _summary_rows(lines: tuple[Line, ...], zone: tzinfo) -> list[list[str]]:
    """The story with each run of repeated alarms on one line; people's lines all there."""
    items = group_entries(lines, lambda line: line.alarms, lambda line: line.author is not None)
    return [_group_row(i, zone) if isinstance(i, AlarmGroup) else _line_row(i, zone) for i in items]


def _camera_rows(
    cameras: tuple[CameraShown, ...], names: dict[str, str], zone: tzinfo
) -> list[list[str]]:
    rows = []
    for camera in cameras:
        viewers = "<br>".join(
            f"{escape(v.user)} ({escape(v.role or '?')}), "
            f"{v.views} view(s) from {_when(v.first, zone)}"
            for v in camera.viewers
        )
        name = names.get(camera.camera_id, camera.camera_id)
        rows.append(
            [
                f"{escape(name)} <span class='meta'>({escape(camera.camera_id)})</span>",
                escape(", ".join(camera.walls)),
                _when(camera.first_shown, zone),
                viewers or "nobody watched it live",
            ]
        )
    return rows


def render(data: ReportData, *, site: str, zone: tzinfo, camera_names: dict[str, str]) -> str:
    """The report as one standalone HTML page (times in the site's zone): the report proper with
    repeated alarms grouped, then, on a new printed page, the annex with every entry. One
    document, as a prefecture files a report with its annexes, and one frozen record."""
    crisis = data.crisis
    state = "closed" if crisis.closed_at else "open (draft report)"
    incidents = [
        [
            str(i.id),
            escape(i.title),
            escape(i.severity),
            escape(i.status),
            escape(", ".join(i.cameras)),
        ]
        for i in data.incidents
    ]
    sections = [
        f"<h1>Crisis report: {escape(crisis.title)}</h1>",
        f"<p class='meta'>{escape(site)} · crisis {crisis.id} · {state}<br>"
        f"opened {_when(crisis.opened_at, zone)} by {escape(crisis.opened_by)} · closed "
        f"{_when(crisis.closed_at, zone)} by {escape(crisis.closed_by or '—')}<br>"
        f"participants: {escape(', '.join(crisis.participants))}<br>"
        f"report generated {_when(data.generated_at, zone)}</p>",
        "<h2>Decisions</h2>",
        _table(
            ["time", "source", "kind", "author", "text"],
            [_line_row(line, zone) for line in data.decisions],
            "No decision was logged.",
        ),
        "<h2>Incidents</h2>",
        _table(["id", "title", "severity", "status", "covering cameras"], incidents, "None."),
        "<h2>Timeline</h2>",
        "<p class='meta'>Repeated alarms are grouped on one line; every entry is in the annex.</p>",
        _table(
            ["time", "source", "kind", "author", "text"],
            _summary_rows(data.timeline, zone),
            "Nothing happened.",
        ),
        "<h2>Cameras shown on the walls, and who watched them live</h2>",
        _table(
            ["camera", "walls", "first shown", "live viewers during the crisis"],
            _camera_rows(data.cameras, camera_names, zone),
            "No camera was shown on a wall.",
        ),
        ANNEX_MARK,
        "<section class='annex'>",
        f"<h2>Annex: the full timeline ({len(data.timeline)} entries)</h2>",
        _table(
            ["time", "source", "kind", "author", "text"],
            [_line_row(line, zone) for line in data.timeline],
            "Nothing happened.",
        ),
        "</section>",
    ]
    title = escape(f"Crisis {crisis.id}: {crisis.title}")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>"
    )
