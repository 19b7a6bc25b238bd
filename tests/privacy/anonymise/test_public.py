"""The public rendition's anonymiser: solid fills per kind's margin, hysteresis, lookahead."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from privacy.anonymise import Anonymiser, Detection, Region
from privacy.anonymise.public import PublicDetector, PublicMasking, public_anonymiser
from privacy.masking import MASK_COLOUR, Image
from privacy.renditions import Rendition, rendition_for

MASK = np.array(MASK_COLOUR, np.uint8)
PERSON = Region(0.4, 0.2, 0.5, 0.6)
PLATE = Region(0.1, 0.8, 0.2, 0.85)


class Script:
    """A detector answering from a list, one answer a call; an Exception answer is raised."""

    def __init__(self, *answers: Sequence[Region] | Exception) -> None:
        self._answers = list(answers)

    def detect(self, image: Image) -> list[Detection]:
        """The next scripted answer."""
        answer = self._answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [Detection(region, 0.9) for region in answer]


def frame() -> Image:
    """A 200x100 grey picture with a gradient, so no pixel is the mask colour by chance."""
    image = np.zeros((100, 200, 3), np.uint8)
    image[:] = np.arange(200, dtype=np.uint8)[np.newaxis, :, np.newaxis] // 2 + 10
    return image


def masked_share(image: Image, region: Region) -> float:
    """The share of a region's pixels filled with the mask colour."""
    x0, y0, x1, y1 = region.pixels(image.shape[1], image.shape[0])
    return float((image[y0:y1, x0:x1] == MASK).all(axis=2).mean())


def anonymiser(*answers: Sequence[Region] | Exception, texts: int = 0) -> Anonymiser:
    """A public anonymiser whose person detector follows a script; no text unless asked."""
    text = Script(*([[PLATE]] * texts + [[]] * (len(answers) - texts)))
    masking = PublicMasking(growth_per_s=0.0, person_margin=0.25)
    return public_anonymiser(Script(*answers), text, masking)


def test_each_kind_is_grown_by_its_own_margin() -> None:
    masking = PublicMasking(person_margin=0.25, text_margin=0.5)
    found = PublicDetector(Script([PERSON]), Script([PLATE]), masking).detect(frame())
    assert [d.region for d in found] == [PERSON.grown(0.25), PLATE.grown(0.5)]


def test_persons_and_plates_are_filled_solid_not_blurred() -> None:
    hide = anonymiser([PERSON], texts=1)
    hide.observe(frame(), 1.0)
    out = hide.apply(frame(), 1.0)
    assert masked_share(out, PERSON.grown(0.25)) == 1.0
    assert masked_share(out, PLATE.grown(0.3)) == 1.0
    # Outside the masks the picture is untouched.
    assert np.array_equal(out[:, :60][:50], frame()[:, :60][:50])


def test_a_person_missed_by_a_detection_stays_masked_for_a_few_cycles() -> None:
    hide = anonymiser([PERSON], [], [], [], [])
    for cycle in range(4):  # found once, then missed three times: still held
        hide.observe(frame(), 1.0 + cycle * 0.2)
        assert masked_share(hide.apply(frame(), 1.0 + cycle * 0.2), PERSON) == 1.0
    hide.observe(frame(), 1.8)  # a fourth miss: released
    assert masked_share(hide.apply(frame(), 1.8), PERSON) == 0.0


def test_a_frame_before_a_detection_is_masked_with_what_it_found() -> None:
    """Lookahead: a person entering between two detections is hidden from their first frame."""
    hide = public_anonymiser(Script([], [PERSON]), Script([], []), PublicMasking(growth_per_s=1.0))
    hide.observe(frame(), 1.0)
    hide.observe(frame(), 1.2)
    earlier = hide.apply(frame(), 1.1)
    assert masked_share(earlier, PERSON.grown(0.25 + 0.1 - 1e-6)) == 1.0


def test_a_frame_no_later_detection_vouches_for_is_wholly_hidden() -> None:
    hide = anonymiser([PERSON])
    assert (hide.apply(frame(), 1.0) == MASK).all()  # before any detection
    hide.observe(frame(), 1.0)
    assert not (hide.apply(frame(), 1.0) == MASK).all()
    assert (hide.apply(frame(), 1.04) == MASK).all()  # after the last detection


def test_a_detector_error_hides_whole_frames() -> None:
    hide = anonymiser([PERSON], RuntimeError("model gone"))
    hide.observe(frame(), 1.0)
    with pytest.raises(RuntimeError):
        hide.observe(frame(), 1.2)
    assert (hide.apply(frame(), 1.0) == MASK).all()
    assert hide.detected_at is None


def test_a_text_detector_error_fails_closed_too() -> None:
    hide = public_anonymiser(Script([PERSON]), Script(RuntimeError("no text model")))
    with pytest.raises(RuntimeError):
        hide.observe(frame(), 1.0)
    assert (hide.apply(frame(), 1.0) == MASK).all()


def test_a_public_viewer_gets_the_public_rendition_whatever_else() -> None:
    assert rendition_for(anonymised_viewer=False, public_viewer=True) is Rendition.PUBLIC
    assert rendition_for(anonymised_viewer=True, public_viewer=True) is Rendition.PUBLIC
    assert rendition_for(anonymised_viewer=True) is Rendition.ANONYMISED
    assert rendition_for(anonymised_viewer=False) is Rendition.ZONES


def test_a_neighbours_box_does_not_release_a_person_lost_behind_a_post() -> None:
    """In a crowd a found box's centre often falls in a held one: only overlap counts."""
    neighbour = Region(0.47, 0.1, 0.57, 0.5)  # its centre lies in PERSON's grown area
    hide = anonymiser([PERSON, neighbour], [neighbour])
    hide.observe(frame(), 1.0)
    hide.observe(frame(), 1.2)
    out = hide.apply(frame(), 1.2)
    assert masked_share(out, PERSON) == 1.0 and masked_share(out, neighbour) == 1.0
