"""Read a site file and report every problem in it as one plain line: `<key path>: <problem>`."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sized
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from csu.config.authorisations import CAMERA_REF_PATTERN, USER_PATTERN
from csu.config.cameras import SLUG_PATTERN
from csu.config.onvif import ENV_NAME_PATTERN
from csu.config.site import SiteConfig
from csu.config.urls import redact_url

# Plain words for the patterns the models use; the raw regex is the fallback.
_PATTERN_WORDS = {
    SLUG_PATTERN: "must be 1 to 64 lowercase letters, digits, '-' or '_', starting with a "
    "letter or digit",
    USER_PATTERN: "must be 1 to 64 lowercase letters, digits, '.', '-' or '_', starting with a "
    "letter or digit",
    CAMERA_REF_PATTERN: "must be a camera id or '*'",
    ENV_NAME_PATTERN: "must be an environment variable name: capital letters, digits and '_'",
}
# Units named in bound errors, chosen by the key's suffix.
_UNIT_SUFFIXES = {"_days": "days", "_deg": "degrees", "_m": "m"}
# What the entries of a list are called, by key path with indices written as [].
_ITEM_NOUNS = {
    ".cameras[].privacy_zones": "zones",
    ".cameras[].privacy_zones[]": "points",
    ".cameras[].privacy_zones[][]": "coordinates",
    ".walls[].grid": "values",
    ".authorisations[].cameras": "cameras",
}
_MAX_SHOWN = 60


class SiteConfigError(Exception):
    """The site file is unusable; `errors` holds one line per problem."""

    def __init__(self, errors: list[str], source: str = "<string>") -> None:
        self.errors = errors
        self.source = source
        count = f"{len(errors)} error" + ("" if len(errors) == 1 else "s")
        super().__init__(f"{source}: {count} in site file\n" + "\n".join(errors))


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that rejects duplicate keys, non-text keys and impossible dates."""


