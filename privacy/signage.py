"""What each camera's public sign says (CSI L251-3, GDPR art. 13, directive 2016/680 art. 13):
the pictogram, the controller, the DPO, the retention, the legal basis and authorisation, and
how a person exercises their rights; facts and the sign's sentences, in one language."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from csu.config import CameraConfig
from csu.config.controller import ControllerConfig, DpoConfig
from csu.config.site import SiteSection
from csu.i18n import Language, SiteClock, Translator

Missing = Literal["controller", "dpo", "authorisation"]


class SignageAnalytics(BaseModel):
    """Algorithmic processing of the camera's images, which the public must be told about."""

    legal_basis: str
    end_date: date | None


class SignageTexts(BaseModel):
    """The sign's sentences in its language, ready to print."""

    title: str
    camera: str
    purpose: str
    legal_basis: str
    retention: str
    rights: str
    complaint: str
    analytics: str | None
    missing: str | None


class Signage(BaseModel):
    """One camera's public-signage data."""

    camera_id: str
    camera_name: str
    language: Language
    pictogram: Literal["camera"] = Field(
        description="The pictogram to print: a camera (the HTML sheet draws it as inline SVG)."
    )
    controller: ControllerConfig | None = Field(description="The data controller (the city).")
    dpo: DpoConfig | None = Field(description="Whom the public writes to about its rights.")
    retention_days: int = Field(description="Days the images are kept before erasure.")
    authorisation: str | None = Field(description="The prefectoral order's reference.")
    analytics: SignageAnalytics | None = Field(
        description="Algorithmic processing in force on this camera, if any."
    )
    missing: list[Missing] = Field(
        description="What the site file lacks for a complete sign (printed as a warning)."
    )
    texts: SignageTexts


def missing_items(camera: CameraConfig, site: SiteSection) -> list[Missing]:
    """What a complete sign needs and the site file does not give."""
    found: list[Missing] = []
    if site.controller is None:
        found.append("controller")
    if site.dpo is None:
        found.append("dpo")
    if camera.authorisation is None:
        found.append("authorisation")
    return found


def _analytics(camera: CameraConfig) -> SignageAnalytics | None:
    config = camera.analytics
    if not config.enabled or not config.legal_basis:
        return None
    return SignageAnalytics(legal_basis=config.legal_basis, end_date=config.end_date)


def _texts(
    camera: CameraConfig, site: SiteSection, language: Language, missing: list[Missing]
) -> SignageTexts:
    t = Translator(language)
    clock = SiteClock(language, site.timezone)
    days = t("signage.days", count=clock.count(camera.retention_days))
    contact = site.dpo.email if site.dpo else t("signage.missing_item.dpo")
    analytics = _analytics(camera)
    end = analytics.end_date.strftime("%d/%m/%Y") if analytics and analytics.end_date else "—"
    items = "; ".join(t(f"signage.missing_item.{item}") for item in missing)
    return SignageTexts(
        title=t("signage.title"),
        camera=t("signage.camera", camera=camera.name),
        purpose=t("signage.purpose"),
        legal_basis=t("signage.legal_basis"),
        retention=t("signage.retention", days=days),
        rights=t("signage.rights", contact=contact, days=days),
        complaint=t("signage.complaint"),
        analytics=(
            t("signage.analytics", legal_basis=analytics.legal_basis, end=end)
            if analytics
            else None
        ),
        missing=t("signage.missing", items=items) if missing else None,
    )


def camera_signage(camera: CameraConfig, site: SiteSection, language: Language) -> Signage:
    """The camera's sign: the site's controller and DPO, the camera's retention, authorisation
    and analytics, and the sentences in `language`."""
    missing = missing_items(camera, site)
    return Signage(
        camera_id=camera.id,
        camera_name=camera.name,
        language=language,
        pictogram="camera",
        controller=site.controller,
        dpo=site.dpo,
        retention_days=camera.retention_days,
        authorisation=camera.authorisation,
        analytics=_analytics(camera),
        missing=missing,
        texts=_texts(camera, site, language, missing),
    )
