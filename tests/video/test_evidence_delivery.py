"""An export's progress as events, and its zip streamed block by block with bounded memory."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from csu.config import SiteConfig
from csu.events import Event
from tests.video.segments import ListIndex
from tests.video.test_evidence_export import at, finished, site, street  # noqa: F401 (fixtures)
from video.evidence import progress
from video.evidence.delivery import BLOCK, folder_files, zip_blocks
from video.evidence.events import ExportProgress
from video.evidence.jobs import ExportRequest, ExportState
from video.evidence.service import ExportService


def test_an_export_tells_its_progress_in_order_up_to_100(
    tmp_path: Path,
    site: SiteConfig,  # noqa: F811
    street: ListIndex,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pending, running from 0, each percent of the span written, then done at 100."""
    monkeypatch.setattr(progress, "MIN_STEP_S", 0.0)  # every step told, however fast the remux
    told: list[Event] = []
    service = ExportService(street, site, tmp_path / "var", publish=told.append)
    request = ExportRequest("cam-street", at(2), at(9), user="sup", reason="collision")
    job = finished(service, service.submit(request))
    service.close()
    assert job.state is ExportState.DONE, job.error
    events = [e for e in told if isinstance(e, ExportProgress)]
    assert {(e.export_id, e.camera_id, e.user) for e in events} == {(job.id, "cam-street", "sup")}
    steps = [(e.state, e.percent) for e in events]
    assert steps[:2] == [("pending", 0), ("running", 0)] and steps[-1] == ("done", 100)
    running = [p for s, p in steps if s == "running"]
    # 7 s of footage at 12.5 frames a second: nearly every percent, strictly rising, below 100
    # until the folder is signed.
    assert running == sorted(set(running)) and len(running) > 50 and running[-1] == 99
    assert service.progress(job) == 100


def test_the_zip_streams_a_large_folder_in_blocks_without_holding_it(tmp_path: Path) -> None:
    """A 256 MiB file goes out in blocks of about a MiB, with under 4 MiB held at any time."""
    folder = tmp_path / "20261125T100000Z-0000beef"
    folder.mkdir()
    big = folder / "cam-street.mp4"
    with big.open("wb") as out:  # sparse: costs no disk, read back as zeros
        out.truncate(256 << 20)
    (folder / "manifest.json").write_text('{"files": []}\n')
    tracemalloc.start()
    try:
        sizes = [len(block) for block in zip_blocks(folder.name, folder_files(folder))]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak} bytes held while streaming"
    assert len(sizes) >= 256 and max(sizes) <= BLOCK + 1024
    assert sum(sizes) > 256 << 20


def test_the_zip_holds_the_folder_byte_for_byte(tmp_path: Path) -> None:
    """Every file under the export's id, stored as it is; the zip reads back with its CRCs."""
    folder = tmp_path / "20261125T100000Z-0000cafe"
    folder.mkdir()
    files = {"a.mp4": bytes(range(256)) * 9000, "manifest.json": b"{}\n", "manifest.sig": b"s"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    data = b"".join(zip_blocks(folder.name, folder_files(folder)))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {i.filename: archive.read(i) for i in archive.infolist()} == {
            f"{folder.name}/{name}": content for name, content in files.items()
        }
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
