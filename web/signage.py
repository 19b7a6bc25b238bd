"""Each camera's public sign: its data as JSON and as a printable A4 sheet.

A sign is public (it is posted in the street), but csu is a closed network: any signed-in role
reads it, whatever cameras it may watch; no one else.
"""

from __future__ import annotations

from html import escape
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from csu.bounds import Key
from csu.i18n import Language, Translator
from privacy.service import Signage, camera_signage
from web.deps import CamerasDep, CurrentViewer, SiteDep, viewer_for

router = APIRouter(tags=["signage"])

# The usual French video-protection pictogram: a camera on its wall bracket, black on white.
PICTOGRAM = """<svg class="pictogram" viewBox="0 0 100 100" role="img" \
aria-labelledby="pictogram-title" xmlns="http://www.w3.org/2000/svg">
<title id="pictogram-title">{title}</title>
<rect x="3" y="3" width="94" height="94" rx="12" fill="#fff" stroke="#000" stroke-width="5"/>
<g transform="rotate(22 50 40)">
<rect x="22" y="28" width="50" height="24" rx="4" fill="#000"/>
<polygon points="72,31 88,25 88,55 72,49" fill="#000"/>
<rect x="15" y="32" width="7" height="16" fill="#000"/>
</g>
<path d="M46 50 V76 H24" stroke="#000" stroke-width="7" fill="none"/>
<rect x="14" y="64" width="10" height="26" fill="#000"/>
</svg>"""


def _sign(camera_id: str, lang: Language | None, cameras: CamerasDep, site: SiteDep) -> Signage:
    config = cameras.known(camera_id).config  # UnknownCamera: 404
    return camera_signage(config, site.site, lang or site.site.language)


@router.get(
    "/api/cameras/{camera_id}/signage",
    response_model=Signage,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
def camera_signage_data(
    camera_id: Key,
    _viewer: CurrentViewer,
    cameras: CamerasDep,
    site: SiteDep,
    lang: Language | None = None,
    format: Literal["json", "html"] = "json",
) -> Response | Signage:
    """The camera's public-signage data (pictogram, controller, DPO, retention, legal basis and
    authorisation, rights) in `lang` (default: the site's); `format=html`: the printable sheet."""
    sign = _sign(camera_id, lang, cameras, site)
    if format == "html":
        return HTMLResponse(sheet(sign))
    return sign


@router.get("/signage/{camera_id}", response_class=HTMLResponse, include_in_schema=False)
async def signage_page(
    camera_id: Key,
    request: Request,
    cameras: CamerasDep,
    site: SiteDep,
    lang: Language | None = None,
) -> Response:
    """The camera's sign as an A4 sheet to print; the sign-in page first when signed out."""
    if await viewer_for(request) is None:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return HTMLResponse(sheet(_sign(camera_id, lang, cameras, site)))


def _entry(label: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs if p)
    return f'<section class="entry"><h2>{escape(label)}</h2>{body}</section>'


def _controller(sign: Signage, t: Translator) -> str:
    c = sign.controller
    if c is None:
        return ""
    more = (
        f'{escape(t("signage.more"))} <a href="{escape(c.rights_url)}">{escape(c.rights_url)}</a>'
        if c.rights_url
        else ""
    )
    return _entry(
        t("signage.controller"), f"<strong>{escape(c.name)}</strong>", escape(c.address), more
    )


def _dpo(sign: Signage, t: Translator) -> str:
    d = sign.dpo
    if d is None:
        return ""
    email = f'<a class="dpo-email" href="mailto:{escape(d.email)}">{escape(d.email)}</a>'
    phone = f"{escape(t('signage.phone'))} {escape(d.phone)}" if d.phone else ""
    return _entry(t("signage.dpo"), escape(d.name), email, escape(d.address or ""), phone)


def sheet(sign: Signage) -> str:
    """The sign as a printable HTML page (A4, black on white; the print button is not printed)."""
    t = Translator(sign.language)
    x = sign.texts
    missing = f'<p class="missing" role="alert">{escape(x.missing)}</p>' if x.missing else ""
    authorisation = (
        _entry(t("signage.authorisation_label"), escape(sign.authorisation))
        if sign.authorisation
        else ""
    )
    analytics = _entry(t("signage.analytics_label"), escape(x.analytics)) if x.analytics else ""
    entries = "".join(
        (
            _controller(sign, t),
            _entry(t("signage.purpose_label"), escape(x.purpose)),
            _entry(t("signage.legal_basis_label"), escape(x.legal_basis)),
            authorisation,
            _entry(t("signage.retention_label"), escape(x.retention)),
            analytics,
            _dpo(sign, t),
            _entry(t("signage.rights_label"), escape(x.rights), escape(x.complaint)),
        )
    )
    title = escape(t("signage.page_title", camera=sign.camera_name))
    return f"""<!doctype html>
<html lang="{sign.language}">
<head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/static/signage/sign.css"></head>
<body data-camera="{escape(sign.camera_id)}">
<main class="sheet">
<header class="band">{PICTOGRAM.format(title=escape(t("signage.pictogram")))}
<h1>{escape(x.title)}</h1></header>
<p class="camera">{escape(x.camera)}</p>
{missing}
<div class="entries">{entries}</div>
</main>
<p class="no-print"><button type="button" id="print">{escape(t("signage.print"))}</button></p>
<script type="module" src="/static/signage/sign.js"></script>
</body>
</html>
"""
