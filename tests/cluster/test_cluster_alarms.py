"""Two API nodes as real processes: an alarm burst over HTTP (to both) and MQTT (a share group on
the local Mosquitto), `kill -9` of the leading node mid-burst; the standby takes the engine over
and every acknowledged alarm is stored exactly once; the access log verifies."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
import pytest
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion
from websockets.sync.client import connect as ws_connect

from csu.db import Database
from privacy.access_log import AccessLog
from tests.cluster.processes import Cluster, cluster
from tests.conftest import empty_database, require_service
from tests.nats_server import NatsServer
from tests.web.conftest import PASSWORD, seed_accounts

pytestmark = pytest.mark.slow

CSU = str(Path(sys.executable).with_name("csu"))

HTTP_ALARMS = 600
MQTT_ALARMS = 1500
BURST_S = 6.0
KILL_AFTER_S = 2.0


def _site(topic: str) -> str:
    return textwrap.dedent(
        f"""
        site: {{name: Testville, timezone: Europe/Paris}}
        alarm_sources:
          - id: hyper
            kind: mqtt
            url: mqtt://127.0.0.1:1883
            topic: "{topic}"
            mqtt_version: "5"
            share_group: csu
        """
    )


def _alarm(external_id: str, n: int) -> bytes:
    return json.dumps(
        {
            "source": "hypervisor",
            "external_id": external_id,
            "type": "lighting.lamp_off",
            "severity": "low",
            "occurred_at": "2026-11-25T21:04:00+01:00",
            "location": {"type": "Point", "coordinates": [-0.55 + n * 1e-5, 47.47]},
            "description": f"lamp {n} off",
        }
    ).encode()


def _login(url: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=20
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _leader(url: str, auth: dict[str, str]) -> str | None:
    try:
        response = httpx.get(f"{url}/api/cluster", headers=auth, timeout=5)
    except httpx.HTTPError:
        return None
    leader: str | None = response.json()["engine"]["leader"]
    return leader


def _wait(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


class HttpBurst:
    """Posts alarms to both nodes in turn, eight at a time; a post that gets no 2xx is posted
    again, the same bytes, to the other node (as a client retries), until one answers 2xx."""

    def __init__(self, run: str, nodes: list[tuple[str, dict[str, str]]]) -> None:
        self.bodies = {f"{run}-h{n}": _alarm(f"{run}-h{n}", n) for n in range(HTTP_ALARMS)}
        self.nodes = nodes
        self.first_try: Counter[str] = Counter()
        self.acknowledged: dict[str, int] = {}  # external id -> the status that acknowledged it
        self.retries = 0

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        work = list(self.bodies.items())
        gap = BURST_S / len(work)
        slots = asyncio.Semaphore(8)
        async with httpx.AsyncClient(timeout=10) as http:

            async def post(k: int, external_id: str, body: bytes) -> None:
                async with slots:
                    await self._until_acknowledged(http, k, external_id, body)

            tasks = []
            for k, (external_id, body) in enumerate(work):
                tasks.append(asyncio.create_task(post(k, external_id, body)))
                await asyncio.sleep(gap)
            await asyncio.gather(*tasks)

    async def _until_acknowledged(
        self, http: httpx.AsyncClient, k: int, external_id: str, body: bytes
    ) -> None:
        for attempt in range(200):
            url, auth = self.nodes[(k + attempt) % len(self.nodes)]
            try:
                response = await http.post(
                    f"{url}/api/alarms",
                    content=body,
                    headers=auth | {"Content-Type": "application/json"},
                )
                outcome = str(response.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            if attempt == 0:
                self.first_try[outcome] += 1
            if outcome.startswith("2"):
                self.acknowledged[external_id] = int(outcome)
                return
            self.retries += 1
            await asyncio.sleep(0.05)
        raise AssertionError(f"{external_id} never acknowledged")


class MqttBurst:
    """Publishes alarms at QoS 1 and counts those the broker acknowledged (PUBACK)."""

    def __init__(self, run: str, topic: str) -> None:
        self.bodies = {f"{run}-m{n}": _alarm(f"{run}-m{n}", n) for n in range(MQTT_ALARMS)}
        self.topic = topic
        self.acknowledged = 0

    def run(self) -> None:
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex}")
        client.max_inflight_messages_set(200)
        client.connect("127.0.0.1", 1883)
        client.loop_start()
        try:
            sent = []
            gap = BURST_S / len(self.bodies)
            for body in self.bodies.values():
                sent.append(client.publish(self.topic, body, qos=1))
                time.sleep(gap)
            for info in sent:
                info.wait_for_publish(timeout=30)
            self.acknowledged = sum(info.is_published() for info in sent)
        finally:
            client.disconnect()
            client.loop_stop()


class Console:
    """A console on a node: the `alarms` frames it was pushed, with when they came."""

    def __init__(self, url: str, auth: dict[str, str]) -> None:
        self.frames: list[tuple[float, int]] = []
        self._url = url.replace("http", "ws", 1) + "/api/events"
        self._auth = auth
        self._open = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._open.wait(10), "the console did not connect"

    def _read(self) -> None:
        with ws_connect(self._url, additional_headers=self._auth) as ws:
            self._open.set()
            while not self._closing.is_set():
                try:
                    frame = json.loads(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                if frame["type"] == "alarms":
                    self.frames.append((time.monotonic(), int(frame["total"])))

    def close(self) -> None:
        self._closing.set()
        self._thread.join(5)


def _stored(database_url: str, run: str) -> tuple[dict[str, int], int, int]:
    """The run's alarms (external id -> update count), its raw payloads, their intake ids."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            alarms = dict(
                conn.execute(
                    sa.text(
                        "SELECT external_id, update_count FROM alarms WHERE external_id LIKE :p"
                    ),
                    {"p": f"{run}-%"},
                ).all()
            )
            raws = conn.execute(
                sa.text("SELECT count(*), count(DISTINCT intake_id) FROM raw_alarms")
            ).one()
    finally:
        engine.dispose()
    return alarms, int(raws[0]), int(raws[1])


