"""The incident engine in a child process: its cost to the web process per alarm, and the batches.

Run: `python -m bench.engine_ipc [--alarms 20000]`; prints one JSON line per figure.

- `thread` and `process`: `--alarms` csu-JSON alarms (bench.alarms.Payloads) submitted at once to
  an IncidentEngine thread, then to an EngineProcess, each on a fresh SQLite database, then 5 s of
  alarms paced at `--rate` a second (as HTTP posts arrive); every answer is awaited.
  `parent_cpu_us` is this process's CPU (all threads, `time.process_time()`) per alarm: for the
  thread that is the whole engine; for the process it is `submit()`, the sender, the receiver and
  resolving the futures. `child_cpu_us` is the engine process's, from /proc.
- `pipe`: the parent -> child transport alone: the same alarms as wire tuples, pickled and written
  one message per alarm, then in lists of MAX_MESSAGES; a child process reads them. CPU per alarm
  of the writing thread (`time.thread_time()`) and of the reader.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.alarms import Payloads
from csu.db import Database
from csu.migrate import upgrade
from incidents.correlation import DEFAULT_RULES, Correlator
from incidents.engine import IncidentEngine, IntakeResult
from incidents.engine_child import MAX_MESSAGES, EngineSpec, engine_context
from incidents.engine_process import EngineProcess
from incidents.parsing import Channel, Submission

TICKS = os.sysconf("SC_CLK_TCK")


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "engine_ipc", **fields}), flush=True)


def submissions(count: int) -> list[Submission]:
    """Fresh alarms, one external id each."""
    payloads = Payloads(f"ipc{time.monotonic_ns() % 10**8}")
    now = datetime.now(UTC)
    return [
        Submission(Channel.HTTP_JSON, payloads.alarm(n), now, "application/json")
        for n in range(count)
    ]


def child_cpu_s(pid: int) -> float:
    """User + system CPU of a live process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def run(
    engine: IncidentEngine | EngineProcess, subs: list[Submission], rate: float = 0
) -> dict[str, float]:
    """Submit all (flat out, or `rate` a second), await all; wall time and CPU per alarm."""
    child = engine.pid if isinstance(engine, EngineProcess) else None
    child_before = child_cpu_s(child) if child else 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    futures: list[Future[IntakeResult]] = []
    for n, sub in enumerate(subs):
        if rate:
            ahead = wall + n / rate - time.perf_counter()
            if ahead > 0.001:
                time.sleep(ahead)
        futures.append(engine.submit(sub))
    accepted = sum(f.result(timeout=600).accepted for f in futures)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert accepted == len(subs), f"{len(subs) - accepted} refused"
    figures = {
        "alarms_per_s": round(len(subs) / wall),
        "parent_cpu_us": round(cpu / len(subs) * 1e6, 1),
    }
    if child:
        figures["child_cpu_us"] = round((child_cpu_s(child) - child_before) / len(subs) * 1e6, 1)
    return figures


def engines(count: int, rate: float, folder: Path) -> None:
    """The same alarms through a thread, then through a child process."""
    for mode in ("thread", "process"):
        url = f"sqlite:///{folder / f'{mode}.db'}"
        db = Database(url)
        upgrade(db.engine)
        engine: IncidentEngine | EngineProcess
        if mode == "thread":
            engine = IncidentEngine(db, lambda _e: None, Correlator(rules=DEFAULT_RULES))
        else:
            engine = EngineProcess(EngineSpec(url, DEFAULT_RULES, []), lambda _e: None)
        engine.start()
        try:
            run(engine, submissions(1000))  # warm-up: caches, first connections
            emit(scenario=mode, alarms=count, rate="max", **run(engine, submissions(count)))
            paced = submissions(int(rate * 5))
            emit(scenario=mode, alarms=len(paced), rate=rate, **run(engine, paced, rate))
        finally:
            engine.stop()
            db.dispose()


def _reader(conn: Connection, expected: int) -> None:
    got = 0
    cpu = time.process_time()
    while got < expected:
        got += len(conn.recv())
    conn.send(time.process_time() - cpu)


def pipe(count: int) -> None:
    """Pickling and writing the alarms one per message, then in lists."""
    wires = [("s", n, s) for n, s in enumerate(submissions(count))]
    context = engine_context()
    for per_message in (1, MAX_MESSAGES):
        ours, theirs = context.Pipe()
        reader = context.Process(target=_reader, args=(theirs, count), daemon=True)
        reader.start()
        theirs.close()
        cpu, wall = time.thread_time(), time.perf_counter()
        for start in range(0, count, per_message):
            ours.send(wires[start : start + per_message])
        reader_cpu = ours.recv()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        reader.join()
        emit(
            scenario="pipe",
            per_message=per_message,
            alarms=count,
            alarms_per_s=round(count / wall),
            writer_cpu_us=round(cpu / count * 1e6, 2),
            reader_cpu_us=round(reader_cpu / count * 1e6, 2),
        )


def main() -> None:
    """Parse the options and run the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.engine_ipc")
    parser.add_argument("--alarms", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=2000, help="alarms a second, paced run")
    args = parser.parse_args()
    pipe(args.alarms * 5)
    with tempfile.TemporaryDirectory(prefix="csu-bench-ipc-") as folder:
        engines(args.alarms, args.rate, Path(folder))


if __name__ == "__main__":
    main()
