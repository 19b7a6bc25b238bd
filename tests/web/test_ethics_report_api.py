"""GET /api/reports/ethics over a seeded half-year: each figure is what the database holds, the
HTML and the PDF carry it (pdftotext reads the PDF), both are signed with the evidence key and
logged with their hash; an operator is refused and the refusal logged."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from tests.web.conftest import login, services_of
from tests.web.ethics_seed import SINCE, SITE, UNTIL, day, seed_log, seed_tables
from video.evidence.manifest import evidence_signer
from video.reports.rows import Period
from video.reports.service import EthicsReports

URL = "/api/reports/ethics"
PERIOD = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}


@pytest.fixture
def site() -> SiteConfig:
    """Two cameras, one with its prefectoral authorisation, one without."""
    return parse_site(SITE)


def french(headers: dict[str, str]) -> dict[str, str]:
    """A French browser's headers."""
    return {**headers, "Accept-Language": "fr"}


def seeded(client: TestClient) -> None:
    """The seeded half-year in the app's own database and access log."""
    services = services_of(client)
    seed_log(services.access_log)
    seed_tables(services.db)


def text_of(html: str) -> str:
    """The page's text, one table row a line, cells separated by ' | '."""
    html = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", " | ", html)
    html = re.sub(r"</tr>|<br>|</p>|</h[123]>", "\n", html)
    return unescape(re.sub(r"<[^>]+>", "", html))


def line_with(text: str, *words: str) -> str:
    """The one line holding every word."""
    found = [line for line in text.splitlines() if all(w in line for w in words)]
    assert len(found) == 1, (words, found)
    return found[0]


def logged(client: TestClient, action: str) -> list[dict[str, Any]]:
    """The access log's entries of one action, oldest first."""
    found = [e for e in services_of(client).access_log.entries() if e.action == action]
    return [{**e.model_dump(), "details": json.loads(e.details)} for e in found]


def test_every_figure_is_what_the_database_holds(client: TestClient) -> None:
    seeded(client)
    services = services_of(client)
    reports = EthicsReports(services.db, services.access_log, services.site, services.settings)
    report = reports.figures(Period(SINCE, UNTIL), UNTIL)
    entries = [e for e in services.access_log.entries() if SINCE <= e.at < UNTIL]
    destroyed = Counter(e.camera_id for e in entries if e.action == "retention.destroy")
    cams = {c.camera_id: c for c in report.cameras}
    assert {k: c.destructions for k, c in cams.items()} == dict(destroyed)
    assert cams["cam-street"].authorisation == "Arrêté préfectoral n° 2024-VP-0117 du 12/03/2024"
    assert cams["cam-plaza"].authorisation is None
    assert (cams["cam-street"].retention_days, cams["cam-plaza"].retention_days) == (15, 10)
    assert cams["cam-street"].oldest_kept == day(170)  # the oldest segment still stored
    assert (cams["cam-street"].beyond_retention, cams["cam-plaza"].beyond_retention) == (0, 1)
    assert (cams["cam-street"].overdue, cams["cam-plaza"].overdue) == (0, 1)
    assert cams["cam-plaza"].oldest_kept == day(100)
    assert cams["cam-plaza"].longest_kept_days == 40.0
    assert [(h.requisition, h.reason) for h in report.holds] == [
        ("PV-49-2026-0042", "Agression place du Ralliement")
    ]
    done = [e for e in entries if e.action == "video.export.done"]
    sent = [e.requisition for e in done if json.loads(e.details)["purpose"] == "judicial"]
    assert [e.requisition for e in report.judicial_exports] == sent
    assert sent == ["PV-49-2026-0042", "PV-49-2026-0077"]
    assert dict(report.exports_by_purpose) == {"judicial": 2, "public_request": 1}
    # The case over both cameras counts for each of them.
    assert (cams["cam-street"].judicial_exports, cams["cam-plaza"].judicial_exports) == (2, 1)
    assert dict(report.exports_by_camera) == {"cam-street": 2, "cam-plaza": 2}
    judicial = next(k for k in report.requests if k.kind == "judicial")
    assert (judicial.received, judicial.delivered, judicial.refused, judicial.open) == (4, 2, 1, 1)
    assert (judicial.late, judicial.median_delay_days, judicial.longest_delay_days) == (2, 5.5, 8.0)
    access = next(k for k in report.requests if k.kind == "access")
    assert (access.received, access.delivered, access.late, access.median_delay_days) == (
        1,
        1,
        0,
        10.0,
    )
    # Only judicial requisitions count as footage sent to the prosecutor.
    assert [r.reference for r in report.delivered] == ["PV-49-2026-0042", "PV-49-2026-0077"]
    by_role = dict(report.access_by_role)
    views = Counter((e.role, e.action) for e in entries if e.outcome == "granted")
    assert by_role["operator"]["live"] == views[("operator", "video.live")] == 60
    assert by_role["operator"]["denied"] == 1
    assert by_role["supervisor"]["playback"] == views[("supervisor", "video.playback")] == 2
    by_camera = dict(report.access_by_camera)
    assert by_camera["cam-plaza"]["total"] == sum(1 for e in entries if e.camera_id == "cam-plaza")
    assert [(u.user, u.flags) for u in report.unusual] == [("operator", ("outside usual hours",))]
    assert report.chain is not None and report.chain.ok


