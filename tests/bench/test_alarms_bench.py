"""The alarm benchmark's own parts: payloads, the console's ranks, CPU by process, the window."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from bench.alarms.console import Frames
from bench.alarms.load_mqtt import MqttPlan, mqtt_schedule
from bench.alarms.measure import CpuWatch, pct, tree_cpu
from bench.alarms.payloads import OCCURRED_AT, RESEND_EVERY, SOURCES, Payloads
from bench.alarms.report import Timed, window


def test_a_payload_is_one_line_of_json_stamped_when_sent() -> None:
    payloads = Payloads("run1")
    head, tail = payloads.parts(7)
    assert b"\n" not in head + tail and OCCURRED_AT not in head + tail
    alarm = json.loads(payloads.alarm(7))
    assert alarm["external_id"] == "run1-7" and alarm["source"] in SOURCES
    resend = json.loads(payloads.alarm(7, resend=True))
    assert resend["status"] == "cleared" and resend["type"] == alarm["type"]
    assert resend["location"] == alarm["location"]


def test_the_mqtt_schedule_resends_one_in_fifty_about_a_second_later() -> None:
    plan = MqttPlan("mqtt://127.0.0.1", "t", "r", 1000.0, 5000, 0, 1, 200, "aiomqtt")
    schedule = mqtt_schedule(plan)
    resends = [(k, s) for k, s in enumerate(schedule) if s.resend]
    assert resends and all(k % RESEND_EVERY == RESEND_EVERY - 1 for k, _ in resends)
    assert all(k - s.n == 2000 for k, s in resends)  # at least 2,000 messages behind
    assert len({s.n for s in schedule if not s.resend}) == len(schedule) - len(resends)


def frames_of(*frames: tuple[float, int]) -> Frames:
    """Frames received at these times, each with this many payloads handled."""
    received = Frames()
    for at, total in frames:
        message = {"type": "alarms", "total": total, "rejected": 0, "alarms": []}
        received.add(at, message)
    return received


def test_a_payload_is_pushed_with_the_first_frame_whose_running_total_reaches_its_rank() -> None:
    frames = frames_of((10.0, 3), (10.5, 2), (11.0, 5))
    assert frames.counts == [3, 5, 10]
    pushed = [frames.pushed_at(rank) for rank in (1, 3, 4, 5, 6, 10)]
    assert pushed == [10.0, 10.0, 10.5, 10.5, 11.0, 11.0]
    assert frames.pushed_at(11) is None
    assert (frames.handled_by(9.0), frames.handled_by(10.7), frames.handled_by(12.0)) == (0, 5, 10)


def test_the_window_runs_from_the_first_planned_send_to_the_last_push() -> None:
    frames = frames_of((1.02, 2), (1.5, 2))
    timed = Timed(
        ranks=[1, 2, 3, 4],
        planned=[1.0, 1.01, 1.4, 1.45],
        sent_last=1.45,
        new_ids=[],
        new_planned=[],
        sent=4,
        unique=4,
    )
    w = window(timed, frames, stored_raw=4)
    assert w.start == 1.0 and w.last_push == 1.5 and w.handled == 4
    assert [round(x, 3) for x in w.latency] == [0.02, 0.01, 0.1, 0.05]
    assert pct(w.latency, 50) == 50.0 and pct([], 50) is None


BUSY = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


@pytest.mark.timeout(60)
def test_a_process_tree_counts_its_children_cpu_and_the_main_process_alone_does_not() -> None:
    parent = f"import subprocess, sys, time\nsubprocess.run([sys.executable, '-c', {BUSY!r}])\n"
    parent += "time.sleep(30)\n"
    proc = subprocess.Popen([sys.executable, "-c", parent])
    try:
        watch = CpuWatch(trees={"tree": proc.pid}, alone={"main": proc.pid}, every_s=0.05)
        deadline = time.monotonic() + 30
        while tree_cpu(proc.pid) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        watch.stop()
        start, end = watch.samples[0][0], watch.samples[-1][0]
        used = watch.seconds(start - 1, end + 1)
        assert used["tree"] >= 0.3  # the child's busy loop, reaped by its parent
        assert used["main"] < 0.3
        assert watch.cores(start, end)["tree"] > 0
    finally:
        proc.kill()
        proc.wait()
