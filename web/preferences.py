"""The signed-in account's console preferences: read them, replace them, or change some."""

from __future__ import annotations

from fastapi import APIRouter

from csu.identity.service import (
    Preferences,
    PreferencesChange,
    change_preferences,
    preferences_of,
    save_preferences,
)
from web.deps import CurrentViewer, DbSession

router = APIRouter(prefix="/api/me", tags=["preferences"])


def _user_id(viewer: CurrentViewer) -> int:
    user_id = viewer.user.id
    assert user_id is not None  # a signed-in account is a stored row
    return user_id


@router.get("/preferences", response_model=Preferences)
def get_preferences(viewer: CurrentViewer, session: DbSession) -> Preferences:
    """This account's preferences (the defaults until it saves some); only its own."""
    return preferences_of(session, user_id=_user_id(viewer))


@router.put(
    "/preferences",
    response_model=Preferences,
    responses={422: {"description": "An unknown field or a value out of range (named)."}},
)
def put_preferences(body: Preferences, viewer: CurrentViewer, session: DbSession) -> Preferences:
    """Replace this account's preferences with the document sent (a field left out takes its
    default): the consoles send the whole document each time."""
    return save_preferences(session, user_id=_user_id(viewer), preferences=body)


@router.patch(
    "/preferences",
    response_model=Preferences,
    responses={422: {"description": "An unknown field or a value out of range (named)."}},
)
def patch_preferences(
    body: PreferencesChange, viewer: CurrentViewer, session: DbSession
) -> Preferences:
    """Change the fields sent (null: back to the default), keep the others: what a page changes
    alone (the language) never undoes what another desk of the same account changed meanwhile."""
    return change_preferences(session, user_id=_user_id(viewer), change=body)
