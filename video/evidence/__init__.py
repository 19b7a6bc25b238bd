"""Recorded footage out: remuxed playback, signed evidence exports and their verification."""
