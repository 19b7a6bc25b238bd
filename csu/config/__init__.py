"""The site file (YAML): cameras, alarm sources, walls and authorisations, validated strictly."""

from csu.config.alarm_sources import AlarmSourceConfig
from csu.config.authorisations import AuthorisationConfig
from csu.config.cameras import CameraConfig, Location, Polygon, View
from csu.config.loader import SiteConfigError, check_site_file, load_site, parse_site
from csu.config.map import MapConfig
from csu.config.site import SiteConfig, SiteSection
from csu.config.urls import redact_url
from csu.config.walls import WallConfig

__all__ = [
    "AlarmSourceConfig",
    "AuthorisationConfig",
    "CameraConfig",
    "Location",
    "MapConfig",
    "Polygon",
    "SiteConfig",
    "SiteConfigError",
    "SiteSection",
    "View",
    "WallConfig",
    "check_site_file",
    "load_site",
    "parse_site",
    "redact_url",
]
