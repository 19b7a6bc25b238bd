"""/api/i18n: the pages' catalogue in the site's language, or a user's, before sign-in."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_catalogue_comes_in_the_sites_language_without_signing_in(client: TestClient) -> None:
    answer = client.get("/api/i18n")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["language"], body["site_language"], body["timezone"]) == (
        "fr",
        "fr",
        "Europe/Paris",
    )
    assert body["messages"]["login.submit"] == "Se connecter"
    assert body["alarm_types"]["lighting.lamp_off"] == "Point lumineux éteint"


def test_a_user_may_ask_for_another_language(client: TestClient) -> None:
    body = client.get("/api/i18n", params={"lang": "en"}).json()
    assert (body["language"], body["site_language"]) == ("en", "fr")
    assert body["messages"]["login.submit"] == "Sign in"
    assert body["alarm_types"]["lighting.lamp_off"] == "Street lamp off"


def test_an_unknown_language_is_refused_by_name(client: TestClient) -> None:
    answer = client.get("/api/i18n", params={"lang": "de"})
    assert answer.status_code == 422
    assert "lang" in answer.text
