"""The privacy officer's audit over HTTP: rights, search, summaries, flags, and its own log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import parse_site
from csu.identity.roles import Role
from csu.settings import Settings
from privacy.access_log import AccessRecord, Outcome
from tests.privacy.logtools import refuse_log_writes
from tests.privacy.tamper import tamper
from tests.web.conftest import SITE, login, seed_accounts, services_of
from tests.web.test_forum_access import app_routes

PARIS = ZoneInfo("Europe/Paris")


def _entries(client: TestClient, action: str) -> list[dict[str, Any]]:
    return [e.model_dump() for e in services_of(client).access_log.entries() if e.action == action]


def _seed(client: TestClient, records: list[tuple[datetime, AccessRecord]]) -> None:
    log = services_of(client).access_log
    for at, record in records:
        log.append(record, at=at)


# The Forum's kiosk is refused before any of this (tests/web/test_forum_access.py).
@pytest.mark.parametrize(
    "role", [r for r in Role if r not in {Role.PRIVACY_OFFICER, Role.PUBLIC_DISPLAY}]
)
def test_only_the_privacy_officer_reads_the_audit(client: TestClient, role: Role) -> None:
    """Every other role gets 403 naming the right, and the refusal is itself logged."""
    headers = login(client, role.value)
    for path in ("/api/audit/access", "/api/audit/summary?by=user"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403, path
        assert response.json() == {"detail": "no audit-read right"}
    denied = [e for e in _entries(client, "audit.search") if e["user"] == role.value]
    assert denied and all(e["outcome"] == "denied" for e in denied)
    officer = client.get("/api/audit/access", headers=login(client, "privacy_officer"))
    assert officer.status_code == 200


def test_the_officer_sees_no_video_but_sees_the_refusals(client: TestClient) -> None:
    """A snapshot is refused to the privacy officer; the audit shows that refusal and others."""
    officer = login(client, "privacy_officer")
    assert client.get("/api/cameras/cam-street/snapshot.jpg", headers=officer).status_code == 403
    client.get("/api/cameras/cam-plaza/snapshot.jpg", headers=login(client, "street-only"))
    page = client.get(
        "/api/audit/access",
        params={"action": "video.snapshot", "outcome": "denied"},
        headers=officer,
    ).json()
    who = {(e["user"], e["camera_id"]) for e in page["items"]}
    assert {("privacy_officer", "cam-street"), ("street-only", "cam-plaza")} <= who


def test_search_filters_pages_newest_first_and_is_logged(client: TestClient) -> None:
    """Filters combine; a page comes newest first with the total; the search leaves an entry."""
    base = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    _seed(
        client,
        [
            (
                base + timedelta(minutes=i),
                AccessRecord(
                    action="video.playback" if i % 2 else "video.snapshot",
                    user="operator" if i < 6 else "supervisor",
                    role="operator",
                    camera_id="cam-street" if i % 3 else "cam-plaza",
                    reason="incident 42",
                ),
            )
            for i in range(10)
        ],
    )
    officer = login(client, "privacy_officer")
    params = {
        "user": "operator",
        "action": "video.*",
        "since": "2026-11-20T09:00:00Z",
        "until": "2026-11-20T10:00:00Z",
        "limit": 2,
    }
    first = client.get("/api/audit/access", params=params, headers=officer).json()
    assert first["total"] == 6
    assert [e["at"] for e in first["items"]] == ["2026-11-20T09:05:00Z", "2026-11-20T09:04:00Z"]
    rest = client.get(
        "/api/audit/access", params={**params, "offset": 2, "limit": 10}, headers=officer
    )
    assert len(rest.json()["items"]) == 4
    street = client.get(
        "/api/audit/access",
        params={
            "camera": "cam-street",
            "action": "video.playback",
            "until": "2026-11-21T00:00:00Z",
        },
        headers=officer,
    ).json()
    assert street["total"] == 3 and {e["camera_id"] for e in street["items"]} == {"cam-street"}
    logged = [e for e in _entries(client, "audit.search") if e["user"] == "privacy_officer"]
    filters = json.loads(logged[0]["details"])["filters"]
    assert filters["user"] == "operator" and filters["action"] == "video.*"
    assert filters["since"] == "2026-11-20T09:00:00Z" and filters["limit"] == 2
    assert json.loads(logged[0]["details"])["total"] == 6


def test_bad_search_parameters_are_422(client: TestClient) -> None:
    """A period backwards, a time without zone, or a page too large is refused, saying why."""
    officer = login(client, "privacy_officer")
    cases = {
        "since=2026-11-21T00:00:00Z&until=2026-11-20T00:00:00Z": "since must be before until",
        "since=2026-11-21T00:00:00": "query.since: give a time zone",
        "limit=5000": "less than or equal to 1000",
        "outcome=maybe": "granted",
    }
    for query, message in cases.items():
        response = client.get(f"/api/audit/access?{query}", headers=officer)
        assert response.status_code == 422 and message in response.json()["detail"], query


def _usual_days(user: str, days: int, end: datetime) -> list[tuple[datetime, AccessRecord]]:
    """A day worker: four snapshots a day between 09:00 and 16:00, Paris time."""
    found = []
    for day in range(days, 0, -1):
        start = (end - timedelta(days=day)).astimezone(PARIS).replace(hour=9, minute=0)
        for i in range(4):
            record = AccessRecord(
                action="video.snapshot", user=user, role="operator", camera_id="cam-street"
            )
            found.append((start + timedelta(hours=2 * i), record))
    return found


def test_unusual_access_is_flagged_in_search_and_summary(client: TestClient) -> None:
    """Thirty days of office hours, then a 03:00 look at a camera: flagged in both views."""
    # yesterday at 03:10, so it is in the past whenever the test runs
    yesterday = datetime.now(PARIS) - timedelta(days=1)
    night = yesterday.replace(hour=3, minute=10, second=0, microsecond=0)
    _seed(client, _usual_days("operator", 30, night))
    odd = AccessRecord(
        action="video.snapshot", user="operator", role="operator", camera_id="cam-plaza"
    )
    _seed(client, [(night, odd)])
    officer = login(client, "privacy_officer")
    page = client.get(
        "/api/audit/access", params={"user": "operator", "limit": 5}, headers=officer
    ).json()
    flagged = {e["at"]: e["unusual"] for e in page["items"] if e["unusual"]}
    night_text = night.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert flagged == {night_text: ["outside usual hours"]}
    summary = client.get(
        "/api/audit/summary",
        params={"by": "user", "since": (night - timedelta(hours=1)).isoformat()},
        headers=officer,
    ).json()
    by_user = {s["key"]: s for s in summary["items"]}
    assert by_user["operator"]["unusual"] == ["outside usual hours"]
    assert by_user["operator"]["unusual_entries"] == 1
    cameras = client.get(
        "/api/audit/summary",
        params={"by": "camera", "since": (night - timedelta(days=40)).isoformat()},
        headers=officer,
    ).json()["items"]
    street = next(s for s in cameras if s["key"] == "cam-street")
    assert street["views"] == 120 and street["users"] == ["operator"] and street["unusual"] == []
    assert next(s for s in cameras if s["key"] == "cam-plaza")["unusual"] == ["outside usual hours"]


def test_summary_counts_actions_denials_and_live_time(client: TestClient) -> None:
    """Per camera: entries by action, denials, who, and seconds of live view."""
    at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    _seed(
        client,
        [
            (at, AccessRecord(action="video.live", user="operator", camera_id="cam-plaza")),
            (
                at + timedelta(minutes=2),
                AccessRecord(
                    action="video.live_end",
                    user="operator",
                    camera_id="cam-plaza",
                    details={"duration_s": 120.5},
                ),
            ),
            (
                at + timedelta(minutes=3),
                AccessRecord(
                    action="video.snapshot",
                    user="street-only",
                    camera_id="cam-plaza",
                    outcome=Outcome.DENIED,
                ),
            ),
        ],
    )
    response = client.get(
        "/api/audit/summary",
        params={"by": "camera", "since": "2026-11-20T00:00:00Z", "until": "2026-11-21T00:00:00Z"},
        headers=login(client, "privacy_officer"),
    )
    assert response.status_code == 200, response.text
    (plaza,) = response.json()["items"]
    assert plaza["key"] == "cam-plaza" and plaza["entries"] == 3 and plaza["denied"] == 1
    assert plaza["views"] == 1 and plaza["live_seconds"] == 120.5
    assert plaza["actions"] == {"video.live": 1, "video.live_end": 1, "video.snapshot": 1}
    assert plaza["users"] == ["operator", "street-only"]
    summaries = [e for e in _entries(client, "audit.summary") if e["user"] == "privacy_officer"]
    assert json.loads(summaries[-1]["details"])["filters"]["by"] == "camera"


def test_a_search_that_cannot_be_logged_is_not_answered(client: TestClient) -> None:
    """With the log refusing writes (but still readable), the search gets 503 and no entries."""
    officer = login(client, "privacy_officer")
    assert client.get("/api/audit/access", headers=officer).status_code == 200
    db = services_of(client).db
    refuse_log_writes(db)
    for path in ("/api/audit/access", "/api/audit/summary"):
        response = client.get(path, headers=officer)
        assert response.status_code == 503, path
        assert response.json()["detail"].startswith("access log write")
        assert "items" not in response.json()


def test_the_log_cannot_be_changed_through_the_api(client: TestClient) -> None:
    """No route edits or deletes entries: the audit is read-only, even for an administrator."""
    admin = login(client, "admin")
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        response = client.request(method, "/api/audit/access", headers=admin)
        assert response.status_code == 405, method
    audit = [(path, route) for path, route in app_routes(client) if "/audit" in path]
    # The walk sees the audit's routes (included routers opened), so an empty list means something.
    assert "/api/audit/access" in {path for path, _route in audit}
    writable = [
        path for path, route in audit if set(getattr(route, "methods", set())) - {"GET", "HEAD"}
    ]
    assert writable == []


def test_start_logs_the_retention_policy_and_signs_the_head(client: TestClient) -> None:
    """The running site records its retention once and keeps a signed checkpoint."""
    (entry,) = _entries(client, "admin.retention")
    details = json.loads(str(entry["details"]))
    assert details["before"] is None
    assert details["after"] == {
        "access_log_days": 365,
        "cameras": {"cam-plaza": 15, "cam-street": 15},
    }
    with services_of(client).db.engine.connect() as conn:
        kinds = conn.execute(sa.text("SELECT kind FROM chain_checkpoints")).scalars().all()
    assert kinds == ["start"]


def test_site_file_authorisations_are_logged_as_permission_changes(
    database_url: str, tmp_path: Path
) -> None:
    """A start that widens an account's cameras logs the change with before and after, once."""
    seed_accounts(database_url)
    grant = "{user: street-only, cameras: [cam-street, cam-plaza], expires: 2030-01-31}"
    site = parse_site(f"{SITE}authorisations:\n  - {grant}\n")
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    for _ in range(2):
        with TestClient(create_app(settings, site)) as started:
            changes = _entries(started, "admin.grants_changed")
    (change,) = changes
    details = json.loads(str(change["details"]))
    assert details["username"] == "street-only"
    assert details["before"] == {"cam-street": None}
    assert details["after"] == {
        "cam-street": "2030-01-31T23:59:59.999999+00:00",
        "cam-plaza": "2030-01-31T23:59:59.999999+00:00",
    }