@pytest.fixture
def mosquitto() -> None:
    """The local Mosquitto (the share group's broker)."""
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=2).close()
    except OSError:
        require_service("Mosquitto on 127.0.0.1:1883")


def test_a_killed_leaders_standby_takes_over_and_every_acknowledged_alarm_is_stored_once(
    tmp_path: Path, nats_server: NatsServer, mosquitto: None
) -> None:
    run = uuid.uuid4().hex[:10]
    topic = f"csu-test/{run}/alarms"
    with empty_database("postgres", tmp_path) as database_url:
        seed_accounts(database_url)
        folder = tmp_path / "cluster"
        folder.mkdir()
        with cluster(folder, _site(topic), nats_server.url, database_url) as nodes:
            _burst_and_kill(nodes, run, topic, database_url)


def _burst_and_kill(nodes: Cluster, run: str, topic: str, database_url: str) -> None:
    api1 = nodes.api("api1")
    watch1 = _login(api1.url, "supervisor")
    _wait(lambda: _leader(api1.url, watch1) == "api1", 20, "api1 leads")
    api2 = nodes.api("api2")
    watch2 = _login(api2.url, "admin")
    console = Console(api2.url, watch2)
    http = HttpBurst(
        run, [(api1.url, _login(api1.url, "operator")), (api2.url, _login(api2.url, "operator"))]
    )
    mqtt = MqttBurst(run, topic)
    loads = [threading.Thread(target=load.run) for load in (http, mqtt)]
    for load in loads:
        load.start()
    time.sleep(KILL_AFTER_S)
    pushed_before = len(console.frames)
    api1.kill()
    killed_at = time.monotonic()
    _wait(lambda: _leader(api2.url, watch2) == "api2", 30, "api2 takes the lead")
    took_over = time.monotonic() - killed_at
    for load in loads:
        load.join(120)
    # systemd restarts a killed node: under its name it takes up its MQTT session again, with
    # the share of the feed the broker kept for it meanwhile.
    api1 = nodes.api("api1")
    _login(api1.url, "crisis")
    expected = set(http.bodies) | set(mqtt.bodies)
    _wait(lambda: len(_stored(database_url, run)[0]) >= len(expected), 90, "every alarm stored")
    time.sleep(2)  # anything stored twice would show now
    alarms, raws, intake_ids = _stored(database_url, run)
    console.close()
    print(
        f"engine taken over {took_over:.1f} s after the kill; HTTP first tries"
        f" {dict(http.first_try)}, {http.retries} retries; MQTT {mqtt.acknowledged} acknowledged"
    )
    assert took_over < 10, f"the standby took over after {took_over:.1f} s"
    assert len(http.acknowledged) == HTTP_ALARMS and mqtt.acknowledged == MQTT_ALARMS
    assert set(alarms) == expected  # every acknowledged alarm, and nothing else
    assert set(alarms.values()) == {0}, "an alarm was applied twice"
    assert raws == intake_ids == len(expected), "a payload was stored twice"
    assert pushed_before > 0 and any(at > killed_at + took_over for at, _ in console.frames)
    _act_and_refuse(api1.url, _login(api1.url, "operator"), database_url)
    _verify_access_log(nodes, database_url)


def _act_and_refuse(url: str, auth: dict[str, str], database_url: str) -> None:
    """On the node that no longer leads: an action applies (by the leader's engine), and a
    payload that is no alarm is refused with the single process's 422, and kept."""
    incidents = httpx.get(f"{url}/api/incidents", headers=auth, timeout=20).json()
    incident = next(i for i in incidents if i["status"] == "new")
    response = httpx.post(
        f"{url}/api/incidents/{incident['id']}/actions",
        json={"action": "acknowledge"},
        headers=auth,
        timeout=20,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "acknowledged"
    bad = httpx.post(
        f"{url}/api/alarms",
        content=b'{"source": "hypervisor", "external_id": "no-type"}',
        headers=auth | {"Content-Type": "application/json"},
        timeout=20,
    )
    assert bad.status_code == 422 and bad.json()["detail"] == "type: required", bad.text

    def rejected() -> int:
        engine = sa.create_engine(database_url)
        try:
            with engine.connect() as conn:
                query = "SELECT count(*) FROM raw_alarms WHERE status = 'rejected'"
                return int(conn.execute(sa.text(query)).scalar_one())
        finally:
            engine.dispose()

    _wait(lambda: rejected() == 1, 20, "the refused payload kept as rejected")


def _verify_access_log(nodes: Cluster, database_url: str) -> None:
    db = Database(database_url)
    try:
        logins = {e.user for e in AccessLog(db).entries() if e.action == "auth.login"}
    finally:
        db.dispose()
    assert {"supervisor", "admin", "operator", "crisis"} <= logins  # written by both nodes
    env = nodes.env("verifier")
    result = subprocess.run(
        [CSU, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
