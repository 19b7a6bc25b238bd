"""Anonymisers: detectors that find faces, regions held between detections, and their masking."""

from privacy.anonymise.anonymiser import Anonymiser, Detector
from privacy.anonymise.centerface import CenterFaceDetector
from privacy.anonymise.obscure import Style, obscure, obscure_all, pixelate
from privacy.anonymise.regions import (
    Detection,
    HeldRegion,
    HoldRule,
    Region,
    after_detection,
    region_at,
    regions_at,
)

__all__ = [
    "Anonymiser",
    "CenterFaceDetector",
    "Detection",
    "Detector",
    "HeldRegion",
    "HoldRule",
    "Region",
    "Style",
    "after_detection",
    "obscure",
    "obscure_all",
    "pixelate",
    "region_at",
    "regions_at",
]
