"""The message catalogue and the site's clock: consistent languages, plural forms, site times."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csu.i18n import LANGUAGES, Catalogue, SiteClock, Translator, catalogue
from csu.i18n.catalogue import CatalogueError, consistency_problems
from csu.i18n.translator import fill
from csu.identity.roles import Role


def test_the_shipped_catalogue_has_the_same_keys_and_parameters_in_every_language() -> None:
    messages = {language: catalogue().messages(language) for language in LANGUAGES}
    assert consistency_problems(messages) == []
    assert messages["fr"]["common.sign_out"] == "Se déconnecter"


def _write(folder: Path, language: str, area: str, texts: dict[str, str]) -> None:
    (folder / language).mkdir(parents=True, exist_ok=True)
    (folder / language / f"{area}.json").write_text(json.dumps(texts), encoding="utf-8")


def test_a_key_missing_in_one_language_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "fr", "demo", {"demo.a": "A", "demo.b": "B"})
    _write(tmp_path, "en", "demo", {"demo.a": "A"})
    with pytest.raises(CatalogueError, match=r"'demo\.b' is missing in en"):
        Catalogue.load(tmp_path)


def test_other_parameters_and_keys_outside_their_area_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "fr", "demo", {"demo.a": "{count} caméras"})
    _write(tmp_path, "en", "demo", {"demo.a": "{n} cameras"})
    with pytest.raises(CatalogueError, match="other parameters"):
        Catalogue.load(tmp_path)
    _write(tmp_path, "en", "demo", {"other.a": "{count} cameras"})
    with pytest.raises(CatalogueError, match="must start with 'demo'"):
        Catalogue.load(tmp_path)


def test_plural_forms_follow_each_language(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "fr",
        "demo",
        {"demo.lamps_one": "{count} lampe", "demo.lamps_other": "{count} lampes"},
    )
    _write(
        tmp_path,
        "en",
        "demo",
        {"demo.lamps_one": "{count} lamp", "demo.lamps_other": "{count} lamps"},
    )
    loaded = Catalogue.load(tmp_path)
    fr, en = Translator("fr", loaded), Translator("en", loaded)
    # French counts 0 and 1 as singular; English only 1.
    assert [fr("demo.lamps", count=n) for n in (0, 1, 2)] == ["0 lampe", "1 lampe", "2 lampes"]
    assert [en("demo.lamps", count=n) for n in (0, 1, 2)] == ["0 lamps", "1 lamp", "2 lamps"]


def test_an_unknown_key_reads_as_itself() -> None:
    assert Translator("fr")("nowhere.key") == "nowhere.key"


@given(st.text(), st.dictionaries(st.text(min_size=1), st.text() | st.integers()))
def test_filling_never_fails_whatever_the_text_and_values(
    text: str, params: dict[str, object]
) -> None:
    filled = fill(text, params)
    assert isinstance(filled, str)


def test_site_times_are_on_the_site_clock_in_24_hours() -> None:
    paris = SiteClock("fr", "Europe/Paris")
    winter = datetime(2026, 12, 7, 21, 4, 5, tzinfo=UTC)
    summer = datetime(2026, 7, 14, 21, 4, tzinfo=UTC)
    assert paris.datetime(winter) == "07/12/2026 22:04"
    assert paris.datetime(summer) == "14/07/2026 23:04"
    assert paris.time(winter, seconds=True) == "22:04:05"
    # A naive time counts as UTC, as csu stores every time.
    assert paris.date(datetime(2026, 12, 31, 23, 30)) == "01/01/2027"
    assert SiteClock("en", "Europe/Paris").datetime(winter) == "07/12/2026 22:04"


def test_numbers_as_each_language_writes_them() -> None:
    assert SiteClock("fr", "Europe/Paris").number(1234.5) == "1\u202f234,5"
    assert SiteClock("en", "Europe/Paris").number(1234.5) == "1,234.5"


@pytest.mark.parametrize("area", ["accounts", "console", "crisis", "oversight"])
def test_every_role_is_named_in_words_where_pages_name_roles(area: str) -> None:
    for language in LANGUAGES:
        t = Translator(language)
        for role in Role:
            key = f"{area}.role.{role.value}"
            assert t(key) != key, (language, key)
