"""The roles of the people who use csu."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """One role per account; what each may do is the access policy's business."""

    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    CRISIS = "crisis"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"
    # The Forum's kiosk: a public screen that shows the Forum page and nothing else.
    PUBLIC_DISPLAY = "public_display"


ALL_CAMERAS = "*"
