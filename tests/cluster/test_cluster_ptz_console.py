"""The console of a cluster in Chromium: an operator whose dome moves to another worker (its
worker killed) is told in words that it did and that it is free to take again.

Apart from the other cluster tests: Playwright's browser keeps an event loop running in this
thread for the whole module, where asyncio.run() cannot be called.
"""

from __future__ import annotations

from typing import Any

import pytest

from csu.demo.dome.device import OnvifDevice
from tests.cluster.processes import Cluster
from tests.cluster.test_cluster_ptz import _login, _settled, _until
from tests.cluster.test_cluster_ptz_tours import dome as dome
from tests.cluster.test_cluster_ptz_tours import nodes as nodes
from tests.web.conftest import ARTIFACTS
from tests.web.conftest import browser as browser
from tests.web.test_console_page import new_page, sign_in
from tests.web.test_console_ptz import choose_the_dome

pytestmark = pytest.mark.slow


def test_an_operator_whose_dome_moved_to_another_worker_is_told(
    nodes: Cluster, dome: OnvifDevice, browser: Any
) -> None:
    api = nodes.nodes["api1"]
    first = _until(lambda: _settled(api.url, _login(api.url, "supervisor")), 60, "cameras shared")
    page = new_page(browser)
    sign_in(page, api, "operator")  # type: ignore[arg-type]
    choose_the_dome(page)
    page.keyboard.down("ArrowRight")
    page.wait_for_selector("#ptz .ptz-holder[data-state=mine]")
    page.keyboard.up("ArrowRight")
    head = dome.head
    assert head is not None
    _until(lambda: not any(head.velocity), 20, "the key's stop at the dome")

    nodes.nodes[first].kill()
    # The worker that takes the dome ends the session the dead one left open, and says so.
    moved = page.wait_for_selector("#ptz .ptz-holder[data-state=lost]", timeout=90_000)
    assert moved.inner_text() == "La caméra est passée sur un autre serveur ; reprenez-la"
    # What the bar said while nobody served the dome (a 503) goes once it answers again.
    page.wait_for_selector("#ptz .ptz-message", state="hidden")
    page.screenshot(path=str(ARTIFACTS / "cluster-ptz-moved.png"))
    page.click("#ptz [data-preset=door]")  # taken again, on its new worker
    page.wait_for_selector("#ptz .ptz-holder[data-state=mine]")
    page.context.close()
