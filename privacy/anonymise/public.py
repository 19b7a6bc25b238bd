"""The public rendition's anonymiser: every person and every text region (plates) filled solid.

Faces alone are not enough for a public screen (a silhouette, clothes and a plate identify), so
the public rendition hides whole bodies found by the person detector and every text region found
by PP-OCR's detector, with solid fills (blur can be undone or read through), each box grown by a
margin and held a few detection cycles after it was last seen: a person the detector misses for a
frame stays hidden. It fails closed as the face anonymiser does (the Anonymiser class).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from privacy.anonymise.anonymiser import Anonymiser, Detector
from privacy.anonymise.obscure import Style
from privacy.anonymise.regions import Detection, HoldRule
from privacy.masking import Image


@dataclass(frozen=True)
class PublicMasking:
    """Margins and hold of the public rendition's masks (box sizes, detection cycles)."""

    # Around a body box: the detector's box often cuts off a hand, a bag or the feet.
    person_margin: float = 0.3
    # Around a text box: a plate's frame and its country band lie outside the characters.
    text_margin: float = 0.3
    # Margin added per second since a box was seen: people walk between two detections.
    growth_per_s: float = 3.0
    # Detection cycles a box stays masked after the detector last found it (hysteresis).
    hold_cycles: int = 3
    # How much a new box must overlap a held one to replace it (HoldRule.match_iou).
    match_iou: float = 0.3
    detection_fps: float = 5.0
    # Frames are served this late, so that a detection made after each frame (on it or a later
    # one) masks it too: a person entering the picture between two detections is hidden from
    # their first frame. It must exceed a detection period plus a detection's time.
    delay_s: float = 0.6

    @property
    def stale_after_s(self) -> float:
        """No fresh detection for three periods (a second at least): whole frames are hidden."""
        return max(1.0, 3.0 / self.detection_fps)


class PublicDetector:
    """Persons and text regions in one pass, boxes already grown by their kind's margin."""

    def __init__(
        self, persons: Detector, text: Detector, masking: PublicMasking | None = None
    ) -> None:
        self._persons = persons
        self._text = text
        self._masking = masking or PublicMasking()

    def detect(self, image: Image) -> Sequence[Detection]:
        """Every box to hide on the frame; an error of either detector propagates (fail closed)."""
        masking = self._masking
        people = [
            Detection(d.region.grown(masking.person_margin), d.score)
            for d in self._persons.detect(image)
        ]
        text = [
            Detection(d.region.grown(masking.text_margin), d.score)
            for d in self._text.detect(image)
        ]
        return [*people, *text]


def public_anonymiser(
    persons: Detector, text: Detector, masking: PublicMasking | None = None
) -> Anonymiser:
    """The public rendition's anonymiser: solid fills, held between detections, fails closed."""
    masking = masking or PublicMasking()
    # The margins are applied per kind by the detector; the rule adds only growth with time.
    rule = HoldRule(
        margin=0.0,
        growth_per_s=masking.growth_per_s,
        hold_cycles=masking.hold_cycles,
        match_iou=masking.match_iou,
    )
    return Anonymiser(
        PublicDetector(persons, text, masking),
        rule=rule,
        style=Style.FILL,
        stale_after_s=masking.stale_after_s,
        lookahead=True,
    )
