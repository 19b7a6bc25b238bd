"""URL checks shared by the site file's sections: parts, host and port, redaction of secrets."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

_USERINFO_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@:?#]*):[^/?#]*@")
_SECRET_QUERY = re.compile(r"([?&](?:password|passwd|pwd|pass|token|key|secret)=)[^&#]*", re.I)


def redact_url(url: str) -> str:
    """The URL with any password (userinfo or query parameter) replaced by '***'."""
    # Regexes rather than urlsplit so that malformed URLs in error messages are redacted too.
    return _SECRET_QUERY.sub(r"\1***", _USERINFO_PASSWORD.sub(r"\1:***@", url))


def split_url(url: str) -> SplitResult | str:
    """The URL split into parts, or why it cannot be split."""
    if not url.strip():
        return "empty"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unbalanced '[' around an IPv6 host
        return str(exc)
    if not parts.scheme:
        return "missing scheme"
    if any(ch.isspace() for ch in url):
        return "must not contain spaces"
    return parts


def host_problem(parts: SplitResult) -> str | None:
    """Why a network URL's host or port is unusable, or None when both are fine."""
    if not parts.hostname:
        return f"missing host (expected {parts.scheme}://host[:port]/...)"
    try:
        port = parts.port
    except ValueError:  # urlsplit raises on non-numeric or out-of-range ports
        port = 0
    if port is not None and not 1 <= port <= 65535:
        return "port must be a number from 1 to 65535"
    return None
