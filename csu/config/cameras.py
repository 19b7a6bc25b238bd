"""The `cameras` section: where each camera streams from, where it looks, what it must mask."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self
from urllib.parse import SplitResult

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from csu.config.analytics import AnalyticsConfig
from csu.config.onvif import OnvifConfig
from csu.config.ptz_view import PtzViewConfig
from csu.config.urls import host_problem, redact_url, split_url

# One identifier rule for cameras, walls and alarm sources: safe in URLs, file names and logs.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
CAMERA_SCHEMES = ("rtsp", "rtsps", "http", "https", "file", "demo")
_NETWORK_SCHEMES = frozenset({"rtsp", "rtsps", "http", "https"})


def _file_problem(parts: SplitResult) -> str | None:
    if parts.netloc:
        # `file://videos/a.mp4` reads 'videos' as a host: a frequent slip for a relative path.
        return "a file URL takes no host; write file:///abs/path.mp4 or file:relative/path.mp4"
    if parts.path in ("", "/"):
        return "missing file path"
    return None


def _demo_problem(parts: SplitResult) -> str | None:
    if not parts.netloc:
        return "missing scene name (expected demo://<scene>)"
    if not re.fullmatch(SLUG_PATTERN, parts.netloc):
        return f"scene name {parts.netloc!r} must be lowercase letters, digits, '-' or '_'"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "expected demo://<scene> with nothing after the scene name"
    return None


def camera_url_problem(url: str) -> str | None:
    """Why `url` is not a usable camera source, or None when it is."""
    parts = split_url(url)
    if isinstance(parts, str):
        if parts != "missing scheme":
            return parts
        slip = next((s for s in CAMERA_SCHEMES if url.lower().startswith(f"{s}//")), None)
        if slip is not None:
            return f"missing ':' after {slip!r} (expected {slip}://...)"
        return f"missing scheme (expected one of {', '.join(CAMERA_SCHEMES)})"
    if parts.scheme not in CAMERA_SCHEMES:
        return f"unsupported scheme {parts.scheme!r} (expected one of {', '.join(CAMERA_SCHEMES)})"
    if parts.scheme in _NETWORK_SCHEMES:
        return host_problem(parts)
    if parts.scheme == "file":
        return _file_problem(parts)
    return _demo_problem(parts)


def _polygon_has_area(points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    # A zero-area zone (all points on one line) masks nothing: a silent privacy failure.
    twice_area = sum(
        x0 * y1 - x1 * y0
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
    )
    if abs(twice_area) < 1e-9:
        raise PydanticCustomError("zone_no_area", "privacy zone has no area (points on one line)")
    return points


UnitCoordinate = Annotated[
    float, Field(strict=True, ge=0, le=1, description="Normalised image coordinate, 0..1.")
]
Point = tuple[UnitCoordinate, UnitCoordinate]
Polygon = Annotated[
    tuple[Point, ...],
    Field(min_length=3, max_length=64, description="Polygon of 3 to 64 [x, y] points."),
    AfterValidator(_polygon_has_area),
]


class Location(BaseModel):
    """Where a camera stands, in WGS84 degrees."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(strict=True, ge=-90, le=90, description="Latitude in degrees.")
    lon: float = Field(strict=True, ge=-180, le=180, description="Longitude in degrees.")


class View(BaseModel):
    """The ground a camera covers, drawn as a cone on the map."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bearing_deg: float = Field(
        strict=True, ge=0, lt=360, description="Direction of view, degrees clockwise from north."
    )
    fov_deg: float = Field(strict=True, gt=0, le=360, description="Horizontal field of view.")
    range_m: float = Field(strict=True, gt=0, le=5000, description="Useful viewing distance (m).")


class AnonymiserConfig(BaseModel):
    """How the anonymised rendition finds and hides faces (it runs only while someone watches)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detection_fps: float = Field(
        default=5.0, strict=True, ge=0.5, le=25, description="Face detections per second."
    )
    input_long_side: int = Field(
        default=448,
        strict=True,
        ge=128,
        le=1920,
        description="Detector input's long side in pixels: larger finds smaller faces, costs more.",
    )
    threshold: float = Field(
        default=0.2,
        strict=True,
        gt=0,
        lt=1,
        description="Detector score above which a box is hidden.",
    )
    margin: float = Field(
        default=0.25, strict=True, ge=0, le=2, description="Margin around a face, in face sizes."
    )
    growth_per_s: float = Field(
        default=3.0,
        strict=True,
        ge=0,
        le=20,
        description="Margin added per second since a face was seen, in face sizes (it moves).",
    )
    hold_cycles: int = Field(
        default=3,
        strict=True,
        ge=0,
        le=25,
        description="Detections a face stays hidden after the detector last found it.",
    )
    style: Literal["pixelate", "fill"] = Field(
        default="pixelate", description="Hide faces with coarse blocks or a solid fill."
    )


