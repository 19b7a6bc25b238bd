"""The Forum's public rendition of the city: the hypervisor's eight services per district,
delayed and rounded, and the centre's activity in numbers.

Nothing here names a place finer than a district, a person, a camera or a time finer than the
rounding step, and nothing is newer than the delay: what it reads is cut at `as_of` first.
Exercise incidents are left out (the Forum shows the real city's state, never a drill).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import or_
from sqlmodel import Session, col, select

from incidents.alarms.scales import severity_rank
from incidents.forum_districts import DISTRICTS, District, district_of
from incidents.geo import LonLat
from incidents.models import Incident, IncidentStatus


class Service(StrEnum):
    """The eight services of the city's hypervisor, as the Forum names them."""

    LIGHTING = "lighting"
    BUILDINGS = "buildings"
    SECURITY = "security"
    WATERING = "watering"
    TRAFFIC_LIGHTS = "traffic_lights"
    PARKING = "parking"
    WASTE = "waste"
    WATER = "water"


# csu's alarm families (an alarm type's first part) onto the hypervisor's services; a family
# absent here (other) counts in no service.
FAMILY_SERVICE: dict[str, Service] = {
    "lighting": Service.LIGHTING,
    "building": Service.BUILDINGS,
    "fire": Service.BUILDINGS,
    "security": Service.SECURITY,
    "video": Service.SECURITY,
    "civil": Service.SECURITY,
    "health": Service.SECURITY,
    "watering": Service.WATERING,
    "traffic_light": Service.TRAFFIC_LIGHTS,
    "traffic": Service.TRAFFIC_LIGHTS,
    "parking": Service.PARKING,
    "waste": Service.WASTE,
    "water": Service.WATER,
    "weather": Service.WATER,
    "environment": Service.WATER,
}


class Level(StrEnum):
    """A service's state in a district: all normal, something to watch, an alert."""

    OK = "ok"
    WATCH = "watch"
    ALERT = "alert"


_LEVEL_ORDER = {Level.OK: 0, Level.WATCH: 1, Level.ALERT: 2}
_ALERT_RANK = severity_rank("high")

DEFAULT_DELAY = timedelta(minutes=15)
ROUNDING = timedelta(minutes=5)


def service_of(alarm_type: str) -> Service | None:
    """The hypervisor service an alarm or incident type belongs to, if any."""
    return FAMILY_SERVICE.get(alarm_type.split(".", 1)[0])


def level_of(severity: str) -> Level:
    """The level an open incident of this severity gives its service (high and up: alert)."""
    return Level.ALERT if severity_rank(severity) >= _ALERT_RANK else Level.WATCH


def worst(levels: Iterable[Level]) -> Level:
    """The most serious of these levels (OK for none)."""
    return max(levels, key=_LEVEL_ORDER.__getitem__, default=Level.OK)


