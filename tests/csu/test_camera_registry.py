"""The camera registry: the site file seeds it, the database holds administrators' changes, and
the latest change is in force (an edit until the site file changes that camera again)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csu.cameras.merge import (
    Origin,
    StoredCamera,
    fingerprint,
    in_force,
    merge,
    read_config,
    retention_days,
)
from csu.cameras.store import registry, save_camera, stored_cameras, with_registry
from csu.config import CameraConfig, parse_site
from csu.db import Database
from csu.i18n import SiteClock, Translator

STREET = CameraConfig(id="cam-street", name="Street", source="demo://street")
PLAZA = CameraConfig(id="cam-plaza", name="Plaza", source="demo://plaza", retention_days=10)
AT = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
EN = Translator("en")
CLOCK = SiteClock("en", "Europe/Paris")


def stored(
    config: CameraConfig, *, seed: CameraConfig | None = None, retired: bool = False
) -> StoredCamera:
    return StoredCamera(
        camera_id=config.id,
        config=config,
        retired=retired,
        seed_hash=fingerprint(seed),
        updated_at=AT,
        updated_by="admin",
        reason="works order 12",
    )


def test_the_site_file_alone_is_in_force() -> None:
    entries = merge([STREET, PLAZA], [])
    assert [(e.camera_id, e.origin) for e in entries] == [
        ("cam-street", Origin.SITE),
        ("cam-plaza", Origin.SITE),
    ]
    assert in_force(entries) == (STREET, PLAZA)
    assert entries[0].explain(EN, CLOCK) == "site file (no change made in the browser)"


def test_an_added_camera_follows_the_site_file_s() -> None:
    north = CameraConfig(id="cam-north", name="North", source="demo://street")
    entries = merge([STREET], [stored(north)])
    assert [e.origin for e in entries] == [Origin.SITE, Origin.ADDED]
    assert in_force(entries) == (STREET, north)
    assert "added in the browser by admin" in entries[1].explain(EN, CLOCK)


def test_an_edit_wins_while_the_site_entry_is_unchanged() -> None:
    renamed = STREET.model_copy(update={"name": "Rue Lenepveu"})
    entries = merge([STREET, PLAZA], [stored(renamed, seed=STREET)])
    assert entries[0].origin is Origin.EDITED
    assert in_force(entries) == (renamed, PLAZA)
    assert "the edit wins" in entries[0].explain(EN, CLOCK)


def test_the_site_file_wins_again_once_it_changes_the_camera() -> None:
    renamed = STREET.model_copy(update={"name": "Rue Lenepveu"})
    moved = STREET.model_copy(update={"source": "demo://plaza"})
    entries = merge([moved], [stored(renamed, seed=STREET)])
    assert entries[0].origin is Origin.SITE_AGAIN
    assert entries[0].config == moved
    assert "superseded" in entries[0].explain(EN, CLOCK)


def test_defaults_spelt_out_in_the_site_file_change_nothing() -> None:
    explicit = CameraConfig(id="cam-street", name="Street", source="demo://street", fps=25)
    assert fingerprint(explicit) == fingerprint(STREET)
    assert fingerprint(STREET.model_copy(update={"fps": 12})) != fingerprint(STREET)


def test_a_retired_camera_is_not_run_but_keeps_its_retention() -> None:
    entries = merge([STREET, PLAZA], [stored(PLAZA, seed=PLAZA, retired=True)])
    assert entries[1].origin is Origin.RETIRED
    assert in_force(entries) == (STREET,)
    assert retention_days(entries) == {"cam-street": 15, "cam-plaza": 10}
    assert "recordings kept to retention" in entries[1].explain(EN, CLOCK)


def test_an_edited_camera_removed_from_the_site_file_is_gone() -> None:
    entries = merge([PLAZA], [stored(STREET, seed=STREET)])
    assert entries[1].origin is Origin.REMOVED
    assert in_force(entries) == (PLAZA,)


def test_an_added_camera_that_the_site_file_adds_too_is_the_site_file_s() -> None:
    mine = CameraConfig(id="cam-street", name="Mine", source="demo://plaza")
    entries = merge([STREET], [stored(mine)])
    assert entries[0].origin is Origin.SITE_AGAIN
    assert entries[0].config == STREET


def test_unreadable_settings_are_not_run_and_say_why() -> None:
    config, problem = read_config('{"id": "cam-x", "name": "X", "source": "gopher://x"}')
    assert config is None
    assert problem is not None and problem.startswith("source: invalid camera URL")
    broken = StoredCamera("cam-x", None, False, None, AT, "admin", "why", problem)
    entries = merge([], [broken])
    assert entries[0].origin is Origin.UNREADABLE
    assert in_force(entries) == ()
    assert retention_days(entries) == {"cam-x": 30}  # never kept past the legal maximum
    assert "cannot be read (source: invalid camera URL" in entries[0].explain(EN, CLOCK)


def test_stored_changes_round_trip_through_the_database(db: Database) -> None:
    site = parse_site(
        "site: {name: T}\ncameras:\n  - {id: cam-street, name: Street, source: 'demo://street'}\n"
    )
    north = CameraConfig(
        id="cam-north",
        name="North",
        source="rtsp://user:secret@10.0.0.9/s1",
        privacy_zones=(((0.1, 0.1), (0.5, 0.1), (0.5, 0.5)),),
    )
    with db.session() as session:
        save_camera(session, config=north, retired=False, seed_hash=None, user="a", reason="r")
    with db.session() as session:
        (record,) = stored_cameras(session)
    assert record.config == north and record.problem is None
    entries = registry(db, site)
    assert [c.id for c in with_registry(site, entries).cameras] == ["cam-street", "cam-north"]


ids = st.text(min_size=0, max_size=80)
values = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=50)
)


@given(camera_id=ids, name=values, source=values, retention=values)
def test_hostile_settings_are_refused_in_words_or_read_whole(
    camera_id: str, name: object, source: object, retention: object
) -> None:
    """Whatever is stored, reading it gives a camera or one line per problem, never a crash."""
    import json

    document = {"id": camera_id, "name": name, "source": source, "retention_days": retention}
    config, problem = read_config(json.dumps(document))
    if config is None:
        assert problem and "\n" not in problem
        entry = merge([], [StoredCamera(camera_id, None, False, None, AT, "a", "r", problem)])[0]
        assert entry.origin is Origin.UNREADABLE and entry.config is None
    else:
        assert config.id == camera_id and 1 <= config.retention_days <= 30


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ('{"id": "Cam 1", "name": "x", "source": "demo://a"}', "id: must be 1 to 64 lowercase"),
        ('{"id": "c", "name": "x", "source": "demo://a", "retention_days": 45}', "at most 30"),
        ('{"id": "c", "name": "x", "source": "demo://a", "colour": 1}', "unknown key 'colour'"),
        ('{"id": "c", "name": "x"}', "source: required"),
    ],
)
def test_bad_settings_name_their_key(document: str, words: str) -> None:
    _, problem = read_config(document)
    assert problem is not None and words in problem
