"""Which masked version of a camera a viewer gets: decided by policy, never by the client."""

from __future__ import annotations

from enum import StrEnum


class Rendition(StrEnum):
    """The masked versions of a camera's picture; no unmasked one exists outside ingest."""

    ZONES = "zones"  # static privacy zones burned in: what operators watch
    ANONYMISED = "anonymised"  # zones plus faces (and optionally people) hidden


def rendition_for(*, anonymised_viewer: bool, anonymised_display: bool = False) -> Rendition:
    """Anonymised when the user or the display is flagged for it, else zones."""
    if anonymised_viewer or anonymised_display:
        return Rendition.ANONYMISED
    return Rendition.ZONES
