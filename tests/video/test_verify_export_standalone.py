"""The verifier shipped in every export, run as a court expert would: isolated Python, outside
the repository, on the folder and on its zip; through `cryptography` and through `openssl`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from privacy.access_log.signing import load_verifier
from tests.video.test_evidence_export import (  # noqa: F401 (fixtures)
    flip_byte,
    judicial,
    site,
    street,
)
from tests.video.test_evidence_verify_zip import zipped
from video.evidence.jobs import ExportJob
from video.evidence.service import ExportService


def expert(
    script: Path, export: Path, *extra: str, flags: tuple[str, ...] = ("-I",), **env: str
) -> subprocess.CompletedProcess[str]:
    """The shipped script run with `python3 -I` from a folder outside the repository."""
    return subprocess.run(
        [sys.executable, *flags, str(script), str(export), *extra],
        capture_output=True,
        text=True,
        cwd=script.parent,
        env={**os.environ, **env},
        timeout=60,
        check=False,
    )


def test_the_shipped_verifier_checks_folder_and_zip_without_csu(
    judicial: tuple[ExportService, ExportJob],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Exit 0 on the export and its zip, printing the key's fingerprint; a changed clip or
    manifest: exit 1 naming it; an unsafe zip: exit 2."""
    service, job = judicial
    folder = service.root / job.id
    desk = tmp_path / "expert"
    desk.mkdir()
    script = Path(shutil.copy(folder / "verify_export.py", desk))
    pinned = tmp_path / "var" / "keys" / "evidence-ed25519.pub.pem"
    fingerprint = load_verifier(pinned).fingerprint
    archive = zipped(folder, desk / f"{job.id}.zip")
    [video] = job.files

    for export in (folder, archive):
        result = expert(script, export)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == (
            f"INTACT: {export}: 3 files match the manifest, signed by the key shipped in it"
        )
        assert f"fingerprint / empreinte: {fingerprint}" in lines
        assert "signature checked with / vérifiée avec: cryptography" in lines
        assert "Compare the fingerprint with the one the site gave you by another channel." in lines
    pinned_run = expert(script, archive, "--public-key", str(pinned))
    assert pinned_run.returncode == 0 and "signed by the pinned key" in pinned_run.stdout

    altered = tmp_path / "altered" / job.id
    shutil.copytree(folder, altered)
    flip_byte(altered / video, 3000)
    flip_byte(altered / "manifest.json", 200, bits=0x01)
    key_id = load_verifier(pinned).key_id
    for export in (altered, zipped(altered, desk / "altered.zip")):
        result = expert(script, export, "--public-key", str(pinned))
        assert result.returncode == 1
        lines = result.stdout.splitlines()
        assert lines[0] == (
            "manifest.json: bad signature (the manifest was altered, or not signed by key"
            f" {key_id})"
        )
        assert f"{video}: SHA-256 differs from the manifest (altered)" in lines
        assert lines[-1].startswith("ALTERED / ALTÉRÉ: ")

    evil = desk / "evil.zip"
    with zipfile.ZipFile(evil, "w") as crafted:
        crafted.writestr(f"{job.id}/manifest.json", (folder / "manifest.json").read_bytes())
        crafted.writestr(f"{job.id}/../../evil.sh", b"rm -rf ~")
    result = expert(script, evil)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"verify_export: {evil}: member '{job.id}/../../evil.sh' is not a safe relative path"
        " (refused)"
    ]
    assert not (tmp_path / "evil.sh").exists()


def test_without_cryptography_it_checks_the_signature_with_openssl(
    judicial: tuple[ExportService, ExportJob],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Forced by VERIFY_EXPORT_BACKEND=openssl, or chosen alone when Python has no site
    packages (`-S`: the standard library only): the same verdicts; no openssl either: exit 2."""
    service, job = judicial
    folder = service.root / job.id
    script = folder / "verify_export.py"
    archive = zipped(folder, tmp_path / "export.zip")
    bare = ("-I", "-S")
    no_crypto = subprocess.run(
        [sys.executable, *bare, "-c", "import cryptography"], capture_output=True, check=False
    )
    assert no_crypto.returncode != 0  # -S really leaves cryptography out
    for flags, env in [(("-I",), {"VERIFY_EXPORT_BACKEND": "openssl"}), (bare, {})]:
        result = expert(script, archive, flags=flags, **env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "signature checked with / vérifiée avec: openssl" in result.stdout

    altered = tmp_path / "altered"
    shutil.copytree(folder, altered)
    flip_byte(altered / "manifest.json", 200, bits=0x01)
    result = expert(altered / "verify_export.py", altered, flags=bare)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("manifest.json: bad signature")

    result = expert(script, folder, flags=bare, PATH=str(tmp_path / "empty"))
    assert result.returncode == 2
    assert result.stderr.startswith("verify_export: cannot check the signature: openssl failed")
