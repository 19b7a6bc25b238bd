"""The report's page: the site's language and clock, every section, text escaped, A4 print CSS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from csu.i18n import SiteClock
from video.reports.document import render
from video.reports.report import ChainResult, Inputs, build_report
from video.reports.rows import AnalyticsRow, CameraRow, DestructionRow, Period

T0 = datetime(2026, 3, 1, tzinfo=UTC)
PERIOD = Period(T0, T0 + timedelta(days=30))


def page(language: str) -> str:
    """The page over a small month, in a language."""
    inputs = Inputs(
        period=PERIOD,
        cameras=[CameraRow("cam-a", "Rue <b>A</b>", 7, "Arrêté <script>x</script>")],
        analytics=[AnalyticsRow("cam-a", True, "Décret n° 2023-828", date(2027, 3, 31), ("fire",))],
        destructions=[DestructionRow("cam-a", T0 + timedelta(days=9), T0, T0 + timedelta(hours=1))],
        chain=ChainResult(True, 12, 2, 0, (), T0 + timedelta(days=30)),
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
