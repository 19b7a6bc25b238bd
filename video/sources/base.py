"""What an ingest worker reads frames from."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]


class SourceError(RuntimeError):
    """The source cannot deliver frames; the message is shown as the camera's offline reason."""


class FrameSource(Protocol):
    """A blocking source of BGR frames, read from the camera's own ingest thread."""

    nominal_fps: float

    def read(self) -> Image:
        """The next frame, blocking until it is due; raises SourceError when the stream fails."""
        ...

    def close(self) -> None:
        """Release the stream."""
        ...
