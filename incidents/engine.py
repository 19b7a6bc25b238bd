"""The incident engine: one writer thread takes payloads and actions in order, in batches.

One writer keeps correlation state, incident rows and timelines consistent without locks, and
batching gives the throughput a storm needs: a batch is two transactions, the first of which
stores the raw payloads before anything is parsed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from csu.db import Database
from csu.errors import Unavailable
from csu.events import Context, Event
from csu.i18n import Language
from incidents.batch import BatchApplier, BatchOutcome
from incidents.batching import take_batch
from incidents.clips import Clip, ClipPolicy, ClipSink
from incidents.commands import IncidentCommand, apply_command
from incidents.correlation import Correlator
from incidents.coverage import CameraCone
from incidents.events import AlarmsStored, AlarmSummary, IncidentChanged, IncidentEscalated
from incidents.incident_rows import IncidentRows
from incidents.parsing import Submission
from incidents.records import ParsedBatch, StoredPayload, prepared
from incidents.recovery import failure_reason, open_incidents, reparsed, unparsed
from incidents.store import (
    alarm_summary,
    insert_raw_ids,
    mark_raws,
    stored_intake_ids,
)

log = logging.getLogger(__name__)
Publish = Callable[[Event], None]
# A payload of this many bytes weighs as one in a batch (a csu JSON alarm is a few hundred).
BYTES_PER_PAYLOAD = 1024


STOPPED = "incident engine stopped"


class EngineUnavailable(Unavailable, RuntimeError):
    """The engine has stopped (csu is shutting down); the request got no answer."""

    retry_after_s = 1  # stopped, or the alarm stream unreachable: post again


class IntakeResult(BaseModel):
    """What became of one payload."""

    raw_id: int
    accepted: bool
    error: str | None = None
    alarms: list[AlarmSummary] = []
    skipped: list[str] = []


@dataclass
class _Work:
    item: Submission | ParsedBatch | IncidentCommand | _Recover
    future: Future[Any] | None = field(default_factory=Future)  # None: nobody awaits an answer

    def size(self) -> int:
        """What it weighs in a batch: one (an action too), a large payload by its size, so that a
        batch of large ones (a thousand alarms each) stays short."""
        item = self.item
        if isinstance(item, Submission):
            return 1 + len(item.body) // BYTES_PER_PAYLOAD
        return 1


@dataclass(frozen=True)
class _Applied:
    """A committed batch's answers, events and clips, to send once it is committed."""

    answers: list[tuple[Future[Any], IntakeResult]]
    events: list[Event]
    clips: list[Clip]


_STOP = object()


class _Recover:
    """The work item that runs `_recover_unparsed` in the writer thread."""


_RECOVER = _Recover()


