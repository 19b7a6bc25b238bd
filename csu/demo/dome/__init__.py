"""A simulated ONVIF dome camera: the demo's PTZ camera, and the device the tests talk to."""

from __future__ import annotations

from csu.config import SiteConfig
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.view import DomeVideo, street_panorama


def demo_dome(site: SiteConfig, camera_id: str) -> OnvifDevice:
    """The dome a site's camera describes (its ONVIF account, its optics), filming the square."""
    camera = site.camera(camera_id)
    if camera is None or camera.onvif is None or camera.ptz_view is None:
        raise ValueError(f"camera {camera_id!r} is not a dome: it needs onvif and ptz_view")
    if camera.onvif.password is None:
        raise ValueError(f"camera {camera_id!r}: the demo dome's password is in the site file")
    optics, panorama = camera.ptz_view, street_panorama()
    return OnvifDevice(
        camera.onvif.username or "csu",
        camera.onvif.password,
        video=lambda head: DomeVideo(panorama, optics, head.advance, fps=camera.fps, delay_s=0.2),
    )
