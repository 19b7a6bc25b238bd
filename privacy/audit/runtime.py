"""Starting and stopping lawful access: the signing key, checkpoints, pruning, retention log."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from sqlalchemy.exc import SQLAlchemyError

from csu.db import Database
from csu.scheduler import Scheduler
from csu.settings import Settings
from privacy.access_log import AccessLog
from privacy.access_log.checkpoints import Checkpointer, CheckpointKind, Witness
from privacy.access_log.signing import CheckpointSigner, SigningKeyError, load_or_create_signer
from privacy.access_log.trust import evidence_verifier
from privacy.access_log.witness import FileWitness, witness_path
from privacy.access_log.witness_remote import RemoteWitness, remote_witness
from privacy.audit.service import AuditService
from privacy.audit.verification import ChainVerification, VerifySources
from privacy.retention.access_log import prune_job
from privacy.retention.changes import log_retention_change, retention_policy
from privacy.retention.footage import FootageStore, purge_footage

log = logging.getLogger(__name__)

PRUNE_CRON = "17 3 * * *"  # daily, at a quiet hour (UTC)
FOOTAGE_PURGE_SECONDS = 3600


@dataclass
class LawfulAccess:
    """The running parts: the audit service, the checkpoint signer and its remote witnesses."""

    audit: AuditService
    checkpointer: Checkpointer
    remote_witnesses: Sequence[RemoteWitness] = ()


def start_lawful_access(
    settings: Settings,
    *,
    db: Database,
    access_log: AccessLog,
    scheduler: Scheduler,
    zone: tzinfo,
    camera_retention: Mapping[str, int],
    footage_stores: Sequence[FootageStore] = (),
) -> LawfulAccess:
    """Load (or create) the key, log retention changes, sign the head, schedule the jobs."""
    signer = access_log_signer(settings)
    remote = [remote_witness(url) for url in settings.access_log_witnesses()]
    witnesses: list[Witness] = [FileWitness(witness_path(settings.data_dir)), *remote]
    checkpointer = Checkpointer(db, signer, witnesses)
    policy = retention_policy(
        access_log_days=settings.access_log_retention_days, cameras=camera_retention
    )
    log_retention_change(db, access_log, policy, source="settings and site file at start")
    checkpointer.checkpoint(CheckpointKind.START)
    scheduler.add_interval(
        checkpointer.checkpoint,
        job_id="access_log.checkpoint",
        seconds=settings.access_log_checkpoint_seconds,
    )
    scheduler.add_cron(
        prune_job,
        job_id="access_log.prune",
        cron=PRUNE_CRON,
        kwargs={
            "db": db,
            "access_log": access_log,
            "checkpointer": checkpointer,
            "retention_days": settings.access_log_retention_days,
        },
    )
    if footage_stores:
        schedule_footage_purge(scheduler, footage_stores, camera_retention, access_log)
    verification = ChainVerification(db, VerifySources.from_settings(settings))
    audit = AuditService(db, access_log, zone, verification=verification)
    return LawfulAccess(audit=audit, checkpointer=checkpointer, remote_witnesses=remote)


def schedule_footage_purge(
    scheduler: Scheduler,
    stores: Sequence[FootageStore],
    camera_retention: Mapping[str, int],
    access_log: AccessLog,
) -> None:
    """Destroy footage past its camera's retention every hour, each destruction logged."""
    scheduler.add_interval(
        purge_footage,
        job_id="retention.footage",
        seconds=FOOTAGE_PURGE_SECONDS,
        kwargs={
            "stores": stores,
            "retention_days": dict(camera_retention),
            "access_log": access_log,
        },
    )


def access_log_signer(settings: Settings) -> CheckpointSigner:
    """The access-log key (created on first start); never the evidence-export key."""
    signer = load_or_create_signer(settings.signing_key_path())
    evidence = evidence_verifier(settings.evidence_key_path())
    if evidence is not None and evidence.fingerprint == signer.fingerprint:
        # Evidence goes to third parties with its key; a log signed by it proves nothing.
        raise SigningKeyError(
            f"{settings.signing_key_path()} is the evidence-export key: give the access log a"
            " key of its own"
        )
    return signer


def stop_lawful_access(lawful: LawfulAccess) -> None:
    """Sign the head one last time, so entries written since the last interval are covered."""
    try:
        lawful.checkpointer.checkpoint(CheckpointKind.SHUTDOWN)
    except SQLAlchemyError as exc:
        log.error("could not sign the access log at shutdown: %s", exc)
    for witness in lawful.remote_witnesses:
        witness.close()
