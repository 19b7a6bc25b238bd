"""Shared fixtures: real databases and the rule that CI never skips a missing service."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from hypothesis.configuration import set_hypothesis_home_dir

from csu.db import Database
from csu.migrate import upgrade

if TYPE_CHECKING:
    from tests.nats_server import NatsServer

# Hypothesis keeps its examples and caches in a folder of the run's, not .hypothesis/ in the
# source tree.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="csu-hypothesis-"))

_SCHEMAS = itertools.count()
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not SHARED_DATA.exists():
    SHARED_DATA = Path(os.environ.get("CSU_SHARED_DATA", "../shared/data")).resolve()


def require_service(what: str) -> None:
    """Skip when a service is missing, or fail when CSU_REQUIRE_SERVICES=1 (CI)."""
    message = f"service missing: {what}"
    if os.environ.get("CSU_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " (CSU_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(message)


def _schema_url(url: str, schema: str) -> str:
    # search_path puts every table (and Alembic's version table) in the test's own schema,
    # so test runs sharing one PostgreSQL database never see each other's tables.
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def _run_sql(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    except sa.exc.OperationalError as exc:
        require_service(f"PostgreSQL at {url} ({exc.orig})")
    finally:
        engine.dispose()


@contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of this kind ("sqlite" in `folder`, or "postgres")."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'csu.db'}"
        return
    url = os.environ.get("CSU_TEST_DATABASE_URL")
    if not url:
        require_service("CSU_TEST_DATABASE_URL is not set")
        return
    schema = f"csu_test_{os.getpid()}_{next(_SCHEMAS)}"
    _run_sql(url, f"CREATE SCHEMA {schema}")
    try:
        yield _schema_url(url, schema)
    finally:
        _run_sql(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, and PostgreSQL when CSU_TEST_DATABASE_URL is set."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database."""
    database = Database(database_url)
    upgrade(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The public test material beside the checkout."""
    if not SHARED_DATA.exists():
        require_service(f"test data folder {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A private `nats-server -js` for this test alone (its own port and store)."""
    from tests.nats_server import private_nats

    with private_nats(tmp_path / "nats") as server:
        yield server