class _BadValueError(yaml.MarkedYAMLError):
    """Well-formed YAML that a site file cannot use (a duplicate key, an impossible date)."""


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Hashable, Any]:
    # PyYAML keeps the last of two equal keys: a typo'd duplicate would silently win.
    # Keys brought in by `<<: *anchor` are not checked: overriding them is the point of merging.
    seen: set[str] = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            problem = f"key {key!r} must be text; quote it"
            raise _BadValueError(problem=problem, problem_mark=key_node.start_mark)
        if key in seen:
            problem = f"duplicate key {key!r}"
            raise _BadValueError(problem=problem, problem_mark=key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    # PyYAML turns `2027-13-01` into a bare ValueError with no position; give it one.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError as exc:
        problem = f"invalid date {node.value!r}: {exc}"
        raise _BadValueError(problem=problem, problem_mark=node.start_mark) from None


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _show(value: Any) -> str:
    """A short, credential-free rendering of a user's value for an error line."""
    text = repr(redact_url(value)) if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def key_path(loc: Iterable[int | str]) -> str:
    """A pydantic location as a key path, e.g. `cameras[0].privacy_zones[1]`."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _number(value: Any) -> str:
    """A bound as the user would write it: 360, not 360.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plural(count: Any, noun: str) -> str:
    return f"{count} {noun.removesuffix('s') if str(count) == '1' else noun}"


def _bound(symbol: str, unit_word: str, ctx_key: str) -> Callable[[ErrorDetails], str]:
    def describe(error: ErrorDetails) -> str:
        limit = _number(error.get("ctx", {})[ctx_key])
        got = _show(error["input"])
        last = str(error["loc"][-1]) if error["loc"] else ""
        unit = next((u for s, u in _UNIT_SUFFIXES.items() if last.endswith(s)), None)
        if unit and unit_word:
            return f"must be {unit_word} {_plural(limit, unit)} (got {got})"
        return f"must be {symbol} {limit} (got {got})"

    return describe


def _item_noun(loc: tuple[int | str, ...]) -> str:
    schema_path = "".join("[]" if isinstance(part, int) else f".{part}" for part in loc)
    return _ITEM_NOUNS.get(schema_path, "items")


def _length(unit: str, bound: str) -> Callable[[ErrorDetails], str]:
    def describe(error: ErrorDetails) -> str:
        ctx = error.get("ctx", {})
        limit = ctx[f"{bound}_length"]
        if unit == "characters" and bound == "min" and limit == 1:
            return "must not be empty"
        noun = unit if unit == "characters" else _item_noun(error["loc"])
        got = len(error["input"])
        word = "at least" if bound == "min" else "at most"
        return f"must have {word} {_plural(limit, noun)} (got {got})"

    return describe


def _pattern(error: ErrorDetails) -> str:
    pattern = str(error.get("ctx", {}).get("pattern", ""))
    words = _PATTERN_WORDS.get(pattern, f"must match {pattern}")
    return f"{words} (got {_show(error['input'])})"


def _generic(error: ErrorDetails) -> str:
    message = error["msg"]
    if message.startswith("Input should"):
        # pydantic's own wording for a wrong type or value; say what was given.
        return f"must{message.removeprefix('Input should')} (got {_show(error['input'])})"
    # csu's own errors are already plain words (and hold back values that may be secret).
    return message[:1].lower() + message[1:]


_DESCRIBE: dict[str, Callable[[ErrorDetails], str]] = {
    "extra_forbidden": lambda e: f"unknown key {str(e['loc'][-1])!r}",
    "missing": lambda e: "required",
    "greater_than": _bound(">", "", "gt"),
    "greater_than_equal": _bound(">=", "at least", "ge"),
    "less_than": _bound("<", "", "lt"),
    "less_than_equal": _bound("<=", "at most", "le"),
    "too_short": _length("items", "min"),
    "too_long": _length("items", "max"),
    "string_too_short": _length("characters", "min"),
    "string_too_long": _length("characters", "max"),
    "string_pattern_mismatch": _pattern,
    "model_type": lambda e: f"must be a mapping of keys (got {_show(e['input'])})",
    "model_attributes_type": lambda e: f"must be a mapping of keys (got {_show(e['input'])})",
    "dict_type": lambda e: f"must be a mapping of keys (got {_show(e['input'])})",
    "list_type": lambda e: f"must be a list (got {_show(e['input'])})",
    "tuple_type": lambda e: f"must be a list (got {_show(e['input'])})",
    "literal_error": lambda e: f"must be {e.get('ctx', {})['expected']} (got {_show(e['input'])})",
}


def _is_length_echo(error: ErrorDetails) -> bool:
    # pydantic counts a tuple's length after dropping its invalid items, so three points with
    # one bad coordinate also read "too short"; the written length is what the user sees.
    if error["type"] not in ("too_short", "too_long"):
        return False
    if not isinstance(error["input"], Sized):
        return False
    written, ctx = len(error["input"]), error.get("ctx", {})
    low: int = ctx.get("min_length", 0)
    high: int = ctx.get("max_length", written)
    return low <= written <= high


def describe_errors(errors: Iterable[ErrorDetails]) -> list[str]:
    """Every real problem among pydantic's errors, one plain line each."""
    return [describe_error(error) for error in errors if not _is_length_echo(error)]


def describe_error(error: ErrorDetails) -> str:
    """One pydantic error as a `<key path>: <problem>` line in plain words."""
    describe = _DESCRIBE.get(error["type"], _generic)
    return f"{key_path(error['loc'])}: {describe(error)}"


def _yaml_error_line(exc: yaml.YAMLError, source: str) -> str:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f"{source}: YAML syntax error: {exc}"
    mark = exc.problem_mark or exc.context_mark
    where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
    problem = exc.problem or exc.context or "unreadable YAML"
    if isinstance(exc, _BadValueError):
        return f"{where}: {problem}"
    return f"{where}: YAML syntax error: {problem}"


def _read_mapping(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise SiteConfigError([_yaml_error_line(exc, source)], source) from None
    if data is None:
        raise SiteConfigError(
            [f"{source}: the site file is empty (expected a 'site' section)"], source
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else _show(data)
        sections = "site, cameras, alarm_sources, walls, authorisations"
        message = f"{source}: the top level must be a mapping of sections ({sections}), got {kind}"
        raise SiteConfigError([message], source)
    return data


def parse_site(text: str, source: str = "<string>") -> SiteConfig:
    """Parse site-file YAML text; raise SiteConfigError listing every problem found."""
    data = _read_mapping(text, source)
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        raise SiteConfigError(describe_errors(exc.errors()), source) from None


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of a YAML file csu reads (`what`: "site file", "scenario"...);
    SiteConfigError with one line naming the file and why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        message = f"{path}: cannot read {what}: not UTF-8 text (bad byte at offset {exc.start})"
    except OSError as exc:
        message = f"{path}: cannot read {what}: {exc.strerror or exc}"
    raise SiteConfigError([message], str(path))


def load_site(path: Path) -> SiteConfig:
    """Read and validate the site file at `path`; raise SiteConfigError listing every problem."""
    return parse_site(read_text(path, "site file"), str(path))


def check_site_file(path: Path) -> list[str]:
    """Every problem in the site file at `path`, one line each; empty when the file is valid."""
    try:
        load_site(path)
    except SiteConfigError as exc:
        return exc.errors
    return []
