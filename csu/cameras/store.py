"""The stored changes, read into the merge and written by the administration flow."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from csu.cameras.merge import RegistryEntry, StoredCamera, in_force, merge, read_config
from csu.cameras.models import CameraRecord
from csu.config import CameraConfig, SiteConfig
from csu.db import Database


def stored_cameras(session: Session) -> list[StoredCamera]:
    """Every stored change, as the merge reads it."""
    return [_read(row) for row in session.exec(select(CameraRecord))]


def _read(row: CameraRecord) -> StoredCamera:
    config, problem = read_config(row.config)
    if config is not None and config.id != row.camera_id:
        problem = f"its settings name camera {config.id!r}"
        config = None
    return StoredCamera(
        camera_id=row.camera_id,
        config=config,
        retired=row.retired,
        seed_hash=row.seed_hash,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        reason=row.reason,
        problem=problem,
    )


def save_camera(
    session: Session,
    *,
    config: CameraConfig,
    retired: bool,
    seed_hash: str | None,
    user: str,
    reason: str,
) -> None:
    """Store an administrator's word on a camera; the caller has logged it already."""
    row = session.get(CameraRecord, config.id) or CameraRecord(
        camera_id=config.id, config="", updated_at=datetime.now(UTC), updated_by=user, reason=""
    )
    row.config = config.model_dump_json()
    row.retired = retired
    row.seed_hash = seed_hash
    row.updated_at = datetime.now(UTC)
    row.updated_by = user
    row.reason = reason
    session.add(row)


def registry(db: Database, site: SiteConfig) -> list[RegistryEntry]:
    """Every camera of the site file and the database, with the one in force."""
    with db.session() as session:
        return merge(site.cameras, stored_cameras(session))


def ids_in_force(db: Database, site: SiteConfig) -> set[str]:
    """The ids of the cameras in force now (read again: an administrator may just have
    changed one, on this node or another)."""
    return {c.id for c in in_force(registry(db, site))}


def with_registry(site: SiteConfig, entries: list[RegistryEntry]) -> SiteConfig:
    """The site with the registry's cameras in force in place of the site file's."""
    # Not revalidated: a retired camera may still be named by the file's authorisations.
    return site.model_copy(update={"cameras": in_force(entries)})


def table_exists(db: Database) -> bool:
    """Whether the database has been migrated to hold camera changes (check-config reads only)."""
    with db.engine.connect() as connection:
        return sa.inspect(connection).has_table(CameraRecord.__tablename__)
