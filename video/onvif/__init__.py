"""Cameras' ONVIF services, reached through onvif-zeep-async (events, for now)."""
