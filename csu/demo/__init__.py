"""The built-in demo: a site for a few streets of a city, its accounts, a simulated hypervisor.

The demo is part of the composition root, with csu/app.py and csu/cli.py: it sits above every
package and uses their services as a site would, its accounts made by the administration service
(privacy.accounts) and its alarms posted to the HTTP API.
"""

from __future__ import annotations

from pathlib import Path

from csu.config import CameraConfig, SiteConfig, parse_site

SITE_FILE = Path(__file__).resolve().parent / "site.yaml"


DOME = "cam-ralliement-dome"
_DOME_ADDRESS = "127.0.0.1:8790"


def demo_site(dome_port: int | None = None) -> SiteConfig:
    """The built-in demo site; its dome's URLs on `dome_port`, where the demo runs it."""
    site = parse_site(SITE_FILE.read_text(), source=str(SITE_FILE))
    if dome_port is None:
        return site
    return site.model_copy(update={"cameras": tuple(_on_port(c, dome_port) for c in site.cameras)})


def _on_port(camera: CameraConfig, port: int) -> CameraConfig:
    if camera.id != DOME or camera.onvif is None:
        return camera
    address = f"127.0.0.1:{port}"
    onvif = camera.onvif.model_copy(
        update={"url": camera.onvif.url.replace(_DOME_ADDRESS, address)}
    )
    return camera.model_copy(
        update={"source": camera.source.replace(_DOME_ADDRESS, address), "onvif": onvif}
    )
