"""What a scenario file holds: a timed script of alarms, camera events and injects, each step
with the actions the crisis cell is expected to take (docs/scenarios.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisis.scenarios.timing import Offset

SLUG = r"^[a-z0-9][a-z0-9_-]{0,63}$"
StepKind = Literal["alarm", "cap", "ngsi_ld", "camera", "inject"]
STEP_KINDS: tuple[StepKind, ...] = ("alarm", "cap", "ngsi_ld", "camera", "inject")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Texts(_Strict):
    """A text in French and English (French first: Angers's language)."""

    fr: str = Field(min_length=1, max_length=2000)
    en: str = Field(min_length=1, max_length=2000)

    def text(self, language: str) -> str:
        """The text in `language`, French for any other."""
        return self.en if language == "en" else self.fr


class CameraEvent(_Strict):
    """A camera's video lost or back, or an analytics detection on it."""

    camera: str = Field(pattern=SLUG)
    event: Literal["video_loss", "video_restored", "analytics"]
    # the analytics kind (`video.analytics.<kind>`), for event analytics only
    kind: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")
    reason: Texts | None = None

    @model_validator(mode="after")
    def _kind_for_analytics(self) -> CameraEvent:
        if self.event == "analytics" and self.kind is None:
            raise ValueError("an analytics event names its kind (e.g. crowd_density)")
        if self.event != "analytics" and self.kind is not None:
            raise ValueError("only an analytics event has a kind")
        return self


class _Expected(_Strict):
    within: Offset


class Acknowledge(_Expected):
    """The incident of this alarm type is acknowledged."""

    action: Literal["acknowledge"]
    alarm_type: str


class Escalate(_Expected):
    """The incident of this alarm type is escalated to the crisis cell."""

    action: Literal["escalate"]
    alarm_type: str


class OpenCrisis(_Expected):
    """A crisis is opened."""

    action: Literal["open_crisis"]


class ShowOnWall(_Expected):
    """A camera is put on a wall (any wall when none is named)."""

    action: Literal["show_on_wall"]
    camera: str = Field(pattern=SLUG)
    wall: str | None = Field(default=None, pattern=SLUG)


class LogDecision(_Expected):
    """A decision is written in the crisis log; `about` says which one is expected."""

    action: Literal["log_decision"]
    about: Texts


Expected = Annotated[
    Acknowledge | Escalate | OpenCrisis | ShowOnWall | LogDecision, Field(discriminator="action")
]
ALARM_TYPED_ACTIONS = (Acknowledge, Escalate)


class Step(_Strict):
    """One moment of the script: exactly one of alarm, cap, ngsi_ld, camera or inject."""

    at: Offset
    title: Texts | None = None
    # csu's own alarm JSON, a CAP 1.2 <alert> as text, an NGSI-LD notification (docs/scenarios.md
    # for the {{run}} and {{sent}} placeholders)
    alarm: dict[str, Any] | None = None
    cap: str | None = Field(default=None, min_length=1)
    ngsi_ld: dict[str, Any] | None = None
    camera: CameraEvent | None = None
    inject: Texts | None = None
    expect: list[Expected] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_payload(self) -> Step:
        given = [kind for kind in STEP_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            got = ", ".join(given) or "none"
            raise ValueError(f"a step carries exactly one of {', '.join(STEP_KINDS)} (got {got})")
        return self

    @property
    def kind(self) -> StepKind:
        """Which payload the step carries."""
        return next(kind for kind in STEP_KINDS if getattr(self, kind) is not None)


class Scenario(_Strict):
    """A whole exercise scenario."""

    name: str = Field(pattern=SLUG)
    title: Texts
    description: Texts
    duration: Offset
    steps: list[Step] = Field(min_length=1, max_length=500)
