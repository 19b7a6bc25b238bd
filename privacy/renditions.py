"""Which masked version of a camera a viewer gets: decided by policy, never by the client."""

from __future__ import annotations

from enum import StrEnum


class Rendition(StrEnum):
    """The masked versions of a camera's picture; no unmasked one exists outside ingest."""

    ZONES = "zones"  # static privacy zones burned in: what operators watch
    ANONYMISED = "anonymised"  # zones plus faces (and optionally people) hidden
    # Zones plus every person (whole body) and every text region (plates) filled solid: the only
    # rendition a public screen (the Forum) may show, and only of cameras opted in for the public.
    PUBLIC = "public"


def rendition_for(
    *, anonymised_viewer: bool, anonymised_display: bool = False, public_viewer: bool = False
) -> Rendition:
    """Public for a public display account; anonymised when the user or the display is flagged
    for it; else zones."""
    if public_viewer:
        return Rendition.PUBLIC
    if anonymised_viewer or anonymised_display:
        return Rendition.ANONYMISED
    return Rendition.ZONES
