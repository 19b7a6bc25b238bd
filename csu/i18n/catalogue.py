"""Loading and checking the message catalogue (pure: reads only the package's own files)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal, get_args

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
FOLDER = Path(__file__).resolve().parent / "catalogue"
PLURAL_SUFFIXES = ("_zero", "_one", "_two", "_few", "_many", "_other")
_PARAMETER = re.compile(r"\{(\w+)\}")


class CatalogueError(ValueError):
    """The catalogue's files disagree with each other or with the rules of the module docstring."""


def parameters(text: str) -> frozenset[str]:
    """The parameter names a text uses."""
    return frozenset(_PARAMETER.findall(text))


def base_key(key: str) -> str:
    """The key without its plural suffix (asked for with a count)."""
    for suffix in PLURAL_SUFFIXES:
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


class Catalogue:
    """Every message in every language, checked when loaded."""

    def __init__(self, messages: Mapping[Language, Mapping[str, str]]) -> None:
        self._messages = {language: dict(texts) for language, texts in messages.items()}
        self._plural_keys = {
            language: {base_key(k) for k in texts if base_key(k) != k}
            for language, texts in self._messages.items()
        }

    @classmethod
    def load(cls, folder: Path = FOLDER) -> Catalogue:
        """Read `folder/<language>/<area>.json` for every language, refusing a faulty catalogue."""
        messages: dict[Language, dict[str, str]] = {}
        for language in LANGUAGES:
            texts: dict[str, str] = {}
            for path in sorted((folder / language).glob("*.json")):
                texts.update(_area(path))
            messages[language] = texts
        problems = consistency_problems(messages)
        if problems:
            raise CatalogueError("; ".join(problems))
        return cls(messages)

    def messages(self, language: Language) -> dict[str, str]:
        """All texts of one language, by key."""
        return dict(self._messages[language])

    def text(self, language: Language, key: str) -> str | None:
        """One text as written (a plural key needs its suffix), or None."""
        return self._messages[language].get(key)

    def has_plural(self, language: Language, key: str) -> bool:
        """Whether the key is asked for with a count."""
        return key in self._plural_keys[language]


def _area(path: Path) -> dict[str, str]:
    area = path.stem
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise CatalogueError(f"{path}: expected an object of texts")
    wrong = [key for key in data if not key.startswith(f"{area}.")]
    if wrong:
        raise CatalogueError(f"{path}: keys must start with {area!r}: {', '.join(wrong)}")
    return data


def consistency_problems(messages: Mapping[Language, Mapping[str, str]]) -> list[str]:
    """What keeps the languages from being interchangeable: keys or parameters that differ."""
    problems: list[str] = []
    reference = messages[LANGUAGES[0]]
    for language in LANGUAGES[1:]:
        other = messages[language]
        for key in sorted(set(reference) ^ set(other)):
            if base_key(key) != key:
                continue  # languages have different plural categories
            problems.append(f"{key!r} is missing in {'fr' if key in other else language}")
        for key in sorted(set(reference) & set(other)):
            if parameters(reference[key]) != parameters(other[key]):
                problems.append(f"{key!r} has other parameters in {language}")
        plural = {base_key(k) for k in reference if base_key(k) != k}
        for key in sorted(plural):
            if f"{key}_other" not in other or f"{key}_other" not in reference:
                problems.append(f"{key!r} needs an '_other' form in every language")
    problems += [
        f"{k!r} is empty" for texts in messages.values() for k, v in texts.items() if not v
    ]
    return problems


@cache
def catalogue() -> Catalogue:
    """The package's catalogue, read once."""
    return Catalogue.load()
