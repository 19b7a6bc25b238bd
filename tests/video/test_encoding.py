"""The shared encoder and its fan-out: real x264, real ingest workers, real aiortc tracks."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from fractions import Fraction

import av
import numpy as np
import pytest

from privacy.masking import ZoneMasker
from privacy.renditions import Rendition
from video.encoding import VIDEO_TIME_BASE, BroadcastPool, EncoderSettings, H264Stream
from video.ingest import IngestWorker
from video.live import PacketTrack
from video.scenes import make_scene
from video.sources import FrameSource
from video.sources.demo import DemoSource

FPS = 25
SIZE = (320, 240)


def nal_types(data: bytes) -> list[int]:
    """The NAL unit types of an Annex-B buffer, in order."""
    types, i = [], data.find(b"\x00\x00\x01")
    while i != -1:
        types.append(data[i + 3] & 0x1F)
        i = data.find(b"\x00\x00\x01", i + 3)
    return types


def small_demo(url: str, fps: float) -> FrameSource:
    """The street scene at 320x240, so encoding stays cheap in tests."""
    return DemoSource(url.removeprefix("demo://"), fps, *SIZE)


@pytest.fixture
def worker() -> Iterator[IngestWorker]:
    """A running ingest worker on the demo street, masked like a real camera."""
    ingest = IngestWorker(
        "street",
        "demo://street",
        FPS,
        ZoneMasker([[(0.1, 0.1), (0.4, 0.1), (0.4, 0.4)]]),
        opener=small_demo,
    )
    ingest.start()
    yield ingest
    ingest.stop()


@pytest.fixture
async def pool() -> AsyncIterator[BroadcastPool]:
    """A fan-out pool with a short grace period (keyframes 10 s apart unless forced)."""
    broadcasts = BroadcastPool(EncoderSettings(fps=FPS, keyframe_interval_s=10.0), grace_s=0.2)
    yield broadcasts
    await broadcasts.stop()


def test_packets_are_annexb_h264_with_parameter_sets_on_keyframes() -> None:
    stream = H264Stream(EncoderSettings(fps=FPS, keyframe_interval_s=1.0))
    scene = make_scene("street", *SIZE)
    packets = [p for i in range(30) for p in stream.encode(scene.render(i / FPS), i * 3600)]
    assert len(packets) == 30  # zerolatency, no B-frames: one packet per frame, no delay
    assert all(bytes(p).startswith(b"\x00\x00\x00\x01") for p in packets)
    assert packets[0].is_keyframe and packets[25].is_keyframe  # one IDR per second
    assert {7, 8, 5} <= set(nal_types(bytes(packets[25])))  # SPS and PPS repeated for joiners
    assert set(nal_types(bytes(packets[1]))) == {1}
    assert [p.pts for p in packets[:3]] == [0, 3600, 7200]
    assert packets[0].time_base == VIDEO_TIME_BASE == Fraction(1, 90_000)
    sps = bytes(packets[0])[bytes(packets[0]).find(b"\x67") + 1]
    assert sps == 66  # profile_idc: baseline, which every WebRTC peer decodes

    decoder = av.CodecContext.create("h264", "r")
    frames = [f for p in packets for f in decoder.decode(p)]
    assert len(frames) == 30 and (frames[0].width, frames[0].height) == SIZE


def test_a_forced_keyframe_is_an_idr_with_parameter_sets() -> None:
    stream = H264Stream(EncoderSettings(fps=FPS, keyframe_interval_s=10.0))
    image = make_scene("plaza", *SIZE).render(0.0)
    packets = [stream.encode(image, i * 3600, keyframe=(i == 7))[0] for i in range(10)]
    assert [p.is_keyframe for p in packets] == [i in (0, 7) for i in range(10)]
    assert {7, 8, 5} <= set(nal_types(bytes(packets[7])))


def test_odd_sized_frames_are_cropped_to_even() -> None:
    stream = H264Stream(EncoderSettings())
    packets = stream.encode(np.zeros((241, 321, 3), np.uint8), 0)
    decoder = av.CodecContext.create("h264", "r")
    (frame,) = decoder.decode(packets[0])
    assert (frame.width, frame.height) == (320, 240)


async def test_viewers_share_one_encoder_and_start_on_a_keyframe(
    worker: IngestWorker, pool: BroadcastPool
) -> None:
    first, second = PacketTrack(), PacketTrack()
    pool.attach("street", Rendition.ZONES, worker, first)
    await asyncio.wait_for(first.recv(), 5)
    await asyncio.sleep(0.6)  # well into the 10 s GOP
    pool.attach("street", Rendition.ZONES, worker, second)
    started = time.monotonic()
    packet = await asyncio.wait_for(second.recv(), 5)
    # The join forced an IDR: the newcomer starts within a few frames, not at the next GOP.
    assert packet.is_keyframe and time.monotonic() - started < 0.5
    assert pool.encoder_count() == 1
    assert pool.viewer_count("street", Rendition.ZONES) == 2


async def test_a_slow_viewer_does_not_stall_a_fast_one(
    worker: IngestWorker, pool: BroadcastPool
) -> None:
    fast, slow = PacketTrack(), PacketTrack(capacity=5)
    pool.attach("street", Rendition.ZONES, worker, fast)
    pool.attach("street", Rendition.ZONES, worker, slow)
    encoder = pool.encoder("street", Rendition.ZONES)
    assert encoder is not None

    received = 0
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        await asyncio.wait_for(fast.recv(), 1)
        received += 1
    assert encoder.frames_encoded >= 1.5 * FPS  # the encoder kept its pace
    assert received >= encoder.frames_encoded - 3  # and the fast viewer got every frame
    assert slow.pending() <= slow.capacity and slow.dropped > 0
    # When the slow one reads again it resumes cleanly, at a keyframe.
    assert (await asyncio.wait_for(slow.recv(), 1)).is_keyframe


async def test_the_encoder_stops_after_the_last_viewer_leaves(
    worker: IngestWorker, pool: BroadcastPool
) -> None:
    one, two = PacketTrack(), PacketTrack()
    pool.attach("street", Rendition.ZONES, worker, one)
    pool.attach("street", Rendition.ZONES, worker, two)
    encoder = pool.encoder("street", Rendition.ZONES)
    assert encoder is not None
    await asyncio.wait_for(one.recv(), 5)
    one.stop()
    await asyncio.sleep(0.4)
    assert pool.encoder_count() == 1 and encoder.running  # one viewer left
    two.stop()
    await asyncio.sleep(0.05)
    assert pool.encoder_count() == 1  # grace period: a quick reconnect reuses it
    deadline = time.monotonic() + 3
    while encoder.running and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert pool.encoder_count() == 0 and not encoder.running
    frozen = encoder.frames_encoded
    await asyncio.sleep(0.2)
    assert encoder.frames_encoded == frozen


async def test_a_viewer_returning_within_the_grace_period_reuses_the_encoder(
    worker: IngestWorker, pool: BroadcastPool
) -> None:
    one = PacketTrack()
    pool.attach("street", Rendition.ZONES, worker, one)
    encoder = pool.encoder("street", Rendition.ZONES)
    one.stop()
    again = PacketTrack()
    pool.attach("street", Rendition.ZONES, worker, again)
    assert (await asyncio.wait_for(again.recv(), 5)).is_keyframe
    await asyncio.sleep(0.4)
    assert pool.encoder("street", Rendition.ZONES) is encoder


async def test_keyframes_come_by_time_on_a_camera_slower_than_nominal() -> None:
    slow_camera = IngestWorker(
        "slow", "demo://plaza", 5, ZoneMasker([]), opener=small_demo
    )  # 5 fps: x264's 25-frame GOP alone would give one IDR every 5 s
    slow_camera.start()
    broadcasts = BroadcastPool(EncoderSettings(fps=25, keyframe_interval_s=1.0), grace_s=0.1)
    track = PacketTrack()
    try:
        broadcasts.attach("slow", Rendition.ZONES, slow_camera, track)
        keyframes, deadline = [], time.monotonic() + 3.2
        while time.monotonic() < deadline:
            packet = await asyncio.wait_for(track.recv(), 2)
            if packet.is_keyframe:
                keyframes.append(packet.pts / 90_000)
        assert len(keyframes) >= 3
        assert all(0.8 <= b - a <= 1.3 for a, b in itertools.pairwise(keyframes))
    finally:
        await broadcasts.stop()
        slow_camera.stop()
