"""The built-in demo: a site for a few streets of a city, its accounts, a simulated hypervisor.

The demo is part of the composition root, with csu/app.py and csu/cli.py: it sits above every
package and uses their services as a site would, its accounts made by the administration service
(privacy.accounts) and its alarms posted to the HTTP API.
"""

from __future__ import annotations

from pathlib import Path

from csu.config import SiteConfig, parse_site

SITE_FILE = Path(__file__).resolve().parent / "site.yaml"


def demo_site() -> SiteConfig:
    """The built-in demo site."""
    return parse_site(SITE_FILE.read_text(), source=str(SITE_FILE))
