"""PTZ command to motion: from a continuous move sent through csu's ONVIF client to the test dome.

Run: `python -m bench.ptz_latency [--moves 50]`; prints one JSON line with p50/p95/max (ms) of:
- `to_head`: from just before ContinuousMove leaves to the dome's head taking it (one clock:
  the dome runs in this process, csu/demo/dome/thread.py, on its own thread and loop);
- `round_trip`: the ContinuousMove call, until the camera's answer is read;
- `to_status`: until a GetStatus polled right after first says the head moves.
Each move is stopped (and the head sent home) before the next. A real dome adds its motor's
start-up (tens to hundreds of ms); this measures what csu and the ONVIF exchange cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import time

import numpy as np

from csu.config.onvif import OnvifConfig
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.thread import DeviceThread
from video.onvif.ptz import OnvifPtz


async def _measure(device: OnvifDevice, moves: int) -> dict[str, list[float]]:
    config = OnvifConfig(url=device.url, username=device.username, password=device.password)
    ptz = OnvifPtz("bench-dome", config)
    head = device.head
    assert head is not None
    figures: dict[str, list[float]] = {"to_head": [], "round_trip": [], "to_status": []}
    try:
        await ptz.capabilities()  # connected before timing
        for n in range(moves):
            received = len(head.moves)
            sent = time.monotonic()
            await ptz.continuous(0.5 if n % 2 else -0.5, 0.0, 0.0, timeout_s=5)
            answered = time.monotonic()
            while not (await ptz.status()).moving:
                pass
            seen = time.monotonic()
            figures["to_head"].append(head.moves[received][0] - sent)
            figures["round_trip"].append(answered - sent)
            figures["to_status"].append(seen - sent)
            await ptz.stop()
    finally:
        await ptz.close()
    return figures


def main() -> None:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=50)
    args = parser.parse_args()
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # one line a request
    with DeviceThread(OnvifDevice()) as device:
        figures = asyncio.run(_measure(device, args.moves))
    out: dict[str, object] = {"bench": "ptz_latency", "moves": args.moves}
    for name, values in figures.items():
        ms = np.array(values) * 1000
        out[name] = {
            "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "max_ms": round(float(ms.max()), 2),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