def test_export_streams_the_period_as_csv_or_jsonl_and_is_logged(client: TestClient) -> None:
    """Both formats carry the entries of the period with their hashes; the export is logged."""
    base = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    _seed(
        client,
        [
            (base + timedelta(hours=i), AccessRecord(action="video.live", user="operator"))
            for i in range(3)
        ],
    )
    officer = login(client, "privacy_officer")
    period = {"since": "2026-11-20T09:30:00Z", "until": "2026-11-20T12:00:00Z"}
    csv_answer = client.get(
        "/api/audit/export", params={**period, "format": "csv"}, headers=officer
    )
    assert csv_answer.status_code == 200, csv_answer.text
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_answer.headers["content-disposition"]
    header, *lines = csv_answer.text.strip().split("\n")
    assert header.split(",")[:3] == ["seq", "at", "action"]
    assert len(lines) == 2 and all(",video.live,operator," in line for line in lines)
    jsonl = client.get("/api/audit/export", params={**period, "format": "jsonl"}, headers=officer)
    docs = [json.loads(line) for line in jsonl.text.strip().split("\n")]
    assert [d["at"][:19] for d in docs] == ["2026-11-20T10:00:00", "2026-11-20T11:00:00"]
    assert all(len(d["hash"]) == 64 and isinstance(d["details"], dict) for d in docs)
    exports = [e for e in _entries(client, "audit.export") if e["user"] == "privacy_officer"]
    formats = [json.loads(e["details"])["filters"]["format"] for e in exports]
    assert formats == ["csv", "jsonl"]
    bad = client.get("/api/audit/export", params={"format": "xml"}, headers=officer)
    assert bad.status_code == 422 and "csv" in bad.json()["detail"]
    naive = client.get("/api/audit/export", params={"since": "2026-11-20T09:00"}, headers=officer)
    assert naive.status_code == 422 and "time zone" in naive.json()["detail"]
    refused = client.get("/api/audit/export", headers=login(client, "admin"))
    assert refused.status_code == 403


