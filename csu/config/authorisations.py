"""The `authorisations` section: which user may watch which cameras, and until when."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from csu.config.cameras import SLUG_PATTERN

USER_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
ALL_CAMERAS = "*"
# A camera id (the camera slug rule) or the '*' wildcard.
CAMERA_REF_PATTERN = r"^(\*|" + SLUG_PATTERN.removeprefix("^").removesuffix("$") + ")$"

CameraRef = Annotated[
    str, Field(pattern=CAMERA_REF_PATTERN, description="A camera id, or '*' for every camera.")
]


class AuthorisationConfig(BaseModel):
    """A user's right to watch some cameras, optionally until an expiry date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user: str = Field(pattern=USER_PATTERN, description="Username the right is granted to.")
    cameras: tuple[CameraRef, ...] = Field(
        min_length=1, max_length=10_000, description="Camera ids, or ['*'] for every camera."
    )
    expires: date | None = Field(
        default=None, description="Last day the right is valid; none means until revoked."
    )

    @model_validator(mode="after")
    def _wildcard_alone(self) -> Self:
        # '*' next to named cameras is ambiguous: did the author mean all, or only those?
        if ALL_CAMERAS in self.cameras and len(self.cameras) > 1:
            error = PydanticCustomError("wildcard_not_alone", "'*' must be the only entry")
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [{"type": error, "loc": ("cameras",), "input": list(self.cameras)}],
            )
        return self

    @property
    def all_cameras(self) -> bool:
        """Whether this right covers every camera."""
        return self.cameras == (ALL_CAMERAS,)

    def covers(self, camera_id: str) -> bool:
        """Whether this right names `camera_id` (expiry is not checked here)."""
        return self.all_cameras or camera_id in self.cameras
