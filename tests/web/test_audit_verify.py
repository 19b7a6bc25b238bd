"""GET /api/audit/verify lists every problem (bounded) and names the key that signed."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from privacy.access_log.signing import load_verifier
from tests.privacy.tamper import tamper
from tests.web.conftest import login, services_of


def test_every_problem_is_listed_with_the_signing_key(client: TestClient, tmp_path: Path) -> None:
    """Two edits: both listed and counted; the newest checkpoint's key fingerprint is shown."""
    officer = login(client, "privacy_officer")
    intact = client.get("/api/audit/verify", params={"fresh": "true"}, headers=officer).json()
    assert intact["ok"] is True and intact["problems"] == [] and intact["problem_count"] == 0
    key = services_of(client).lawful.checkpointer.signer
    assert intact["latest_key_fingerprint"] == key.fingerprint
    assert intact["key_pinned"] is False and "signing key not pinned" in intact["notes"][0]
    public = load_verifier(tmp_path / "var" / "keys" / "access-log-ed25519.pub.pem")
    assert public.fingerprint == key.fingerprint
    tamper(
        services_of(client).db,
        "UPDATE access_log SET reason = 'edited' WHERE seq = 1",
        "UPDATE access_log SET client = '10.6.6.6' WHERE seq = 2",
    )
    broken = client.get("/api/audit/verify", params={"fresh": "true"}, headers=officer).json()
    assert broken["ok"] is False and broken["problem_count"] == 2
    assert broken["problems"] == [
        "entry 1: content does not match its hash (edited)",
        "entry 2: content does not match its hash (edited)",
    ]
