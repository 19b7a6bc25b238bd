"""Sign-ins under attack: throttled, tallied in the access log, checked off the event loop."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig
from csu.settings import Settings
from tests.web.conftest import PASSWORD, seed_accounts, served, services_of

LOGIN = "/api/auth/login"


def close_windows(client: TestClient) -> None:
    """Close every open window of failed logins now and let the access log write them."""
    services = services_of(client)
    later = datetime.now(UTC) + timedelta(hours=1)
    client.portal.call(services.logins.close_windows, later)  # type: ignore[union-attr]
    client.portal.call(services.bus.drain)  # type: ignore[union-attr]


def test_sixty_wrong_passwords_then_the_right_one_is_refused(client: TestClient) -> None:
    """After a run of wrong passwords the right one is refused too: 429, Retry-After, why."""
    guesses = [{"username": "operator", "password": f"guess-{n:04d}-x"} for n in range(60)]
    codes = [client.post(LOGIN, json=guess).status_code for guess in guesses]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    right = client.post(LOGIN, json={"username": "operator", "password": PASSWORD})
    assert right.status_code == 429, right.text
    assert int(right.headers["retry-after"]) >= 1
    assert right.json()["detail"].startswith("too many failed sign-ins for this account")
    assert "try again in" in right.json()["detail"]
    # Another account from the same address is only slowed down by its address's count.
    other = client.post(LOGIN, json={"username": "supervisor", "password": PASSWORD})
    assert other.status_code == 200, other.text


def test_failed_logins_are_tallied_not_logged_one_by_one(client: TestClient) -> None:
    """Three wrong passwords and thirty made-up names: two access-log entries, with counts."""
    for _ in range(3):
        client.post(LOGIN, json={"username": "crisis", "password": "not-the-password"})
    for n in range(30):
        client.post(LOGIN, json={"username": f"=HYPERLINK(n{n})", "password": "x" * 12})
    close_windows(client)
    denied = [
        e
        for e in services_of(client).access_log.entries()
        if e.action == "auth.login" and e.outcome == "denied"
    ]
    assert len(denied) == 2, denied
    crisis, unknown = sorted(denied, key=lambda e: e.user or "~")
    assert crisis.user == "crisis" and crisis.client == "testclient"
    counts = json.loads(str(crisis.details))
    assert counts["failures"] + counts["refused_while_throttled"] == 3
    assert unknown.user is None
    counts = json.loads(str(unknown.details))
    assert counts["failures"] + counts["refused_while_throttled"] == 30
    assert counts["names_without_account"][:2] == ["=HYPERLINK(n0)", "=HYPERLINK(n1)"]


@pytest.mark.slow
def test_healthz_stays_fast_during_sixty_concurrent_logins(
    database_url: str, site: SiteConfig, tmp_path: Path
) -> None:
    """60 logins at once against the real server: /healthz keeps answering (14 s before)."""
    seed_accounts(database_url)
    app = create_app(Settings(data_dir=tmp_path / "var", database_url=database_url), site)
    names = ["operator", "supervisor", "crisis", "admin", "street-only", "expired", "nobody"]

    async def storm(base: str) -> tuple[list[int], list[float]]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            logins = [
                http.post(LOGIN, json={"username": names[n % 7], "password": PASSWORD})
                for n in range(60)
            ]
            running = asyncio.gather(*logins)
            latencies = []
            while not running.done():
                start = time.perf_counter()
                assert (await http.get("/healthz")).status_code == 200
                latencies.append(time.perf_counter() - start)
                await asyncio.sleep(0.05)
            return [r.status_code for r in await running], latencies

    with served(app) as base:
        codes, latencies = asyncio.run(storm(base))
    assert set(codes) <= {200, 401, 429, 503}, codes
    assert 200 in codes
    assert latencies and max(latencies) < 2.0, latencies
