"""The load's alarms: csu-JSON, a hypervisor's mix of types and sources around Angers."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

ANGERS = (-0.5536, 47.4784)  # lon, lat
SPREAD_DEG = 0.03  # about 2-3 km around the centre
RESEND_EVERY = 50  # one payload in 50 re-sends an earlier alarm
# (source, type, weight): a hypervisor's mix, lighting and water the noisiest.
MIX: tuple[tuple[str, str, int], ...] = (
    ("hypervisor-lighting", "lighting.lamp_off", 30),
    ("hypervisor-lighting", "lighting.feeder_down", 4),
    ("scada-water", "water.pressure_drop", 10),
    ("scada-water", "water.flood_sensor", 6),
    ("traffic-control", "traffic_light.fault", 15),
    ("parking-ops", "parking.full", 15),
    ("parking-ops", "parking.barrier_fault", 8),
    ("bms-security", "building.intrusion", 8),
    ("bms-security", "building.fire_alarm", 4),
)
SOURCES = tuple(sorted({source for source, _, _ in MIX}))
OCCURRED_AT = b"@occurred-at@"  # where a payload's timestamp goes, filled in when it is sent


class Payloads:
    """csu-JSON alarms: a weighted mix of types, places around Angers, one external id each."""

    def __init__(self, run: str) -> None:
        self.run = run
        self._choices = [(s, t) for s, t, w in MIX for _ in range(w)]

    def alarm(self, n: int, *, resend: bool = False) -> bytes:
        """Alarm number n of this run, stamped now; a re-send (same type and place) clears it."""
        head, tail = self.parts(n, resend=resend)
        return head + now_iso() + tail

    def parts(self, n: int, *, resend: bool = False) -> tuple[bytes, bytes]:
        """Alarm n as single-line JSON cut around its `occurred_at` value, stamped when sent."""
        rng = random.Random(n)
        source, kind = rng.choice(self._choices)
        lon = ANGERS[0] + rng.uniform(-SPREAD_DEG, SPREAD_DEG)
        lat = ANGERS[1] + rng.uniform(-SPREAD_DEG, SPREAD_DEG)
        body: dict[str, Any] = {
            "source": source,
            "external_id": f"{self.run}-{n}",
            "type": kind,
            "occurred_at": OCCURRED_AT.decode(),
            "location": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "description": f"bench alarm {n}",
            "data": {"seq": n, "equipment": f"EQ-{n % 997:04d}"},
        }
        if resend:
            body["status"] = "cleared"
        head, _, tail = json.dumps(body, separators=(",", ":")).encode().partition(OCCURRED_AT)
        return head, tail


def now_iso() -> bytes:
    """The current time as `occurred_at` carries it."""
    return datetime.now(UTC).isoformat().encode()
