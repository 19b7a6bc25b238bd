"""A simulated smart-city hypervisor for the demo: realistic alarms over csu's real adapters.

It posts csu JSON, CAP and NGSI-LD over HTTP and publishes JSON over MQTT when a broker answers,
like the city's systems would: background faults, a feeder down with the lamps it darkens next to
a demo camera, a water-pressure drop with a flood sensor, a CAP weather warning, and now and then
a burst of lamp alarms to show that a storm stays readable. The first flooding is escalated, as
the duty officer would: a crisis opens and the crisis-room wall switches to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiomqtt
import httpx

if TYPE_CHECKING:
    from csu.app_services import AppServices

log = logging.getLogger(__name__)

# Places in the demo's streets of Angers (lon, lat), near the demo cameras.
LENEPVEU = (-0.55215, 47.47229)
RALLIEMENT = (-0.55402, 47.47135)
MAIL = (-0.54975, 47.46930)
GARE = (-0.55690, 47.46440)
BACKGROUND: list[tuple[str, str, str, tuple[float, float]]] = [
    ("parking.full", "low", "Parking du Mail complet (412/412)", MAIL),
    ("waste.container_full", "low", "Colonne à verre 118 pleine", RALLIEMENT),
    (
        "traffic_light.fault",
        "medium",
        "Carrefour Foch/Ralliement : feux à l'orange clignotant",
        RALLIEMENT,
    ),
    ("building.technical_fault", "low", "Annexe de la mairie : pression chaudière basse", GARE),
    ("lighting.lamp_off", "low", "Point lumineux 4411-07 éteint", GARE),
    ("watering.leak", "medium", "Jardin du Mail : fuite sur la vanne d'arrosage 3", MAIL),
]


@dataclass(frozen=True)
class MqttTarget:
    """Where the hypervisor publishes when a broker is there."""

    host: str
    port: int
    topic: str


def csu_alarm(
    type_: str, severity: str, text: str, where: tuple[float, float], **extra: Any
) -> dict[str, Any]:
    """An alarm in csu's own JSON form, from the hypervisor."""
    jitter = (random.uniform(-2e-4, 2e-4), random.uniform(-1e-4, 1e-4))
    return {
        "source": "hypervisor",
        "external_id": f"{type_.split('.')[0].upper()}-{uuid.uuid4().hex[:10]}",
        "type": type_,
        "severity": severity,
        "occurred_at": datetime.now(UTC).isoformat(),
        "location": {"type": "Point", "coordinates": [where[0] + jitter[0], where[1] + jitter[1]]},
        "description": text,
        "data": extra,
    }


def cap_warning() -> bytes:
    """A Météo-France-like CAP 1.2 thunderstorm warning over Angers."""
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    polygon = "47.49,-0.58 47.49,-0.52 47.45,-0.52 47.45,-0.58 47.49,-0.58"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>demo-meteo-{uuid.uuid4().hex[:8]}</identifier><sender>vigilance@meteo.example</sender>
  <sent>{now}</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><language>fr-FR</language><category>Met</category><event>Orages</event>
    <urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <headline>Vigilance orange orages</headline>
    <description>Orages violents attendus sur Angers en soirée.</description>
    <area><areaDesc>Angers</areaDesc><polygon>{polygon}</polygon></area></info>
