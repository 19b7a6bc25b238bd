"""The printed figures: one JSON line a scenario, from the load's timings, the console's frames,
the database's counts and the server's CPU."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

from bench.alarms.console import Frames
from bench.alarms.measure import CpuWatch, pct


def emit(bench: str, **fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": bench, **fields}), flush=True)


def note(text: str) -> None:
    """Progress, on stderr."""
    print(f"# {text}", file=sys.stderr, flush=True)


@dataclass
class Timed:
    """What a load hands to `report`: each measured payload with its timings."""

    ranks: list[int]  # position in the engine's order (1 = first)
    planned: list[float]
    sent_last: float
    new_ids: list[str]  # external ids of measured new alarms, for the listed-id sample
    new_planned: list[float]
    sent: int  # every payload, warm-up included
    unique: int  # distinct alarms among them
    post_latency: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0  # from the first measured send until the client was done
    client_child_cpu_s: float = 0.0  # of which a child process's (mosquitto_pub)


@dataclass
class Outcome:
    """Everything measured in one scenario."""

    timed: Timed
    frames: Frames
    cpu: CpuWatch  # roles "server" (the tree) and "server_main"
    counts: dict[str, int]
    stages: dict[str, Any]


@dataclass(frozen=True)
class Window:
    """The measured window: from the first measured send to the push of the last one."""

    start: float
    last_push: float
    pushed: list[float | None]
    latency: list[float]
    handled: int

    @property
    def wall(self) -> float:
        """Its length in seconds."""
        return self.last_push - self.start

    def cores(self, seconds: float) -> float | None:
        """Cores that CPU seconds make over the window."""
        return round(seconds / self.wall, 2) if self.wall > 0 else None


def window(timed: Timed, frames: Frames, stored_raw: int) -> Window:
    """The window, and each measured payload's push (latency from its planned send)."""
    if not frames.times:
        raise RuntimeError("the console had no `alarms` frame: the server handled nothing")
    # Ranks hold only when every payload reached the engine (a broker may drop some).
    complete = stored_raw == timed.sent
    pushed = [frames.pushed_at(rank) if complete else None for rank in timed.ranks]
    latency = [p - t for p, t in zip(pushed, timed.planned, strict=True) if p is not None]
    start = min(timed.planned)
    last_push = max((p for p in pushed if p is not None), default=frames.times[-1])
    # Payloads handled in the window: all measured ones, or (when some were lost) those the
    # console's running total counted in it; the server may still be on the warm-up at `start`.
    measured = len(timed.ranks)
    handled = measured if complete else frames.handled_by(last_push) - frames.handled_by(start)
    return Window(start, last_push, pushed, latency, handled)


def report(name: str, setup: dict[str, Any], outcome: Outcome) -> None:
    """One JSON line for the scenario: `setup` (what was run) first, then the figures."""
    timed, counts, frames = outcome.timed, outcome.counts, outcome.frames
    w = window(timed, frames, counts["raw"])
    measured = len(timed.ranks)
    achieved = w.handled / w.wall if w.wall > 0 else 0.0
    http = name.startswith("http")
    p99 = pct(w.latency, 99)
    emit(
        "alarms",
        scenario=name,
        **setup,
        offered_per_s=round(measured / (timed.sent_last - w.start), 1),
        measured=measured,
        handled=w.handled,
        achieved_per_s=round(achieved, 1),
        **_stored(timed, counts),
        pushed=len(w.latency),
        push_p50_ms=pct(w.latency, 50),
        push_p99_ms=p99,
        **outcome.stages,
        **_samples(timed, frames),
        backlog_s=round(w.last_push - timed.sent_last, 2),
        **_cpu(outcome, w),
        console_cpu_s=round(frames.cpu_s, 2),
        ws_frames=len(frames.times),
        meets_rate=achieved >= (2000 if http else 10_000) * 0.98,
        meets_p99=p99 is not None and p99 < 100,
    )


def _stored(timed: Timed, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "sent": timed.sent,
        "lost": timed.sent - counts["raw"],
        "unique_alarms": timed.unique,
        "stored_alarms": counts["alarms"],
        "stored_raw": counts["raw"],
        "unparsed": counts["unparsed"],
        "rejected": counts["rejected"],
        "stored_equals_sent": counts["alarms"] == timed.unique and counts["raw"] == timed.sent,
        "incidents": counts["incidents"],
    }


def _samples(timed: Timed, frames: Frames) -> dict[str, Any]:
    """HTTP answers, and the cross-check on the alarms the frames list by external id."""
    sample = [
        frames.listed[i] - t
        for i, t in zip(timed.new_ids, timed.new_planned, strict=True)
        if i in frames.listed
    ]
    return {
        "post_p50_ms": pct(timed.post_latency, 50),
        "post_p99_ms": pct(timed.post_latency, 99),
        "sample_n": len(sample),
        "sample_p50_ms": pct(sample, 50),
        "sample_p99_ms": pct(sample, 99),
    }


def _cpu(outcome: Outcome, w: Window) -> dict[str, Any]:
    used = outcome.cpu.seconds(w.start, w.last_push)
    server, timed = used["server"], outcome.timed
    return {
        "server_cores": w.cores(server),
        "server_main_cores": w.cores(used["server_main"]),
        "server_processes": len(outcome.cpu.processes),
        "alarms_per_core_s": round(w.handled / server, 1) if server > 0 else None,
        "client_cores": w.cores(timed.client_cpu_s),
        "client_child_cores": w.cores(timed.client_child_cpu_s),
        "client_us_per_alarm": round(1e6 * timed.client_cpu_s / len(timed.ranks), 1),
    }
