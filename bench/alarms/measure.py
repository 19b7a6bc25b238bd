"""CPU by process (psutil), sampled in a thread so that it can be read at any moment afterwards,
and percentiles."""

from __future__ import annotations

import bisect
import contextlib
import threading
import time
from collections.abc import Mapping, Sequence

import psutil

GONE = (psutil.NoSuchProcess, psutil.AccessDenied)


def cpu_seconds(process: psutil.Process, *, reaped: bool = True) -> float:
    """CPU seconds of a process so far, every thread, user + system.

    With `reaped`, add those of its children that ended and were waited for: a child's time
    moves there when it is reaped, so a tree's total does not drop when one of them ends.
    """
    times = process.cpu_times()
    total = times.user + times.system
    return total + times.children_user + times.children_system if reaped else total


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants now (with their reaped children's)."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(*GONE):
            total += cpu_seconds(process)
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (not idle, not waiting on I/O), every core."""
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + times.irq + times.softirq + times.steal


class CpuWatch:
    """CPU seconds of named roles, sampled every `every_s` in a thread.

    A role is a process and its descendants (`trees`), a process alone (`alone`), or every process
    of a command name (`named`, e.g. PostgreSQL's); with `machine`, the whole machine's busy time
    is role "machine". Members are looked for again every `rescan_s` only, since walking every
    process costs a few ms; known ones are read at every sample.
    """

    def __init__(
        self,
        *,
        trees: Mapping[str, int] | None = None,
        alone: Mapping[str, int] | None = None,
        named: Sequence[str] = (),
        machine: bool = False,
        every_s: float = 0.05,
        rescan_s: float = 1.0,
    ) -> None:
        self._trees = dict(trees or {})
        self._alone = {role: psutil.Process(pid) for role, pid in (alone or {}).items()}
        self._named = tuple(named)
        self._machine = machine
        self._every_s, self._rescan_s = every_s, rescan_s
        self._members: dict[str, list[psutil.Process]] = {}
        self.processes: set[int] = set()  # every pid seen in a tree
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _rescan(self) -> None:
        children: dict[int, list[psutil.Process]] = {}
        by_name: dict[str, list[psutil.Process]] = {name: [] for name in self._named}
        for process in psutil.process_iter(["ppid", "name"]):
            children.setdefault(process.info["ppid"], []).append(process)
            if process.info["name"] in by_name:
                by_name[process.info["name"]].append(process)
        members = dict(by_name)
        for role, root in self._trees.items():
            tree, queue = [], [root]
            while queue:
                pid = queue.pop()
                found = children.get(pid, [])
                tree.extend(found)
                queue.extend(p.pid for p in found)
            with contextlib.suppress(*GONE):
                tree.append(psutil.Process(root))
            members[role] = tree
            self.processes.update(p.pid for p in tree)
        self._members = members

    def _sample(self) -> dict[str, float]:
        sample = {}
        for role, processes in self._members.items():
            total = 0.0
            for process in processes:
                with contextlib.suppress(*GONE):
                    total += cpu_seconds(process)
            sample[role] = total
        for role, process in self._alone.items():
            with contextlib.suppress(*GONE):
                sample[role] = cpu_seconds(process, reaped=False)
        if self._machine:
            sample["machine"] = machine_busy_seconds()
        return sample

    def _run(self) -> None:
        scanned = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now - scanned >= self._rescan_s:
                self._rescan()
                scanned = now
            self.samples.append((now, self._sample()))
            self._stop.wait(self._every_s)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def at(self, moment: float) -> dict[str, float]:
        """CPU seconds of each role at `moment`, interpolated between samples."""
        times = [t for t, _ in self.samples]
        i = bisect.bisect_left(times, moment)
        if i <= 0:
            return self.samples[0][1]
        if i >= len(self.samples):
            return self.samples[-1][1]
        (t0, a), (t1, b) = self.samples[i - 1], self.samples[i]
        share = (moment - t0) / (t1 - t0)
        return {role: a.get(role, 0.0) + (b[role] - a.get(role, 0.0)) * share for role in b}

    def seconds(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds each role used between two moments."""
        first, last = self.at(start), self.at(end)
        return {role: last[role] - first.get(role, 0.0) for role in last}

    def cores(self, start: float, end: float) -> dict[str, float]:
        """Cores each role used between two moments, to two decimals."""
        wall = end - start
        if wall <= 0:
            return {}
        return {role: round(s / wall, 2) for role, s in self.seconds(start, end).items()}


def pct(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) of seconds, in ms to a tenth, nearest rank; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 1)


def load_averages() -> list[float]:
    """The machine's load averages (1, 5, 15 min): it is shared, so figures say it."""
    return [round(x, 2) for x in psutil.getloadavg()]
