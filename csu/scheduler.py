"""Job scheduling for every package: APScheduler 3 on the event loop, memory or database store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import get_callable_name, obj_to_ref, ref_to_obj
from pydantic import BaseModel, ConfigDict

logger = logging.getLogger(__name__)

StoreName = Literal["memory", "persistent"]
JobFunc = Callable[..., object]

_STORES: tuple[StoreName, ...] = ("memory", "persistent")
# Late runs within this window (e.g. after a restart) still happen, once thanks to coalesce.
MISFIRE_GRACE_SECONDS = 300


class ScheduledJob(BaseModel):
    """A job as the scheduler knows it: where it is stored and when it runs next."""

    model_config = ConfigDict(frozen=True)

    id: str
    store: StoreName
    next_run_at: datetime | None
    func_ref: str


def persistent_reference(func: JobFunc) -> str:
    """The "module:qualname" text a database job stores; ValueError if it cannot round-trip."""
    try:
        ref = str(obj_to_ref(func))
        resolved = ref_to_obj(ref)
    except (ValueError, LookupError) as exc:
        raise ValueError(
            f"a persistent job needs a module-level function, not {func!r}: {exc}"
        ) from exc
    # A bound method yields "module:Class.method", which resolves to the plain function
    # and would run without its instance after a restart.
    if resolved != func:
        raise ValueError(
            f"a persistent job needs a module-level function, not {func!r}"
            f" ({ref!r} resolves to a different object)"
        )
    return ref


class Scheduler:
    """Runs jobs on the asyncio loop; "persistent" jobs survive restarts in the database.

    Coroutine jobs run on the loop; plain functions run in the loop's default thread pool.
    All times are UTC. Jobs that fall behind are coalesced into one run and never overlap.
    """

    def __init__(self, database_url: str) -> None:
        self._persistent_store = SQLAlchemyJobStore(url=database_url, tablename="scheduler_jobs")
        self._scheduler = AsyncIOScheduler(
            jobstores={"memory": MemoryJobStore(), "persistent": self._persistent_store},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            },
            timezone=UTC,
        )

    @property
    def running(self) -> bool:
        """Whether the scheduler has been started and not shut down."""
        return bool(self._scheduler.running)

    def add_interval(
        self,
        func: JobFunc,
        *,
        job_id: str,
        seconds: float,
        persistent: bool = False,
        kwargs: dict[str, Any] | None = None,
    ) -> ScheduledJob:
        """Run ``func`` every ``seconds``, first one interval from now (or from start)."""
        if seconds <= 0:
            raise ValueError(f"interval must be positive, got {seconds} s")
        trigger = IntervalTrigger(seconds=seconds, timezone=UTC)
        return self._add(func, trigger, job_id=job_id, persistent=persistent, kwargs=kwargs)

    def add_cron(
        self,
        func: JobFunc,
        *,
        job_id: str,
        cron: str,
        persistent: bool = False,
        kwargs: dict[str, Any] | None = None,
    ) -> ScheduledJob:
        """Run ``func`` on a 5-field crontab schedule ("min hour day month weekday"), in UTC."""
        trigger = CronTrigger.from_crontab(cron, timezone=UTC)
        return self._add(func, trigger, job_id=job_id, persistent=persistent, kwargs=kwargs)

    def add_at(
        self,
        func: JobFunc,
        *,
        job_id: str,
        run_at: datetime,
        persistent: bool = False,
        kwargs: dict[str, Any] | None = None,
    ) -> ScheduledJob:
        """Run ``func`` once at ``run_at`` (timezone-aware)."""
        if run_at.tzinfo is None or run_at.utcoffset() is None:
            # A naive time would silently be read as UTC; make the caller say what it means.
            raise ValueError("run_at must be timezone-aware")
        trigger = DateTrigger(run_date=run_at, timezone=UTC)
        return self._add(func, trigger, job_id=job_id, persistent=persistent, kwargs=kwargs)

    def remove(self, job_id: str) -> None:
        """Remove the job from whichever store holds it; nothing happens if there is none."""
        for store in _STORES:
            self._discard(job_id, store)

    def jobs(self) -> list[ScheduledJob]:
        """Every job; before start() only those added by this process (stores are not open)."""
        return [
            _describe(job, store)
            for store in _STORES
            for job in self._scheduler.get_jobs(jobstore=store)
        ]

    def start(self, *, paused: bool = False) -> None:
        """Start on the running event loop; jobs added earlier are written to their stores.

        A cluster's API node starts paused: only the leader's scheduler runs jobs.
        """
        self._scheduler.start(paused=paused)

    def pause(self) -> None:
        """Run no job until resume() (this node stopped leading)."""
        self._scheduler.pause()

    def resume(self) -> None:
        """Run jobs again (this node leads); late ones run once, within the grace time."""
        self._scheduler.resume()

    async def shutdown(self) -> None:
        """Stop scheduling (running jobs are not awaited) and close the database connections."""
        if not self._scheduler.running:
            # Never started: the store's engine exists from construction and holds a pool.
            self._persistent_store.shutdown()
            return
        self._scheduler.shutdown(wait=False)
        # AsyncIOScheduler performs the shutdown in a loop callback; let it run so the
        # stores are closed (and database connections released) when this returns.
        async with asyncio.timeout(5):
            while self._scheduler.running:
                await asyncio.sleep(0)

    def _add(
        self,
        func: JobFunc,
        trigger: object,
        *,
        job_id: str,
        persistent: bool,
        kwargs: dict[str, Any] | None,
    ) -> ScheduledJob:
        store: StoreName = "persistent" if persistent else "memory"
        if persistent:
            persistent_reference(func)
        # An id names one job across both stores, so moving it between stores must not
        # leave the old copy behind. Before start, jobs only sit in a pending list where
        # replace_existing has not yet applied, so clear same-store duplicates too.
        for other in _STORES:
            if other != store or not self._scheduler.running:
                self._discard(job_id, other)
        job = self._scheduler.add_job(
            func,
            trigger,
            id=job_id,
            jobstore=store,
            kwargs=kwargs or {},
            replace_existing=True,
        )
        logger.debug("scheduled job %s in %s store", job_id, store)
        return _describe(job, store)

    def _discard(self, job_id: str, store: StoreName) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id, jobstore=store)


def _describe(job: Job, store: StoreName) -> ScheduledJob:
    # Pending jobs (scheduler not started) have no next_run_time attribute yet.
    next_run: datetime | None = getattr(job, "next_run_time", None)
    func_ref = job.func_ref or get_callable_name(job.func)
    return ScheduledJob(id=job.id, store=store, next_run_at=next_run, func_ref=str(func_ref))
