"""Every error leaves as JSON `{"detail": "..."}` whose text names what was wrong."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def describe_validation(exc: RequestValidationError) -> str:
    """One readable sentence per problem, joined: `body.username: Field required`."""
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{location}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": describe_validation(exc)},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Replace FastAPI's list-shaped validation errors with one plain message."""
    app.add_exception_handler(RequestValidationError, _validation_handler)
