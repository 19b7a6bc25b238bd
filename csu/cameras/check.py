"""`csu check-config`'s account of the registry: per camera, which source is in force."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from csu.cameras.merge import Origin, merge
from csu.cameras.store import stored_cameras, table_exists
from csu.config import SiteConfig
from csu.db import Database
from csu.i18n import SiteClock, Translator


def registry_lines(site: SiteConfig, url: str, t: Translator) -> tuple[list[str], list[str]]:
    """(one line per camera saying which source is in force, one line per stored change that
    cannot be used); read only: a database that does not exist yet is not created."""
    clock = SiteClock(t.language, site.site.timezone)
    shown = make_url(url).render_as_string(hide_password=True)
    database = make_url(url).database
    if url.startswith("sqlite") and database and not Path(database).exists():
        return [t("registry.no_database", database=shown)], []
    db = Database(url)
    try:
        if not table_exists(db):
            return [t("registry.empty_database", database=shown)], []
        with db.session() as session:
            entries = merge(site.cameras, stored_cameras(session))
    except SQLAlchemyError as exc:
        return [], [t("registry.unreadable_database", database=shown, error=type(exc).__name__)]
    finally:
        db.dispose()
    lines = [t("registry.heading", database=shown)]
    lines += [f"  {e.camera_id}: {e.explain(t, clock)}" for e in entries]
    errors = [
        t("registry.unusable", camera=e.camera_id, problem=e.stored.problem)
        for e in entries
        if e.origin is Origin.UNREADABLE and e.stored is not None
    ]
    return lines, errors
