"""Preset tours: a PTZ camera that visits its presets in turn while nobody holds it."""
