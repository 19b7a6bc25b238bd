"""The command line's words for people: the site file's language when one is at hand, else
French (machine-readable outputs, JSON, CSV and site-file entries, are never translated)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from csu.i18n import LANGUAGES, Language, Translator


def site_language(site_file: Path | None) -> Language:
    """`site.language` of a site file, read even when the rest of it is wrong; French if none."""
    if site_file is None:
        return "fr"
    try:
        data: Any = yaml.safe_load(site_file.read_text(encoding="utf-8"))
        said = data["site"]["language"]
    except (OSError, UnicodeError, yaml.YAMLError, KeyError, TypeError):
        return "fr"
    return next((language for language in LANGUAGES if language == said), "fr")


def cli_words(site_file: Path | None = None) -> Translator:
    """The messages of a command, in the language of its site file (or French)."""
    return Translator(site_language(site_file))
