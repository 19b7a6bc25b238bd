"""`csu check-config` says, per camera, whether the site file or an administrator's change in the
database is in force, without creating a database that is not there."""

from __future__ import annotations

from pathlib import Path

from csu.cameras.merge import fingerprint
from csu.cameras.store import save_camera
from csu.config import CameraConfig, load_site
from csu.db import Database
from csu.migrate import upgrade
from tests.csu.test_cli import run_csu

SITE = """
site: {name: Testville}
cameras:
  - {id: cam-street, name: Street, source: "demo://street"}
  - {id: cam-plaza, name: Plaza, source: "demo://plaza"}
  - {id: cam-quay, name: Quay, source: "demo://street"}
"""


def test_each_camera_s_source_in_force_is_explained(tmp_path: Path) -> None:
    site_file = tmp_path / "site.yaml"
    site_file.write_text(SITE)
    street, plaza, _ = load_site(site_file).cameras
    url = f"sqlite:///{tmp_path / 'csu.db'}"
    db = Database(url)
    upgrade(db.engine)
    north = CameraConfig(id="cam-north", name="North", source="rtsp://u:secret@10.0.0.9/s")
    with db.session() as s:
        save_camera(s, config=north, retired=False, seed_hash=None, user="alice", reason="new")
        renamed = street.model_copy(update={"name": "Rue"})
        seed = fingerprint(street)
        save_camera(s, config=renamed, retired=False, seed_hash=seed, user="bob", reason="sign")
        save_camera(s, config=plaza, retired=True, seed_hash="0" * 64, user="bob", reason="gone")
    db.dispose()

    result = run_csu("check-config", str(site_file), "--database", url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{site_file} : valide"
    assert "la dernière modification l'emporte" in lines[1]
    explained = dict(line.strip().split(": ", 1) for line in lines[2:])
    # French, as the site file names no language; the moment on the site's clock.
    assert explained["cam-street"].startswith(
        "base de données : modifiée dans le navigateur par bob le "
    )
    # The site file changed cam-plaza after it was retired in the browser: the file wins.
    assert explained["cam-plaza"].startswith("fichier de site : il a modifié cette caméra après")
    assert explained["cam-quay"] == "fichier de site (aucune modification dans le navigateur)"
    assert explained["cam-north"].startswith(
        "base de données : ajoutée dans le navigateur par alice"
    )
    assert "secret" not in result.stdout


def test_without_a_database_the_site_file_is_in_force_and_none_is_made(tmp_path: Path) -> None:
    site_file = tmp_path / "site.yaml"
    site_file.write_text(SITE)
    result = run_csu("check-config", str(site_file), "--database", f"sqlite:///{tmp_path}/no.db")
    assert result.returncode == 0, result.stderr
    assert "le fichier de site fait foi pour toutes les caméras (pas de base de données à" in (
        result.stdout
    )
    assert not (tmp_path / "no.db").exists()


def test_an_unusable_stored_change_fails_the_check(tmp_path: Path) -> None:
    site_file = tmp_path / "site.yaml"
    site_file.write_text(SITE)
    url = f"sqlite:///{tmp_path / 'csu.db'}"
    db = Database(url)
    upgrade(db.engine)
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO camera_records VALUES ('cam-x', '{\"id\": \"cam-x\"}', 0, NULL,"
            " '2026-12-09 10:00:00', 'alice', 'why')"
        )
    db.dispose()
    result = run_csu("check-config", str(site_file), "--database", url)
    assert result.returncode == 2
    assert "caméras : cam-x : modification enregistrée inutilisable : name: required" in (
        result.stderr
    )
