"""The closed vocabularies that describe an alarm: its severity and its status."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How serious an alarm is, on the FIWARE Alert scale (interfaces.md)."""

    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for informational up to 4 for critical, to compare severities."""
        return list(Severity).index(self)


def severity_rank(severity: str) -> int:
    """The rank of a severity word; an unknown word ranks lowest (-1)."""
    try:
        return Severity(severity).rank
    except ValueError:
        return -1


class AlarmStatus(StrEnum):
    """Where the alarm's condition stands according to its sender."""

    ACTIVE = "active"
    CLEARED = "cleared"  # the condition has ended (an ONVIF state back to 0)
    CANCELLED = "cancelled"  # the sender withdrew the message (CAP Cancel)
