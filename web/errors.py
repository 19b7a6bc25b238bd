"""Every error leaves as JSON `{"detail": "..."}` whose text names what was wrong.

The one place where refusals become HTTP statuses: each kind of domain error (csu.errors) has
its status here, and no route catches a domain error to translate it.

The words are the reader's: a request naming one of csu's languages in `Accept-Language` (the
pages' api() always names theirs) gets the refusal's catalogue text in that language, times on
the site's clock; a request naming none (API clients, scripts) gets the English sentence as
before, so nothing that parses `detail` changes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from csu.config import SiteConfig
from csu.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    Malformed,
    NotFound,
    TooMany,
    Unauthenticated,
    Unavailable,
)
from csu.i18n import READER_LANGUAGE, Language
from web.refusal_words import describe_validation, reader_language, refusal_words


class Problem(BaseModel):
    """Why a request was refused: one readable sentence naming what was wrong."""

    detail: str


# Every refusal has the one shape above; the OpenAPI document says so for each operation (in
# place of FastAPI's list-shaped 422, which csu never sends).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "description": "Refused: `detail` says why."}
}

STATUS_OF: dict[type[DomainError], int] = {
    Malformed: status.HTTP_400_BAD_REQUEST,
    Unauthenticated: status.HTTP_401_UNAUTHORIZED,
    Forbidden: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Invalid: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TooMany: status.HTTP_429_TOO_MANY_REQUESTS,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
    DomainError: status.HTTP_400_BAD_REQUEST,
}


def status_of(error: DomainError) -> int:
    """The status of the error's kind: the first kind in its class's order (an error that is
    two kinds, like a layout refused only for its forbidden cameras, puts the one it is first)."""
    return next(STATUS_OF[kind] for kind in type(error).__mro__ if kind in STATUS_OF)


def _reader(request: Request) -> tuple[Language | None, str]:
    """The language the reader asked for (None: today's English) and the site's time zone."""
    provided: dict[type, Any] = getattr(request.app.state, "provided", {})
    site = provided.get(SiteConfig)
    zone: str = (
        site.site.timezone
        if isinstance(site, SiteConfig)
        else getattr(request.app.state, "site_timezone", "UTC")
    )
    # Read once per request, by _ReaderLanguage, which wraps every route and these handlers.
    return READER_LANGUAGE.get(), zone


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    language, zone = _reader(request)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": describe_validation(exc.errors(), language, zone)},
    )


async def _domain_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    wait = exc.retry_after_s
    language, zone = _reader(request)
    english = str(exc) or (type(exc).__doc__ or "refused").splitlines()[0]
    return JSONResponse(
        status_code=status_of(exc),
        content={"detail": refusal_words(exc, language, zone) or english},
        headers=None if wait is None else {"Retry-After": str(wait)},
    )


class _ReaderLanguage:
    """Keeps the request's reader language in csu.i18n.reader while it is served, so a request
    forwarded on the reader's behalf (PTZ to a camera's worker) names it too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"accept-language"), b"")
        token = READER_LANGUAGE.set(reader_language(header.decode("latin-1")))
        try:
            await self.app(scope, receive, send)
        finally:
            READER_LANGUAGE.reset(token)


def install_error_handlers(app: FastAPI, *, timezone: str | None = None) -> None:
    """Answer domain errors with their kind's status, and validation errors with one message;
    `timezone` is the site's where no SiteConfig is provided to the routes (a worker)."""
    if timezone is not None:
        app.state.site_timezone = timezone
    app.add_middleware(_ReaderLanguage)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(DomainError, _domain_handler)
