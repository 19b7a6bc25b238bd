"""Each device found is asked, through the real ONVIF client, for its model, profiles and streams
(the simulated dome on loopback; the multicast probe itself is tested in a namespace apart)."""

from __future__ import annotations

import socket

from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.discovery import dome_scopes
from video.onvif.discovery import describe, describe_all
from video.onvif.site_entries import Account, FoundDevice, Stream


def _found(url: str) -> FoundDevice:
    return FoundDevice(xaddrs=(url,), scopes=tuple(dome_scopes()))


async def test_the_dome_tells_its_model_profiles_and_stream(device: OnvifDevice) -> None:
    account = Account(device.username, "CSU_ONVIF_PASSWORD", device.password)
    described = await describe(_found(device.url), account)
    assert described.note is None
    assert (described.manufacturer, described.model, described.firmware) == (
        "AXIS",
        "Q6075-E",
        "10.12.114",
    )
    assert described.streams == (
        Stream("profile_1", "mainStream", "rtsp://127.0.0.1:554/profile_1", ""),
    )
    assert described.scopes == _found(device.url).scopes
    assert device.requests[-3:] == ["GetDeviceInformation", "GetProfiles", "GetStreamUri"]


async def test_refused_credentials_and_no_account_are_notes(device: OnvifDevice) -> None:
    wrong = await describe(_found(device.url), Account("csu", "CSU_ONVIF_PASSWORD", "nope"))
    assert wrong.note is not None and wrong.note.startswith("refused the account 'csu'")
    assert "wrong user name or password" in wrong.note and not wrong.streams
    # no account: the client signs with an empty one (None used to fail inside zeep)
    anonymous = await describe(_found(device.url), Account(None, "CSU_ONVIF_PASSWORD"))
    assert anonymous.note == "asks for an account: give --username and CSU_ONVIF_PASSWORD"
    assert anonymous.scopes == _found(device.url).scopes


async def test_a_device_that_does_not_answer_does_not_hold_up_the_others(
    device: OnvifDevice,
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    gone = _found(f"http://127.0.0.1:{port}/onvif/device_service")
    account = Account(device.username, "CSU_ONVIF_PASSWORD", device.password)
    away, dome = await describe_all([gone, _found(device.url)], account)
    assert away.note is not None and away.note.startswith("did not answer:")
    assert dome.model == "Q6075-E"
