"""The `site` section and the root `SiteConfig` that ties every section together."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from csu.config.alarm_sources import AlarmSourceConfig
from csu.config.analytics import DetectionModelConfig, analytics_problems
from csu.config.authorisations import ALL_CAMERAS, AuthorisationConfig
from csu.config.cameras import CameraConfig
from csu.config.controller import ControllerConfig, DpoConfig
from csu.config.desk import CameraGroupConfig, TourConfig
from csu.config.live import LiveConfig
from csu.config.map import MapConfig
from csu.config.walls import WallConfig
from csu.i18n import Language


class SiteSection(BaseModel):
    """The city or site this csu instance supervises."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100, description="Site name shown in the UI.")
    timezone: str = Field(
        default="Europe/Paris",
        min_length=1,
        max_length=64,
        description="IANA time zone of the site, used for schedules and on-screen times.",
    )
    language: Language = Field(
        default="fr",
        description="Language of the pages, reports and log books (each user may switch).",
    )
    # Printed on every camera's public sign (CSI L251-3, GDPR art. 13); a sign without them
    # says what is missing.
    controller: ControllerConfig | None = Field(
        default=None, description="The data controller that runs the cameras (the city)."
    )
    dpo: DpoConfig | None = Field(
        default=None, description="The controller's data protection officer."
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):  # ValueError: not even a well-formed key
            raise PydanticCustomError(
                "unknown_timezone",
                "unknown time zone {zone} (expected an IANA name such as 'Europe/Paris')",
                {"zone": repr(value)},
            ) from None
        return value

    @property
    def tzinfo(self) -> ZoneInfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)


def _error(loc: tuple[str | int, ...], kind: str, message: str, value: str) -> InitErrorDetails:
    # The message goes in as context so that braces in a user's value are never read as a template.
    error = PydanticCustomError(kind, "{message}", {"message": message})
    return {"type": error, "loc": loc, "input": value}


def _duplicate_ids(section: str, ids: Sequence[str], what: str) -> list[InitErrorDetails]:
    first_seen: dict[str, int] = {}
    errors: list[InitErrorDetails] = []
    for index, item_id in enumerate(ids):
        if item_id in first_seen:
            where = f"{section}[{first_seen[item_id]}]"
            message = f"duplicate {what} id {item_id!r} (already used by {where})"
            errors.append(_error((section, index, "id"), "duplicate_id", message, item_id))
        else:
            first_seen[item_id] = index
    return errors


class SiteConfig(BaseModel):
    """The whole site file: the site, its cameras, alarm sources, walls and authorisations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: SiteSection = Field(description="The supervised site.")
    cameras: tuple[CameraConfig, ...] = Field(default=(), description="Cameras of the site.")
    alarm_sources: tuple[AlarmSourceConfig, ...] = Field(
        default=(), description="Feeds csu receives alarms from."
    )
    walls: tuple[WallConfig, ...] = Field(default=(), description="Video walls csu drives.")
    authorisations: tuple[AuthorisationConfig, ...] = Field(
        default=(), description="Who may watch which cameras."
    )
    groups: tuple[CameraGroupConfig, ...] = Field(
        default=(), description="Cameras gathered by district or commune for the desks."
    )
    tours: tuple[TourConfig, ...] = Field(
        default=(), description="Camera tours the desks and walls may run on a tile."
    )
    models: tuple[DetectionModelConfig, ...] = Field(
        default=(), description="Detectors the site supplies for video analytics."
    )
    map: MapConfig = Field(
        default_factory=MapConfig, description="The map's background (offline by default)."
    )
    live: LiveConfig = Field(
        default_factory=LiveConfig, description="Live view's STUN and TURN servers."
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> Self:
        errors = [
            *_duplicate_ids("cameras", [c.id for c in self.cameras], "camera"),
            *_duplicate_ids("alarm_sources", [a.id for a in self.alarm_sources], "alarm source"),
            *_duplicate_ids("walls", [w.id for w in self.walls], "wall"),
            *self._unknown_cameras(),
            *_duplicate_ids("groups", [g.id for g in self.groups], "group"),
            *self._unknown_group_cameras(),
            *_duplicate_ids("tours", [t.id for t in self.tours], "tour"),
            *self._unknown_tour_steps(),
            *_duplicate_ids("models", [m.id for m in self.models], "model"),
            *self._analytics_problems(),
        ]
        if errors:
            # Raised as a ValidationError so that each problem keeps its own key path.
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def _unknown_cameras(self) -> list[InitErrorDetails]:
        known = {camera.id for camera in self.cameras}
        return [
            _error(
                ("authorisations", index, "cameras", position),
                "unknown_camera",
                f"unknown camera {camera_id!r}",
                camera_id,
            )
            for index, grant in enumerate(self.authorisations)
            for position, camera_id in enumerate(grant.cameras)
            if camera_id != ALL_CAMERAS and camera_id not in known
        ]

    def _unknown_group_cameras(self) -> list[InitErrorDetails]:
        known = {camera.id for camera in self.cameras}
        return [
            _error(
                ("groups", index, "cameras", position),
                "unknown_camera",
                f"unknown camera {camera_id!r} in group {group.id!r}",
                camera_id,
            )
            for index, group in enumerate(self.groups)
            for position, camera_id in enumerate(group.cameras)
            if camera_id not in known
        ]

    def _unknown_tour_steps(self) -> list[InitErrorDetails]:
        known = {"camera": {c.id for c in self.cameras}, "group": {g.id for g in self.groups}}
        return [
            _error(
                ("tours", index, "steps", position, kind),
                f"unknown_{kind}",
                f"unknown {kind} {value!r} in tour {tour.id!r}",
                value,
            )
            for index, tour in enumerate(self.tours)
            for position, step in enumerate(tour.steps)
            for kind, value in (("camera", step.camera), ("group", step.group))
            if value is not None and value not in known[kind]
        ]

    def tour_cameras(self, tour: TourConfig) -> list[str]:
        """A tour's cameras in order, each group's cameras in its place."""
        return tour.cameras({g.id: g.cameras for g in self.groups})

    def _analytics_problems(self) -> list[InitErrorDetails]:
        models = {m.id: m for m in self.models}
        return [
            _error(("cameras", index, "analytics", *where), "analytics", message, camera.id)
            for index, camera in enumerate(self.cameras)
            for where, message in analytics_problems(camera.analytics, models)
        ]

    def camera(self, camera_id: str) -> CameraConfig | None:
        """The camera with this id, or None."""
        return next((c for c in self.cameras if c.id == camera_id), None)

    def group(self, group_id: str) -> CameraGroupConfig | None:
        """The camera group with this id, or None."""
        return next((g for g in self.groups if g.id == group_id), None)

    def wall(self, wall_id: str) -> WallConfig | None:
        """The wall with this id, or None."""
        return next((w for w in self.walls if w.id == wall_id), None)
