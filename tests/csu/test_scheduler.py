"""The scheduler runs jobs on the loop and keeps persistent jobs in the database."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from csu.scheduler import Scheduler, persistent_reference


async def set_flag(flag: asyncio.Event, runs: list[int]) -> None:
    """Coroutine job: runs on the event loop, so it may touch asyncio objects."""
    runs.append(1)
    flag.set()


def record_thread(loop: asyncio.AbstractEventLoop, flag: asyncio.Event, names: list[str]) -> None:
    """Sync job: runs in a worker thread, so it hands back to the loop thread-safely."""
    names.append(threading.current_thread().name)
    loop.call_soon_threadsafe(flag.set)


def nightly_report(site: str) -> None:
    """Module-level job a persistent store can reference by name."""
    logging.getLogger(__name__).info("nightly report for %s", site)


class Reports:
    def send(self) -> None:
        logging.getLogger(__name__).info("report sent")


@pytest.fixture
async def scheduler(tmp_path: Path) -> AsyncIterator[Scheduler]:
    sched = Scheduler(f"sqlite:///{tmp_path / 'jobs.db'}")
    sched.start()
    yield sched
    await sched.shutdown()


async def test_interval_coroutine_job_runs(scheduler: Scheduler) -> None:
    flag = asyncio.Event()
    runs: list[int] = []
    scheduler.add_interval(
        set_flag, job_id="tick", seconds=0.05, kwargs={"flag": flag, "runs": runs}
    )
    await asyncio.wait_for(flag.wait(), timeout=5)
    assert runs


async def test_sync_job_runs_in_a_worker_thread(scheduler: Scheduler) -> None:
    flag = asyncio.Event()
    names: list[str] = []
    run_at = datetime.now(UTC) + timedelta(milliseconds=50)
    scheduler.add_at(
        record_thread,
        job_id="once",
        run_at=run_at,
        kwargs={"loop": asyncio.get_running_loop(), "flag": flag, "names": names},
    )
    await asyncio.wait_for(flag.wait(), timeout=5)
    assert names and names[0] != threading.current_thread().name
    # A one-off job is gone once it has run.
    await asyncio.sleep(0.05)
    assert [job.id for job in scheduler.jobs()] == []


async def test_persistent_job_survives_a_restart(database_url: str) -> None:
    first = Scheduler(database_url)
    # Registered before start, as packages do while the app is wired together.
    first.add_interval(
        nightly_report, job_id="report", seconds=3600, persistent=True, kwargs={"site": "north"}
    )
    first.start()
    first.add_cron(
        nightly_report,
        job_id="cron-report",
        cron="30 2 * * *",
        persistent=True,
        kwargs={"site": "south"},
    )
    before = {job.id: job for job in first.jobs()}
    await first.shutdown()
    assert not first.running

    second = Scheduler(database_url)
    second.start()
    try:
        after = {job.id: job for job in second.jobs()}
    finally:
        await second.shutdown()

    assert set(after) == {"report", "cron-report"}
    for job_id, job in after.items():
        assert job.store == "persistent"
        assert job.func_ref == "tests.csu.test_scheduler:nightly_report"
        assert job.next_run_at is not None
        assert job.next_run_at == before[job_id].next_run_at
    report_at = after["report"].next_run_at
    assert report_at is not None
    assert timedelta(minutes=59) < report_at - datetime.now(UTC) <= timedelta(hours=1)
    cron_at = after["cron-report"].next_run_at
    assert cron_at is not None and (cron_at.hour, cron_at.minute) == (2, 30)

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT id FROM scheduler_jobs ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [row[0] for row in stored] == ["cron-report", "report"]


async def test_persistent_job_refuses_what_it_cannot_reference(scheduler: Scheduler) -> None:
    def nested() -> None:
        pass

    for func in (lambda: None, nested, Reports().send):
        with pytest.raises(ValueError, match="module-level function"):
            scheduler.add_interval(func, job_id="bad", seconds=60, persistent=True)
    assert scheduler.jobs() == []
    # The same callables are fine in memory, which keeps the object itself.
    scheduler.add_interval(lambda: None, job_id="ok", seconds=60)
    assert [job.id for job in scheduler.jobs()] == ["ok"]
    assert persistent_reference(nightly_report) == "tests.csu.test_scheduler:nightly_report"


async def test_remove_and_replace(scheduler: Scheduler) -> None:
    scheduler.add_interval(nightly_report, job_id="job", seconds=60, kwargs={"site": "a"})
    scheduler.add_interval(nightly_report, job_id="job", seconds=120, kwargs={"site": "a"})
    assert [(j.id, j.store) for j in scheduler.jobs()] == [("job", "memory")]

    # Moving an id to the other store leaves no copy behind.
    scheduler.add_interval(
        nightly_report, job_id="job", seconds=60, persistent=True, kwargs={"site": "a"}
    )
    assert [(j.id, j.store) for j in scheduler.jobs()] == [("job", "persistent")]

    scheduler.remove("job")
    scheduler.remove("job")  # absent: no error
    assert scheduler.jobs() == []


async def test_jobs_before_start_lists_pending_and_remove_works(tmp_path: Path) -> None:
    sched = Scheduler(f"sqlite:///{tmp_path / 'jobs.db'}")
    sched.add_cron(nightly_report, job_id="a", cron="0 * * * *", kwargs={"site": "x"})
    sched.add_cron(nightly_report, job_id="a", cron="5 * * * *", kwargs={"site": "x"})
    sched.add_interval(nightly_report, job_id="b", seconds=10, kwargs={"site": "y"})
    assert [(j.id, j.next_run_at) for j in sched.jobs()] == [("a", None), ("b", None)]
    sched.remove("a")
    assert [j.id for j in sched.jobs()] == ["b"]
    assert not sched.running
    await sched.shutdown()  # never started: just releases the database engine


async def test_invalid_schedules_are_refused(scheduler: Scheduler) -> None:
    with pytest.raises(ValueError, match="fields"):
        scheduler.add_cron(nightly_report, job_id="c", cron="not a cron", kwargs={"site": "x"})
    with pytest.raises(ValueError, match="positive"):
        scheduler.add_interval(nightly_report, job_id="i", seconds=0)
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduler.add_at(nightly_report, job_id="d", run_at=datetime(2030, 1, 1))
    assert scheduler.jobs() == []
