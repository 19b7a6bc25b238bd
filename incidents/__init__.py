"""Alarms from outside, correlation into incidents, lifecycle, timelines and the log book."""
