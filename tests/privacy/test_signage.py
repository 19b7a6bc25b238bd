"""A camera's public sign: the site's controller and DPO, the camera's retention, authorisation
and analytics, its sentences in French or English, and what a sign without them lacks; the site
file refuses a controller or DPO that could not be printed or written to."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from csu.config import SiteConfig, SiteConfigError, load_site, parse_site
from privacy.service import camera_signage

DEMO = Path(__file__).resolve().parents[2] / "csu" / "demo" / "site.yaml"

BARE = textwrap.dedent(
    """
    site: {name: Testville}
    cameras:
      - {id: cam-a, name: Quai, source: demo://street, retention_days: 1}
    """
)


def test_the_demo_sign_names_angers_its_dpo_and_the_camera_s_order() -> None:
    site = load_site(DEMO)
    camera = site.camera("cam-gare-parvis")
    assert camera is not None
    sign = camera_signage(camera, site.site, "fr")
    assert sign.controller is not None and sign.controller.name == "Ville d'Angers"
    assert sign.dpo is not None and sign.dpo.email == "dpd@ville.angers.fr"
    assert sign.retention_days == 7
    assert sign.authorisation == camera.authorisation
    assert sign.missing == [] and sign.texts.missing is None
    assert sign.texts.title == "Espace placé sous vidéoprotection"
    assert "7 jours" in sign.texts.retention
    assert "dpd@ville.angers.fr" in sign.texts.rights
    # Its analytics are authorised: the sign says so, with their legal basis and end.
    assert sign.analytics is not None and sign.texts.analytics is not None
    assert "31/12/2030" in sign.texts.analytics


def test_a_bare_site_s_sign_says_what_is_missing_in_its_language() -> None:
    site = parse_site(BARE)
    sign = camera_signage(site.cameras[0], site.site, "en")
    assert sign.missing == ["controller", "dpo", "authorisation"]
    assert sign.texts.missing is not None and "site.controller" in sign.texts.missing
    assert "1 day," in sign.texts.retention
    assert sign.analytics is None and sign.texts.analytics is None


def _with_site(extra: str) -> SiteConfig:
    return parse_site(BARE.replace("site: {name: Testville}", f"site: {{name: T, {extra}}}"))


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("controller: {name: Ville}", "site.controller.address"),
        ("controller: {name: '  ', address: x}", "must not be blank"),
        ('controller: {name: "A\\u0007B", address: x}', "control character U+0007"),
        ("controller: {name: V, address: A, rights_url: 'http://x.fr'}", "rights_url"),
        ("controller: {name: V, address: A, fax: '1'}", "fax"),
        ("dpo: {name: D, email: not-an-address}", "site.dpo.email"),
        ("dpo: {name: D, email: d@x.fr, phone: 'call me'}", "site.dpo.phone"),
    ],
)
def test_the_site_file_refuses_what_a_sign_could_not_carry(extra: str, problem: str) -> None:
    with pytest.raises(SiteConfigError) as caught:
        _with_site(extra)
    assert problem in str(caught.value)


def test_a_complete_controller_and_dpo_are_read() -> None:
    site = _with_site(
        "controller: {name: Ville, address: '1 place X'},"
        " dpo: {name: DPD, email: dpd@ville.fr, phone: '+33 2 41 05 40 00'}"
    )
    assert site.site.dpo is not None and site.site.dpo.phone == "+33 2 41 05 40 00"
