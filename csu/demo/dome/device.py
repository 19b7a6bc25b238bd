"""A simulated ONVIF camera on loopback: the device, media, event and PTZ services csu uses.

Requests are read and answers written by zeep from the WSDL and XSD files shipped in
onvif-zeep-async (each operation's input and output messages), so what the device says is what
the schemas say; only the SOAP fault is templated. Every request must carry a WS-Security
UsernameToken with a password digest, as the client sends it. The device raises motion and
tamper events on demand and "reboots" (forgets every subscription).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import onvif
from aiohttp import web
from lxml import etree
from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.wsdl.definitions import Binding

from csu.demo.dome import head as onvif_ptz
from csu.demo.dome.head import PtzHead, UnknownPreset
from csu.demo.dome.view import DomeVideo

WSDL_DIR = os.path.join(os.path.dirname(onvif.__file__), "wsdl")
SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
TT = "http://www.onvif.org/ver10/schema"
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
# Motion as Hikvision cameras send it (IsMotion true/false), tamper as an Axis Q-series does
# (shared/data/alarms/onvif/axis_metadatastream_tamper_GlobalSceneChange_init.xml: State 1/0).
MOTION = "tns1:RuleEngine/CellMotionDetector/Motion"
TAMPER = "tns1:VideoSource/GlobalSceneChange/ImagingService"
_ITEMS = {  # topic -> (source item, state item, values for on and off)
    MOTION: (("VideoSourceConfigurationToken", "vsc-1"), "IsMotion", ("true", "false")),
    TAMPER: (("Source", "0"), "State", ("1", "0")),
}
# The services and their bindings: path -> (wsdl file, binding local names).
_SERVICES = {
    "device_service": ("devicemgmt.wsdl", "{http://www.onvif.org/ver10/device/wsdl}DeviceBinding"),
    "media_service": ("media.wsdl", "{http://www.onvif.org/ver10/media/wsdl}MediaBinding"),
    "events_service": ("events.wsdl", "{http://www.onvif.org/ver10/events/wsdl}EventBinding"),
    "ptz_service": ("ptz.wsdl", "{http://www.onvif.org/ver20/ptz/wsdl}PTZBinding"),
}
PTZ_NAMESPACE = "http://www.onvif.org/ver20/ptz/wsdl"
_SUBSCRIPTION_BINDINGS = (
    "{http://www.onvif.org/ver10/events/wsdl}PullPointSubscriptionBinding",
    "{http://www.onvif.org/ver10/events/wsdl}SubscriptionManagerBinding",
)


class Fault(Exception):
    """A SOAP fault the device answers with (HTTP 400)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Subscription:
    """A pull point: its queued notification messages and when it ends."""

    id: str
    terminates: dt.datetime
    queue: list[dict[str, object]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


def _bindings() -> dict[str, dict[str, Binding]]:
    documents: dict[str, Document] = {}
    found: dict[str, dict[str, Binding]] = {}
    for path, (wsdl, binding) in _SERVICES.items():
        # zeep's annotations ask for the Transport class where it takes an instance
        transport = Transport()  # type: ignore[no-untyped-call]
        document = documents.setdefault(
            wsdl,
            Document(os.path.join(WSDL_DIR, wsdl), transport),  # type: ignore[arg-type]
        )
        found[path] = {binding: document.bindings[binding]}
    events = documents["events.wsdl"]
    found["subscription"] = {name: events.bindings[name] for name in _SUBSCRIPTION_BINDINGS}
    return found


class OnvifDevice:
    """One camera's ONVIF services on http://127.0.0.1:<port>, with one account; a dome (PTZ
    service and head) unless `ptz` is False."""

    def __init__(
        self,
        username: str = "csu",
        password: str = "onvif-test-pw",
        *,
        ptz: bool = True,
        video: Callable[[PtzHead], DomeVideo] | None = None,
    ) -> None:
        self.username, self.password = username, password
        self.head: PtzHead | None = PtzHead() if ptz else None
        # What the dome films, when it films (its stream is what GetStreamUri gives).
        self.video = video(self.head) if video is not None and self.head is not None else None
        self.subscriptions: dict[str, Subscription] = {}
        self.requests: list[str] = []  # operation names, in arrival order
        self.port = 0
        self._ids = itertools.count(1)
        self._bindings = _bindings()
        self._runner: web.AppRunner | None = None
        self.state = {MOTION: False, TAMPER: False}
        self.refuse_renew = False  # a camera that lets subscriptions run out

    async def start(self) -> None:
        """Serve on a free loopback port."""
        app = web.Application()
        app.router.add_post("/onvif/{service}", self._handle)
        app.router.add_post("/onvif/subscription/{id}", self._handle)
        if self.video is not None:
            app.router.add_get("/video.mjpeg", self.video.stream)
        # No access log: the position is read five times a second. Streams and long pulls in
        # flight at stop are cut after a second rather than waited for.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop serving (pulls under way return at once)."""
        for subscription in self.subscriptions.values():
            subscription.arrived.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def stream_url(self) -> str:
        """The dome's video (MJPEG over HTTP), when it films."""
        return f"http://127.0.0.1:{self.port}/video.mjpeg"

    @property
    def url(self) -> str:
        """The device service URL, as a site file gives it."""
        return f"http://127.0.0.1:{self.port}/onvif/device_service"

    def raise_event(self, topic: str, active: bool = True) -> dt.datetime:
        """The property `topic` changes to `active`: every pull point gets the message."""
        self.state[topic] = active
        return self._publish(topic, active, "Changed")

    def reboot(self) -> None:
        """Forget every subscription, as a camera that restarted does (a pull under way fails)."""
        for subscription in self.subscriptions.values():
            subscription.arrived.set()
        self.subscriptions.clear()

    def _publish(self, topic: str, active: bool, operation: str) -> dt.datetime:
        at = dt.datetime.now(dt.UTC)
        for subscription in self.subscriptions.values():
            subscription.queue.append(_notification(topic, active, operation, at))
            subscription.arrived.set()
        return at

    async def _handle(self, request: web.Request) -> web.Response:
        envelope = etree.fromstring(await request.read())
        try:
            body = envelope.find(f"{{{SOAP}}}Body")
            if body is None or len(body) == 0:
                raise Fault("Sender", "no SOAP body")
            name = etree.QName(body[0]).localname
            self.requests.append(name)
            self._check_token(envelope)
            service = request.match_info.get("service", "subscription")
            if service == "ptz_service" and self.head is None:
                raise Fault("Receiver", "no PTZ service")
            operation = self._operation(service, name)
            values = operation.input.deserialize(envelope)
            answer = await self._answer(name, values, request)
            reply = operation.output.serialize(**answer)
        except Fault as fault:
            return web.Response(status=400, body=_fault(fault), content_type="application/soap+xml")
        return web.Response(body=etree.tostring(reply.content), content_type="application/soap+xml")

    def _operation(self, service: str, name: str):  # type: ignore[no-untyped-def]
        for binding in self._bindings.get(service, {}).values():
            try:
                return binding.get(name)  # type: ignore[no-untyped-call]
            except ValueError:
                continue
        raise Fault("Receiver", f"{name} is not supported by {service}")

    def _check_token(self, envelope: etree._Element) -> None:
        token = envelope.find(f".//{{{WSSE}}}UsernameToken")
        if token is None:
            raise Fault("Sender", "not authorised: no UsernameToken")
        user = token.findtext(f"{{{WSSE}}}Username")
        nonce = base64.b64decode(token.findtext(f"{{{WSSE}}}Nonce") or "")
        created = token.findtext(f"{{{WSU}}}Created") or ""
        digest = base64.b64encode(
            hashlib.sha1(nonce + created.encode() + self.password.encode()).digest()
        ).decode()
        if user != self.username or token.findtext(f"{{{WSSE}}}Password") != digest:
            raise Fault("Sender", "not authorised: wrong user name or password")

    async def _answer(self, name: str, values: object, request: web.Request) -> dict[str, object]:
        now = dt.datetime.now(dt.UTC)
        base = f"http://127.0.0.1:{self.port}/onvif"
        if name == "GetServices":
            services = _NAMESPACES + (((PTZ_NAMESPACE, "ptz_service"),) if self.head else ())
            return {"Service": [_service(ns, f"{base}/{path}") for ns, path in services]}
        if name == "GetCapabilities":
            return {"Capabilities": _capabilities(base, ptz=self.head is not None)}
        if name == "GetDeviceInformation":
            return _INFORMATION
        if name == "GetSystemDateAndTime":
            return {"SystemDateAndTime": _clock(now)}
        if name == "GetProfiles":
            return {"Profiles": [{"token": "profile_1", "Name": "mainStream"}]}
        if name == "GetStreamUri":
            uri = (
                f"http://127.0.0.1:{self.port}/video.mjpeg"
                if self.video is not None
                else f"rtsp://127.0.0.1:554/{values.ProfileToken}"  # type: ignore[attr-defined]
            )
            return {"MediaUri": _media_uri(uri)}
        if name == "CreatePullPointSubscription":
            return self._subscribe(values, base, now)
        if self.head is not None and name in onvif_ptz.OPERATIONS:
            try:
                return onvif_ptz.answer(self.head, name, values)
            except UnknownPreset:
                raise Fault("Sender", "ter:InvalidArgVal/ter:NoToken: no such preset") from None
        return await self._subscription_call(name, values, request, now)

    def _subscribe(self, values: object, base: str, now: dt.datetime) -> dict[str, object]:
        subscription = Subscription(str(next(self._ids)), now + dt.timedelta(seconds=60))
        self.subscriptions[subscription.id] = subscription
        # A new subscriber is told each property's current state first (ONVIF Core 9.6).
        for topic, active in self.state.items():
            subscription.queue.append(_notification(topic, active, "Initialized", now))
        address = {"Address": {"_value_1": f"{base}/subscription/{subscription.id}"}}
        return {
            "SubscriptionReference": address,
            "CurrentTime": now,
            "TerminationTime": subscription.terminates,
        }

    async def _subscription_call(
        self, name: str, values: object, request: web.Request, now: dt.datetime
    ) -> dict[str, object]:
        subscription = self.subscriptions.get(request.match_info.get("id", ""))
        if subscription is None or subscription.terminates < now:
            raise Fault("Receiver", "wsrf-rw:ResourceUnknownFault: no such subscription")
        if name == "Renew":
            if self.refuse_renew:
                self.subscriptions.pop(subscription.id, None)
                raise Fault("Receiver", "wsrf-rw:ResourceUnknownFault: renewal refused")
            subscription.terminates = now + dt.timedelta(seconds=60)
            return {"TerminationTime": subscription.terminates, "CurrentTime": now}
        if name == "Unsubscribe":
            self.subscriptions.pop(subscription.id, None)
            return {}
        if name != "PullMessages":
            raise Fault("Receiver", f"{name} is not supported")
        timeout: dt.timedelta = values.Timeout  # type: ignore[attr-defined]
        if not subscription.queue:
            subscription.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(subscription.arrived.wait(), timeout.total_seconds())
        if subscription.id not in self.subscriptions:  # rebooted while the pull waited
            raise Fault("Receiver", "wsrf-rw:ResourceUnknownFault: no such subscription")
        limit: int = values.MessageLimit  # type: ignore[attr-defined]
        messages, subscription.queue = subscription.queue[:limit], subscription.queue[limit:]
        return {
            "CurrentTime": dt.datetime.now(dt.UTC),
            "TerminationTime": subscription.terminates,
            "NotificationMessage": messages,
        }


_NAMESPACES = (
    ("http://www.onvif.org/ver10/device/wsdl", "device_service"),
    ("http://www.onvif.org/ver10/media/wsdl", "media_service"),
    ("http://www.onvif.org/ver10/events/wsdl", "events_service"),
)
# As an Axis camera answers GetDeviceInformation.
_INFORMATION: dict[str, object] = {
    "Manufacturer": "AXIS",
    "Model": "Q6075-E",
    "FirmwareVersion": "10.12.114",
    "SerialNumber": "ACCC8EF0C0FF",
    "HardwareId": "7A6",
}


def _service(namespace: str, xaddr: str) -> dict[str, object]:
    return {"Namespace": namespace, "XAddr": xaddr, "Version": {"Major": 2, "Minor": 60}}


def _capabilities(base: str, *, ptz: bool) -> dict[str, object]:
    return ({"PTZ": {"XAddr": f"{base}/ptz_service"}} if ptz else {}) | {
        "Device": {"XAddr": f"{base}/device_service"},
        "Media": {
            "XAddr": f"{base}/media_service",
            "StreamingCapabilities": {"RTPMulticast": False, "RTP_TCP": True, "RTP_RTSP_TCP": True},
        },
        "Events": {
            "XAddr": f"{base}/events_service",
            "WSSubscriptionPolicySupport": False,
            "WSPullPointSupport": True,
            "WSPausableSubscriptionManagerInterfaceSupport": False,
        },
    }


def _clock(now: dt.datetime) -> dict[str, object]:
    return {
        "DateTimeType": "NTP",
        "DaylightSavings": False,
        "UTCDateTime": {
            "Date": {"Year": now.year, "Month": now.month, "Day": now.day},
            "Time": {"Hour": now.hour, "Minute": now.minute, "Second": now.second},
        },
    }


def _media_uri(uri: str) -> dict[str, object]:
    return {
        "Uri": uri,
        "InvalidAfterConnect": False,
        "InvalidAfterReboot": False,
        "Timeout": "PT0S",
    }


def _notification(topic: str, active: bool, operation: str, at: dt.datetime) -> dict[str, object]:
    """One wsnt:NotificationMessage as the cameras send it (tt:Message built by lxml)."""
    message = etree.Element(
        f"{{{TT}}}Message",
        nsmap={"tt": TT},
        UtcTime=at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        PropertyOperation=operation,
    )
    (source_name, source_value), state, (on, off) = _ITEMS[topic]
    source = etree.SubElement(message, f"{{{TT}}}Source")
    etree.SubElement(source, f"{{{TT}}}SimpleItem", Name=source_name, Value=source_value)
    data = etree.SubElement(message, f"{{{TT}}}Data")
    etree.SubElement(data, f"{{{TT}}}SimpleItem", Name=state, Value=on if active else off)
    return {"Topic": {"_value_1": topic, "Dialect": CONCRETE_SET}, "Message": {"_value_1": message}}


def _fault(fault: Fault) -> bytes:
    envelope = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(envelope, f"{{{SOAP}}}Body")
    element = etree.SubElement(body, f"{{{SOAP}}}Fault")
    code = etree.SubElement(etree.SubElement(element, f"{{{SOAP}}}Code"), f"{{{SOAP}}}Value")
    code.text = f"soap:{fault.code}"
    reason = etree.SubElement(etree.SubElement(element, f"{{{SOAP}}}Reason"), f"{{{SOAP}}}Text")
    reason.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    reason.text = fault.reason
    return bytes(etree.tostring(envelope))
