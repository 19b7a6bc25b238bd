"""Cameras added, edited and retired by an administrator: checked with the site file's own model,
logged in the access log with the administrator and their reason before they are stored, then
announced on the bus (video.registry.changes applies them on every node)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import ValidationError

from csu.cameras.events import CameraChanged
from csu.cameras.merge import Origin, RegistryEntry, fingerprint
from csu.cameras.store import registry, save_camera
from csu.config import CameraConfig, SiteConfig, redact_url
from csu.config.analytics import analytics_problems
from csu.config.loader import describe_errors, key_path
from csu.db import Database
from csu.errors import Conflict, FieldProblem, Invalid, NotFound, Term, term
from csu.identity.models import User
from privacy.access_log import AccessLog, AccessRecord, Outcome

__all__ = [
    "CameraAdmin",
    "CameraExists",
    "CameraRefused",
    "NoSuchCamera",
    "Origin",
    "RegistryEntry",
    "shown",
]

Change = Literal["added", "edited", "retired"]
MAX_REASON = 1000


class CameraRefused(Invalid, ValueError):
    """The camera's settings or the reason are refused; the message names each field."""


class CameraExists(Conflict):
    """The id is taken by a camera in force, or by a retired one whose footage is kept."""


class NoSuchCamera(NotFound, LookupError):
    """No camera in force has that id."""


def shown(config: CameraConfig | None) -> dict[str, Any] | None:
    """A camera's settings as logged and shown: the stream's password hidden."""
    if config is None:
        return None
    document = config.model_dump(mode="json", exclude_defaults=True)
    document["source"] = redact_url(config.source)
    return document


class CameraAdmin:
    """Adds, edits and retires cameras; the database and the site file are read at every call,
    so every node of a cluster decides on the same registry."""

    def __init__(
        self,
        db: Database,
        access_log: AccessLog,
        site: SiteConfig,
        publish: Callable[[CameraChanged], None],
    ) -> None:
        self._db = db
        self._log = access_log
        self._site = site
        self._models = {m.id: m for m in site.models}
        self._publish = publish
        # One change at a time in this process: the check, the log entry and the row together.
        self._lock = threading.Lock()

    def entries(self) -> list[RegistryEntry]:
        """Every camera id of the site file and the database, with what is in force and why."""
        return registry(self._db, self._site)

    def add(
        self, *, actor: User, client: str | None, camera: Mapping[str, Any], reason: str
    ) -> CameraConfig:
        """Add a camera (its privacy zones as given); logged first."""
        config, why = self._valid(camera, reason)
        with self._lock:
            entry = self._entry(config.id)
            if entry is not None and entry.config is not None:
                raise CameraExists(
                    f"camera '{config.id}' exists already",
                    key="errors.cameras.exists",
                    camera=config.id,
                )
            if entry is not None and entry.stored is not None:
                raise CameraExists(
                    f"camera id '{config.id}' belonged to a camera retired on"
                    f" {entry.stored.updated_at:%Y-%m-%d}; its recordings are kept under that id"
                    " until their retention ends: choose another id",
                    key="errors.cameras.retired_id",
                    camera=config.id,
                    retired=entry.stored.updated_at,
                )
            self._commit("added", actor, client, config, None, why, seed=None)
        return config

    def edit(
        self,
        *,
        actor: User,
        client: str | None,
        camera_id: str,
        camera: Mapping[str, Any],
        reason: str,
    ) -> CameraConfig:
        """Change a camera's settings (not its zones: the zone editor's); logged first."""
        with self._lock:
            entry = self._in_force(camera_id)
            assert entry.config is not None
            config, why = self._valid(_edited(entry.config, camera), reason)
            self._commit("edited", actor, client, config, entry.config, why, seed=_seed(entry))
        return config

    def retire(self, *, actor: User, client: str | None, camera_id: str, reason: str) -> None:
        """Stop running a camera for good; its recordings stay until retention; logged first."""
        why = _reason(reason)
        with self._lock:
            entry = self._in_force(camera_id)
            assert entry.config is not None
            self._commit(
                "retired", actor, client, entry.config, entry.config, why, seed=_seed(entry)
            )

    def _entry(self, camera_id: str) -> RegistryEntry | None:
        return next((e for e in self.entries() if e.camera_id == camera_id), None)

    def _in_force(self, camera_id: str) -> RegistryEntry:
        entry = self._entry(camera_id)
        if entry is None or entry.config is None:
            raise NoSuchCamera(
                f"no camera '{camera_id}' is in force",
                key="errors.cameras.unknown",
                camera=camera_id,
            )
        return entry

    def _valid(self, camera: Mapping[str, Any], reason: str) -> tuple[CameraConfig, str]:
        """The camera and the reason, or every problem with either, each naming its field."""
        problems = _reason_problems(reason)
        try:
            config = CameraConfig.model_validate(dict(camera))
        except ValidationError as exc:
            shown = [e for e in exc.errors() if describe_errors([e])]
            raise _refused(
                [(describe_errors([e])[0], FieldProblem(dict(e))) for e in shown] + problems
            ) from None
        for where, why in analytics_problems(config.analytics, self._models):
            field = key_path(("analytics", *where))
            problems.append(
                (f"{field}: {why}", term("errors.validation.other", field=field, message=why))
            )
        if problems:
            raise _refused(problems)
        return config, reason.strip()

    def _commit(
        self,
        change: Change,
        actor: User,
        client: str | None,
        config: CameraConfig,
        before: CameraConfig | None,
        reason: str,
        *,
        seed: str | None,
    ) -> None:
        retired = change == "retired"
        record = AccessRecord(
            action=f"admin.camera_{change}",
            user=actor.username,
            role=actor.role,
            camera_id=config.id,
            client=client,
            reason=reason,
            details={"before": shown(before), "after": None if retired else shown(config)},
        )
        self._log.append(record)  # before the change is stored: a failing log refuses it
        try:
            with self._db.session() as session:
                save_camera(
                    session,
                    config=config,
                    retired=retired,
                    seed_hash=seed,
                    user=actor.username,
                    reason=reason,
                )
        except Exception:
            self._log.append(record.model_copy(update={"outcome": Outcome.FAILED}))
            raise
        self._publish(CameraChanged(camera_id=config.id, change=change))


