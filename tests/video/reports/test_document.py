"""The report's page: the site's language and clock, every section, text escaped, A4 print CSS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from csu.i18n import SiteClock
from privacy.service import HeldGrant
from video.reports.document import render
from video.reports.report import ChainResult, Inputs, build_report
from video.reports.rows import AnalyticsRow, CameraRow, DestructionRow, Period

T0 = datetime(2026, 3, 1, tzinfo=UTC)
PERIOD = Period(T0, T0 + timedelta(days=30))


def held(
    username: str,
    camera: str,
    granted: datetime,
    *,
    active: bool = True,
    trained: date | None = None,
    expires: datetime | None = None,
) -> HeldGrant:
    """A camera grant of an operator's account, granted by the administrator."""
    return HeldGrant(username, "operator", active, trained, camera, expires, "admin", granted)


def page(language: str, grants: list[HeldGrant] | None = None) -> str:
    """The page over a small month, in a language."""
    inputs = Inputs(
        period=PERIOD,
        cameras=[CameraRow("cam-a", "Rue <b>A</b>", 7, "Arrêté <script>x</script>")],
        analytics=[AnalyticsRow("cam-a", True, "Décret n° 2023-828", date(2027, 3, 31), ("fire",))],
        destructions=[DestructionRow("cam-a", T0 + timedelta(days=9), T0, T0 + timedelta(hours=1))],
        chain=ChainResult(True, 12, 2, 0, (), T0 + timedelta(days=30)),
        authorisations=grants or [],
    )
    report = build_report(inputs, made_at=T0 + timedelta(days=31), zone_name="Europe/Paris")
    clock = SiteClock(language, "Europe/Paris")  # type: ignore[arg-type]
    return render(report, clock, site_name="Angers", key_id="0123456789abcdef")


def test_the_page_is_in_the_site_language_on_its_clock() -> None:
    french = page("fr")
    assert '<html lang="fr">' in french
    assert "Période du 01/03/2026 01:00 au 31/03/2026 02:00 (heure du site)" in french
    assert "7 jours" in french and "Décret n° 2023-828" in french and "31/03/2027" in french
    assert "Chaîne intègre" in french and "0123456789abcdef" in french
    english = page("en")
    assert "Report to the video-protection ethics committee" in english
    assert "Period from 01/03/2026 01:00 to 31/03/2026 02:00 (site time)" in english
    assert "7 days" in english and "1. Camera inventory" in english


def test_what_people_typed_is_escaped_and_the_page_prints_on_a4() -> None:
    html = page("fr")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;A" in html
    assert "@page { size: A4" in html
    for number in range(1, 10):
        assert f"<h2>{number}. " in html


def _training(html: str) -> str:
    start = html.index("<h2>8. ")
    return html[start : html.index("<h2>9. ")]


def test_the_untrained_section_lists_grants_held_in_the_period_by_untrained_agents() -> None:
    before = T0 - timedelta(days=40)
    grants = [
        held("gone", "cam-a", before, active=False),  # deactivated: still listed, state shown
        held("gone", "cam-b", T0 + timedelta(days=3), active=False),
        held("lapsed", "cam-a", before, expires=T0 - timedelta(days=1)),  # ended before it
        held("late", "cam-a", T0 + timedelta(days=31)),  # granted after it
        held("trained", "cam-a", before, trained=date(2026, 2, 1)),
        held("trained-after", "cam-b", before, trained=date(2026, 4, 2)),
    ]
    section = _training(page("fr", grants))
    assert "2 habilitations détenues sur la période" in section
    assert ">lapsed<" not in section and ">late<" not in section and ">trained<" not in section
    cells = [
        "<td>gone</td><td>opérateur</td><td>cam-a, cam-b</td><td>admin</td>",
        "<td>20/01/2026</td><td>compte désactivé</td>",
        "<td>trained-after</td><td>opérateur</td><td>cam-b</td><td>admin</td>",
        "<td>compte actif</td>",
    ]
    for cell in cells:
        assert cell in section, section
    english = _training(page("en", grants))
    assert "<th>Held since</th>" in english and "deactivated account" in english


def test_with_every_agent_trained_the_section_says_so() -> None:
    grants = [held("op", "cam-a", T0, trained=date(2026, 1, 5))]
    assert "chaque habilitation a été détenue par un agent formé" in _training(page("fr", grants))
