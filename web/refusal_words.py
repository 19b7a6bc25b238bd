"""A refusal in its reader's words: the language a request asks for, a domain error's catalogue
text with its facts written the site's way, and pydantic's validation problems framed in French
or English (area `errors`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from csu.errors import DomainError, FieldProblem, Term
from csu.i18n import LANGUAGES, Language, SiteClock, Translator

# Where a parameter came from is the request's business; the reader knows the field by its name.
_PLACES = frozenset({"body", "query", "path", "header", "cookie"})
# pydantic's error types that have their own sentence; the others keep pydantic's English words.
_VALIDATION_KEYS = {
    "missing": "errors.validation.missing",
    "string_too_short": "errors.validation.string_too_short",
    "string_too_long": "errors.validation.string_too_long",
    "too_short": "errors.validation.list_too_short",
    "too_long": "errors.validation.list_too_long",
    "greater_than": "errors.validation.greater_than",
    "greater_than_equal": "errors.validation.greater_than_equal",
    "less_than": "errors.validation.less_than",
    "less_than_equal": "errors.validation.less_than_equal",
    "string_pattern_mismatch": "errors.validation.pattern",
    "enum": "errors.validation.one_of",
    "literal_error": "errors.validation.one_of",
    "extra_forbidden": "errors.validation.extra",
}
# Problems whose limit of 1 means "not empty".
_AT_LEAST = frozenset({"errors.validation.string_too_short", "errors.validation.list_too_short"})
# Problems that need no limit to be said.
_NO_LIMIT = frozenset({"errors.validation.missing", "errors.validation.extra"})
# The pydantic context value each sentence names as {limit}.
_LIMITS = ("min_length", "max_length", "gt", "ge", "lt", "le", "pattern", "expected")


def reader_language(header: str | None) -> Language | None:
    """The first of csu's languages that `Accept-Language` names, by preference; None when it
    names none (no header, `*`, or only other languages): the reader gets today's English."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")):
        tag, _, rest = item.strip().partition(";")
        weight = 1.0
        if rest.strip().startswith("q="):
            try:
                weight = float(rest.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, index, tag.strip().split("-")[0].lower()))
    for weight, _index, primary in sorted(ranked):
        if weight < 0 and primary in LANGUAGES:
            return primary
    return None


def _written(name: str, value: object, clock: SiteClock, t: Translator) -> object:
    if isinstance(value, datetime):
        return clock.datetime(value, seconds=bool(value.second))
    if isinstance(value, Term):
        return t(value.key, **{n: _written(n, v, clock, t) for n, v in value.params.items()})
    if isinstance(value, FieldProblem):
        return _problem(value.error, t, clock.timezone)
    if isinstance(value, list | tuple | set | frozenset):
        joint = _joint(t) if any(isinstance(v, Term | FieldProblem) for v in value) else ", "
        return joint.join(str(_written(name, v, clock, t)) for v in value)
    if name == "count" and isinstance(value, int) and not isinstance(value, bool):
        return clock.count(value)
    return value


def refusal_words(error: DomainError, language: Language | None, timezone: str) -> str | None:
    """The refusal's catalogue text in `language`, its times on the site's clock; None when the
    reader asked for no language of csu's or the refusal names no (known) text."""
    key = getattr(error, "key", None)
    if language is None or key is None:
        return None
    t = Translator(language)
    clock = SiteClock(language, timezone)
    words = str(_written("", Term(key, error.params), clock, t))
    return None if words == key else words


def _field(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location]
    if len(parts) > 1 and parts[0] in _PLACES:
        parts = parts[1:]
    return ".".join(parts)


def _problem(error: Mapping[str, Any], t: Translator, timezone: str) -> str:
    field = _field(error.get("loc", ()))
    key = _VALIDATION_KEYS.get(str(error.get("type")))
    context = error.get("ctx") or {}
    # A validator's own refusal (csu.errors.InvalidValue, or one carried in the context).
    refusal = context.get("refusal", context.get("error"))
    if isinstance(refusal, DomainError):
        words = refusal_words(refusal, t.language, timezone)
        if words is not None:
            return words  # it names its field in words already
    limit = next((context[name] for name in _LIMITS if name in context), None)
    if str(error.get("type", "")).endswith(("_parsing", "_type")):
        return t("errors.validation.unreadable", field=field)
    if key is None or (key not in _NO_LIMIT and limit is None):
        # pydantic's own prefix for a validator's ValueError says nothing to a reader.
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        return t("errors.validation.other", field=field, message=message)
    if key in _AT_LEAST and limit == 1:
        return t("errors.validation.empty", field=field)  # "at least 1 characters" reads badly
    if key == "errors.validation.one_of" and t.language == "fr":
        limit = str(limit).replace(" or ", " ou ")  # pydantic's list of choices: 'a', 'b' or 'c'
    return t(key, field=field, limit=limit)


def describe_validation(
    errors: Sequence[Mapping[str, Any]], language: Language | None, timezone: str = "UTC"
) -> str:
    """One readable sentence per problem, joined: `body.username: Field required` for a reader
    who asked for no language (as always), `Champ obligatoire : username` in French."""
    if language is None:
        parts = [
            f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
            for error in errors
        ]
        return "; ".join(parts) or "invalid request"
    t = Translator(language)
    words = _joint(t).join(_problem(e, t, timezone) for e in errors)
    return words or t("errors.validation.invalid")


def _joint(t: Translator) -> str:
    # French sets a space before a semicolon.
    return " ; " if t.language == "fr" else "; "
