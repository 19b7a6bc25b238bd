"""Lawful video analytics: detection, per-camera tracking and the permitted event rules.

Only the events the law lists (domain.md rule 6) are produced, each only as an alert for a human.
Nothing here recognises faces or re-identifies anyone: a track is a box followed on one camera,
its id is meaningless outside that camera and is forgotten when the track ends.
"""
