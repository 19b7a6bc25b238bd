"""The privacy officer asks for the ethics report from the audit page, in a real Chromium: the
printable page opens in a new tab with the seeded figures (screenshot in test-artifacts/), and
the signed PDF downloads, its SHA-256 shown on the page and recorded in the access log."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.db import Database
from csu.settings import Settings
from privacy.access_log.service import AccessLog
from tests.web.conftest import ARTIFACTS, PASSWORD, TIMEOUT_MS, seed_accounts, served
from tests.web.ethics_seed import SITE, seed_log, seed_tables

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app_parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """The app on a real port over the seeded half-year; its base URL and its services."""
    folder = tmp_path_factory.mktemp("ethics-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        services = app.state.services
        seed_log(services.access_log)
        seed_tables(services.db)
        yield base, services


def officer_page(browser: Any, base_url: str) -> Any:
    """The audit page, signed in as the privacy officer through the login form, in French."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="fr-FR"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/login")
    page.fill("#username", "privacy_officer")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/audit")
    page.wait_for_selector("body[data-ready=true]")
    return page


def report_entries(db: Database, log: AccessLog) -> list[dict[str, Any]]:
    """The access log's report entries, oldest first."""
    return [json.loads(e.details) for e in log.entries() if e.action == "report.ethics"]


def test_the_officer_prints_the_page_and_downloads_the_signed_pdf(
    browser: Any, app_parts: tuple[str, Any], tmp_path: Path
) -> None:
    base_url, services = app_parts
    page = officer_page(browser, base_url)
    assert page.locator("#report-section h2").inner_text() == (
        "Rapport au comité d'éthique et à la CNIL"
    )
    page.fill("#r-since", "2026-01-01T00:00")
    page.fill("#r-until", "2026-07-01T00:00")
    with page.context.expect_page() as opened:
        page.click("#report-html")
    report = opened.value
    report.wait_for_load_state()
    assert report.title() == "Rapport au comité d'éthique de la vidéoprotection"
    assert "since=2025-12-31T23%3A00%3A00.000Z" in report.url  # the site's midnight, in UTC
    text = report.locator("body").inner_text()
    assert "Arrêté préfectoral n° 2024-VP-0117 du 12/03/2024" in text
    assert "1 destruction au-delà de la durée de conservation" in text
    assert "PV-49-2026-0077" in text and "Chaîne intègre" in text
    # The page's own style applied under its strict policy: headings carry its rule.
    rule = report.locator("h2").first.evaluate("h => getComputedStyle(h).borderBottomStyle")
    assert rule == "solid"
    ARTIFACTS.mkdir(exist_ok=True)
    report.screenshot(path=str(ARTIFACTS / "ethics-report.png"), full_page=True)
    report.emulate_media(media="print")
    report.screenshot(path=str(ARTIFACTS / "ethics-report-print.png"), full_page=True)

    with page.expect_download() as downloading:
        page.click("#report-pdf")
    download = downloading.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename == "rapport-ethique-20251231-20260630.pdf"
    data = saved.read_bytes()
    assert data.startswith(b"%PDF-")
    digest = hashlib.sha256(data).hexdigest()
    page.wait_for_function(
        "sha => document.getElementById('report-status').textContent.includes(sha)", arg=digest
    )
    made = report_entries(services.db, services.access_log)
    assert [(m["format"], m["sha256"]) for m in made[-1:]] == [("pdf", digest)]
    page.screenshot(path=str(ARTIFACTS / "ethics-report-form.png"), full_page=True)
    page.context.close()


def test_a_period_without_its_end_is_refused_on_the_page(
    browser: Any, app_parts: tuple[str, Any]
) -> None:
    base_url, _ = app_parts
    page = officer_page(browser, base_url)
    page.fill("#r-until", "")
    # Past the browser's own check of the required field: the page's check words it too.
    page.evaluate("document.getElementById('r-until').required = false")
    page.click("#report-pdf")
    alert = page.locator("#report-form + .error-message")
    assert alert.inner_text() == "Indiquez le début et la fin de la période"
    page.context.close()
