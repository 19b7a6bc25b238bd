"""GeoJSON geometries an alarm can carry (Point, Polygon), always [longitude, latitude]."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from incidents.alarms.errors import AlarmParseError, shown, type_name

Position = tuple[float, float]
GEOJSON_ORDER = "(GeoJSON order is [longitude, latitude])"


def position_problem(lon: float, lat: float, order_hint: str = GEOJSON_ORDER) -> str | None:
    """Why (lon, lat) is not a WGS84 position, or None when it is."""
    # Written as "not inside" so that NaN, which compares false with everything, fails too.
    if not -180.0 <= lon <= 180.0:
        return f"longitude {lon} is outside -180..180 {order_hint}"
    if not -90.0 <= lat <= 90.0:
        return f"latitude {lat} is outside -90..90 {order_hint}"
    return None


def ring_problem(ring: tuple[Position, ...]) -> str | None:
    """Why `ring` is not a closed linear ring, or None when it is."""
    if len(ring) < 4:
        return f"a ring needs at least 4 positions, got {len(ring)}"
    if ring[0] != ring[-1]:
        return f"the ring is not closed (first position {list(ring[0])}, last {list(ring[-1])})"
    return None


class PointGeometry(BaseModel):
    """A GeoJSON Point."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["Point"] = "Point"
    coordinates: Position = Field(description="[longitude, latitude], WGS84.")

    @field_validator("coordinates")
    @classmethod
    def _on_earth(cls, value: Position) -> Position:
        if (problem := position_problem(*value)) is not None:
            raise ValueError(problem)
        return value


class PolygonGeometry(BaseModel):
    """A GeoJSON Polygon: an outer ring, then any holes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["Polygon"] = "Polygon"
    coordinates: tuple[tuple[Position, ...], ...] = Field(
        min_length=1, description="Closed rings of [longitude, latitude] positions."
    )

    @field_validator("coordinates")
    @classmethod
    def _closed_rings_on_earth(
        cls, value: tuple[tuple[Position, ...], ...]
    ) -> tuple[tuple[Position, ...], ...]:
        for ring in value:
            problem = ring_problem(ring)
            for position in ring:
                problem = problem or position_problem(*position)
            if problem is not None:
                raise ValueError(problem)
        return value


Geometry = Annotated[PointGeometry | PolygonGeometry, Field(discriminator="type")]


def parse_geometry(value: Any, field: str) -> PointGeometry | PolygonGeometry:
    """A decoded GeoJSON Point or Polygon, or an AlarmParseError naming what is wrong."""
    if not isinstance(value, dict):
        raise AlarmParseError(
            f"{field}: expected a GeoJSON Point or Polygon, got {type_name(value)}"
        )
    kind = value.get("type")
    coordinates = value.get("coordinates")
    if kind == "Point":
        return PointGeometry(coordinates=parse_position(coordinates, f"{field}.coordinates"))
    if kind == "Polygon":
        return PolygonGeometry(coordinates=_rings(coordinates, f"{field}.coordinates"))
    raise AlarmParseError(
        f"{field}: geometry type {shown(kind)} is not supported (Point or Polygon)"
    )


def parse_position(value: Any, field: str) -> Position:
    """A GeoJSON position [longitude, latitude(, altitude)] as (lon, lat)."""
    numbers = isinstance(value, list | tuple) and all(
        isinstance(item, int | float) and not isinstance(item, bool) for item in value
    )
    if not numbers or not 2 <= len(value) <= 3:
        raise AlarmParseError(f"{field}: expected [longitude, latitude], got {shown(value)}")
    # An altitude is allowed by GeoJSON but means nothing on a city map: it is dropped.
    lon, lat = float(value[0]), float(value[1])
    if (problem := position_problem(lon, lat)) is not None:
        raise AlarmParseError(f"{field}: {problem}")
    return (lon, lat)


def _rings(value: Any, field: str) -> tuple[tuple[Position, ...], ...]:
    if not isinstance(value, list) or not value:
        raise AlarmParseError(f"{field}: expected a list of rings, got {shown(value)}")
    rings: list[tuple[Position, ...]] = []
    for index, ring_value in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(ring_value, list):
            raise AlarmParseError(f"{where}: expected a list of positions, got {shown(ring_value)}")
        ring = tuple(parse_position(item, f"{where}[{n}]") for n, item in enumerate(ring_value))
        if (problem := ring_problem(ring)) is not None:
            raise AlarmParseError(f"{where}: {problem}")
        rings.append(ring)
    return tuple(rings)
