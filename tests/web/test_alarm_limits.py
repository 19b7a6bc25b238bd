"""Bounds on alarm intake through the real server: body size, entities, the rejected list.

A 60 MB body was read and kept whole (and the rejected list answered 61 MB); a 25 MB NGSI-LD
notification made 100,000 alarms and held every other alarm back 11.5 s.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig
from csu.db import Database
from csu.settings import Settings
from incidents.alarms.adapters.ngsi_entities import MAX_ENTITIES
from incidents.parsing import KEPT_OF_TOO_LARGE
from tests.incidents.test_mqtt import Broker, _publish, broker
from tests.web.conftest import PASSWORD, login, seed_accounts, served
from tests.web.test_alarm_poison import (
    JSON,
    _counts,
    _feed_connected,
    _wait,
    json_alarm,
    mqtt_site,
    ngsi_notification,
)
from tests.web.test_alarms_api import csu_alarm

__all__ = ["broker", "mqtt_site"]  # fixtures

LIMIT = 1_048_576  # CSU_ALARM_MAX_BODY_BYTES's default


@pytest.fixture
def server(database_url: str, site: SiteConfig, tmp_path: Path) -> Iterator[str]:
    """The app under a real uvicorn: a client may send headers and part of a body only."""
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    with served(create_app(settings, site)) as base:
        yield base


def _token(base: str, username: str = "operator") -> str:
    response = httpx.post(
        f"{base}/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _raw_post(base: str, head: dict[str, str], parts: Iterator[bytes]) -> tuple[bytes, float]:
    """POST /api/alarms over a bare socket: the headers, then `parts` while the server reads.

    Returns the whole answer (the server must close the connection) and the seconds it took.
    """
    host, port = base.removeprefix("http://").split(":")
    lines = ["POST /api/alarms HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in head.items())]
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            for part in parts:
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: the rest is not wanted
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # closed with our unread bytes in its buffer: what came before it counts
    return answer, time.monotonic() - started


def _status_and_json(answer: bytes) -> tuple[int, dict[str, object], str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body), head.decode().lower()


def _rejected(base: str, **params: object) -> dict[str, object]:
    headers = {"authorization": f"Bearer {_token(base, 'admin')}"}
    response = httpx.get(
        f"{base}/api/alarms", params={"rejected": "true", **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, object] = response.json()
    return page


def test_a_declared_60_mb_body_is_413_before_it_is_read(server: str) -> None:
    """Content-Length of 60 MB: 413 naming the limit once 64 KiB arrived; 64 KiB kept."""
    declared = 60 * 1024 * 1024
    head = {
        "Authorization": f"Bearer {_token(server)}",
        "Content-Type": "application/json",
        "Content-Length": str(declared),
    }
    sent = [0]

    def parts() -> Iterator[bytes]:
        start = json.dumps(csu_alarm("BIG", description="")).encode()[:-2]
        yield start
        while sent[0] < declared:  # the server stops reading: the socket fills, then closes
            sent[0] += 65536
            yield b"x" * 65536

    answer, _seconds = _raw_post(server, head, parts())
    status, body, headers = _status_and_json(answer)
    assert status == 413, body
    assert "62,914,560 bytes over the limit of 1,048,576" in str(body["detail"])
    assert "CSU_ALARM_MAX_BODY_BYTES" in str(body["detail"])
    assert "connection: close" in headers
    assert sent[0] < declared / 4, "the server read the body it refused"
    page = _rejected(server)
    (item,) = page["items"]  # type: ignore[misc]
    assert item["raw_id"] == body["raw_id"] and item["body_bytes"] == KEPT_OF_TOO_LARGE
    assert item["error"] == body["detail"]


def test_a_chunked_body_is_cut_off_past_the_limit(server: str) -> None:
    """No Content-Length: refused once more than the limit arrived, whatever follows."""
    head = {
        "Authorization": f"Bearer {_token(server)}",
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
    }

    def parts() -> Iterator[bytes]:
        for _ in range(64):  # 4 MiB in all, in 64 KiB chunks
            yield b"10000\r\n" + b"y" * 65536 + b"\r\n"
        yield b"0\r\n\r\n"

    answer, _seconds = _raw_post(server, head, parts())
    status, body, _headers = _status_and_json(answer)
    assert status == 413, body
    assert "more bytes over the limit of 1,048,576" in str(body["detail"])
    assert _rejected(server)["items"][0]["body_bytes"] == KEPT_OF_TOO_LARGE  # type: ignore[index]


def test_the_limit_is_the_setting_s(database_url: str, site: SiteConfig, tmp_path: Path) -> None:
    """CSU_ALARM_MAX_BODY_BYTES=4096: a 5 kB alarm is refused, a 3 kB one taken."""
    seed_accounts(database_url)
    settings = Settings(
        data_dir=tmp_path / "var", database_url=database_url, alarm_max_body_bytes=4096
    )
    with TestClient(create_app(settings, site)) as client:
        headers = {**login(client, "operator"), **JSON}
        small = json.dumps(csu_alarm("S", description="d" * 3000)).encode()
        large = json.dumps(csu_alarm("L", description="d" * 5000)).encode()
        assert client.post("/api/alarms", content=small, headers=headers).status_code == 201
        refused = client.post("/api/alarms", content=large, headers=headers)
        assert refused.status_code == 413, refused.text
        assert f"{len(large):,} bytes over the limit of 4,096" in refused.json()["detail"]


def test_entities_per_notification_are_bounded(client: TestClient) -> None:
    """1,001 Alerts in one notification: 422 naming the limit; 1,000 are taken."""
    headers = {**login(client, "operator"), **JSON}
    over = ngsi_notification("E-over", entities=MAX_ENTITIES + 1)
    refused = client.post("/api/alarms/ngsi-ld", content=over, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"] == (
        "data: 1,001 entities, more than the 1,000 a notification may carry (send them in several)"
    )
    full = ngsi_notification("E-full", entities=MAX_ENTITIES)
    taken = client.post("/api/alarms/ngsi-ld", content=full, headers=headers)
    assert taken.status_code == 201 and len(taken.json()["alarms"]) == MAX_ENTITIES


def test_the_rejected_list_is_paged_and_cut(client: TestClient) -> None:
    """Pages by before_id; a body beyond 2 KiB is cut in the list and whole on its own."""
    headers = {**login(client, "operator"), **JSON}
    raw_ids = [
        client.post(
            "/api/alarms", content=b"{bad " + str(n).encode() * 1000, headers=headers
        ).json()["raw_id"]
        for n in range(5)
    ]
    admin = login(client, "admin")
    seen: list[int] = []
    url = "/api/alarms?rejected=true&limit=2"
    page = client.get(url, headers=admin).json()
    while True:
        assert page["total"] == 5
        seen += [item["raw_id"] for item in page["items"]]
        if page["next_before_id"] is None:
            break
        page = client.get(f"{url}&before_id={page['next_before_id']}", headers=admin).json()
    assert seen == sorted(raw_ids, reverse=True)
    item = client.get("/api/alarms?rejected=true&limit=1", headers=admin).json()["items"][0]
    assert not item["body_truncated"] and item["body_bytes"] == len(item["body"]) == 1005
    long_body = b"{" + b"z" * 10_000
    long_id = client.post("/api/alarms", content=long_body, headers=headers).json()["raw_id"]
    item = client.get("/api/alarms?rejected=true&limit=1", headers=admin).json()["items"][0]
    assert item["raw_id"] == long_id and item["body_truncated"]
    assert item["body_bytes"] == 10_001 and item["body"] == long_body[:2048].decode()
    whole = client.get(f"/api/alarms/rejected/{long_id}/body", headers=admin)
    assert whole.status_code == 200 and whole.content == long_body
    assert whole.headers["content-type"] == "application/octet-stream"
    assert whole.headers["content-disposition"].startswith("attachment")
    assert client.get(f"/api/alarms/rejected/{long_id}/body", headers=headers).status_code == 403
    assert client.get("/api/alarms/rejected/999999/body", headers=admin).status_code == 404


@pytest.mark.slow
def test_an_mqtt_message_over_the_limit_keeps_its_start_only(
    database_url: str, mqtt_site: SiteConfig, broker: Broker, tmp_path: Path
) -> None:
    """A 2 MiB message among good ones: rejected with the reason, 64 KiB of it kept."""
    seed_accounts(database_url)
    run = uuid.uuid4().hex[:6]
    huge = json.dumps(csu_alarm(f"{run}-huge", description="h" * 2 * LIMIT)).encode()
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    db = Database(database_url)
    try:
        with TestClient(create_app(settings, mqtt_site)) as client:
            _wait(lambda: _feed_connected(client), "the feed to connect")
            messages = [json_alarm(f"{run}-{n}") for n in range(10)]
            asyncio.run(_publish(broker.port, "alarms/a", [*messages[:5], huge, *messages[5:]]))
            _wait(lambda: _counts(db) == (10, 1, 0), "10 stored, 1 rejected", db)
            page = client.get("/api/alarms?rejected=true", headers=login(client, "admin")).json()
    finally:
        db.dispose()
    (item,) = page["items"]
    assert item["body_bytes"] == KEPT_OF_TOO_LARGE and item["source_hint"] == "alarms/a"
    assert f"payload too large: {len(huge):,} bytes over the limit of 1,048,576" in item["error"]