def test_verification_status_is_cached_and_finds_tampering(client: TestClient) -> None:
    """An intact chain verifies; the cached answer is reused until a fresh run finds the edit."""
    officer = login(client, "privacy_officer")
    first = client.get("/api/audit/verify", headers=officer)
    assert first.status_code == 200, first.text
    status = first.json()
    assert status["ok"] is True and status["problem"] is None
    assert status["entries"] >= 1 and status["checkpoints"] >= 1
    assert status["latest_checkpoint"].startswith("checkpoint signed at ")  # start or interval
    assert status["latest_checkpoint_kind"] in {"start", "interval"}
    assert datetime.fromisoformat(status["latest_checkpoint_at"]) <= datetime.now(UTC)
    again = client.get("/api/audit/verify", headers=officer).json()
    assert again["checked_at"] == status["checked_at"]
    tamper(services_of(client).db, "UPDATE access_log SET reason = 'edited' WHERE seq = 2")
    stale = client.get("/api/audit/verify", headers=officer).json()
    assert stale["ok"] is True and stale["checked_at"] == status["checked_at"]
    fresh = client.get("/api/audit/verify", params={"fresh": "true"}, headers=officer).json()
    assert fresh["ok"] is False and fresh["checked_at"] > status["checked_at"]
    assert fresh["problem"] == "entry 2: content does not match its hash (edited)"
    asked = [json.loads(e["details"])["fresh"] for e in _entries(client, "audit.verify")]
    assert asked == [False, False, False, True]
    assert client.get("/api/audit/verify", headers=login(client, "operator")).status_code == 403
