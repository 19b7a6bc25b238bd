"""Bookmarks: a moment of a camera's recording marked with a note (and an incident)."""