def _refused(problems: list[tuple[str, Term | FieldProblem]]) -> CameraRefused:
    """The refusal naming every problem, in English and for people."""
    return CameraRefused(
        "; ".join(english for english, _ in problems),
        key="errors.problems",
        problems=[words for _, words in problems],
    )


def _reason(reason: str) -> str:
    problems = _reason_problems(reason)
    if problems:
        raise _refused(problems[:1])
    return reason.strip()


def _reason_problems(reason: str) -> list[tuple[str, Term | FieldProblem]]:
    text = reason.strip()
    if not text:
        english = "reason: required (every change of a camera is logged with why)"
        return [(english, term("errors.cameras.reason_required"))]
    if len(text) > MAX_REASON:
        english = f"reason: must have at most {MAX_REASON} characters (got {len(text)})"
        return [
            (english, term("errors.validation.string_too_long", field="reason", limit=MAX_REASON))
        ]
    return []


def _seed(entry: RegistryEntry) -> str | None:
    """The site-file entry a change is made over: the change holds while the file keeps it."""
    if entry.origin is Origin.EDITED and entry.stored is not None:
        return entry.stored.seed_hash
    if entry.origin in (Origin.SITE, Origin.SITE_AGAIN):
        return fingerprint(entry.config)
    return None  # added in the browser: over no site-file entry


def _edited(current: CameraConfig, camera: Mapping[str, Any]) -> dict[str, Any]:
    document = dict(camera)
    if document.setdefault("id", current.id) != current.id:
        raise CameraRefused(
            f"id: a camera's id cannot change (it is '{current.id}')",
            key="errors.cameras.id_fixed",
            camera=current.id,
        )
    # The form shows the source with its password hidden: sent back unchanged, it is kept.
    if document.get("source") == redact_url(current.source):
        document["source"] = current.source
    zones = [[list(p) for p in zone] for zone in current.privacy_zones]
    given = document.setdefault("privacy_zones", zones)
    if given != zones:
        raise CameraRefused(
            "privacy_zones: change a camera's zones in the privacy-zone editor, where a change"
            " that unmasks anything waits for a second person",
            key="errors.cameras.zones_elsewhere",
        )
    return document
