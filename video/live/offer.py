"""Checks on a WHEP client's SDP offer, so a bad one is refused with the problem named."""

from __future__ import annotations

import re

from aiortc.sdp import SessionDescription

from csu.errors import Malformed

# Offers are a few kilobytes; anything much larger is not a browser's offer.
MAX_OFFER_BYTES = 64 * 1024

_H264 = re.compile(r"^a=rtpmap:\d+ H264/90000", re.IGNORECASE | re.MULTILINE)


class InvalidOffer(Malformed, ValueError):
    """The SDP offer cannot be answered; the message says why."""


def _video_section(lines: list[str]) -> list[str] | None:
    sections: list[list[str]] = []
    for line in lines:
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
    return next((s for s in sections if s[0].startswith("m=video")), None)


def check_offer(sdp: str) -> None:
    """Raise InvalidOffer naming the first problem that keeps us from streaming to this offer."""
    lines = [line.strip() for line in sdp.splitlines() if line.strip()]
    if not lines:
        raise InvalidOffer("the SDP offer is empty")
    if lines[0] != "v=0":
        raise InvalidOffer("not an SDP document: it must start with 'v=0'")
    video = _video_section(lines)
    if video is None:
        raise InvalidOffer("the offer has no video section (m=video)")
    text = "\n".join(video)
    if not _H264.search(text):
        raise InvalidOffer("the offer's video section does not offer H.264 (a=rtpmap:... H264)")
    if any(line in ("a=sendonly", "a=inactive") for line in video):
        raise InvalidOffer("the offer's video section must be recvonly or sendrecv")
    every = "\n".join(lines)
    if "a=ice-ufrag:" not in every or "a=ice-pwd:" not in every:
        raise InvalidOffer("the offer has no ICE credentials (a=ice-ufrag, a=ice-pwd)")
    if "a=fingerprint:" not in every:
        raise InvalidOffer("the offer has no DTLS fingerprint (a=fingerprint)")
    try:
        SessionDescription.parse(sdp)
    except Exception as exc:  # aiortc's parser raises whatever the bad line provokes
        raise InvalidOffer(f"the SDP offer cannot be parsed: {exc!r}") from exc
