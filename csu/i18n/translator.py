"""Texts in one language, parameters filled in, plural forms chosen by the language's rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from babel import Locale

from csu.i18n.catalogue import Catalogue, Language, catalogue

_PARAMETER = re.compile(r"\{(\w+)\}")
LOCALES: dict[Language, str] = {"fr": "fr_FR", "en": "en_GB"}


def fill(text: str, params: Mapping[str, object]) -> str:
    """The text with each `{name}` replaced; an unknown name stays as written (never raises)."""
    return _PARAMETER.sub(lambda m: str(params[m[1]]) if m[1] in params else m[0], text)


@cache
def _locale(language: Language) -> Locale:
    # Parsing a locale is most of a Translator's cost (12 us); timelines make one per alarm line.
    return Locale.parse(LOCALES[language])


class Translator:
    """One language's view of the catalogue."""

    def __init__(self, language: Language, messages: Catalogue | None = None) -> None:
        self.language = language
        self.locale = _locale(language)
        self._catalogue = messages or catalogue()

    def __call__(self, key: str, **params: object) -> str:
        """The text for `key` (its plural form when `count` is given); the key itself if unknown."""
        text = self._catalogue.text(self.language, key)
        if "count" in params and self._catalogue.has_plural(self.language, key):
            count = params["count"]
            form = self.locale.plural_form(count) if isinstance(count, int | float) else "other"
            text = self._catalogue.text(self.language, f"{key}_{form}") or self._catalogue.text(
                self.language, f"{key}_other"
            )
        return key if text is None else fill(text, params)
