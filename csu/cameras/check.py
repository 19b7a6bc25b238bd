"""`csu check-config`'s account of the registry: per camera, which source is in force."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from csu.cameras.merge import Origin, merge
from csu.cameras.store import stored_cameras, table_exists
from csu.config import SiteConfig
from csu.db import Database


def registry_lines(site: SiteConfig, url: str) -> tuple[list[str], list[str]]:
    """(one line per camera saying which source is in force, one line per stored change that
    cannot be used); read only: a database that does not exist yet is not created."""
    shown = make_url(url).render_as_string(hide_password=True)
    database = make_url(url).database
    if url.startswith("sqlite") and database and not Path(database).exists():
        return [f"cameras: the site file is in force for every camera (no database at {shown})"], []
    db = Database(url)
    try:
        if not table_exists(db):
            lines = [f"cameras: the site file is in force for every camera ({shown} holds none)"]
            return lines, []
        with db.session() as session:
            entries = merge(site.cameras, stored_cameras(session))
    except SQLAlchemyError as exc:
        return [], [f"cameras: cannot read the database {shown}: {type(exc).__name__}"]
    finally:
        db.dispose()
    lines = [f"cameras (site file and {shown}; the latest change wins):"]
    lines += [f"  {e.camera_id}: {e.explain()}" for e in entries]
    errors = [
        f"cameras: {e.camera_id}: stored change unusable: {e.stored.problem}"
        for e in entries
        if e.origin is Origin.UNREADABLE and e.stored is not None
    ]
    return lines, errors
