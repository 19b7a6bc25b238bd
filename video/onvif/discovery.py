"""`csu cameras discover`'s network side: the WS-Discovery probe, then each device asked.

wsdiscovery multicasts one Probe for ONVIF NetworkVideoTransmitters and collects the ProbeMatches
that come back within the wait; every device found is then asked, through the same client and
connection helper as events and PTZ (onvif-zeep-async, onvif_camera), for GetDeviceInformation,
GetProfiles and one GetStreamUri per profile, all devices at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from onvif import ONVIFCamera
from onvif.util import is_auth_error, stringify_onvif_error
from wsdiscovery import QName
from wsdiscovery.discovery import ThreadedWSDiscovery
from zeep.exceptions import Fault

from csu.config.onvif import OnvifConfig
from video.onvif.events import PULL_ERRORS, onvif_camera
from video.onvif.site_entries import Account, FoundDevice, Stream, clean, device_service_url

ONVIF_NETWORK = "http://www.onvif.org/ver10/network/wsdl"
# The type every ONVIF camera (Profile S/T) announces itself as.
NETWORK_VIDEO_TRANSMITTER = QName(ONVIF_NETWORK, "NetworkVideoTransmitter", "dn")
CALL_TIMEOUT_S = 10.0
DEVICE_TIMEOUT_S = 30.0  # all of one device's answers
_STREAM_SETUP = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}


def probe(timeout_s: float) -> list[FoundDevice]:
    """The ONVIF devices that answered one WS-Discovery probe within `timeout_s` (blocks)."""
    # relates_to: some cameras answer with the probe's own message id (Home Assistant does it too)
    discovery = ThreadedWSDiscovery(relates_to=True)
    discovery.start()
    try:
        services = discovery.searchServices(types=[NETWORK_VIDEO_TRANSMITTER], timeout=timeout_s)
    finally:
        discovery.stop()
    found = [
        FoundDevice(
            xaddrs=tuple(str(x) for x in service.getXAddrs() or ()),
            scopes=tuple(str(scope.getValue()) for scope in service.getScopes() or ()),
        )
        for service in services
    ]
    return sorted(found, key=lambda device: device.xaddrs)


async def describe_all(devices: list[FoundDevice], account: Account) -> list[FoundDevice]:
    """Each device with what it says of itself, or with a note saying why it said nothing."""
    return list(await asyncio.gather(*(describe(device, account) for device in devices)))


async def describe(device: FoundDevice, account: Account) -> FoundDevice:
    """Ask one device for its model, profiles and stream URIs."""
    url = device_service_url(device.xaddrs)
    if url is None:
        return device  # the entry says it announced no usable address
    camera = onvif_camera(
        OnvifConfig(url=url, username=account.username, password=account.password)
    )
    try:
        return await asyncio.wait_for(_ask(camera, device), DEVICE_TIMEOUT_S)
    except Exception as exc:  # whatever one device answers, the others are still printed
        return _refused(device, exc, account)
    finally:
        with contextlib.suppress(*PULL_ERRORS):
            await camera.close()


async def _ask(camera: ONVIFCamera, device: FoundDevice) -> FoundDevice:
    await asyncio.wait_for(camera.update_xaddrs(), CALL_TIMEOUT_S)
    management = await camera.create_devicemgmt_service()
    information = await asyncio.wait_for(management.GetDeviceInformation(), CALL_TIMEOUT_S)
    media = await camera.create_media_service()
    profiles = await asyncio.wait_for(media.GetProfiles(), CALL_TIMEOUT_S)
    streams = [await _stream(media, profile) for profile in profiles or ()]
    return FoundDevice(
        xaddrs=device.xaddrs,
        scopes=device.scopes,
        manufacturer=str(information.Manufacturer or ""),
        model=str(information.Model or ""),
        firmware=str(information.FirmwareVersion or ""),
        serial=str(information.SerialNumber or ""),
        streams=tuple(streams),
    )


async def _stream(media: Any, profile: Any) -> Stream:
    """The profile and its RTSP URI; a profile the device will not stream has no URI."""
    token = str(profile.token)
    try:
        answer = await asyncio.wait_for(
            media.GetStreamUri({"StreamSetup": _STREAM_SETUP, "ProfileToken": token}),
            CALL_TIMEOUT_S,
        )
        uri: str | None = str(answer.Uri) if answer.Uri else None
    except PULL_ERRORS:
        uri = None
    return Stream(token, str(profile.Name or token), uri, _detail(profile))


def _detail(profile: Any) -> str:
    """'1920x1080 H264, PTZ' from a media profile, as far as it says."""
    parts = []
    encoder = getattr(profile, "VideoEncoderConfiguration", None)
    if encoder is not None:
        resolution = getattr(encoder, "Resolution", None)
        if resolution is not None:
            parts.append(f"{resolution.Width}x{resolution.Height}")
        if getattr(encoder, "Encoding", None):
            parts.append(str(encoder.Encoding))
    detail = " ".join(parts)
    if getattr(profile, "PTZConfiguration", None) is not None:
        detail = f"{detail}, PTZ" if detail else "PTZ"
    return detail


def _refused(device: FoundDevice, exc: BaseException, account: Account) -> FoundDevice:
    fault = exc if isinstance(exc, Fault) else exc.__cause__
    if isinstance(fault, Fault) and is_auth_error(fault):
        if account.username is None:
            note = f"asks for an account: give --username and {account.password_env}"
        else:
            note = f"refused the account {account.username!r} ({clean(fault.message or '')})"
    elif isinstance(fault, Fault):
        note = f"answered with a fault: {stringify_onvif_error(fault)}"
    else:
        note = f"did not answer: {type(exc).__name__} {exc}".strip()
    return FoundDevice(xaddrs=device.xaddrs, scopes=device.scopes, note=note)
