"""The viewer's end of live view: a lagging track, and the checks on a WHEP offer."""

from __future__ import annotations

import pytest
from aiortc import RTCPeerConnection

from video.encoding import EncoderSettings, Feed, H264Stream
from video.live import InvalidOffer, PacketTrack, check_offer
from video.scenes import make_scene

FPS = 25
SIZE = (320, 240)


async def test_a_lagging_track_drops_to_the_next_keyframe() -> None:
    stream = H264Stream(EncoderSettings(fps=FPS, keyframe_interval_s=0.4))  # IDR every 10
    image = make_scene("street", *SIZE).render(0.0)
    packets = [stream.encode(image, i * 3600)[0] for i in range(25)]
    track, asked = PacketTrack(capacity=4), []
    track.follow(Feed(request_keyframe=lambda: asked.append(True), leave=lambda: None))
    for packet in packets[3:23]:  # joins mid-GOP: frames 3..9 are useless without their IDR
        track.deliver(packet)
    # 3..9 dropped; 10..13 queued; 14 overflows: 10..19 dropped, it resumes at IDR 20.
    assert track.pending() == 3 and track.dropped == 7 + 10
    assert asked, "a viewer that needs a keyframe asks the encoder for one"
    first = await track.recv()
    assert first.is_keyframe and first.pts == 20 * 3600
    track.stop()
    assert track.pending() == 0


async def real_offer() -> str:
    """An SDP offer from a real aiortc client asking to receive video."""
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp: str = pc.localDescription.sdp
    await pc.close()
    return sdp


async def test_offer_checks_name_the_problem() -> None:
    good = await real_offer()
    check_offer(good)
    broken = {
        "": "empty",
        "hello": "must start with 'v=0'",
        good.split("m=video")[0]: "no video section",
        good.replace("H264/90000", "H265/90000"): "does not offer H.264",
        good.replace("a=recvonly", "a=sendonly"): "recvonly or sendrecv",
        "\n".join(x for x in good.splitlines() if "fingerprint" not in x): "DTLS fingerprint",
        "\n".join(x for x in good.splitlines() if "ice-ufrag" not in x): "ICE credentials",
    }
    for sdp, problem in broken.items():
        with pytest.raises(InvalidOffer, match=problem):
            check_offer(sdp)