def test_the_html_report_is_signed_logged_and_in_french(client: TestClient) -> None:
    seeded(client)
    officer = french(login(client, "privacy_officer"))
    answer = client.get(URL, params={**PERIOD, "format": "html"}, headers=officer)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    body = answer.content
    digest = hashlib.sha256(body).hexdigest()
    assert answer.headers["x-content-sha256"] == digest
    signer = evidence_signer(services_of(client).settings.data_dir)
    assert answer.headers["x-signing-key-id"] == signer.key_id
    signer.public.verify(bytes.fromhex(answer.headers["x-signature-ed25519"]), body)
    text = text_of(body.decode())
    assert "Rapport au comité d'éthique de la vidéoprotection" in text
    assert "Période du 01/01/2026 01:00 au 01/07/2026 02:00" in text
    street = line_with(text, "cam-street", "Street", "Arrêté préfectoral n° 2024-VP-0117")
    assert "15 jours" in street
    assert "référence d'autorisation non renseignée" in line_with(text, "cam-plaza", "Plaza")
    assert line_with(text, "cam-plaza", "10 jours", "1 destruction au-delà de la durée")
    assert "1 segment encore conservé au-delà de la durée de conservation" in text
    assert "2026-02 | cam-street | 9" in text  # days 31..39, February on the site's clock
    assert "Agression place du Ralliement" in line_with(text, "PV-49-2026-0042", "Agression")
    judicial = line_with(text, "réquisition judiciaire | 4")
    assert judicial.split(" | ")[1:] == ["4", "2", "1", "1", "2", "5,5", "8"]
    assert "en retard" in line_with(text, "PV-49-2026-0077", "livrée")
    access = line_with(text, "demande d'accès | 1")
    assert access.split(" | ")[1:] == ["1", "1", "0", "0", "0", "10", "10"]
    assert "Mme Martin" in line_with(text, "DA-2026-0003", "demande d'accès", "livrée")
    assert "hors des heures habituelles" in line_with(text, "operator", "video.live")
    assert "Chaîne intègre" in text
    assert "8. Habilitations sans date de formation" in text
    entry = logged(client, "report.ethics")[-1]
    assert entry["user"] == "privacy_officer" and entry["outcome"] == "granted"
    assert entry["details"]["sha256"] == digest and entry["details"]["format"] == "html"
    assert "script-src" not in answer.headers["content-security-policy"]


def test_the_pdf_opens_and_carries_the_headings_and_figures(
    client: TestClient, tmp_path: Path
) -> None:
    seeded(client)
    admin = french(login(client, "admin"))
    answer = client.get(URL, params={**PERIOD, "format": "pdf"}, headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF-")
    assert answer.headers["x-content-sha256"] == hashlib.sha256(answer.content).hexdigest()
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(answer.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for heading in (
        "1. Inventaire des caméras",
        "2. Registre des enregistrements",
        "3. Réquisitions judiciaires et demandes d'accès",
        "4. Extractions",
        "5. Accès aux images",
        "6. Accès inhabituels",
        "7. Autorisations d'analyse algorithmique",
        "8. Habilitations sans date de formation",
        "9. Vérification du journal des accès",
    ):
        assert heading in text
    assert "2024-VP-0117" in text and "PV-49-2026-0077" in text
    assert "Agression place du" in text  # the hold's reason (a narrow cell wraps it)
    assert re.search(r"réquisition judiciaire\s+4\s+2\s+1\s+1\s+2\s+5,5\s+8", text), text
    assert logged(client, "report.ethics")[-1]["details"]["format"] == "pdf"


def test_others_are_refused_and_the_refusal_is_logged(client: TestClient) -> None:
    operator = french(login(client, "operator"))
    answer = client.get(URL, params=PERIOD, headers=operator)
    assert answer.status_code == 403
    assert "rapport au comité d'éthique" in answer.json()["detail"]
    refused = logged(client, "report.ethics")[-1]
    assert refused["outcome"] == "denied" and refused["user"] == "operator"
    backwards = client.get(
        URL,
        params={"since": UNTIL.isoformat(), "until": SINCE.isoformat()},
        headers=login(client, "privacy_officer"),
    )
    assert backwards.status_code in (400, 422)
