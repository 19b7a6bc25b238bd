"""Angers' districts as the Forum shows them, and the district a point falls in (pure).

Each district is a named centre (approximate, WGS84): a point belongs to the nearest centre
within the city's reach, which draws Voronoi cells close enough to the quartiers' real limits
for a public map that must never locate anything more precisely than a district.
"""

from __future__ import annotations

from dataclasses import dataclass

from incidents.geo import LonLat, distance_m


@dataclass(frozen=True, slots=True)
class District:
    """One quartier of Angers: a stable id, its name and its approximate centre."""

    id: str
    name: str
    lon: float
    lat: float

    @property
    def centre(self) -> LonLat:
        """The district's centre."""
        return LonLat(self.lon, self.lat)


# The quartiers of Angers (the city's own division, approximate centres).
DISTRICTS: tuple[District, ...] = (
    District("centre-ville", "Centre-ville", -0.5540, 47.4715),
    District("doutre", "Doutre", -0.5610, 47.4760),
    District("saint-serge", "Saint-Serge", -0.5480, 47.4820),
    District("monplaisir", "Monplaisir", -0.5290, 47.4930),
    District("deux-croix-banchais", "Deux-Croix Banchais", -0.5170, 47.4700),
    District("la-roseraie", "La Roseraie", -0.5430, 47.4460),
    District("les-justices", "Les Justices", -0.5220, 47.4560),
    District("belle-beille", "Belle-Beille", -0.6020, 47.4800),
    District("lac-de-maine", "Lac de Maine", -0.5950, 47.4560),
    District("saint-jacques", "Saint-Jacques / Nazareth", -0.5730, 47.4650),
    District("hauts-de-saint-aubin", "Hauts-de-Saint-Aubin", -0.5620, 47.5000),
    District("grand-pigeon", "Grand-Pigeon / Saint-Michel", -0.5350, 47.4800),
)

# Farther than this from every centre, a point is outside the city (Angers is ~7 km across).
CITY_REACH_M = 5_000.0


def district_of(point: LonLat | None, districts: tuple[District, ...] = DISTRICTS) -> str | None:
    """The id of the district the point falls in, or None (no place, or outside the city)."""
    if point is None or not districts:
        return None
    nearest = min(districts, key=lambda d: distance_m(point, d.centre))
    return nearest.id if distance_m(point, nearest.centre) <= CITY_REACH_M else None
