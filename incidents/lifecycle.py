"""The incident lifecycle as pure rules: which status may follow which."""

from __future__ import annotations

from incidents.alarms.scales import Severity
from incidents.models import IncidentStatus

S = IncidentStatus

# Forward along the lifecycle; a resolved incident may be reopened if the problem comes back.
ALLOWED: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.NEW: frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.RESOLVED}),
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
}


class TransitionError(ValueError):
    """A status change the lifecycle forbids; the message names both ends."""


def check_transition(old: IncidentStatus, new: IncidentStatus) -> None:
    """Raise TransitionError unless `new` may follow `old`."""
    if new not in ALLOWED[old]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[old])) or "none (closed)"
        raise TransitionError(f"cannot go from {old.value} to {new.value}; allowed: {allowed}")


def worst(a: str, b: str) -> str:
    """The more severe of two FIWARE severities."""
    return max(a, b, key=lambda severity: Severity(severity).rank)
