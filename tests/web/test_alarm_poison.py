"""Poisoned alarms (text a database cannot store) through the real server: refused one by one.

A lone surrogate escape (`\\ud800`) decodes to a str that no UTF-8 database takes, and PostgreSQL
text refuses NUL: such a payload is answered 422 naming the field and kept as rejected, it never
fails the payloads beside it, and one left unparsed by a crash never stops csu from starting.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from csu.app import create_app
from csu.config import SiteConfig, parse_site
from csu.db import Database
from csu.settings import Settings
from incidents.models import RawAlarm, RawStatus, StoredAlarm
from tests.incidents.test_mqtt import Broker, _publish, broker
from tests.web.conftest import PASSWORD, SITE, login, seed_accounts, served
from tests.web.test_alarms_api import csu_alarm

__all__ = ["broker"]  # a fixture

JSON = {"content-type": "application/json"}
CAP = {"content-type": "application/cap+xml"}
MARK = b"@POISON@"

# Text put inside a JSON string, and what the 422 must say of it.
JSON_POISONS: list[tuple[str, bytes, str]] = [
    ("lone high surrogate", b"Feeder \\ud800", "contains a lone surrogate \\ud800 at offset 7"),
    ("lone low surrogate", b"\\udfff", "contains a lone surrogate \\udfff at offset 0"),
    ("escaped NUL", b"Feeder \\u0000 down", "contains a NUL character (\\u0000) at offset 7"),
    ("literal NUL", b"Feeder \x00 down", "not valid JSON"),
    ("invalid UTF-8", b"Feeder \xff\xfe down", "not UTF-8"),
    ("UTF-8 encoded surrogate", b"Feeder \xed\xa0\x80 down", "not UTF-8"),
]


def _now(seconds_ago: float = 30) -> str:
    return (datetime.now(UTC) - timedelta(seconds=seconds_ago)).isoformat()


def json_alarm(ext: str, field: str = "description", poison: bytes | None = None) -> bytes:
    """csu's alarm JSON, with `poison` as the text of `field` (a key of data for "data.key")."""
    if poison is None:
        return json.dumps(csu_alarm(ext)).encode()
    if field == "data.key":
        body = json.dumps(csu_alarm(ext, data={"@POISON@": 1})).encode()
    elif field == "data.value":
        body = json.dumps(csu_alarm(ext, data={"cabinet": "@POISON@"})).encode()
    else:
        body = json.dumps(csu_alarm(ext, **{field: "@POISON@"})).encode()
    assert MARK in body
    return body.replace(MARK, poison)


def ngsi_notification(ext: str, poison: bytes | None = None, *, entities: int = 1) -> bytes:
    """An Orion-LD notification of traffic-jam Alerts; the first one's description poisoned."""
    data = [
        {
            "id": f"urn:ngsi-ld:Alert:{ext}-{n}",
            "type": "Alert",
            "category": "traffic",
            "subCategory": "trafficJam",
            "severity": "high",
            "location": {"type": "Point", "coordinates": [-0.5499, 47.47]},
            "dateIssued": _now(),
            "description": "@POISON@" if n == 0 and poison is not None else "Road blocked",
            "dataProvider": "city-traffic",
        }
        for n in range(entities)
    ]
    body = json.dumps(
        {
            "id": f"urn:ngsi-ld:Notification:{ext}",
            "type": "Notification",
            "subscriptionId": "urn:ngsi-ld:Subscription:alerts",
            "notifiedAt": _now(),
            "data": data,
        }
    ).encode()
    return body if poison is None else body.replace(MARK, poison)


