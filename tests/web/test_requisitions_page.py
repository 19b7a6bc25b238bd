"""The requisitions register page in a real headless Chromium: a supervisor records a judicial
requisition, takes it on and delivers it with its hand-over, and exports a right-of-access
request's span anonymised; a late request stands out; the privacy officer reads it all and can
change nothing; an operator is turned away. Every text is French (no catalogue key), every time
on Paris's 24-hour clock. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.web.conftest import ARTIFACTS, PASSWORD, SITE, TIMEOUT_MS, seed_accounts, served
from tests.web.test_french_pages import KEY

pytestmark = pytest.mark.slow

AM_PM = re.compile(r"\b\d{1,2}:\d{2}\s?(?:AM|PM|am|pm)\b")
LATE_REQUEST = {
    "kind": "access",
    "reference": "DA-2026-0001",
    "requester": "M. Paul Girard",
    "received_at": "2026-10-01T10:00:00+02:00",
    "legal_basis": "lil_art104",
    "requested": [
        {"camera_id": "cam-plaza", "start": "2026-09-30T18:00:00Z", "end": "2026-09-30T18:10:00Z"}
    ],
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The whole app on a real port, with one account per role."""
    folder = tmp_path_factory.mktemp("requisitions-page")
    url = f"sqlite:///{folder / 'csu.db'}"
    seed_accounts(url)
    app = create_app(Settings(data_dir=folder / "var", database_url=url), parse_site(SITE))
    with served(app) as base:
        yield base


