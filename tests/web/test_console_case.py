"""A supervisor makes a case of an incident from the console in a real headless Chromium: one
click (and a reason) takes its covering cameras over its time, the case's bar moves with the
event stream to 100 %, and the downloaded zip (requisition and recipient asked) verifies with
its clips, documents and offline page; an operator is offered no such button."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_console_page import new_page, sign_in
from tests.web.test_console_playback import (  # noqa: F401 (the module's recording server)
    Recorder,
    give_reason,
    open_incident,
    run_verify,
    server,
)

pytestmark = pytest.mark.slow
CASE = "#incident .case"
WATCH_BAR = """
window.caseBar = [];
new MutationObserver(() => {
  const bar = document.querySelector('#incident [data-control=case-progress]');
  const last = window.caseBar[window.caseBar.length - 1];
  if (bar && !bar.hidden && last !== bar.value) window.caseBar.push(bar.value);
}).observe(document.body, { subtree: true, childList: true, attributes: true });
"""


def test_supervisor_makes_a_case_in_one_click_and_downloads_it(
    browser: Any,
    server: Recorder,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Constituer un dossier: reason asked, the bar reaches 100 % from events, the download asks
    requisition and recipient, the zip verifies and holds the clip, timeline and index.html."""
    page = new_page(browser)
    sign_in(page, server, "supervisor")  # type: ignore[arg-type]
    open_incident(page, server.incident)
    button = page.wait_for_selector(f"{CASE} [data-control=make-case]")
    assert button.inner_text() == "Constituer un dossier"
    page.evaluate(WATCH_BAR)
    button.click()
    give_reason(page, "rixe signalée, plainte")
    download = page.wait_for_selector(f"{CASE}[data-state=done] [data-control=case-download]")
    case_id = page.get_attribute(CASE, "data-export")
    assert case_id and case_id in page.inner_text(f"{CASE} [data-control=case-state]")
    assert page.inner_text(f"{CASE} [data-control=case-percent]") == "100\u00a0%"
    values = page.evaluate("window.caseBar")
    assert values[-1] == 100 and values == sorted(values), values
    page.screenshot(path=str(ARTIFACTS / "console-case-done.png"))

    download.click()
    dialog = "body > dialog.handover"
    page.wait_for_selector(f"{dialog}[open]")
    page.fill(f"{dialog} [data-control=handover-requisition]", "PV 2026/93")
    page.fill(f"{dialog} [data-control=handover-recipient]", "OPJ Martin")
    page.screenshot(path=str(ARTIFACTS / "console-case-handover.png"))
    with page.expect_download() as download_info:
        page.click(f"{dialog} [data-control=handover-submit]")
    saved = tmp_path / download_info.value.suggested_filename
    assert saved.name == f"{case_id}.zip"
    download_info.value.save_as(saved)
    page.context.close()

    with zipfile.ZipFile(saved) as archive:
        names = {n.split("/", 1)[1] for n in archive.namelist()}
        archive.extractall(tmp_path / "received")
    assert {"timeline.json", "notes.json", "crisis_log.json", "index.html"} <= names
    assert any(n.startswith("clips/cam-street_") for n in names)
    verified = run_verify(str(tmp_path / "received" / case_id))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    offline_page_plays(browser, tmp_path / "received" / case_id / "index.html")
    logged = [
        e
        for e in server.services.access_log.entries()
        if e.action == "video.export.download" and json.loads(e.details)["export_id"] == case_id
    ]
    assert [(e.user, e.camera_id, e.requisition) for e in logged] == [
        ("supervisor", "cam-street", "PV 2026/93")
    ]


def offline_page_plays(browser: Any, index: Path) -> None:
    """The case's index.html opened from disk: nothing but files fetched, its clip's metadata
    loads (the browser can play it) and a timeline line puts the clip at its moment."""
    context = browser.new_context()
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(index.as_uri())
    page.wait_for_function("document.querySelector('video').readyState >= 1", timeout=15_000)
    assert fetched and all(url.startswith("file://") for url in fetched), fetched
    assert page.locator("tr[data-at]").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "case-index-offline.png"), full_page=True)
    context.close()


def test_an_operator_is_offered_no_case(browser: Any, server: Recorder) -> None:  # noqa: F811
    """No export right, no button (the server would refuse it all the same)."""
    page = new_page(browser)
    sign_in(page, server, "operator")  # type: ignore[arg-type]
    open_incident(page, server.incident)
    page.wait_for_selector("#incident [data-control=acknowledge]")
    assert page.locator("#incident [data-control=make-case]").count() == 0
    page.context.close()
