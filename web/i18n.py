"""The message catalogue and the site's clock for the pages: asked for before sign-in, since the
sign-in page speaks the site's language too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from csu.i18n import LANGUAGES, Language, catalogue
from incidents.service import type_labels
from web.deps import SiteDep

router = APIRouter(tags=["pages"])


class PageLanguage(BaseModel):
    """What a page needs to speak and write times as the site does."""

    language: Language = Field(description="The language of `messages`.")
    site_language: Language = Field(description="The site's own language (the default).")
    languages: list[Language] = Field(description="Languages a user may choose.")
    timezone: str = Field(description="The site's IANA time zone: every time on a page is in it.")
    site_name: str
    messages: dict[str, str] = Field(description="Every text of the pages, by key.")
    alarm_types: dict[str, str] = Field(
        description="Every alarm type's label in `language`, by type name (lighting.lamp_off)."
    )


@router.get("/api/i18n", response_model=PageLanguage)
def page_language(
    site: SiteDep,
    response: Response,
    lang: Annotated[
        Language | None, Query(description="A user's choice; the site's if absent.")
    ] = None,
) -> PageLanguage:
    """The texts and alarm type labels in the asked (or the site's) language; the site's clock."""
    language = lang or site.site.language
    # Texts change only with a new release; a page reloads often on a wall.
    response.headers["Cache-Control"] = "private, max-age=300"
    return PageLanguage(
        language=language,
        site_language=site.site.language,
        languages=list(LANGUAGES),
        timezone=site.site.timezone,
        site_name=site.site.name,
        messages=catalogue().messages(language),
        alarm_types=type_labels(language),
    )
