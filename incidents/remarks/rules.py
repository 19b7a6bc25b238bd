"""Pure rules for visitors' remarks: the place, the text, the contact, the rate and the age.

No I/O here: the service feeds these functions the request and the time, so each rule is tested
with explicit values (the token bucket with explicit clocks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from csu.errors import Invalid, TooMany
from csu.text import text_problem

MAX_TEXT = 1000
MAX_CONTACT = 200
MAX_REASON = 500
# Three decimals of a degree: 111 m of latitude, 75 m of longitude at Angers' 47.5° N.
PUBLIC_DECIMALS = 3


class RemarkStatus(StrEnum):
    """Where a remark stands in moderation."""

    PENDING = "pending"
    PUBLISHED = "published"
    REFUSED = "refused"


@dataclass(frozen=True)
class CityBox:
    """The city's bounds: a remark's place must be inside (degrees, edges included)."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        """True when the point is a real number pair inside the box."""
        if not (math.isfinite(lat) and math.isfinite(lon)):
            return False
        return self.south <= lat <= self.north and self.west <= lon <= self.east


@dataclass(frozen=True)
class RemarkDraft:
    """A visitor's remark as checked: text, place, and a contact only if they consented."""

    lat: float
    lon: float
    text: str
    contact: str | None


class RemarkRefused(Invalid, ValueError):
    """The remark cannot be taken as sent (its place, its text or its contact)."""


def check_remark(
    box: CityBox, lat: float, lon: float, text: str, contact: str | None, consent: bool
) -> RemarkDraft:
    """The remark to store, or RemarkRefused naming what is wrong."""
    if not box.contains(lat, lon):
        raise RemarkRefused("the place is outside the city's bounds", key="remarks.errors.outside")
    words = text.strip()
    if not words:
        raise RemarkRefused("the remark is empty", key="remarks.errors.empty")
    if len(words) > MAX_TEXT or text_problem(words) is not None:
        raise RemarkRefused(
            f"the remark must be at most {MAX_TEXT} storable characters",
            key="remarks.errors.text",
            limit=MAX_TEXT,
        )
    kept = (contact or "").strip() or None
    if kept is not None and not consent:
        raise RemarkRefused(
            "a contact is kept only with the visitor's consent", key="remarks.errors.consent"
        )
    if kept is not None and (len(kept) > MAX_CONTACT or text_problem(kept) is not None):
        raise RemarkRefused(
            f"the contact must be at most {MAX_CONTACT} storable characters",
            key="remarks.errors.contact",
            limit=MAX_CONTACT,
        )
    return RemarkDraft(lat, lon, words, kept)


def public_place(lat: float, lon: float) -> tuple[float, float]:
    """The place as the public sees it: rounded to about 100 m."""
    return round(lat, PUBLIC_DECIMALS), round(lon, PUBLIC_DECIMALS)


def purge_before(now: datetime, retention_days: int) -> datetime:
    """Remarks received before this moment are purged."""
    return now - timedelta(days=retention_days)


@dataclass
class TokenBucket:
    """`capacity` tokens, refilled at `per_s` a second; each remark takes one."""

    capacity: float
    per_s: float
    tokens: float = -1.0
    at: float = 0.0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def refill(self, now: float) -> None:
        """Add the tokens earned since the last look (a clock going back earns none)."""
        if now > self.at:
            self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.per_s)
        self.at = max(self.at, now)

    def wait_s(self, now: float) -> float:
        """Seconds until one token is there (0: now)."""
        self.refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_s

    def take(self) -> None:
        """Spend one token (after wait_s said 0)."""
        self.tokens -= 1


class RemarksTooMany(TooMany):
    """Too many remarks for now: the kiosk (or every kiosk) waits."""

    def __init__(self, wait_s: float) -> None:
        seconds = max(1, math.ceil(wait_s))
        super().__init__(
            f"too many remarks for now: try again in {seconds} s",
            key="remarks.errors.rate",
            seconds=seconds,
        )
        self.retry_after_s = seconds


@dataclass
class RemarkLimiter:
    """A bucket per kiosk account and one for all: a remark needs a token from both."""

    per_kiosk_per_minute: int
    all_per_minute: int
    kiosks: dict[str, TokenBucket] = field(default_factory=dict)
    everyone: TokenBucket | None = None

    def admit(self, kiosk: str, now: float) -> None:
        """Take a token for this kiosk at `now` (seconds), or RemarksTooMany with the wait."""
        if self.everyone is None:
            self.everyone = _bucket(self.all_per_minute, now)
        mine = self.kiosks.get(kiosk)
        if mine is None:
            mine = self.kiosks[kiosk] = _bucket(self.per_kiosk_per_minute, now)
        wait = max(mine.wait_s(now), self.everyone.wait_s(now))
        if wait > 0:
            raise RemarksTooMany(wait)
        mine.take()
        self.everyone.take()


def _bucket(per_minute: int, now: float) -> TokenBucket:
    return TokenBucket(capacity=per_minute, per_s=per_minute / 60.0, at=now)