class RecordingConfig(BaseModel):
    """What a camera keeps of its masked `zones` rendition on disk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A CSU records around the clock by default: footage for a complaint filed days later.
    mode: Literal["continuous", "events", "off"] = Field(
        default="continuous",
        description="Record all the time, only around incidents (pre-alarm buffer), or never.",
    )
    segment_s: float = Field(
        default=10.0,
        strict=True,
        ge=2,
        le=300,
        description="Nominal segment length; cut at the first keyframe after it.",
    )
    pre_alarm_s: float = Field(
        default=10.0,
        strict=True,
        ge=0,
        le=120,
        description="Seconds before an alarm that its clip starts (kept in memory in events mode).",
    )
    post_alarm_s: float = Field(
        default=30.0,
        strict=True,
        ge=0,
        le=1800,
        description="Seconds after an alarm that its clip ends (events mode records on as long).",
    )


class CameraConfig(BaseModel):
    """One camera: its stream, its place on the map, its retention and its privacy masks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG_PATTERN, description="Stable identifier, a lowercase slug.")
    name: str = Field(min_length=1, max_length=120, description="Name shown to operators.")
    source: str = Field(
        min_length=1,
        max_length=2048,
        description="Stream URL: rtsp, rtsps, http, https, file or demo (may carry credentials).",
    )
    location: Location | None = Field(default=None, description="Position on the map.")
    view: View | None = Field(default=None, description="Viewing cone on the map.")
    # The legal maximum for keeping public-space video is 30 days.
    retention_days: int = Field(
        default=15, strict=True, ge=1, le=30, description="Days recordings are kept (law: <= 30)."
    )
    privacy_zones: tuple[Polygon, ...] = Field(
        default=(), max_length=32, description="Image areas masked in every rendition."
    )
    # French law (CSI L252-1): each public-space camera runs under a prefect's order, whose
    # reference the ethics committee's report lists beside the camera.
    authorisation: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=(
            "Reference of the prefectoral order authorising the camera"
            " (e.g. 'Arrêté préfectoral n° 2024-VP-0117 du 12/03/2024')."
        ),
    )
    fps: int = Field(default=25, strict=True, ge=1, le=60, description="Nominal frame rate.")
    enabled: bool = Field(default=True, strict=True, description="Whether csu opens the stream.")
    video_loss_after_s: float = Field(
        default=30.0,
        strict=True,
        ge=1,
        le=3600,
        description="Seconds offline before a video-loss alarm is raised (once per outage).",
    )
    anonymiser: AnonymiserConfig = Field(
        default_factory=AnonymiserConfig, description="Face hiding in the anonymised rendition."
    )
    public: bool = Field(
        default=False,
        strict=True,
        description=(
            "Opt-in for public screens (the Forum): only then is the camera served to them, and"
            " only in the public rendition, every person and text region (plates) filled solid."
        ),
    )
    analytics: AnalyticsConfig = Field(
        default_factory=AnalyticsConfig,
        description="Lawful video analytics (off unless a legal basis and end date are given).",
    )
    recording: RecordingConfig = Field(
        default_factory=RecordingConfig,
        description="Recording of the masked picture: continuous, on events, or off.",
    )
    onvif: OnvifConfig | None = Field(
        default=None, description="The camera's ONVIF services: its events become alarms."
    )
    ptz_view: PtzViewConfig | None = Field(
        default=None,
        description=(
            "A PTZ camera's angles and optics: its privacy zones are then drawn on its pan/tilt"
            " map and follow the camera (needs onvif, to read its position)."
        ),
    )

    @model_validator(mode="after")
    def _view_needs_onvif(self) -> Self:
        if self.ptz_view is not None and self.onvif is None:
            raise ValueError("ptz_view needs onvif: the camera's position is read over ONVIF")
        return self

    @field_validator("source")
    @classmethod
    def _valid_source(cls, value: str) -> str:
        problem = camera_url_problem(value)
        if problem is not None:
            raise PydanticCustomError(
                "camera_url",
                "invalid camera URL {url}: {why}",
                {"url": repr(redact_url(value)), "why": problem},
            )
        return value

    @property
    def redacted_source(self) -> str:
        """The source URL with its password hidden, fit for logs and screens."""
        return redact_url(self.source)
