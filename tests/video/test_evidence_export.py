"""Evidence exports on real recorded segments: signed folder, `csu export verify`, faces hidden."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import csu
from csu.config import SiteConfig, parse_site
from privacy.anonymise import Anonymiser, CenterFaceDetector, Detection
from privacy.renditions import Rendition
from tests.video.segments import STREET_T0, ListIndex, record_segments, street_footage
from video.evidence.jobs import ExportJob, ExportRequest, ExportState, Purpose
from video.evidence.manifest import evidence_key_path
from video.evidence.service import ExportService, rendition_for
from video.sources.base import Image

REPO = Path(__file__).resolve().parents[2]
T0 = STREET_T0
SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - id: cam-street
        name: Rue Lenepveu
        source: demo://street
        location: {lat: 47.47, lon: -0.55}
      - id: cam-hall
        name: Town hall entrance
        source: demo://plaza
    """
)


@pytest.fixture
def site() -> SiteConfig:
    """Two cameras, one with a location."""
    return parse_site(SITE)


def at(seconds: float) -> datetime:
    """T0 plus seconds."""
    return T0 + timedelta(seconds=seconds)


def decode(path: Path) -> list[Image]:
    """Every frame of a video file as BGR."""
    with av.open(str(path)) as container:
        return [
            np.asarray(f.to_ndarray(format="bgr24"), np.uint8) for f in container.decode(video=0)
        ]


