"""In Chromium: a supervisor moderates the Forum's remarks from the console's "Remarques du
Forum" dialog: a remark the kiosk posted appears (text, place, time on the site's clock), one is
refused with a reason, another published, and the kiosk then reads only the published one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.test_console_page import api_headers, new_page, sign_in
from tests.web.test_wall_page import Server
from tests.web.test_wall_page import server as server

pytestmark = pytest.mark.slow

FLOOD = "Le passage sous la gare est inondé <b>ce matin</b>"
LAMP = "Lampadaire éteint rue Saint-Aubin"


def post_remark(server: Server, kiosk: dict[str, str], text: str, **more: Any) -> int:
    """A remark sent as the Forum's kiosk sends it; its id."""
    body = {"lat": 47.4739, "lon": -0.5541, "text": text, "consent": False, **more}
    answer = httpx.post(f"{server.url}/api/forum/remarks", json=body, headers=kiosk)
    assert answer.status_code == 202, answer.text
    rid: int = answer.json()["id"]
    return rid


def test_a_supervisor_refuses_one_remark_and_publishes_another(
    server: Server, browser: Any
) -> None:
    kiosk = api_headers(server, "public_display")
    flood = post_remark(server, kiosk, FLOOD, contact="claire@example.org", consent=True)
    lamp = post_remark(server, kiosk, LAMP)
    page = new_page(browser)
    sign_in(page, server, "supervisor")
    button = page.locator("#remarks-button")
    button.wait_for(state="visible")
    page.wait_for_function("() => /2/.test(document.querySelector('#remarks-button').textContent)")
    assert "Remarques du Forum" in button.inner_text()
    button.click()
    page.wait_for_selector(f"#remarks-list [data-remark='{flood}']")
    first = page.locator(f"#remarks-list [data-remark='{flood}']")
    # Typed text is shown as text, the place and the time received on the site's clock.
    assert first.locator(".remark-text").inner_text() == FLOOD
    assert "47,4739" in first.inner_text() and "Reçue le" in first.inner_text()
    assert "contact laissé" in first.inner_text() and "claire" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "console-remarks.png"))

    first.locator("input[name=reason]").fill("Signalé au service des eaux, pas à publier")
    first.locator(".remark-refuse").click()
    page.wait_for_selector(f"#remarks-list [data-remark='{flood}']", state="detached")
    page.locator(f"#remarks-list [data-remark='{lamp}'] .remark-publish").click()
    page.wait_for_selector(f"#remarks-list [data-remark='{lamp}']", state="detached")
    page.wait_for_selector("#remarks-list .placeholder")
    assert "Aucune remarque en attente" in page.locator("#remarks-list").inner_text()
    page.screenshot(path=str(ARTIFACTS / "console-remarks-done.png"))
    page.context.close()

    published = httpx.get(f"{server.url}/api/forum/remarks", headers=kiosk).json()
    assert [r["text"] for r in published] == [LAMP]
    supervisor = api_headers(server, "supervisor")
    refused = httpx.get(
        f"{server.url}/api/remarks", params={"status": "refused"}, headers=supervisor
    ).json()
    assert [r["refusal_reason"] for r in refused] == ["Signalé au service des eaux, pas à publier"]
    assert refused[0]["moderated_by"] == "supervisor"


def test_an_operator_sees_no_remarks_button(server: Server, browser: Any) -> None:
    page = new_page(browser)
    sign_in(page, server, "operator")
    assert page.locator("#remarks-button").is_hidden()
    page.context.close()
