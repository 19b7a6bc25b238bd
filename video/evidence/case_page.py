"""A case's index.html: plays the clips and shows the timeline, notes and crisis log in any
browser, offline: one file, relative paths to the clips, no network, no external script.

Written on the site's clock and in its language; it is listed and signed like the clips.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path

from csu.i18n import Translator
from video.evidence.case import INDEX, CaseDocuments, CaseLine, Clip
from video.evidence.manifest import FileEntry, file_entry

STYLE = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 1.5em; color: #111; }
h1 { font-size: 17pt; } h2 { font-size: 13pt; margin-top: 1.4em; }
.clips { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; } video { width: 420px; max-width: 100%; background: #000; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999;
padding: 3px 6px; text-align: left; vertical-align: top; } th { background: #eee; }
tr[data-at] { cursor: pointer; } tr[data-at]:hover { background: #f3f3c8; }
.meta { color: #444; }
"""
# Inline, no network: a line clicked puts every clip whose span holds that moment at it.
SCRIPT = """
document.querySelectorAll("tr[data-at]").forEach(function (row) {
  row.addEventListener("click", function () {
    var at = Number(row.dataset.at);
    document.querySelectorAll("video[data-start]").forEach(function (video) {
      var start = Number(video.dataset.start), end = Number(video.dataset.end);
      if (at >= start && at < end) { video.currentTime = (at - start) / 1000; }
    });
  });
});
"""


def write_page(
    folder: Path,
    documents: CaseDocuments,
    clips: list[Clip],
    *,
    made_by: str,
    made_at: datetime,
    reason: str,
    requisition: str | None,
) -> FileEntry:
    """Write index.html into the case's folder; its manifest entry."""
    path = folder / INDEX
    path.write_text(
        render(
            documents,
            clips,
            made_by=made_by,
            made_at=made_at,
            reason=reason,
            requisition=requisition,
        ),
        encoding="utf-8",
    )
    return file_entry(path, "text/html; charset=utf-8", root=folder)


def render(
    documents: CaseDocuments,
    clips: list[Clip],
    *,
    made_by: str,
    made_at: datetime,
    reason: str,
    requisition: str | None,
) -> str:
    """The page's HTML."""
    clock = documents.clock
    t = Translator(clock.language)
    title = t("cases.page.title", title=documents.title)
    meta = [t("cases.page.made", at=clock.datetime(made_at), user=made_by, reason=reason)]
    if requisition:
        meta.append(t("cases.page.requisition", requisition=requisition))
    if documents.incident is not None:
        incident = documents.incident
        meta.append(
            t(
                "cases.page.incident",
                id=incident.id,
                title=incident.title,
                at=clock.datetime(incident.opened_at),
            )
        )
    meta.append(t("cases.page.clock", timezone=clock.timezone))
    parts = [
        f'<!DOCTYPE html>\n<html lang="{clock.language}"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        *(f'<p class="meta">{escape(line)}</p>' for line in meta),
        f"<h2>{escape(t('cases.page.clips'))}</h2>",
        '<div class="clips">',
        *(_clip(clip, t, documents) for clip in clips),
        "</div>",
        f'<p class="meta">{escape(t("cases.page.seek"))}</p>',
        _section(t("cases.page.timeline"), documents.timeline, t, documents),
        _section(t("cases.page.notes"), documents.notes, t, documents),
    ]
    if documents.crisis is not None:
        heading = t("cases.page.crisis_log", title=documents.crisis.title)
        parts.append(_section(heading, documents.crisis_log, t, documents))
    parts += [
        f"<h2>{escape(t('cases.page.verify_title'))}</h2>",
        f"<p>{escape(t('cases.page.verify'))}</p>",
        f"<script>{SCRIPT}</script></body></html>\n",
    ]
    return "\n".join(parts)


def _clip(clip: Clip, t: Translator, documents: CaseDocuments) -> str:
    clock = documents.clock
    caption = t(
        "cases.page.clip",
        camera=clip.camera_name,
        start=clock.datetime(clip.start, seconds=True),
        end=clock.datetime(clip.end, seconds=True),
    )
    start, end = _ms(clip.start), _ms(clip.end)
    return (
        f'<figure><video controls preload="metadata" src="{escape(clip.name)}"'
        f' data-start="{start}" data-end="{end}"></video>'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def _section(
    heading: str, lines: tuple[CaseLine, ...], t: Translator, documents: CaseDocuments
) -> str:
    head = f"<h2>{escape(heading)}</h2>"
    if not lines:
        return f"{head}<p>{escape(t('cases.page.none'))}</p>"
    columns = "".join(
        f"<th>{escape(t(key))}</th>"
        for key in ("cases.page.when", "cases.page.kind", "cases.page.author", "cases.page.text")
    )
    rows = "".join(_row(line, documents) for line in lines)
    return f"{head}<table><thead><tr>{columns}</tr></thead><tbody>{rows}</tbody></table>"


def _row(line: CaseLine, documents: CaseDocuments) -> str:
    when = documents.clock.datetime(line.at, seconds=True)
    cells = (when, line.label or line.kind, line.author or "—", line.text)
    body = "".join(f"<td>{escape(cell)}</td>" for cell in cells)
    return f'<tr data-at="{_ms(line.at)}">{body}</tr>'


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)
