"""Playback over HTTP: reason required, logged with its span before a byte, rights enforced."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig
from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.settings import Settings
from privacy.access_log import AccessLogEntry, AccessLogUnavailable, AccessRecord
from privacy.masking import MASK_COLOUR
from tests.video.segments import STREET_T0, street_footage
from tests.web.conftest import PASSWORD, login, seed_accounts, services_of

T0 = STREET_T0
URL = "/api/cameras/cam-street/playback.mp4"


def span(start_s: float, end_s: float, reason: str | None = "check the crossing") -> dict[str, str]:
    """Query parameters for a range relative to T0."""
    params = {
        "start": (T0 + timedelta(seconds=start_s)).isoformat(),
        "end": (T0 + timedelta(seconds=end_s)).isoformat(),
    }
    if reason is not None:
        params["reason"] = reason
    return params


@pytest.fixture
def client(
    database_url: str, site: SiteConfig, tmp_path: Path, shared_data: Path
) -> Iterator[TestClient]:
    """The app, its database index holding 12 s of a real street clip in 4 s segments.

    The frames have cam-street's privacy zone burned in, as its recorder's would.
    """
    camera = site.camera("cam-street")
    assert camera is not None
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    segments = street_footage(
        shared_data,
        settings.recordings_dir() / "cam-street",
        zones=[[list(p) for p in zone] for zone in camera.privacy_zones],
    )
    with TestClient(create_app(settings, site)) as test_client:
        for segment in segments:
            services_of(test_client).recordings.index.add(segment)
        yield test_client


def entries(client: TestClient, action: str) -> list[AccessLogEntry]:
    """Access-log entries of one action, oldest first."""
    return [e for e in services_of(client).access_log.entries() if e.action == action]


def test_playback_streams_the_range_as_mp4_logged_with_span_and_reason(
    client: TestClient,
) -> None:
    """200 video/mp4 from the keyframe before start; the log entry names span and reason."""
    headers = login(client, "operator")
    response = client.get(URL, params=span(2.5, 8), headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["cache-control"] == "no-store"
    with av.open(io.BytesIO(response.content)) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    # The keyframe at or before 2.5 s (about one a second) to the last frame before 8 s.
    assert 70 <= len(frames) <= 70 + 14
    # The zone (x 0.04-0.46, y 0.09-0.51 of 768x432) is masked in what is served.
    inside = np.asarray(frames[0][60:200, 50:330], np.int16)
    assert np.abs(inside - np.array(MASK_COLOUR, np.int16)).max() <= 6
    [entry] = entries(client, "video.playback")
    assert (entry.user, entry.camera_id, entry.outcome) == ("operator", "cam-street", "granted")
    assert entry.reason == "check the crossing"
    assert entry.span_start is not None and entry.span_end is not None
    assert entry.span_start.replace(tzinfo=UTC) == T0 + timedelta(seconds=2.5)
    assert entry.span_end.replace(tzinfo=UTC) == T0 + timedelta(seconds=8)


def test_a_reason_is_required(client: TestClient) -> None:
    """Missing or blank reason: 400 naming it, nothing logged."""
    headers = login(client, "operator")
    for reason in (None, "   "):
        response = client.get(URL, params=span(0, 5, reason), headers=headers)
        assert response.status_code == 400
        assert response.json()["detail"].startswith("reason: a reason is required")
    assert entries(client, "video.playback") == []


def test_bad_ranges_are_refused_naming_the_problem(client: TestClient) -> None:
    """Longer than an hour or reversed: 400; without a time zone: 422 (as every API time)."""
    headers = login(client, "operator")
    too_long = client.get(URL, params=span(0, 3601), headers=headers)
    assert too_long.status_code == 400
    assert too_long.json()["detail"] == "range: 3601 s asked, at most 3600 s at once"
    reversed_ = client.get(URL, params=span(5, 1), headers=headers)
    assert reversed_.json()["detail"] == "end: must be after start"
    naive = client.get(
        URL,
        params={"start": "2026-11-25T10:00:00", "end": "2026-11-25T10:00:05", "reason": "x"},
        headers=headers,
    )
    assert naive.status_code == 422
    assert naive.json()["detail"].startswith("query.start: give a time zone")


def test_without_the_playback_right_403_and_the_denial_is_logged(client: TestClient) -> None:
    """The privacy officer has no playback right; street-only has no right on cam-plaza."""
    response = client.get(URL, params=span(0, 5), headers=login(client, "privacy_officer"))
    assert response.status_code == 403
    assert response.json()["detail"] == "no playback right on camera 'cam-street'"
    plaza = client.get(
        "/api/cameras/cam-plaza/playback.mp4",
        params=span(0, 5),
        headers=login(client, "street-only"),
    )
    assert plaza.status_code == 403
    denied = entries(client, "video.playback")
    assert [(e.user, e.camera_id, e.outcome, json.loads(e.details)) for e in denied] == [
        (
            "privacy_officer",
            "cam-street",
            "denied",
            {"why": "the privacy_officer role has no playback right"},
        ),
        (
            "street-only",
            "cam-plaza",
            "denied",
            {"why": "no unexpired authorisation on camera 'cam-plaza'"},
        ),
    ]


def test_nothing_recorded_is_404_naming_the_range(client: TestClient) -> None:
    """A range with no segment: 404 naming camera and range (the attempt is logged)."""
    response = client.get(URL, params=span(600, 660), headers=login(client, "operator"))
    assert response.status_code == 404
    assert response.json()["detail"] == (
        "nothing recorded for camera 'cam-street' from 2026-11-25T10:10:00+00:00"
        " to 2026-11-25T10:11:00+00:00"
    )
    unknown = client.get(
        "/api/cameras/nowhere/playback.mp4", params=span(0, 5), headers=login(client, "operator")
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "unknown camera 'nowhere'"


def test_no_log_entry_no_video(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the access log cannot be written, 503 and not a byte of footage."""
    headers = login(client, "operator")

    def unavailable(record: AccessRecord, **_: object) -> AccessLogEntry:
        raise AccessLogUnavailable("access log write failed: disk full")

    monkeypatch.setattr(services_of(client).access_log, "append", unavailable)
    response = client.get(URL, params=span(0, 5), headers=headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "access log write failed: disk full"}


def test_an_anonymised_only_account_gets_no_recorded_zones_footage(
    client: TestClient, database_url: str
) -> None:
    """Recordings hold the zones rendition: an anonymised-view account is refused, told why."""
    db = Database(database_url)
    with db.session() as session:
        identity.create_user(
            session,
            username="kiosk",
            role=Role.OPERATOR,
            password=PASSWORD,
            cameras=["*"],
            anonymised_view=True,
        )
    db.dispose()
    response = client.get(URL, params=span(0, 5), headers=login(client, "kiosk"))
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "account 'kiosk' sees only anonymised video: ask for a public_request export instead"
    )
    # The refusal is in the access log like any other, with the span, the reason and why.
    [entry] = entries(client, "video.playback")
    assert (entry.user, entry.camera_id, entry.outcome) == ("kiosk", "cam-street", "denied")
    assert entry.reason == "check the crossing"
    assert entry.span_start is not None and entry.span_start.replace(tzinfo=UTC) == T0
    assert json.loads(entry.details)["why"] == (
        "the account sees only anonymised video; recordings hold the zones rendition"
    )
