"""The report as one printable HTML page (A4, print CSS, no script): the site's language and
clock, every section's heading and figures; WeasyPrint makes the PDF from the same page."""

from __future__ import annotations

import base64
import hashlib

from csu.i18n import SiteClock
from video.reports import sections
from video.reports.report import Report
from video.reports.words import Words

STYLE = """
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-left { content: string(title); font-size: 8pt; color: #555; }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }
body { font: 10pt/1.35 "DejaVu Sans", system-ui, sans-serif; color: #111; margin: 2em auto;
  max-width: 190mm; }
h1 { font-size: 17pt; margin: 0 0 .2em; string-set: title content(); }
h2 { font-size: 13pt; margin: 1.4em 0 .4em; border-bottom: 1px solid #333; }
h3 { font-size: 11pt; margin: 1em 0 .3em; }
table { border-collapse: collapse; width: 100%; margin: .3em 0 .8em; font-size: 8.5pt; }
th, td { border: 1px solid #999; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #eee; } td.n, td:first-child { white-space: nowrap; } td.n { text-align: right; }
.meta { color: #333; } .flag { color: #a00; font-weight: bold; }
.ok { color: #060; font-weight: bold; } .empty { color: #555; font-style: italic; }
.signature { margin-top: 2em; font-size: 8pt; color: #333; border-top: 1px solid #999;
  padding-top: .5em; word-break: break-all; }
@media print { body { margin: 0; max-width: none; } h2, h3 { break-after: avoid; }
  tr { break-inside: avoid; } }
"""


def style_source() -> str:
    """The Content-Security-Policy source that lets the page's one style element apply."""
    digest = hashlib.sha256(STYLE.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def render(report: Report, clock: SiteClock, *, site_name: str, key_id: str) -> str:
    """The whole page."""
    w = Words(clock)
    p = report.period
    title = w("ethics.title")
    head = (
        f"<h1>{title}</h1>"
        f'<p class="meta">{w("ethics.site", site=site_name)}<br>'
        f"{w('ethics.period', since=w.when(p.since), until=w.when(p.until))}<br>"
        f"{w('ethics.made_at', at=w.when(report.made_at))}</p>"
    )
    body = "".join(section(report, w) for section in sections.ALL)
    signature = f'<p class="signature">{w("ethics.signed", key_id=key_id)}</p>'
    return (
        f'<!doctype html><html lang="{clock.language}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head>"
        f"<body>{head}{body}{signature}</body></html>"
    )
