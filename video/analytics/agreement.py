"""How far one detector's boxes agree with a reference detector's, frame by frame.

Used to judge a quantised model against its fp32 original: recall is the share of reference boxes
the candidate also finds (IoU at least 0.5, one match each, likeliest first), precision the share
of candidate boxes that match a reference box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from video.analytics.geometry import iou
from video.analytics.tracks import Detection

MATCH_IOU = 0.5


@dataclass(frozen=True)
class Agreement:
    """Matched boxes over the frames compared, with the counts they come from."""

    reference_boxes: int
    candidate_boxes: int
    matched: int
    count_error: float  # mean absolute difference of the per-frame box counts

    @property
    def recall(self) -> float:
        """Share of the reference boxes that the candidate found."""
        return self.matched / self.reference_boxes if self.reference_boxes else 1.0

    @property
    def precision(self) -> float:
        """Share of the candidate boxes that the reference also found."""
        return self.matched / self.candidate_boxes if self.candidate_boxes else 1.0


def _matches(reference: Sequence[Detection], candidate: Sequence[Detection]) -> int:
    free = list(candidate)
    matched = 0
    for wanted in sorted(reference, key=lambda d: -d.score):
        overlaps = [iou(wanted.box, other.box) for other in free]
        if overlaps and max(overlaps) >= MATCH_IOU:
            free.pop(overlaps.index(max(overlaps)))
            matched += 1
    return matched


def agreement(
    reference: Sequence[Sequence[Detection]],
    candidate: Sequence[Sequence[Detection]],
    min_score: float,
) -> Agreement:
    """The agreement of `candidate` with `reference` on the same frames, at or above `min_score`."""
    totals = [0, 0, 0]
    errors = []
    for ref_frame, cand_frame in zip(reference, candidate, strict=True):
        ref = [d for d in ref_frame if d.score >= min_score]
        cand = [d for d in cand_frame if d.score >= min_score]
        totals[0] += len(ref)
        totals[1] += len(cand)
        totals[2] += _matches(ref, cand)
        errors.append(abs(len(ref) - len(cand)))
    count_error = sum(errors) / len(errors) if errors else 0.0
    return Agreement(totals[0], totals[1], totals[2], count_error)
