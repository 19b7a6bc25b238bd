"""What `csu cameras discover` found, written as site-file `cameras:` entries (no I/O here).

Everything a device says (model, profile names, URIs) is untrusted text: it is cleaned of
control characters and lone surrogates and written only as a quoted YAML scalar or inside a
comment, so a hostile model name can neither break the YAML nor add keys. Each entry is checked
with the site file's own CameraConfig before it is printed; a device whose entry would not pass
`csu check-config` is printed as comments with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from csu.config.cameras import CameraConfig
from csu.config.onvif import DEVICE_SERVICE_PATH, OnvifConfig, onvif_url_problem
from csu.config.urls import redact_url

ONVIF_SCOPE = "onvif://www.onvif.org/"
_COMMENT_LIMIT = 160
_NAME_LIMIT = 120  # CameraConfig.name's bound
_URI_LIMIT = 2048  # CameraConfig.source's and OnvifConfig.url's
_SLUG_RUN = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Stream:
    """One media profile of a device and the RTSP URI it streams at (None: not given)."""

    token: str
    name: str
    uri: str | None
    detail: str = ""  # "1920x1080 H264, PTZ", as far as the profile says


@dataclass(frozen=True)
class FoundDevice:
    """A device that answered the probe, and what it said of itself when asked."""

    xaddrs: tuple[str, ...]
    scopes: tuple[str, ...] = ()
    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    serial: str = ""
    streams: tuple[Stream, ...] = ()
    note: str | None = None  # why it could not be described (refused the credentials, silent)


@dataclass(frozen=True)
class Account:
    """The ONVIF account: its user, the variable the entries read its password from, and the
    password itself for asking the devices now (never printed)."""

    username: str | None
    password_env: str
    password: str | None = field(default=None, repr=False)


def clean(text: str, limit: int = _COMMENT_LIMIT) -> str:
    """`text` on one line: control characters become spaces, other unprintables U+FFFD."""
    chars = (c if c.isprintable() else " " if c.isspace() else "\ufffd" for c in text)
    one_line = " ".join("".join(chars).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's form, which YAML reads alike) of cleaned text."""
    return json.dumps(clean(text, _URI_LIMIT), ensure_ascii=False)


def device_service_url(xaddrs: tuple[str, ...]) -> str | None:
    """The device service URL csu would use, from the first usable announced address (IPv4
    first); csu's client always asks at /onvif/device_service on that host and port."""
    candidates = []
    for xaddr in xaddrs:
        try:
            parts = urlsplit(xaddr)
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.hostname:
            netloc = parts.netloc.rpartition("@")[2]
            candidates.append((":" in parts.hostname, f"{parts.scheme}://{netloc}"))
    for _, origin in sorted(candidates, key=lambda c: c[0]):
        url = origin + DEVICE_SERVICE_PATH
        if onvif_url_problem(url) is None and clean(url, _URI_LIMIT) == url:
            return url
    return None


def scope_values(scopes: tuple[str, ...], kind: str) -> list[str]:
    """The values of an ONVIF scope kind ('hardware', 'name', 'location'...), URL-decoded."""
    prefix = f"{ONVIF_SCOPE}{kind}/"
    return [unquote(s[len(prefix) :]) for s in scopes if s.lower().startswith(prefix)]