def cap_alert(ext: str, *, sender: str = "meteo@city.example", text: bytes = b"Storm") -> bytes:
    """A small CAP 1.2 alert with `text` as its description."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        b"<identifier>" + ext.encode() + b"</identifier>"
        b"<sender>" + sender.encode() + b"</sender>"
        b"<sent>2026-03-01T10:00:00+01:00</sent><status>Actual</status><msgType>Alert</msgType>"
        b"<scope>Public</scope><info><category>Met</category><event>Storm</event>"
        b"<urgency>Immediate</urgency><severity>Severe</severity><certainty>Likely</certainty>"
        b"<description>" + text + b"</description>"
        b"<area><areaDesc>Angers</areaDesc><circle>47.47,-0.55 2</circle></area>"
        b"</info></alert>"
    )


def _post(client: TestClient, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = client.post(
        path, content=body, headers={**login(client, "operator"), **headers}
    )
    return response


def _rejected_ids(client: TestClient) -> list[int]:
    listing = client.get("/api/alarms?rejected=true&limit=1000", headers=login(client, "admin"))
    assert listing.status_code == 200, listing.text
    return [item["raw_id"] for item in listing.json()["items"]]


def _refused(response: httpx.Response, message: str) -> int:
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"], response.json()["detail"]
    raw_id: int = response.json()["raw_id"]
    return raw_id


@pytest.mark.parametrize(
    "field", ["description", "source", "external_id", "type", "data.key", "data.value"]
)
def test_csu_json_poison_is_a_422_naming_the_field(client: TestClient, field: str) -> None:
    """Each poison in each text field: 422 naming it, kept as rejected, then csu still works."""
    kept: list[int] = []
    for n, (_name, poison, message) in enumerate(JSON_POISONS):
        response = _post(client, "/api/alarms", json_alarm(f"P-{n}", field, poison), JSON)
        if "offset" in message:  # a decodable document: the field is named
            where = {"data.key": "data", "data.value": "data.cabinet"}.get(field, field)
            message = f"{where}: {message}" if field != "data.key" else message
        kept.append(_refused(response, message))
    assert sorted(_rejected_ids(client)) == sorted(kept)
    after = _post(client, "/api/alarms", json_alarm("AFTER"), JSON)
    assert after.status_code == 201, after.text
    assert client.get("/api/alarms", headers=login(client, "operator")).json()["total"] == 1


def test_oversized_strings_are_a_422_naming_the_field(client: TestClient) -> None:
    """Strings longer than their column: refused by name on every channel, never a 500."""
    cases = [
        ("/api/alarms", json.dumps(csu_alarm("L-1", source="s" * 129)).encode(), JSON, "source"),
        ("/api/alarms", json.dumps(csu_alarm("x" * 513)).encode(), JSON, "external_id"),
        (
            "/api/alarms",
            json.dumps(csu_alarm("L-3", type="video.loss", camera_id="c" * 65)).encode(),
            JSON,
            "camera_id",
        ),
        ("/api/alarms/cap", cap_alert("L-4", sender="s" * 129), CAP, "source"),
    ]
    for path, body, headers, field in cases:
        _refused(_post(client, path, body, headers), f"{field}: String should have at most")
    long_id = ngsi_notification("L-5").replace(b"L-5-0", b"i" * 600)
    _refused(_post(client, "/api/alarms/ngsi-ld", long_id, JSON), "external_id: String should")


def test_ngsi_ld_poison_names_the_entity_field(client: TestClient) -> None:
    """The path in the notification is named: data[0].description."""
    kept = [
        _refused(
            _post(client, "/api/alarms/ngsi-ld", ngsi_notification(f"N-{n}", poison), JSON),
            f"data[0].description: {message}" if "offset" in message else message,
        )
        for n, (_name, poison, message) in enumerate(JSON_POISONS)
    ]
    assert sorted(_rejected_ids(client)) == sorted(kept)
    after = _post(client, "/api/alarms/ngsi-ld", ngsi_notification("N-OK"), JSON)
    assert after.status_code == 201, after.text


def test_cap_poison_is_a_422(client: TestClient) -> None:
    """XML cannot carry a surrogate or NUL: character references and bytes are refused."""
    poisons = [b"&#xD800;", b"&#0;", b"Storm \x00", b"Storm \xff", b"Storm \xed\xa0\x80"]
    kept = [
        _refused(_post(client, "/api/alarms/cap", cap_alert(f"C-{n}", text=p), CAP), "XML")
        for n, p in enumerate(poisons)
    ]
    assert sorted(_rejected_ids(client)) == sorted(kept)
    after = _post(client, "/api/alarms/cap", cap_alert("C-OK"), CAP)
    assert after.status_code == 201, after.text


# 10 poisoned payloads among 400 good ones: csu JSON and NGSI-LD, text no database can store.
_POISONED: list[tuple[str, bytes]] = [
    ("/api/alarms", json_alarm("X-0", "description", b"\\ud800")),
    ("/api/alarms", json_alarm("X-1", "source", b"hyp\\udc00")),
    ("/api/alarms", json_alarm("X-2", "external_id", b"X-2\\u0000")),
    ("/api/alarms", json_alarm("X-3", "data.value", b"\\ud83d")),
    ("/api/alarms", json_alarm("X-4", "data.key", b"k\\u0000")),
    ("/api/alarms", json_alarm("X-5", "description", b"a\\u0000b\\ud800")),
    ("/api/alarms/ngsi-ld", ngsi_notification("X-6", b"\\ud800")),
    ("/api/alarms/ngsi-ld", ngsi_notification("X-7", b"\\u0000")),
    ("/api/alarms", json_alarm("X-8", "description", b"\xff")),
    ("/api/alarms", json_alarm("X-9", "severity", b"\\ud800")),
]


@pytest.fixture
def server(database_url: str, site: SiteConfig, tmp_path: Path) -> Iterator[str]:
    """The app under a real uvicorn, for concurrent posts that share engine batches."""
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    with served(create_app(settings, site)) as base:
        yield base


async def _post_all(base: str, posts: list[tuple[str, bytes]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        login_body = {"username": "operator", "password": PASSWORD}
        token = (await http.post("/api/auth/login", json=login_body)).json()["access_token"]
        headers = {**JSON, "authorization": f"Bearer {token}"}
        return await asyncio.gather(
            *(http.post(path, content=body, headers=headers) for path, body in posts)
        )


def test_poisoned_payloads_never_fail_their_neighbours(server: str, database_url: str) -> None:
    """400 valid alarms posted at once with 10 poisoned ones: 400 stored, 10 refused and kept."""
    run = uuid.uuid4().hex[:6]
    posts: list[tuple[str, bytes]] = [("/api/alarms", json_alarm(f"{run}-{n}")) for n in range(400)]
    for n, poisoned in enumerate(_POISONED):
        posts.insert(n * 40 + 17, poisoned)
    responses = asyncio.run(_post_all(server, posts))
    poisoned_at = {id(p) for p in _POISONED}
    codes = [
        (r.status_code, id(post) in poisoned_at) for r, post in zip(responses, posts, strict=True)
    ]
    assert [c for c, bad in codes if not bad] == [201] * 400, codes
    assert [c for c, bad in codes if bad] == [422] * 10, [r.text for r in responses]
    refused = {r.json()["raw_id"] for r in responses if r.status_code == 422}
    db = Database(database_url)
    try:
        with db.session() as s:
            stored = list(s.exec(select(StoredAlarm.external_id)))
            raws = list(s.exec(select(RawAlarm.id, RawAlarm.status)))
    finally:
        db.dispose()
    assert sorted(stored) == sorted(f"{run}-{n}" for n in range(400))
    assert {i for i, status in raws if status == RawStatus.REJECTED.value} == refused
    assert not [i for i, status in raws if status == RawStatus.RECEIVED.value]


def _leave_received(url: str, rows: list[tuple[str, bytes]]) -> None:
    """Raw rows as a crash between storing and parsing leaves them."""
    db = Database(url)
    try:
        with db.session() as s:
            for channel, body in rows:
                s.add(
                    RawAlarm(
                        received_at=datetime.now(UTC),
                        channel=channel,
                        content_type="application/json",
                        body=body,
                    )
                )
    finally:
        db.dispose()


def test_restart_with_poisoned_rows_left_unparsed_starts_and_rejects_them(
    database_url: str, site: SiteConfig, tmp_path: Path
) -> None:
    """The recovery at start parses what it can, rejects what it cannot, and csu starts."""
    seed_accounts(database_url)
    _leave_received(
        database_url,
        [
            ("mqtt", json_alarm("R-good-1")),
            ("http.json", json_alarm("R-0", "description", b"\\ud800")),
            ("mqtt", json_alarm("R-1", "source", b"\\u0000")),
            ("http.ngsi-ld", ngsi_notification("R-2", b"\\udc00")),
            ("http.cap", cap_alert("R-3", text=b"&#0;")),
            ("carrier-pigeon", json_alarm("R-4")),  # a channel this csu does not know
            ("http.json", json_alarm("R-good-2")),
        ],
    )
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    with TestClient(create_app(settings, site)) as client:
        listed = client.get("/api/alarms", headers=login(client, "operator")).json()
        assert sorted(a["alarm"]["external_id"] for a in listed["items"]) == [
            "R-good-1",
            "R-good-2",
        ]
        rejected = client.get("/api/alarms?rejected=true", headers=login(client, "admin")).json()
    errors = sorted(item["error"] for item in rejected["items"])
    assert len(errors) == 5, errors
    assert any(e.startswith("description: contains a lone surrogate") for e in errors)
    assert any(e.startswith("source: contains a NUL character") for e in errors)
    assert any("carrier-pigeon" in e for e in errors)
    db = Database(database_url)
    try:
        with db.session() as s:
            left = s.exec(select(RawAlarm).where(col(RawAlarm.status) == "received")).all()
    finally:
        db.dispose()
    assert left == []


@pytest.fixture
def mqtt_site(broker: Broker) -> SiteConfig:
    """The test site with an MQTT feed on a private broker."""
    sources = (
        "alarm_sources:\n"
        f"  - {{id: hypervisor, kind: mqtt, url: 'mqtt://127.0.0.1:{broker.port}',"
        " topic: 'alarms/#'}\n"
    )
    return parse_site(SITE + sources)


@pytest.mark.slow
def test_mqtt_poison_never_holds_back_the_feed(
    database_url: str, mqtt_site: SiteConfig, broker: Broker, tmp_path: Path
) -> None:
    """Acknowledged on receipt, 400 good and 10 poisoned messages (escapes, invalid UTF-8, NUL,
    an oversized source) and a 300-character topic: 400 alarms stored, 10 rejected, nothing left
    unparsed."""
    seed_accounts(database_url)
    run = uuid.uuid4().hex[:6]
    good = [json_alarm(f"{run}-{n}") for n in range(400)]
    poisoned = [body for path, body in _POISONED if path == "/api/alarms"]
    poisoned += [
        json_alarm(f"{run}-p1", "description", b"literal \x00 NUL"),
        json.dumps(csu_alarm(f"{run}-p2", source="s" * 129)).encode(),  # longer than its column
    ]
    messages = list(good)
    for n, body in enumerate(poisoned):
        messages.insert(n * 40 + 3, body)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    db = Database(database_url)
    try:
        with TestClient(create_app(settings, mqtt_site)) as client:
            _wait(lambda: _feed_connected(client), "the feed to connect")
            asyncio.run(_publish(broker.port, "alarms/a", messages[:200]))
            asyncio.run(_publish(broker.port, "alarms/" + "t" * 300, messages[200:]))
            _wait(lambda: _counts(db) == (400, 10, 0), "400 stored, 10 rejected", db)
    finally:
        db.dispose()


def _feed_connected(client: TestClient) -> bool:
    sources = client.get("/api/alarm-sources", headers=login(client, "operator")).json()
    return bool(sources[0]["feed"]["connected"])


def _counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        alarms = len(s.exec(select(StoredAlarm.id)).all())
        statuses = list(s.exec(select(RawAlarm.status)))
    return alarms, statuses.count("rejected"), statuses.count("received")


def _wait(
    predicate: Callable[[], bool], what: str, db: Database | None = None, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        counts = _counts(db) if db is not None else ""
        assert time.monotonic() < deadline, f"waited for {what} (alarms, rejected, left): {counts}"
        time.sleep(0.2)
