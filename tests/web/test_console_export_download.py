"""A supervisor exports from the console in a real headless Chromium, watches the export's bar,
moved by the event stream alone, reach 100 %, and downloads the zip under a requisition to a
named recipient: the file is the signed folder and `csu export verify` accepts it; the export
list outlives a reload."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_console_page import new_page, sign_in
from tests.web.test_console_playback import (  # noqa: F401 (the module's recording server)
    BAR,
    Recorder,
    open_incident,
    run_verify,
    server,
)

pytestmark = pytest.mark.slow
LIST = "#playback [data-control=exports]"
# Every value the bars take, as the page draws them (the test reads the history afterwards).
WATCH_BARS = """
window.barValues = [];
new MutationObserver(() => {
  for (const bar of document.querySelectorAll('#playback [data-control=export-progress]')) {
    const last = window.barValues[window.barValues.length - 1];
    if (last !== bar.value) window.barValues.push(bar.value);
  }
}).observe(document.body, { subtree: true, childList: true, attributes: true });
"""


def test_supervisor_watches_the_bar_reach_100_and_downloads_a_zip_that_verifies(
    browser: Any,
    server: Recorder,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The bar is drawn from export events (the export is read once, when it is done), the
    download asks requisition and recipient (the export's offered), and the zip verifies."""
    page = new_page(browser)
    sign_in(page, server, "supervisor")  # type: ignore[arg-type]
    reads: list[str] = []
    page.on("request", lambda r: reads.append(r.url) if "/api/exports/" in r.url else None)
    open_incident(page, server.incident)
    page.keyboard.press("l")
    page.wait_for_selector("#playback[open]")
    page.wait_for_selector(f"{BAR}[data-spans='1']")
    page.evaluate(WATCH_BARS)
    page.fill("#playback [data-control=export-reason]", "agression signalée")
    page.fill("#playback [data-control=export-requisition]", "PV 2026/88")
    page.fill("#playback [data-control=export-recipient]", "OPJ Martin")
    page.click("#playback [data-control=export-submit]")
    item = page.wait_for_selector(f"{LIST} li[data-state=done] [data-control=export-download]")
    export_id = page.get_attribute(f"{LIST} li[data-state=done]", "data-export")
    assert page.inner_text(f"{LIST} li[data-export='{export_id}'] .percent") == "100\u00a0%"
    values = page.evaluate("window.barValues")
    assert values[-1] == 100 and values == sorted(values), values
    assert item.inner_text() == "Télécharger"
    # No polling: the one read of the export is the one made when its "done" event came.
    assert [u for u in reads if u.endswith(export_id)] == [f"{server.url}/api/exports/{export_id}"]
    state = page.wait_for_selector("#playback [data-control=export-state][data-state=done]")
    assert export_id in state.inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-export-progress.png"))

    item.click()
    page.wait_for_selector("#playback dialog.handover[open]")
    assert page.input_value("#playback [data-control=handover-requisition]") == "PV 2026/88"
    page.fill("#playback [data-control=handover-recipient]", "  ")
    page.click("#playback [data-control=handover-submit]")  # a blank recipient is no answer
    assert page.is_visible("#playback dialog.handover[open]")
    page.fill("#playback [data-control=handover-recipient]", "OPJ Durand, commissariat central")
    page.screenshot(path=str(ARTIFACTS / "console-export-handover.png"))
    with page.expect_download() as download_info:
        page.click("#playback [data-control=handover-submit]")
    download = download_info.value
    assert download.suggested_filename == f"{export_id}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    # The list is the server's: after a reload the export is there, done, still downloadable.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    open_incident(page, server.incident)
    page.keyboard.press("l")
    page.wait_for_selector(f"{LIST} li[data-export='{export_id}'][data-state=done] button")
    page.context.close()

    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        archive.extractall(tmp_path / "received")
    verified = run_verify(str(tmp_path / "received" / export_id))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    logged = [
        e
        for e in server.services.access_log.entries()
        if e.action == "video.export.download" and json.loads(e.details)["export_id"] == export_id
    ]
    assert [(e.user, e.requisition, json.loads(e.details)["recipient"]) for e in logged] == [
        ("supervisor", "PV 2026/88", "OPJ Durand, commissariat central")
    ]
