"""The pages of a cluster in Chromium: the console plays a worker's camera through the API
node's redirect; the administrator watches a dead worker's cameras move.

Apart from the other cluster tests: Playwright's browser keeps an event loop running in this
thread for the whole module, where asyncio.run() cannot be called.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.cluster.processes import Cluster
from tests.cluster.test_cluster_video import _login, _owners, _wait_for
from tests.cluster.test_cluster_video import running as running
from tests.web.conftest import ARTIFACTS
from tests.web.conftest import browser as browser
from tests.web.test_console_page import check_live_video_is_masked, new_page, sign_in

pytestmark = pytest.mark.slow


def test_the_console_plays_a_camera_served_by_a_worker(running: Cluster, browser: Any) -> None:
    api = running.nodes["api1"]
    supervisor = _login(api.url)
    _wait_for(
        lambda: (o := _owners(api.url, supervisor)) and all(o.values()) and o, 30, "cameras served"
    )
    page = new_page(browser)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, api, "operator")  # type: ignore[arg-type]
    check_live_video_is_masked(page)
    page.screenshot(path=str(ARTIFACTS / "cluster-console.png"))
    # The offer went to the API node, then to the worker the 307 named, ticket and all.
    owner = running.nodes[str(_owners(api.url, supervisor)["cam-street"])]
    assert f"{api.url}/api/cameras/cam-street/whep" in requests
    assert any(r.startswith(f"{owner.url}/api/cameras/cam-street/whep?ticket=") for r in requests)
    page.context.close()


def test_the_administrator_sees_the_cluster_and_a_dead_workers_cameras_move(
    running: Cluster, browser: Any
) -> None:
    api = running.nodes["api1"]
    page = new_page(browser)
    sign_in(page, api, "admin", then="/admin")  # type: ignore[arg-type]
    page.wait_for_selector("#cluster-section[data-loaded=true]")
    page.wait_for_function(
        "() => document.querySelectorAll('#cluster-cameras tr[data-owner=w1]').length === 2"
    )
    nodes = page.eval_on_selector_all(
        "#cluster-nodes tbody tr", "rows => rows.map(r => r.dataset.node)"
    )
    assert sorted(nodes) == ["api1", "w1", "w2"]
    assert page.inner_text("#cluster-leader") == "api1"
    page.locator("#cluster-section").screenshot(path=str(ARTIFACTS / "cluster-admin.png"))
    running.nodes["w1"].kill()
    page.wait_for_function(
        "() => document.querySelectorAll('#cluster-cameras tr[data-owner=w2]').length === 4",
        timeout=30_000,
    )
    page.wait_for_function(
        "() => !document.querySelector('#cluster-nodes tr[data-node=w1]')", timeout=30_000
    )
    page.locator("#cluster-section").screenshot(path=str(ARTIFACTS / "cluster-admin-failover.png"))
    page.context.close()
