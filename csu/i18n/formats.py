"""Dates, times and numbers as the site writes them: its time zone, a 24-hour clock, dd/mm/yyyy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal

from csu.i18n.catalogue import Language
from csu.i18n.translator import LOCALES

# Fixed patterns rather than the locale's "short" style: en_GB and fr_FR agree on them, and a
# control room reads the same layout in every report whatever the reader's language.
DATE = "dd/MM/yyyy"
TIME = "HH:mm"
TIME_SECONDS = "HH:mm:ss"


@dataclass(frozen=True)
class SiteClock:
    """How one site writes moments and numbers."""

    language: Language
    timezone: str

    @property
    def tzinfo(self) -> ZoneInfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """The moment on the site's clock (a naive time counts as UTC)."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(self.tzinfo)

    def _format(self, moment: datetime, pattern: str) -> str:
        return format_datetime(self.local(moment), pattern, locale=LOCALES[self.language])

    def date(self, moment: datetime) -> str:
        """dd/mm/yyyy on the site's clock."""
        return self._format(moment, DATE)

    def time(self, moment: datetime, *, seconds: bool = False) -> str:
        """HH:MM (or HH:MM:SS) on the site's clock."""
        return self._format(moment, TIME_SECONDS if seconds else TIME)

    def datetime(self, moment: datetime, *, seconds: bool = False) -> str:
        """dd/mm/yyyy HH:MM on the site's clock."""
        return f"{self.date(moment)} {self.time(moment, seconds=seconds)}"

    def number(self, value: float) -> str:
        """A number as the language writes it (1 234,5 in French)."""
        return format_decimal(value, locale=LOCALES[self.language])

    def count(self, value: int) -> int:
        """A count for a plural text: still an int (it picks the plural form), written as the
        language writes numbers when filled in ("1 234 alarmes")."""
        return _Count(value, self)


class _Count(int):
    clock: SiteClock

    def __new__(cls, value: int, clock: SiteClock) -> _Count:
        count = super().__new__(cls, value)
        count.clock = clock
        return count

    def __str__(self) -> str:
        return self.clock.number(int(self))