def run_verify(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`csu export verify` as a separate process on this checkout."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "csu.cli", "export", "verify", str(folder), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def flip_byte(path: Path, offset: int, bits: int = 0xFF) -> None:
    """Flip bits of one byte of a file in place."""
    data = bytearray(path.read_bytes())
    data[offset] ^= bits
    path.write_bytes(bytes(data))


def finished(service: ExportService, job: ExportJob) -> ExportJob:
    """The job once its worker is done."""
    done = service.wait(job.id, timeout=120)
    assert done is not None and done.state in (ExportState.DONE, ExportState.FAILED)
    return done


@pytest.fixture
def street(tmp_path: Path, shared_data: Path) -> ListIndex:
    """12 s of a real street clip recorded as three 4 s segments."""
    return ListIndex(street_footage(shared_data, tmp_path / "rec"))


@pytest.fixture
def judicial(
    tmp_path: Path, site: SiteConfig, street: ListIndex
) -> tuple[ExportService, ExportJob]:
    """A finished judicial export of 2 s to 9 s."""
    service = ExportService(street, site, tmp_path / "var")
    request = ExportRequest(
        camera_id="cam-street",
        start=at(2),
        end=at(9),
        user="sup",
        reason="collision at the crossing",
        requisition="PV 2026/1187",
        recipient="OPJ Martin, commissariat central",
    )
    job = finished(service, service.submit(request))
    service.close()
    return service, job


def test_a_judicial_export_is_a_signed_folder_of_the_recorded_footage(
    judicial: tuple[ExportService, ExportJob], tmp_path: Path
) -> None:
    """MP4 + manifest + signature + public key; the manifest says what, when, who and why."""
    service, job = judicial
    assert job.state is ExportState.DONE, job.error
    folder = service.root / job.id
    assert job.folder == folder
    video = folder / "cam-street_20261125T100002Z_20261125T100009Z.mp4"
    assert job.files == (video.name,)
    names = {p.name for p in folder.iterdir()}
    assert names == {
        video.name,
        "manifest.json",
        "manifest.sig",
        "evidence-key.pub.pem",
        "verify_export.py",
        "VERIFY.txt",
    }
    manifest_bytes = (folder / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    assert manifest["camera_id"] == "cam-street"
    assert manifest["camera_name"] == "Rue Lenepveu"
    assert manifest["camera_location"] == {"lat": 47.47, "lon": -0.55}
    # Keyframe granularity: the file opens on the IDR at or before 2 s.
    assert job.footage_start is not None and at(1) <= job.footage_start <= at(2)
    assert manifest["start"] == job.footage_start.isoformat(timespec="milliseconds")[:-6] + "Z"
    assert manifest["end"] == "2026-11-25T10:00:09.040Z"
    assert manifest["requested_start"] == "2026-11-25T10:00:02.000Z"
    # The footage, then the verification kit, signed with it so a changed checker shows.
    assert manifest["files"] == [
        {
            "name": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "size_bytes": path.stat().st_size,
            "media_type": media_type,
        }
        for path, media_type in [
            (video, "video/mp4"),
            (folder / "verify_export.py", "text/x-python"),
            (folder / "VERIFY.txt", "text/plain; charset=utf-8"),
        ]
    ]
    assert (folder / "verify_export.py").read_bytes() == (
        REPO / "video" / "evidence" / "verify_export.py"
    ).read_bytes()
    assert manifest["exported_by"] == "sup"
    assert manifest["reason"] == "collision at the crossing"
    assert manifest["requisition"] == "PV 2026/1187"
    assert manifest["recipient"] == "OPJ Martin, commissariat central"
    assert manifest["purpose"] == "judicial" and manifest["rendition"] == "zones"
    assert manifest["csu_version"] == csu.__version__
    assert manifest["created_at"].endswith("Z")
    # Signed by the site's evidence key, which is not the access-log key.
    key_path = evidence_key_path(tmp_path / "var")
    private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    private.public_key().verify((folder / "manifest.sig").read_bytes(), manifest_bytes)
    assert key_path.stat().st_mode & 0o077 == 0
    frames = decode(video)
    span = (job.footage_end - job.footage_start).total_seconds() if job.footage_end else 0
    assert len(frames) == manifest["frames"] == round(span * 12.5)


def test_verify_passes_then_names_each_alteration(
    judicial: tuple[ExportService, ExportJob], tmp_path: Path
) -> None:
    """Exit 0 intact; one flipped byte of the MP4 or of the manifest: exit 1 naming it."""
    service, job = judicial
    original = service.root / job.id
    pinned = tmp_path / "var" / "keys" / "evidence-ed25519.pub.pem"
    intact = run_verify(original, "--public-key", str(pinned))
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact, 1 fichier, signé par la clé épinglée" in intact.stdout

    video_copy = tmp_path / "video-flipped"
    shutil.copytree(original, video_copy)
    video = video_copy / job.files[0]
    flip_byte(video, video.stat().st_size // 2)
    result = run_verify(video_copy, "--public-key", str(pinned))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{job.files[0]}: SHA-256 differs from the manifest (altered)"
    ]

    key_id = json.loads(original.joinpath("manifest.json").read_bytes())["signing_key_id"]
    bad_signature = (
        f"manifest.json: bad signature (the manifest was altered, or not signed by key {key_id})"
    )
    # 'collision' -> 'Collision': still JSON, still plausible, no longer what was signed.
    manifest_copy = tmp_path / "manifest-flipped"
    shutil.copytree(original, manifest_copy)
    manifest = manifest_copy / "manifest.json"
    flip_byte(manifest, manifest.read_bytes().index(b"collision"), bits=0x20)
    result = run_verify(manifest_copy)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [bad_signature]
    # All eight bits of the byte: not even UTF-8 any more.
    flip_byte(manifest, manifest.read_bytes().index(b"ollision"), bits=0xFF)
    result = run_verify(manifest_copy)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == bad_signature
    assert lines[1].startswith("manifest.json: not valid JSON")
    assert len(lines) == 2


def test_verify_names_a_wrong_key_missing_and_extra_files(
    judicial: tuple[ExportService, ExportJob], tmp_path: Path
) -> None:
    """Pinned to another key: the shipped key and the signature are named; so are file changes."""
    service, job = judicial
    folder = tmp_path / "copy"
    shutil.copytree(service.root / job.id, folder)
    other = tmp_path / "other.pub.pem"
    other.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (folder / job.files[0]).unlink()
    (folder / "notes.txt").write_text("added later")
    result = run_verify(folder, "--public-key", str(other))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("evidence-key.pub.pem: key ") and "is not the pinned key" in lines[0]
    assert lines[1].startswith("manifest.json: bad signature")
    assert lines[2] == f"{job.files[0]}: missing"
    assert lines[3] == "notes.txt: not listed in the manifest (extra file)"


def test_verify_usage_errors_exit_2(tmp_path: Path) -> None:
    """Not a folder, no manifest, an unreadable key: exit 2, one line each, on stderr."""
    result = run_verify(tmp_path / "nowhere")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"export verify: {tmp_path / 'nowhere'}: no such folder or zip file"
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_verify(empty, "--public-key", str(tmp_path / "absent.pem"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"export verify: {empty}: no manifest.json (not an evidence export)",
        f"export verify: --public-key: cannot read signing key {tmp_path / 'absent.pem'}:"
        " No such file or directory",
    ]


def test_nothing_recorded_fails_the_export_naming_the_range(
    tmp_path: Path, site: SiteConfig, street: ListIndex
) -> None:
    """No footage in the range: failed, the error names camera and range, no folder is left."""
    service = ExportService(street, site, tmp_path / "var")
    request = ExportRequest(
        camera_id="cam-street", start=at(600), end=at(660), user="sup", reason="x"
    )
    job = finished(service, service.submit(request))
    service.close()
    assert job.state is ExportState.FAILED
    assert job.error == (
        "nothing recorded for camera 'cam-street' from 2026-11-25T10:10:00+00:00"
        " to 2026-11-25T10:11:00+00:00"
    )
    assert not (service.root / job.id).exists()


def test_state_survives_a_restart_and_unfinished_jobs_are_failed(
    judicial: tuple[ExportService, ExportJob], tmp_path: Path, site: SiteConfig
) -> None:
    """A new service on the same data folder knows the done job; a job left running failed."""
    service, job = judicial
    running = job.moved(ExportState.RUNNING, id="20261125T100000Z-0000abcd")
    from video.evidence import jobs

    jobs.save(service.root, running)
    again = ExportService(ListIndex(), site, tmp_path / "var")
    assert again.get(job.id) == job
    left = again.get(running.id)
    assert left is not None and left.state is ExportState.FAILED
    assert left.error == "interrupted by a restart"
    assert again.get("../../etc/passwd") is None
    again.close()


def flat_share(patch: Image) -> float:
    """Share of horizontally neighbouring pixels within 2 grey levels: 1.0 is featureless."""
    grey = cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY).astype(np.int16)
    return float((np.abs(np.diff(grey, axis=1)) < 2).mean())


@pytest.mark.slow
def test_a_public_request_export_hides_the_faces(
    tmp_path: Path, site: SiteConfig, shared_data: Path
) -> None:
    """A still of two faces recorded for 3 s: faces pixelated in every frame, the rest intact."""
    photo = cv2.imread(str(shared_data / "images" / "face_recognition_two_people.jpg"))
    assert photo is not None
    photo = np.asarray(photo[:660, :1126], np.uint8)
    index = ListIndex(
        record_segments(
            [photo] * 30, tmp_path / "rec", camera_id="cam-hall", start=T0, fps=10, segment_s=1.5
        )
    )
    service = ExportService(index, site, tmp_path / "var")
    base = dict(camera_id="cam-hall", start=at(0), end=at(3), user="sup", reason="CADA request")
    public = finished(
        service,
        service.submit(ExportRequest(**base, purpose=Purpose.PUBLIC_REQUEST)),  # type: ignore[arg-type]
    )
    judicial = finished(service, service.submit(ExportRequest(**base)))  # type: ignore[arg-type]
    service.close()
    assert public.state is ExportState.DONE, public.error
    assert public.rendition == "anonymised" and judicial.rendition == "zones"
    manifest = json.loads((service.root / public.id / "manifest.json").read_text())
    assert manifest["rendition"] == "anonymised" and manifest["purpose"] == "public_request"
    assert run_verify(service.root / public.id).returncode == 0
    hidden = decode(service.root / public.id / public.files[0])
    kept = decode(service.root / judicial.id / judicial.files[0])
    assert len(hidden) == len(kept) == 30
    faces = CenterFaceDetector().detect(photo)
    assert len(faces) == 2
    for frame, recorded in zip(hidden, kept, strict=True):
        for face in faces:
            x0, y0, x1, y1 = face.region.pixels(photo.shape[1], photo.shape[0])
            # The recorded face keeps its detail; the delivered one is a few flat blocks.
            face_kept, face_hidden = recorded[y0:y1, x0:x1], frame[y0:y1, x0:x1]
            assert flat_share(face_kept) < 0.5
            assert flat_share(face_hidden) > 0.85
            assert np.abs(face_hidden.astype(int) - face_kept.astype(int)).mean() > 8
        below = slice(int(0.7 * photo.shape[0]), None)
        assert np.abs(frame[below].astype(int) - recorded[below].astype(int)).mean() < 6


def test_public_requests_and_anonymised_accounts_get_the_anonymised_rendition() -> None:
    """Judicial exports keep the zones rendition, unless the user sees only anonymised video."""
    assert rendition_for(Purpose.JUDICIAL, anonymised_user=False) is Rendition.ZONES
    assert rendition_for(Purpose.PUBLIC_REQUEST, anonymised_user=False) is Rendition.ANONYMISED
    assert rendition_for(Purpose.JUDICIAL, anonymised_user=True) is Rendition.ANONYMISED


class BrokenDetector:
    """A face detector whose session has failed."""

    def detect(self, image: Image) -> Sequence[Detection]:
        raise RuntimeError("onnxruntime: session failed")


def test_a_public_request_fails_closed_when_faces_cannot_be_looked_for(
    tmp_path: Path, site: SiteConfig, street: ListIndex
) -> None:
    """No detection, no delivery: the export fails, naming why, and leaves no video behind."""
    service = ExportService(
        street, site, tmp_path / "var", make_anonymiser=lambda _camera: Anonymiser(BrokenDetector())
    )
    request = ExportRequest(
        camera_id="cam-street",
        start=at(0),
        end=at(4),
        user="sup",
        reason="request",
        purpose=Purpose.PUBLIC_REQUEST,
    )
    job = finished(service, service.submit(request))
    service.close()
    assert job.state is ExportState.FAILED
    assert job.error == "onnxruntime: session failed"
    assert not (service.root / job.id).exists()
