"""The language the person behind the request being served reads, for work that goes on
elsewhere on their behalf (a PTZ command forwarded to the camera's worker): the worker words its
refusal as the API node would have."""

from __future__ import annotations

from contextvars import ContextVar

from csu.i18n.catalogue import Language

# Set by web for each HTTP request (None: the request named none of csu's languages).
READER_LANGUAGE: ContextVar[Language | None] = ContextVar("csu_reader_language", default=None)
