"""Refusals in the reader's language: English as always for a request that names none of csu's
languages, the catalogue's words (times on the site's clock) for one that names French."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from csu.errors import DomainError
from csu.i18n import READER_LANGUAGE
from csu.identity.password_rule import check_password
from csu.identity.roles import Role
from incidents.commands import CommandError
from incidents.relay import decode_outcome, encode_outcome
from privacy.account_forms import Reason
from privacy.guard import no_right
from privacy.policy import Action
from video.evidence.segments import MAX_PLAYBACK, check_footage_request, no_footage
from web.errors import install_error_handlers
from web.refusal_words import reader_language

START = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
END = datetime(2026, 1, 1, 10, 5, tzinfo=UTC)


class Account(BaseModel):
    username: str = Field(min_length=3, max_length=8)
    title: str = Field(default="t", min_length=1)
    role: Role
    age: int = Field(ge=0)
    reason: Reason = "given"


def _app() -> TestClient:
    app = FastAPI()
    install_error_handlers(app, timezone="Europe/Paris")

    @app.get("/footage")
    def footage() -> None:
        raise no_footage("cam-street", START, END)

    @app.get("/play")
    def play(reason: Annotated[str, Query()] = "") -> None:
        check_footage_request(END, START, reason, limit=MAX_PLAYBACK, doing="play back")

    @app.get("/password")
    def password() -> None:
        check_password("bob", username="bob")

    @app.get("/right")
    def right() -> None:
        raise no_right(Action.PLAYBACK, "cam-street")

    @app.get("/plain")
    def plain() -> None:
        raise DomainError("a refusal with no catalogue text")

    @app.get("/reader")
    def reader() -> str | None:
        return READER_LANGUAGE.get()

    @app.post("/accounts")
    def accounts(account: Account) -> None:
        del account

    return TestClient(app)


def _detail(client: TestClient, path: str, language: str | None) -> str:
    headers = {} if language is None else {"Accept-Language": language}
    answer = client.get(path, headers=headers)
    assert answer.status_code >= 400
    detail: str = answer.json()["detail"]
    return detail


def test_no_language_asked_keeps_the_english_sentence_api_clients_read() -> None:
    client = _app()
    assert _detail(client, "/footage", None) == (
        "nothing recorded for camera 'cam-street' from 2026-01-01T10:00:00+00:00"
        " to 2026-01-01T10:05:00+00:00"
    )
    assert _detail(client, "/right", None) == "no playback right on camera 'cam-street'"


def test_french_asked_gets_french_words_and_times_on_the_site_clock() -> None:
    client = _app()
    assert _detail(client, "/footage", "fr") == (
        "aucun enregistrement pour la caméra cam-street du 01/01/2026 11:00 au 01/01/2026 11:05"
    )
    assert _detail(client, "/play", "fr") == (
        "motif : un motif est obligatoire pour accéder aux enregistrements ;"
        " fin : doit être après le début"
    )
    assert _detail(client, "/right", "fr-FR,fr;q=0.9,en;q=0.8") == (
        "vous n'avez pas le droit « relecture » sur la caméra cam-street"
    )
    assert _detail(client, "/password", "fr").startswith(
        "mot de passe refusé : il doit compter au moins 12 caractères (il en a 3)"
    )


def test_english_asked_gets_the_catalogue_english_on_the_site_clock() -> None:
    assert _detail(_app(), "/footage", "en") == (
        "nothing recorded for camera cam-street from 01/01/2026 11:00 to 01/01/2026 11:05"
    )


@pytest.mark.parametrize("language", ["de", "*", "de-DE,it;q=0.5", "fr;q=0"])
def test_a_language_csu_does_not_speak_gets_the_english_sentence(language: str) -> None:
    # Not the site's language: a client that names only others is no page of csu's.
    assert _detail(_app(), "/right", language) == "no playback right on camera 'cam-street'"


def test_a_refusal_without_catalogue_text_stays_english_in_french() -> None:
    assert _detail(_app(), "/plain", "fr") == "a refusal with no catalogue text"


def test_the_reader_language_is_known_while_the_request_is_served() -> None:
    # What a PTZ command forwarded to the camera's worker names as its Accept-Language.
    client = _app()
    assert client.get("/reader", headers={"Accept-Language": "fr-FR"}).json() == "fr"
    assert client.get("/reader").json() is None
    assert READER_LANGUAGE.get() is None


def test_the_preferred_language_wins() -> None:
    assert reader_language("en;q=0.2, fr;q=0.9") == "fr"
    assert reader_language("de, en;q=0.5") == "en"
    assert reader_language(None) is None
    assert reader_language("fr;q=bad") is None


def test_validation_problems_are_framed_in_french_for_pages() -> None:
    client = _app()
    body = {"username": "x" * 20, "role": "boss", "age": -1, "title": ""}
    french = client.post("/accounts", json=body, headers={"Accept-Language": "fr"})
    assert french.status_code == 422
    assert french.json()["detail"] == (
        "username : au plus 8 caractères ;"
        " title : ne peut pas être vide ;"
        " role : doit être l'une des valeurs 'operator', 'supervisor', 'crisis',"
        " 'privacy_officer', 'admin' ou 'public_display' ;"
        " age : doit être au moins égal à 0"
    )
    missing = client.post("/accounts", json={}, headers={"Accept-Language": "fr"})
    assert missing.json()["detail"].startswith("Champ obligatoire : username ;")
    english = client.post("/accounts", json={})
    assert english.json()["detail"].startswith("body.username: Field required")
    # A validator's own refusal (csu.errors.InvalidValue) is said in its catalogue words.
    unexplained = {"username": "bob", "role": "operator", "age": 1, "reason": " "}
    said = client.post("/accounts", json=unexplained, headers={"Accept-Language": "fr"})
    assert said.json()["detail"] == "le motif est obligatoire"
    said = client.post("/accounts", json=unexplained)
    assert said.json()["detail"] == "body.reason: Value error, a reason is required"


def test_an_engine_refusal_keeps_its_words_across_the_relay() -> None:
    error = CommandError("incident 7 is closed", key="errors.incidents.closed", incident=7)
    with pytest.raises(CommandError) as raised:
        decode_outcome(encode_outcome(error))
    assert str(raised.value) == "incident 7 is closed"
    assert raised.value.key == "errors.incidents.closed"
    assert raised.value.params == {"incident": 7}
