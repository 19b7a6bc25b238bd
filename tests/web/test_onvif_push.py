"""POST /api/alarms/onvif?camera={id}: what a camera pushes (WS-BaseNotification Notify)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.web.conftest import login

SOAP = "http://www.w3.org/2003/05/soap-envelope"


def _notify(shared_data: Path) -> bytes:
    """An Axis tamper message, as a camera subscribed by WS-BaseNotification posts it."""
    sample = (
        shared_data / "alarms" / "onvif" / "axis_metadatastream_tamper_GlobalSceneChange_init.xml"
    )
    text = sample.read_bytes()
    message = text[text.index(b"<wsnt:NotificationMessage") : text.index(b"</tt:Event>")]
    message = message.replace(b'PropertyOperation="Initialized"', b'PropertyOperation="Changed"')
    message = message.replace(b'Name="State" Value="0"', b'Name="State" Value="1"')
    return (
        (
            f'<s:Envelope xmlns:s="{SOAP}" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body>'
            '<wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2">'
        ).encode()
        + message
        + b"</wsnt:Notify></s:Body></s:Envelope>"
    )


def test_a_pushed_notify_becomes_an_alarm_on_that_camera(
    client: TestClient, shared_data: Path
) -> None:
    headers = {**login(client, "operator"), "content-type": "application/soap+xml"}
    response = client.post(
        "/api/alarms/onvif", params={"camera": "cam-plaza"}, content=_notify(shared_data),
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    (alarm,) = response.json()["alarms"]
    assert alarm["type"] == "video.tamper" and alarm["camera_id"] == "cam-plaza"
    assert alarm["source"] == "cam-plaza" and alarm["status"] == "active"
    assert alarm["incident_id"] is not None


def test_refusals(client: TestClient, shared_data: Path) -> None:
    """An unknown camera (404), a body that is not XML (415), a document that is not an ONVIF
    event (422, kept as rejected), and no token (401)."""
    headers = {**login(client, "operator"), "content-type": "application/xml"}
    post = client.post
    body = _notify(shared_data)
    assert (
        post("/api/alarms/onvif?camera=cam-nowhere", content=body, headers=headers).status_code
        == 404
    )
    json_headers = {**headers, "content-type": "application/json"}
    assert (
        post("/api/alarms/onvif?camera=cam-plaza", content=body, headers=json_headers).status_code
        == 415
    )
    bad = post("/api/alarms/onvif?camera=cam-plaza", content=b"<alert/>", headers=headers)
    assert bad.status_code == 422 and bad.json()["raw_id"]
    assert "not an ONVIF event" in bad.json()["detail"]
    client.cookies.clear()  # the sign-in's session cookie
    anonymous = {"content-type": "application/xml"}
    assert (
        post("/api/alarms/onvif?camera=cam-plaza", content=body, headers=anonymous).status_code
        == 401
    )
