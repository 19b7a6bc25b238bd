"""The printable crisis report: plain HTML, no script, readable on paper."""

from __future__ import annotations

from datetime import datetime
from html import escape

from crisis.models import CrisisLogKind
from crisis.report_data import CameraShown, Line, ReportData
from csu.i18n import SiteClock, Translator
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


class _Words:
    """The report's words and times: the site's language and clock."""

    def __init__(self, clock: SiteClock) -> None:
        self.clock = clock
        self.t = Translator(clock.language)

    def when(self, moment: datetime | None) -> str:
        return self.clock.datetime(moment, seconds=True) if moment else "—"

    def word(self, key: str, fallback: str) -> str:
        """The catalogue's word, or the value itself when csu has none for it."""
        text = self.t(key)
        return fallback if text == key else text

    def kind(self, kind: str) -> str:
        area = "report" if kind in CRISIS_KINDS else "logbook"
        return self.word(f"{area}.kind.{kind}", kind.replace("_", " "))


CRISIS_KINDS = frozenset(k.value for k in CrisisLogKind)
LINE_COLUMNS = ("time", "source", "kind", "author", "text")


def _table(w: _Words, columns: tuple[str, ...], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p>{escape(w.t(empty))}</p>"
    head = "".join(f"<th>{escape(w.t(f'report.column.{c}'))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _line_row(line: Line, w: _Words) -> list[str]:
    return [
        w.when(line.at),
        escape(line.source),
        f'<span class="{escape(line.kind)}">{escape(w.kind(line.kind))}</span>',
        escape(line.author or "csu"),
        escape(line.text),
    ]


def _group_row(group: AlarmGroup[Line], w: _Words) -> list[str]:
    return [
        w.when(group.first),
        escape(group.entries[0].source),
        f'<span class="alarm-group">{escape(w.t("report.kind.alarms"))}</span>',
        "csu",
        escape(describe_group(group, w.clock)),
    ]


def _summary_rows(lines: tuple[Line, ...], w: _Words) -> list[list[str]]:
    """The story with each run of repeated alarms on one line; people's lines all there."""
    items = group_entries(lines, lambda line: line.alarms, lambda line: line.author is not None)
    return [_group_row(i, w) if isinstance(i, AlarmGroup) else _line_row(i, w) for i in items]


def _camera_rows(
    cameras: tuple[CameraShown, ...], names: dict[str, str], w: _Words
) -> list[list[str]]:
    rows = []
    for camera in cameras:
        viewers = "<br>".join(
            escape(
                w.t(
                    "report.viewer",
                    user=v.user,
                    role=w.word(f"accounts.role.{v.role}", v.role or "?"),
                    count=w.clock.count(v.views),
                    at=w.when(v.first),
                )
            )
            for v in camera.viewers
        )
        name = names.get(camera.camera_id, camera.camera_id)
        rows.append(
            [
                f"{escape(name)} <span class='meta'>({escape(camera.camera_id)})</span>",
                escape(", ".join(camera.walls)),
                w.when(camera.first_shown),
                viewers or escape(w.t("report.nobody_watched")),
            ]
        )
    return rows


def _incident_rows(data: ReportData, w: _Words) -> list[list[str]]:
    return [
        [
            str(i.id),
            escape(i.title),
            escape(w.word(f"logbook.severity.{i.severity}", i.severity)),
            escape(w.word(f"logbook.status.{i.status}", i.status)),
            escape(", ".join(i.cameras)),
        ]
        for i in data.incidents
    ]


def _heading(data: ReportData, site: str, w: _Words) -> list[str]:
    crisis, t = data.crisis, w.t
    state = t("report.state.closed") if crisis.closed_at else t("report.state.open")
    opened = t("report.opened", at=w.when(crisis.opened_at), user=crisis.opened_by)
    closed = t("report.closed", at=w.when(crisis.closed_at), user=crisis.closed_by or "—")
    lines = [
        f"{site} · {t('report.crisis', id=crisis.id)} · {state}",
        f"{opened} · {closed}",
        t("report.participants", people=", ".join(crisis.participants)),
        t("report.generated", at=w.when(data.generated_at)),
    ]
    return [
        f"<h1>{escape(t('report.title', title=crisis.title))}</h1>",
        "<p class='meta'>" + "<br>".join(escape(line) for line in lines) + "</p>",
    ]


def render(data: ReportData, *, site: str, clock: SiteClock, camera_names: dict[str, str]) -> str:
    """The report as one standalone HTML page, in the site's language and on its clock: the
    report proper with repeated alarms grouped, then, on a new printed page, the annex with
    every entry. One document, as a prefecture files a report with its annexes, and one frozen
    record."""
    w = _Words(clock)
    t, crisis = w.t, data.crisis
    incident_columns = ("id", "title", "severity", "status", "cameras")
    camera_columns = ("camera", "walls", "first_shown", "viewers")
    sections = [
        *_heading(data, site, w),
        f"<h2>{escape(t('report.decisions'))}</h2>",
        _table(
            w, LINE_COLUMNS, [_line_row(line, w) for line in data.decisions], "report.no_decision"
        ),
        f"<h2>{escape(t('report.incidents'))}</h2>",
        _table(w, incident_columns, _incident_rows(data, w), "report.no_incident"),
        f"<h2>{escape(t('report.timeline'))}</h2>",
        f"<p class='meta'>{escape(t('report.timeline_note'))}</p>",
        _table(w, LINE_COLUMNS, _summary_rows(data.timeline, w), "report.nothing"),
        f"<h2>{escape(t('report.cameras'))}</h2>",
        _table(w, camera_columns, _camera_rows(data.cameras, camera_names, w), "report.no_camera"),
        ANNEX_MARK,
        "<section class='annex'>",
        f"<h2>{escape(t('report.annex', count=w.clock.count(len(data.timeline))))}</h2>",
        _table(w, LINE_COLUMNS, [_line_row(line, w) for line in data.timeline], "report.nothing"),
        "</section>",
    ]
    title = escape(t("report.document_title", id=crisis.id, title=crisis.title))
    return (
        f"<!doctype html><html lang='{clock.language}'><head><meta charset='utf-8'>"
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        + "\n".join(sections)
        + "</body></html>"
    )
