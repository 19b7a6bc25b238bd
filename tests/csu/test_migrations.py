"""The Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

# Every package's tables, so that the test sees them all whatever ran before it.
import crisis.models  # noqa: F401
import csu.cameras.models  # noqa: F401
import incidents.models
import incidents.remarks.models  # noqa: F401
import privacy.access_log.models
import privacy.zones.models  # noqa: F401
import video.bookmarks.models
import video.ptz.tour.models
import video.recording.models
import video.requisitions.models  # noqa: F401
from csu.db import create_db_engine
from csu.migrate import upgrade


def test_upgrade_creates_tables_matching_the_models(database_url: str) -> None:
    """After `upgrade head` autogenerate finds nothing left to migrate."""
    engine = create_db_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)  # applying twice is a no-op, as every restart does
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        assert diff == []
        assert {"users", "camera_grants", "auth_tokens", "alembic_version"} <= tables
        assert "user_preferences" in tables
        assert "remarks" in tables
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    """The embedded default uses WAL with synchronous=NORMAL."""
    engine = create_db_engine(f"sqlite:///{tmp_path}/wal.db")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        engine.dispose()
