"""Every error leaves as JSON `{"detail": "..."}` whose text names what was wrong."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Problem(BaseModel):
    """Why a request was refused: one readable sentence naming what was wrong."""

    detail: str


# Every refusal has the one shape above; the OpenAPI document says so for each operation (in
# place of FastAPI's list-shaped 422, which csu never sends).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": Problem, "description": "Refused: `detail` says why."}
}


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