</alert>""".encode()


def ngsi_flood_sensor() -> dict[str, Any]:
    """An NGSI-LD notification with a flood-sensor Alert next to the pressure drop."""
    return {
        "id": f"urn:ngsi-ld:Notification:{uuid.uuid4()}",
        "type": "Notification",
        "subscriptionId": "urn:ngsi-ld:Subscription:csu-demo",
        "notifiedAt": datetime.now(UTC).isoformat(),
        "data": [
            {
                "id": f"urn:ngsi-ld:Alert:flood-{uuid.uuid4().hex[:8]}",
                "type": "Alert",
                "category": "water",
                "subCategory": "flood_sensor",
                "severity": "high",
                "description": "Capteur FS-22 mouillé : eau dans le passage souterrain",
                "dateIssued": datetime.now(UTC).isoformat(),
                "location": {"type": "Point", "coordinates": [MAIL[0] + 0.001, MAIL[1]]},
                "dataProvider": "hypervisor",
                "@context": ["https://smartdatamodels.org/context.jsonld"],
            }
        ],
    }


def _incident_of(stored: dict[str, Any] | None) -> int | None:
    """The incident an accepted alarm joined or opened."""
    alarms = (stored or {}).get("alarms") or [{}]
    incident = alarms[0].get("incident_id")
    return incident if isinstance(incident, int) else None


class SimulatedHypervisor:
    """Sends the demo's alarms; runs until cancelled."""

    def __init__(
        self,
        base_url: str,
        login: tuple[str, str],
        mqtt: MqttTarget | None,
        *,
        pace: float = 1.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._login = login
        self._token = ""
        # A burst of posts finding the session over signs in once, not once each.
        self._signing = asyncio.Lock()
        self._mqtt = mqtt
        self._pace = pace
        self._escalated = False

    async def run(self) -> None:
        """Wait for the API, then play the scenarios forever."""
        async with httpx.AsyncClient(base_url=self._base, timeout=10) as http:
            await self._wait_until_up(http)
            tick = 0
            while True:
                await self._step(http, tick)
                tick += 1
                await asyncio.sleep(random.uniform(6, 14) * self._pace)

    async def _step(self, http: httpx.AsyncClient, tick: int) -> None:
        try:
            if tick % 12 == 1:
                await self._feeder_down(http)
            elif tick % 12 == 5:
                await self._water(http)
            elif tick % 12 == 8:
                await self._post(http, "/api/alarms/cap", cap_warning(), "application/cap+xml")
            elif tick % 24 == 11:
                await self._burst(http, 300)
            else:
                type_, severity, text, where = random.choice(BACKGROUND)
                await self._send(http, csu_alarm(type_, severity, text, where))
        except (httpx.HTTPError, aiomqtt.MqttError) as exc:
            log.warning("simulated hypervisor: %s", exc)

    async def _feeder_down(self, http: httpx.AsyncClient) -> None:
        # The correlated pair next to the Rue Lenepveu camera: the feeder, then its dark lamps.
        feeder = csu_alarm(
            "lighting.feeder_down",
            "high",
            "Départ 12 en défaut, 18 points lumineux éteints",
            LENEPVEU,
            cabinet="C-12",
            lamps_off=18,
        )
        await self._send(http, feeder, prefer_mqtt=True)
        for n in range(4):
            await asyncio.sleep(0.3)
            lamp = csu_alarm(
                "lighting.lamp_off",
                "low",
                f"Point lumineux 12-0{n + 1} éteint",
                LENEPVEU,
                cabinet="C-12",
            )
            await self._send(http, lamp, prefer_mqtt=True)

    async def _water(self, http: httpx.AsyncClient) -> None:
        drop = csu_alarm(
            "water.pressure_drop",
            "high",
            "Pression 2,1 bar sous le seuil de 3,0 sur la DN300",
            MAIL,
            sensor="PT-7",
            value_bar=2.1,
        )
        stored = await self._post(
            http, "/api/alarms", json.dumps(drop).encode(), "application/json"
        )
        await asyncio.sleep(2 * self._pace)
        await self._post(
            http,
            "/api/alarms/ngsi-ld",
            json.dumps(ngsi_flood_sensor()).encode(),
            "application/json",
        )
        incident = _incident_of(stored)
        if incident is not None and not self._escalated:
            await self._escalate(
                http, incident, "Eau dans le passage souterrain : cellule de crise appelée"
            )

    async def _escalate(self, http: httpx.AsyncClient, incident: int, text: str) -> None:
        # The duty officer hands the flooding to the crisis cell; the crisis-room wall follows.
        body = json.dumps({"action": "escalate", "text": text}).encode()
        answer = await self._post(
            http, f"/api/incidents/{incident}/actions", body, "application/json"
        )
        self._escalated = answer is not None

    async def _burst(self, http: httpx.AsyncClient, count: int) -> None:
        alarms = [
            csu_alarm(
                "lighting.lamp_off",
                "low",
                f"Point lumineux {n:04d} éteint (creux de tension)",
                random.choice(BACKGROUND)[3],
            )
            for n in range(count)
        ]
        if not await self._publish(alarms):
            await asyncio.gather(
                *(
                    self._post(http, "/api/alarms", json.dumps(a).encode(), "application/json")
                    for a in alarms
                )
            )

    async def _send(
        self, http: httpx.AsyncClient, alarm: dict[str, Any], *, prefer_mqtt: bool = False
    ) -> None:
        if prefer_mqtt and await self._publish([alarm]):
            return
        await self._post(http, "/api/alarms", json.dumps(alarm).encode(), "application/json")

    async def _publish(self, alarms: list[dict[str, Any]]) -> bool:
        if self._mqtt is None:
            return False
        try:
            async with aiomqtt.Client(self._mqtt.host, self._mqtt.port, timeout=3) as client:
                for alarm in alarms:
                    topic = f"{self._mqtt.topic}/{alarm['type'].split('.')[0]}"
                    await client.publish(topic, json.dumps(alarm).encode(), qos=1)
        except aiomqtt.MqttError:
            return False
        return True

    async def _post(
        self, http: httpx.AsyncClient, path: str, body: bytes, content_type: str
    ) -> dict[str, Any] | None:
        for _ in range(2):
            token = await self._session(http)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
            response = await http.post(path, content=body, headers=headers)
            if response.status_code != 401:
                break
            if self._token == token:  # the session ran out: sign in again, as a client would
                self._token = ""
        if response.status_code >= 400:
            log.warning(
                "simulated hypervisor: %s answered %s: %s",
                path,
                response.status_code,
                response.text,
            )
            return None
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:  # a success without a JSON body: nothing to read from it
            return {}
        return answer

    async def _session(self, http: httpx.AsyncClient) -> str:
        async with self._signing:
            if not self._token:
                username, password = self._login
                response = await http.post(
                    "/api/auth/login", json={"username": username, "password": password}
                )
                response.raise_for_status()
                self._token = str(response.json()["access_token"])
            return self._token

    async def _wait_until_up(self, http: httpx.AsyncClient) -> None:
        while True:
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)


def hypervisor_companion(
    host: str, port: int, login: tuple[str, str]
) -> Callable[[AppServices], Coroutine[Any, Any, None]]:
    """The simulated hypervisor as a companion of the app: it signs in to the app's own API and
    publishes to the site's MQTT feed, if the site has one."""

    async def run(services: AppServices) -> None:
        feed = next((s for s in services.site.alarm_sources if s.kind == "mqtt"), None)
        mqtt = None
        if feed is not None and feed.url and feed.topic:
            parts = urlsplit(feed.url)
            mqtt = MqttTarget(
                parts.hostname or "127.0.0.1", parts.port or 1883, feed.topic.rstrip("/#")
            )
        local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        # CSU_DEMO_PACE < 1 speeds the scenarios up (tests); 1 is a believable watch.
        pace = float(os.environ.get("CSU_DEMO_PACE", "1") or 1)
        await SimulatedHypervisor(f"http://{local}:{port}", login, mqtt, pace=pace).run()

    return run
