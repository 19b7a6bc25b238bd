"""Cameras as administrators change them: the flow that checks, logs, stores and announces a
change (service), and its application to the cameras each process runs (changes)."""
