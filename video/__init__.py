"""Cameras as running things: sources, ingest workers, live view, recording, analytics."""
