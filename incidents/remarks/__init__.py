"""Remarks left by the Forum's visitors on a place of the city, moderated by staff."""