class IncidentEngine:
    """Owns the correlator; every write to alarms, incidents and timelines happens here."""

    def __init__(
        self,
        db: Database,
        publish: Publish,
        correlator: Correlator,
        *,
        max_batch: int = 500,
        clips: ClipPolicy | None = None,
        on_clip: ClipSink | None = None,
        language: Language = "fr",
    ) -> None:
        self._db = db
        self._clips = clips
        self._language = language
        self._on_clip = on_clip
        self._publish = publish
        self.correlator = correlator
        self._incidents = IncidentRows()
        self._max_batch = max_batch
        self._queue: queue.Queue[_Work | object] = queue.Queue()
        # Taken to queue work and to stop: nothing is queued behind the stop, where no one
        # would ever answer it.
        self._queue_lock = threading.Lock()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="incident-engine", daemon=True)

    def use_cameras(self, cones: Iterable[CameraCone], clips: ClipPolicy | None) -> None:
        """Take the cameras in force now. Each is one reference swapped whole, so the writer
        thread reads either the old cameras or the new ones, never half of a change."""
        self.correlator.cameras = {c.camera_id: c for c in cones}
        self._clips = clips

    def start(self) -> None:
        """Restore open incidents, start the writer, parse payloads a crash left unparsed."""
        self._restore()
        self._thread.start()
        # Before any intake starts: what is left 'received' now is certainly an orphan. A payload
        # it cannot store is rejected; should the database itself fail, csu still starts (the
        # rows stay 'received' for the next recovery).
        try:
            self.recover_unparsed().result()
        except Exception:
            log.exception("payloads left unparsed could not be recovered now")

    def stop(self, timeout: float = 10.0) -> None:
        """Finish queued work and stop; what comes later fails with EngineUnavailable."""
        with self._queue_lock:
            if not self._stopped:
                self._stopped = True
                self._queue.put(_STOP)
        if self._thread.ident is not None:  # started
            self._thread.join(timeout)

    def submit(self, submission: Submission) -> Future[IntakeResult]:
        """Queue a payload; the future resolves once it is stored, parsed and correlated."""
        return self._put(_Work(submission))

    def feed(self, submission: Submission) -> None:
        """Queue a payload whose sender waits for no answer (a broker feed).

        It is stored, parsed, correlated and announced like any other; only the answer that
        `submit` would build is skipped. Once stopped, it is dropped unacknowledged: the broker
        keeps it for the next start.
        """
        self._put(_Work(submission, None))

    def recover_unparsed(self) -> Future[int]:
        """Parse what was stored raw but never reached the engine; resolves to how many.

        `start` does it before any intake starts: rows still 'received' then were left by a
        csu that stopped between storing a batch and parsing it.
        """
        return self._put(_Work(_RECOVER))

    def command(self, cmd: IncidentCommand) -> Future[Any]:
        """Queue an operator action; resolves to the incident summary or raises its error."""
        return self._put(_Work(cmd))

    def pending(self) -> int:
        """Payloads and actions waiting for the writer."""
        return self._queue.qsize()

    def _put(self, work: _Work) -> Future[Any]:
        future = work.future if work.future is not None else Future()
        with self._queue_lock:
            if not self._stopped:
                self._queue.put(work)
                return future
        future.set_exception(EngineUnavailable(STOPPED))
        return future

    def _run(self) -> None:
        while True:
            batch, stop = self._take()
            try:
                self._process(batch)
            except Exception as exc:  # keep the writer alive; each caller hears of the failure
                log.exception("incident engine batch failed")
                for work in batch:
                    if work.future is not None and not work.future.done():
                        work.future.set_exception(exc)
                self._recover()
            if stop:
                return

    def _take(self) -> tuple[list[_Work], bool]:
        return take_batch(self._queue, _STOP, self._max_batch, size=_Work.size)

    def _process(self, batch: list[_Work]) -> None:
        # Keep arrival order: runs of payloads go through as one batch, actions one by one.
        run: list[_Work] = []
        for work in batch:
            if isinstance(work.item, Submission | ParsedBatch):
                run.append(work)
                continue
            if run:
                self._ingest(run)
                run = []
            if isinstance(work.item, _Recover):
                assert work.future is not None
                work.future.set_result(self._recover_unparsed())
            else:
                self._act(work)
        if run:
            self._ingest(run)

    def _ingest(self, works: list[_Work]) -> None:
        now = datetime.now(UTC)
        futures, payloads = self._stored_payloads(works, now)
        if payloads:
            self._apply_isolating(futures, payloads, now)

    def _apply_isolating(
        self, futures: list[Future[Any] | None], payloads: list[StoredPayload], now: datetime
    ) -> None:
        """Apply payloads in one transaction; if it fails, in halves, down to the payload that
        fails alone, which is rejected with the reason: one bad payload never fails the others.

        A database that cannot be reached fails them all (raised): no payload is to blame.
        """
        try:
            applied = self._apply(futures, payloads, now)
        except (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
            raise
        except Exception as exc:
            self._recover()  # the transaction was rolled back: what memory holds of it goes too
            if len(payloads) > 1:
                half = len(payloads) // 2
                self._apply_isolating(futures[:half], payloads[:half], now)
                self._apply_isolating(futures[half:], payloads[half:], now)
                return
            raw_id, reason = payloads[0].raw_id, failure_reason(exc)
            log.warning("raw alarm %d could not be stored: %s", raw_id, reason)
            refused = StoredPayload(raw_id, error=f"could not be stored: {reason}")
            applied = self._apply(futures, [refused], now)
        self._announce(applied)

    def _apply(
        self, futures: list[Future[Any] | None], payloads: list[StoredPayload], now: datetime
    ) -> _Applied:
        """Store, correlate and mark the payloads in one transaction; nothing is announced yet."""
        with self._db.session() as session:
            applier = BatchApplier(
                session, self.correlator, self._incidents, now, self._clips, self._language
            )
            applier.prefetch([row for p in payloads for row in p.rows])
            for payload in payloads:
                for row in payload.rows:
                    applier.add(row)
            mark_raws(session, [(p.raw_id, p.error, len(p.rows)) for p in payloads])
            applier.correlate()
            created = {id(r) for r in applier.out.created}
            answers = [
                (future, self._result(payload, applier.out, created))
                for future, payload in zip(futures, payloads, strict=True)
                if future is not None
            ]
            rejected = sum(p.error is not None for p in payloads)
            events = self._events(applier.out, created, rejected=rejected)
        return _Applied(answers, events, applier.out.clips)

    def _announce(self, applied: _Applied) -> None:
        """Answer, publish and hand clips over, once the batch is committed."""
        for future, outcome in applied.answers:
            future.set_result(outcome)
        for event in applied.events:
            self._publish(event)
        self._hand_clips(applied.clips)

    def _stored_payloads(
        self, works: list[_Work], now: datetime
    ) -> tuple[list[Future[Any] | None], list[StoredPayload]]:
        """Store and parse the payloads not yet stored (one commit), in order with the rest.

        Returns each payload's future (None when nobody awaits it) and the payloads. A payload
        from the alarm stream whose raw row exists already is a redelivery (an engine died after
        its commit, before its acknowledgement): it is acknowledged again and answered with the
        stored row, never stored twice.
        """
        fresh = [(w, w.item) for w in works if isinstance(w.item, Submission)]
        again: dict[int, int] = {}  # id(work) -> its raw row, of redeliveries
        if fresh:
            with self._db.session() as session:
                again = _redelivered(session, fresh)
                stored = [item for w, item in fresh if id(w) not in again]
                raw_ids = iter(insert_raw_ids(session, stored))
            _stored([item for _, item in fresh])
        futures: list[Future[Any] | None] = []
        out: list[StoredPayload] = []
        for work in works:
            item = work.item
            if id(work) in again:
                if work.future is not None:
                    work.future.set_result(IntakeResult(raw_id=again[id(work)], accepted=True))
            elif isinstance(item, Submission):
                futures.append(work.future)
                out.append(prepared(item, next(raw_ids), now))
            elif isinstance(item, ParsedBatch):
                futures += [None] * len(item)
                out += item.payloads
        return futures, out

    def _hand_clips(self, clips: list[Clip]) -> None:
        if self._on_clip is None:
            return
        for clip in clips:
            try:
                self._on_clip(clip)
            except Exception:  # the incident is stored; a recorder's trouble must not undo it
                log.exception("clip of camera %s not handed over", clip.camera_id)

    def _result(self, payload: StoredPayload, out: BatchOutcome, created: set[int]) -> IntakeResult:
        if payload.error is not None:
            return IntakeResult(raw_id=payload.raw_id, accepted=False, error=payload.error)
        rows = [out.by_alarm[(a.source, a.external_id)] for a in payload.rows]
        summaries = [alarm_summary(r, created=id(r) in created) for r in rows]
        return IntakeResult(
            raw_id=payload.raw_id, accepted=True, alarms=summaries, skipped=payload.skipped
        )

    def _events(self, out: BatchOutcome, created: set[int], *, rejected: int) -> list[Event]:
        ctx = Context.new()
        listed = [r for r in out.created + out.updated if not r.flapping and not r.inhibited]
        events: list[Event] = []
        if out.created or out.updated or rejected:
            # The newest, as the console keeps the newest of the batches it merges.
            summaries = [
                alarm_summary(r, created=id(r) in created)
                for r in listed[-AlarmsStored.MAX_LISTED :]
            ]
            total = len(out.created) + len(out.updated)
            events.append(
                AlarmsStored(context=ctx, alarms=summaries, total=total, rejected=rejected)
            )
        for incident_id, incident in out.touched.items():
            change = "opened" if incident_id in out.opened else "alarms"
            # A copy: the engine keeps changing its own, which subscribers must not see change.
            shown = incident.model_copy()
            events.append(IncidentChanged(context=ctx, incident=shown, change=change))
        return events

    def _act(self, work: _Work) -> None:
        cmd = work.item
        assert isinstance(cmd, IncidentCommand) and work.future is not None
        now = datetime.now(UTC)
        try:
            with self._db.session() as session:
                summary = apply_command(session, self.correlator, cmd, now, self._language)
        except Exception as exc:
            work.future.set_exception(exc)
            return
        finally:
            self._incidents.forget(cmd.incident_id)
        work.future.set_result(summary)
        ctx = Context.new(user=cmd.user)
        self._publish(IncidentChanged(context=ctx, incident=summary, change=cmd.action.value))
        if cmd.action.value == "escalate":
            self._publish(
                IncidentEscalated(context=ctx, incident=summary, by=cmd.user, text=cmd.text)
            )

    def _restore(self) -> None:
        with self._db.session() as session:
            for incident in open_incidents(session, self._incidents):
                self.correlator.restore(incident)

    def _recover(self) -> None:
        # A failed batch was rolled back: what memory holds of it must go too.
        try:
            self._incidents.clear()
            self.correlator.forget_all()
            self._restore()
        except Exception:
            log.exception("incident engine could not reload its state")

    def _recover_unparsed(self) -> int:
        # Runs in the writer thread, between batches: every payload a batch stored it also
        # marked, so a row still 'received' was stored by a csu that stopped (or whose database
        # failed) before the batch was marked. It is parsed now, in place, a batch at a time.
        after, count = 0, 0
        while True:
            with self._db.session() as session:
                chunk = unparsed(session, after=after, limit=self._max_batch)
            if not chunk:
                return count
            log.warning("parsing %d raw alarms stored but left unparsed", len(chunk))
            now = datetime.now(UTC)
            batch = ParsedBatch([reparsed(raw, now, title) for raw, title in chunk])
            self._ingest([_Work(batch, None)])
            after, count = chunk[-1][0].id or after, count + len(chunk)


def _redelivered(session: Session, fresh: list[tuple[_Work, Submission]]) -> dict[int, int]:
    """Of these payloads, those from the alarm stream stored already, or twice in the list
    (the later copy): id(work) -> the raw row (0 for the second copy of one not stored yet)."""
    wanted = [s.intake_id for _, s in fresh if s.intake_id is not None]
    if not wanted:
        return {}
    known = stored_intake_ids(session, wanted)
    again: dict[int, int] = {}
    for work, submission in fresh:
        key = submission.intake_id
        if key is None:
            continue
        if key in known:
            again[id(work)] = known[key]
        else:
            known[key] = 0  # a later copy in this batch is a redelivery too
    return again


def _stored(submissions: list[Submission]) -> None:
    """Tell the senders that wait for it that their raw payloads are committed."""
    for submission in submissions:
        if submission.on_stored is None:
            continue
        try:
            submission.on_stored()
        except Exception:  # a feed's bookkeeping must never stop the writer
            log.exception("stored-payload notification failed")