def shown_time(now: datetime, delay: timedelta = DEFAULT_DELAY) -> datetime:
    """The moment the Forum shows: `delay` ago, rounded down to the step (never newer)."""
    cut = now - delay
    step = int(ROUNDING.total_seconds())
    return datetime.fromtimestamp(int(cut.timestamp()) // step * step, tz=cut.tzinfo)


@dataclass(frozen=True, slots=True)
class IncidentFact:
    """What the Forum reads of an incident: its type, severity, times and place, no more."""

    type: str
    severity: str
    status: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    lon: float | None
    lat: float | None

    def open_at(self, moment: datetime) -> bool:
        """True when the incident was being dealt with at that moment, as far as known then."""
        if self.opened_at > moment:
            return False
        if self.closed_at is not None and self.closed_at <= moment:
            return False
        # Resolution keeps no time of its own: an incident resolved before the moment is done.
        resolved = self.status == IncidentStatus.RESOLVED.value and self.updated_at <= moment
        return not resolved

    @property
    def point(self) -> LonLat | None:
        """Where it is, if known."""
        return None if self.lon is None or self.lat is None else LonLat(self.lon, self.lat)


class ServiceState(BaseModel):
    """One service in one district (or the city): its level and open incidents."""

    level: Level
    open: int = Field(ge=0, description="Incidents open at `as_of`.")


class DistrictState(BaseModel):
    """A district, its public centre and the state of each service there."""

    id: str
    name: str
    lon: float = Field(description="The district's centre (public), never an incident's place.")
    lat: float
    level: Level
    services: dict[Service, ServiceState]


class Activity(BaseModel):
    """The centre's day in numbers, up to `as_of`."""

    day: str = Field(description="The site's day, YYYY-MM-DD.")
    handled: dict[Service, int] = Field(description="Incidents opened that day, by service.")
    total: int
    closed: int = Field(description="Incidents of that day closed or resolved by `as_of`.")


class ForumState(BaseModel):
    """The Forum's view of the city, as it was `delay_minutes` ago at the latest."""

    as_of: datetime = Field(description="The moment shown, on the site's clock, rounded.")
    delay_minutes: int
    services: list[Service]
    city: dict[Service, ServiceState]
    districts: list[DistrictState]
    activity: Activity


def _states(facts: Sequence[IncidentFact]) -> dict[Service, ServiceState]:
    states = {}
    for service in Service:
        mine = [f for f in facts if service_of(f.type) is service]
        level = worst(level_of(f.severity) for f in mine)
        states[service] = ServiceState(level=level, open=len(mine))
    return states


def _district(district: District, facts: Sequence[IncidentFact]) -> DistrictState:
    services = _states(facts)
    return DistrictState(
        id=district.id,
        name=district.name,
        lon=district.lon,
        lat=district.lat,
        level=worst(s.level for s in services.values()),
        services=services,
    )


def _activity(facts: Sequence[IncidentFact], start: datetime, as_of: datetime) -> Activity:
    today = [f for f in facts if start <= f.opened_at <= as_of]
    handled = {s: sum(1 for f in today if service_of(f.type) is s) for s in Service}
    return Activity(
        day=start.date().isoformat(),
        handled=handled,
        total=len(today),
        closed=sum(1 for f in today if not f.open_at(as_of)),
    )


def aggregate(
    facts: Sequence[IncidentFact],
    now: datetime,
    *,
    delay: timedelta = DEFAULT_DELAY,
    timezone: str = "Europe/Paris",
    districts: tuple[District, ...] = DISTRICTS,
) -> ForumState:
    """The Forum's state from these incidents: what was open `delay` ago, per district."""
    zone = ZoneInfo(timezone)
    as_of = shown_time(now, delay).astimezone(zone)
    start = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    open_now = [f for f in facts if f.open_at(as_of)]
    placed: dict[str, list[IncidentFact]] = {d.id: [] for d in districts}
    for fact in open_now:
        where = district_of(fact.point, districts)
        if where is not None:
            placed[where].append(fact)
    return ForumState(
        as_of=as_of,
        delay_minutes=int(delay.total_seconds() // 60),
        services=list(Service),
        city=_states(open_now),
        districts=[_district(d, placed[d.id]) for d in districts],
        activity=_activity(facts, start, as_of),
    )


def incident_facts(session: Session, since: datetime, until: datetime) -> list[IncidentFact]:
    """The real incidents opened by `until` and not done before `since` (facts only)."""
    statement = select(Incident).where(
        col(Incident.exercise_id).is_(None),  # an exercise never reaches the public
        col(Incident.opened_at) <= until,
        or_(col(Incident.closed_at).is_(None), col(Incident.closed_at) > since),
        # Resolved long ago (resolution keeps no time, so never closed): done, not read again.
        or_(
            col(Incident.status) != IncidentStatus.RESOLVED.value,
            col(Incident.updated_at) > since,
        ),
    )
    return [
        IncidentFact(
            type=i.type,
            severity=i.severity,
            status=i.status,
            opened_at=i.opened_at,
            updated_at=i.updated_at,
            closed_at=i.closed_at,
            lon=i.lon,
            lat=i.lat,
        )
        for i in session.exec(statement)
    ]


def forum_state(
    session: Session,
    now: datetime,
    *,
    delay: timedelta = DEFAULT_DELAY,
    timezone: str = "Europe/Paris",
) -> ForumState:
    """The Forum's state as read from the database, cut at the delayed moment."""
    as_of = shown_time(now, delay).astimezone(ZoneInfo(timezone))
    start = as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    facts = incident_facts(session, start, as_of)
    return aggregate(facts, now, delay=delay, timezone=timezone)