def bearer(base_url: str, username: str) -> dict[str, str]:
    answer = httpx.post(
        f"{base_url}/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def register_page(browser: Any, base_url: str, username: str) -> Any:
    """A browser in New York, signed in through the login form, on the register."""
    # A French desk's browser (its date inputs draw 24-hour times) set to New York's clock: the
    # page's times are Paris's all the same.
    context = browser.new_context(
        viewport={"width": 1400, "height": 1100}, locale="fr-FR", timezone_id="America/New_York"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/login?next=/requisitions")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/requisitions")
    page.wait_for_selector("body[data-ready=true]")
    return page


def assert_french(page: Any) -> None:
    text = page.inner_text("body")
    assert not KEY.findall(text), KEY.findall(text)
    assert not AM_PM.search(text), text
    assert "Registre des réquisitions" in text


def test_a_supervisor_records_follows_and_delivers(browser: Any, base_url: str) -> None:
    httpx.post(
        f"{base_url}/api/requisitions", json=LATE_REQUEST, headers=bearer(base_url, "supervisor")
    ).raise_for_status()
    page = register_page(browser, base_url, "supervisor")
    late = page.locator("#register tbody tr.late")
    assert late.get_attribute("data-reference") == "DA-2026-0001"
    assert "En retard" in late.inner_text() and "01/11/2026 23:59" in late.inner_text()

    page.click("#new-access")
    assert page.is_visible("#n-requester") and not page.is_visible("#n-authority")
    assert "un mois après la réception" in page.inner_text("#form-section")
    assert_french(page)
    page.screenshot(path=str(ARTIFACTS / "requisitions-supervisor-access-form.png"), full_page=True)
    page.click("#new-judicial")
    assert page.is_visible("#n-authority") and not page.is_visible("#n-requester")
    page.fill("#n-reference", "PV-49-2026-0042")
    page.fill("#n-authority", "Parquet du tribunal judiciaire d'Angers")
    page.fill("#n-officer", "OPJ Durand")
    page.fill("#n-received", "2026-11-26T09:00")
    page.fill("#n-deadline", "2026-12-03T18:00")
    page.fill("#n-basis", "Art. 77-1-1 du code de procédure pénale")
    page.select_option("#n-spans [data-field=camera]", "cam-street")
    page.fill("#n-spans [data-field=start]", "2026-11-25T20:30")
    page.fill("#n-spans [data-field=end]", "2026-11-25T22:00")
    page.click("#save-new")
    page.wait_for_selector("#detail-section:not([hidden]) [data-status=received]")
    detail = page.inner_text("#detail-section")
    assert "26/11/2026 09:00" in detail and "du 25/11/2026 20:30 au 25/11/2026 22:00" in detail
    assert page.locator("#register tbody tr").count() == 2

    page.click("#take-on")
    page.wait_for_selector("#detail-section [data-status=in_progress]")
    page.fill("#h-recipient", "OPJ Durand")
    page.fill("#h-at", "2026-11-28T10:00")
    page.fill("#h-medium", "clé USB chiffrée")
    page.fill("#h-receipt", "R-2026-17")
    page.click("#deliver")
    page.wait_for_selector("#detail-section [data-status=delivered]")
    handover = page.inner_text("#handover")
    assert handover == (
        "Remise à OPJ Durand le 28/11/2026 10:00, support : clé USB chiffrée (récépissé R-2026-17)"
    )
    assert page.locator("#take-on, #deliver, #refuse").count() == 0
    page.wait_for_selector(
        "#register tbody tr[data-reference='PV-49-2026-0042'] [data-status=delivered]"
    )
    made = page.get_attribute("#detail-section", "data-id")
    hold = {
        "camera_id": "cam-street",
        "start": "2026-11-25T19:30:00Z",
        "end": "2026-11-25T21:00:00Z",
        "requisition": "PV-49-2026-0042",
        "officer": "OPJ Durand",
        "reason": "réquisition du parquet",
        "requisition_id": int(made),
    }
    httpx.post(
        f"{base_url}/api/holds", json=hold, headers=bearer(base_url, "supervisor")
    ).raise_for_status()
    page.click("#register tbody tr[data-reference='PV-49-2026-0042']")
    held = page.wait_for_selector("#holds li")
    assert held.inner_text() == "Street — du 25/11/2026 20:30 au 25/11/2026 22:00 (actif)"
    assert_french(page)
    page.screenshot(path=str(ARTIFACTS / "requisitions-supervisor-delivered.png"), full_page=True)

    # The late access request: its span is exported anonymised, its state followed live.
    page.click("#register tbody tr[data-reference='DA-2026-0001']")
    page.wait_for_selector("#detail-title:has-text('DA-2026-0001')")
    assert "Extraction anonymisée" in page.inner_text("#detail-section")
    page.click("#spans [data-control=export]")
    page.wait_for_selector("#spans [data-control=span-export] [data-state=failed]")
    # The test site records nothing: the export fails, and says why.
    page.wait_for_function(
        "() => (document.querySelector('#spans [data-state=failed]').title || '')"
        ".startsWith('nothing recorded for camera')"
    )
    jobs = httpx.get(f"{base_url}/api/exports", headers=bearer(base_url, "supervisor")).json()
    assert [(j["requisition"], j["purpose"], j["recipient"]) for j in jobs] == [
        ("DA-2026-0001", "public_request", "M. Paul Girard")
    ]
    assert page.locator("#exports-made tr[data-export]").count() == 1
    assert_french(page)
    page.screenshot(path=str(ARTIFACTS / "requisitions-supervisor-access.png"), full_page=True)
    page.context.close()


def test_the_privacy_officer_reads_only(browser: Any, base_url: str) -> None:
    headers = bearer(base_url, "supervisor")
    listed = httpx.get(f"{base_url}/api/requisitions", headers=headers).json()
    if not any(r["reference"] == "DA-2026-0001" for r in listed):
        httpx.post(f"{base_url}/api/requisitions", json=LATE_REQUEST, headers=headers)
    page = register_page(browser, base_url, "privacy_officer")
    assert page.is_visible("#read-only")
    assert not page.is_visible("#new-judicial") and not page.is_visible("#new-access")
    assert page.get_attribute("#back", "href") == "/audit"
    page.click("#register tbody tr[data-reference='DA-2026-0001']")
    page.wait_for_selector("#detail-title:has-text('DA-2026-0001')")
    detail = page.inner_text("#detail-section")
    assert "M. Paul Girard" in detail and "loi Informatique et libertés art. 104-105" in detail
    assert (
        page.locator("#take-on, #deliver, #refuse, #save-handover, [data-control=export]").count()
        == 0
    )
    assert_french(page)
    page.screenshot(path=str(ARTIFACTS / "requisitions-privacy-officer.png"), full_page=True)

    page.select_option(".language-switch", "en")
    page.wait_for_selector("body[data-ready=true]")
    try:
        page.wait_for_selector("h1:has-text('Requisitions register')")
        # The heading comes with the catalogue, the rows with the register's answer after it.
        row = page.wait_for_selector("#register tbody tr[data-reference='DA-2026-0001']")
        assert "Right of access" in row.inner_text()
        page.screenshot(path=str(ARTIFACTS / "requisitions-privacy-officer-en.png"), full_page=True)
    finally:
        # The account's choice: back to the site's, or the next tests would read English.
        page.select_option(".language-switch", "fr")
        page.wait_for_selector("h1:has-text('Registre des réquisitions')")
        page.context.close()


def test_an_operator_is_turned_away(browser: Any, base_url: str) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{base_url}/login?next=/requisitions")
    page.fill("#username", "operator")
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url("**/requisitions")
    refusal = page.wait_for_selector("#not-allowed:not([hidden])")
    assert "le registre des réquisitions" in refusal.inner_text()
    assert not page.is_visible("#page")
    page.close()


def test_the_console_and_the_audit_link_to_the_register(browser: Any, base_url: str) -> None:
    for username, home, shown in (
        ("supervisor", "/console", True),
        ("operator", "/console", False),
        ("privacy_officer", "/audit", True),
    ):
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base_url}/login?next={home}")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_url(f"**{home}")
        page.wait_for_selector("body[data-ready=true]")
        link = page.locator("header a[href='/requisitions']")
        assert link.is_visible() is shown, username
        if shown:
            assert link.inner_text() == "Réquisitions"
            link.click()
            page.wait_for_url("**/requisitions")
            page.wait_for_selector("body[data-ready=true]")
        page.close()
