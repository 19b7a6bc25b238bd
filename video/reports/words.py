"""The report's words and tables: catalogue texts escaped for HTML, the site's clock."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from csu.i18n import SiteClock, Translator


class Words:
    """The report's words, times and numbers: the site's language and clock."""

    def __init__(self, clock: SiteClock) -> None:
        self.clock = clock
        self.t = Translator(clock.language)

    def __call__(self, key: str, **params: object) -> str:
        """The catalogue's text, escaped for HTML."""
        return escape(self.t(key, **params))

    def when(self, moment: datetime | None) -> str:
        """A moment on the site's clock, or a dash."""
        return self.clock.datetime(moment) if moment else "—"

    def day(self, moment: date | datetime | None) -> str:
        """A day as dd/mm/yyyy (a datetime on the site's clock), or a dash."""
        if moment is None:
            return "—"
        if isinstance(moment, datetime):
            return self.clock.date(moment)
        return moment.strftime("%d/%m/%Y")

    def number(self, value: float | None) -> str:
        """A number the site's way, or a dash."""
        return "—" if value is None else self.clock.number(value)

    def word(self, key: str, fallback: str) -> str:
        """The catalogue's word for a value, or the value itself when csu has none."""
        text = self.t(key)
        return escape(fallback if text == key else text)


def table(w: Words, columns: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str) -> str:
    """A table whose headings are catalogue keys (ethics.column.*) and cells ready HTML."""
    if not rows:
        return f'<p class="empty">{w(empty)}</p>'
    head = "".join(f"<th>{w(f'ethics.column.{c}')}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(content: str) -> str:
    # Numbers (and their dashes) right-aligned so columns of counts read down.
    text = re.sub(r"<[^>]+>", "", content)
    stripped = text.replace("\u202f", "").replace("\xa0", "").replace(",", "").replace(".", "")
    numeric = stripped.isdigit() or text == "—"
    return f'<td class="n">{content}</td>' if numeric else f"<td>{content}</td>"
