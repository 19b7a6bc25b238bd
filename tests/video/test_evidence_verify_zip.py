"""`csu export verify` on a downloaded zip: read in place, altered members named, unsafe zips
refused with exit 2, one line each; the shipped verifier is covered by the signature."""

from __future__ import annotations

import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from tests.video.test_evidence_export import (  # noqa: F401 (fixtures)
    flip_byte,
    judicial,
    run_verify,
    site,
    street,
)
from video.evidence import verify_export
from video.evidence.delivery import folder_files, zip_blocks
from video.evidence.jobs import ExportJob
from video.evidence.service import ExportService
from video.evidence.verify import VerifyUsageError
from video.evidence.verify import verify_export as csu_verify


def zipped(folder: Path, to: Path, top: str | None = None) -> Path:
    """The folder as the download serves it: `<id>/...`, stored, streamed by zip_blocks."""
    to.write_bytes(b"".join(zip_blocks(top or folder.name, folder_files(folder))))
    return to


def with_members(source: Path, to: Path, extra: dict[str, bytes], drop: str = "") -> Path:
    """A copy of the zip without the member named drop, with extra members added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(to, "w") as new:
        for info in old.infolist():
            if info.filename != drop:
                new.writestr(info, old.read(info))
        for name, data in extra.items():
            new.writestr(name, data)
    return to


def test_a_real_export_zipped_verifies_and_each_alteration_is_named(
    judicial: tuple[ExportService, ExportJob],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Intact: exit 0 with the pinned key. A flipped byte in the zip, a member re-zipped
    altered, one missing, one added: exit 1 and one line naming it."""
    service, job = judicial
    folder = service.root / job.id
    pinned = tmp_path / "var" / "keys" / "evidence-ed25519.pub.pem"
    archive = zipped(folder, tmp_path / "export.zip")
    intact = run_verify(archive, "--public-key", str(pinned))
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact, 1 fichier, signé par la clé épinglée" in intact.stdout
    [video] = job.files
    top = f"{job.id}/"

    flipped = tmp_path / "flipped.zip"
    shutil.copy(archive, flipped)
    data = flipped.read_bytes()
    flip_byte(flipped, data.index(b"mdat") + 4096)  # inside the stored MP4
    result = run_verify(flipped, "--public-key", str(pinned))
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{video}: unreadable (Bad CRC-32") and line.endswith("(altered)")

    # Altered with a consistent zip around it: only the hash tells.
    copy = tmp_path / "copy" / job.id
    shutil.copytree(folder, copy)
    flip_byte(copy / video, 5000)
    result = run_verify(zipped(copy, tmp_path / "rezipped.zip"))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{video}: SHA-256 differs from the manifest (altered)"]

    missing = with_members(archive, tmp_path / "missing.zip", {}, drop=top + video)
    result = run_verify(missing)
    assert (result.returncode, result.stdout.splitlines()) == (1, [f"{video}: missing"])

    extra = with_members(archive, tmp_path / "extra.zip", {top + "notes/later.txt": b"added"})
    result = run_verify(extra)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "notes/later.txt: not listed in the manifest (extra file)"
    ]


def test_the_shipped_verifier_is_signed_so_a_changed_one_is_caught(
    judicial: tuple[ExportService, ExportJob],  # noqa: F811
    tmp_path: Path,
) -> None:
    """verify_export.py and VERIFY.txt are in the manifest: editing either is an alteration."""
    service, job = judicial
    copy = tmp_path / "copy"
    shutil.copytree(service.root / job.id, copy)
    script = copy / "verify_export.py"
    script.write_text(script.read_text().replace("return 1", "return 0"))
    (copy / "VERIFY.txt").write_text("Trust me.\n")
    result = run_verify(copy)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "verify_export.py: SHA-256 differs from the manifest (altered)",  # same size, 1 -> 0
        "VERIFY.txt: size 10 bytes, the manifest says"
        f" {(service.root / job.id / 'VERIFY.txt').stat().st_size} (altered)",
    ]


def unsafe(tmp_path: Path, name: str, *, link: bool = False) -> Path:
    """A zip of an export's names plus one crafted member."""
    path = tmp_path / f"unsafe-{len(list(tmp_path.iterdir()))}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("e/manifest.json", b'{"files": []}\n')
        info = zipfile.ZipInfo(name)
        if link:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, b"/etc/passwd" if link else b"x")
    return path


def test_unsafe_zips_are_refused_with_exit_2_one_line_each(tmp_path: Path) -> None:
    """`../`, absolute and drive names, symbolic links: nothing read, exit 2, named on stderr."""
    for name, link, why in [
        ("e/../../evil.txt", False, "is not a safe relative path"),
        ("/etc/cron.d/evil", False, "is not a safe relative path"),
        ("C:/evil.txt", False, "is not a safe relative path"),
        ("e\\..\\evil.txt", False, "is not a safe relative path"),
        ("e/link", True, "is a symbolic link"),
    ]:
        archive = unsafe(tmp_path, name, link=link)
        result = run_verify(archive)
        assert result.returncode == 2, name
        assert result.stderr.splitlines() == [
            f"export verify: {archive}: member {name!r} {why} (refused)"
        ]
        assert result.stdout == ""
    text = tmp_path / "notes.txt"
    text.write_text("not a zip")
    result = run_verify(text)
    assert result.returncode == 2
    assert result.stderr.startswith(f"export verify: {text}: neither a folder nor a readable zip")
    no_manifest = tmp_path / "other.zip"
    with zipfile.ZipFile(no_manifest, "w") as other:
        other.writestr("a/clip.mp4", b"x")
    result = run_verify(no_manifest)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"export verify: {no_manifest}: no manifest.json at its top or in one folder"
        " (not an export)"
    ]


def test_zip_bombs_are_refused_by_their_declared_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Too many members, too many bytes, a compression ratio no stored export has: refused
    before any member is read."""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("e/manifest.json", b'{"files": []}\n')
        archive.writestr("e/zeros.bin", bytes(8 << 20))  # 8 MiB of zeros: about 8 KiB packed
    with pytest.raises(VerifyUsageError) as refused:
        csu_verify(bomb)
    assert refused.value.errors == [
        f"{bomb}: member 'e/zeros.bin' unpacks 100x+ (zip bomb, refused)"
    ]
    monkeypatch.setattr(verify_export, "MAX_RATIO", 10_000)
    monkeypatch.setattr(verify_export, "MAX_MEMBERS", 1)
    monkeypatch.setattr(verify_export, "MAX_TOTAL_BYTES", 1 << 20)
    with pytest.raises(VerifyUsageError) as refused:
        csu_verify(bomb)
    assert refused.value.errors == [
        f"{bomb}: 2 members, more than 1 (refused)",
        f"{bomb}: {(8 << 20) + 14} bytes unpacked, more than {1 << 20} (refused)",
    ]