def site_entries(devices: list[FoundDevice], account: Account) -> str:
    """The YAML fragment for `devices`: a `cameras:` list with one commented entry each."""
    ids: set[str] = set()
    blocks = [_entry(device, account, ids) for device in devices]
    entries = sum(1 for _, is_entry in blocks if is_entry)
    lines = [
        f"# csu cameras discover: {_count(len(devices), 'ONVIF device')} answered,"
        f" {_count(entries, 'entry', 'entries')} below.",
        "# Paste the entries under `cameras:`, then give each its location, view and privacy",
        "# zones. Stream URLs carry no credentials: add user:password@ where RTSP asks for them.",
    ]
    if account.username is not None:
        lines.append(f"# csu reads the ONVIF password from {account.password_env}: set it.")
    lines.append("cameras:" if entries else "cameras: []")
    for block, _ in blocks:
        lines.extend(block)
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _entry(device: FoundDevice, account: Account, ids: set[str]) -> tuple[list[str], bool]:
    """The device's lines, and whether they hold an entry (False: comments only)."""
    url = device_service_url(device.xaddrs)
    host = (urlsplit(url).hostname or "") if url else ""
    title = _title(device, host)
    comments = [f"  # {clean(text, 400)}" for text in _about(device, url)]
    if device.note is not None or url is None:
        why = device.note or "it announced no usable http(s) device service address"
        return [f"  # {clean(title)}: {clean(why)}", *comments], False
    stream = next((s for s in device.streams if _valid_source(s.uri)), None)
    if stream is None or stream.uri is None:
        return [f"  # {clean(title)}: no profile gave a usable stream URI", *comments], False
    camera_id = _unique(_slug(f"{device.manufacturer} {device.model}", url), ids)
    name = clean(title, _NAME_LIMIT)
    problem = _problem(camera_id, name, stream.uri, url, account)
    if problem is not None:  # e.g. a user name the site file refuses
        return [f"  # {clean(title)}: not usable as is: {clean(problem)}", *comments], False
    if stream is not device.streams[0]:
        comments.append(f"  # source: the first profile with a usable URI, {clean(stream.token)}")
    onvif = f"url: {quoted(url)}"
    if account.username is not None:
        onvif += f", username: {quoted(account.username)}, password_env: {account.password_env}"
    lines = [
        *comments,
        f"  - id: {camera_id}",
        f"    name: {quoted(name)}",
        f"    source: {quoted(stream.uri)}",
        f"    onvif: {{{onvif}}}",
    ]
    return lines, True


def _title(device: FoundDevice, host: str) -> str:
    """'AXIS Q6075-E (10.0.0.21)'; the model from the scopes when the device was not asked."""
    model = " ".join(p for p in (device.manufacturer, device.model) if p)
    if not model:
        scopes = device.scopes
        model = " ".join(scope_values(scopes, "name")[:1] + scope_values(scopes, "hardware")[:1])
    where = host or next(iter(device.xaddrs), "") or "unknown address"
    return f"{model} ({where})" if model.strip() else where


def _about(device: FoundDevice, url: str | None) -> list[str]:
    """The comment texts: model, firmware, addresses, scopes when unasked, every profile."""
    texts = []
    if device.model:
        about = [f"{device.manufacturer} {device.model}".strip()]
        about += [f"firmware {device.firmware}"] if device.firmware else []
        about += [f"serial {device.serial}"] if device.serial else []
        texts.append("model: " + ", ".join(about))
    announced = " ".join(redact_url(x) for x in device.xaddrs) or "none announced"
    texts.append(f"device service: {announced}")
    if url is not None and url not in device.xaddrs:
        texts.append(f"  csu asks {url}")
    if device.note is not None and device.scopes:
        texts.append("scopes: " + " ".join(device.scopes))
    for stream in device.streams:
        detail = f" ({stream.detail})" if stream.detail else ""
        uri = redact_url(stream.uri) if stream.uri else "no stream URI"
        texts.append(f"profile {stream.token} {quoted(stream.name)}{detail}: {uri}")
    return texts


def _valid_source(uri: str | None) -> bool:
    """Whether the URI, as printed, is a source the site file takes."""
    if uri is None or clean(uri, _URI_LIMIT) != uri:
        return False
    try:
        CameraConfig(id="x", name="x", source=uri)
    except ValidationError:
        return False
    return True


def _problem(camera_id: str, name: str, source: str, url: str, account: Account) -> str | None:
    """Why the entry would fail `csu check-config`, or None (the site file's own models)."""
    try:
        onvif = OnvifConfig(
            url=url,
            username=None if account.username is None else clean(account.username, _URI_LIMIT),
            password_env=account.password_env if account.username is not None else None,
        )
        CameraConfig(id=camera_id, name=name, source=source, onvif=onvif)
    except ValidationError as exc:
        return "; ".join(error["msg"] for error in exc.errors())
    return None


def _slug(model: str, url: str) -> str:
    """'axis-q6075-e-10-0-0-21', with the port when the URL names one."""
    parts = urlsplit(url)
    where = f"{parts.hostname}-{parts.port}" if parts.port else str(parts.hostname)
    model_part = _SLUG_RUN.sub("-", model.lower()).strip("-")[:32].strip("-") or "onvif"
    where_part = _SLUG_RUN.sub("-", where.lower()).strip("-")
    return f"{model_part}-{where_part}"[:60].strip("-")


def _unique(slug: str, ids: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in ids:
        candidate, n = f"{slug}-{n}", n + 1
    ids.add(candidate)
    return candidate
