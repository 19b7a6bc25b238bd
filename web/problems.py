"""Domain exceptions translated into HTTP answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from privacy.access_log import AccessLogUnavailable
from privacy.guard import AccessDenied
from video.snapshots import NoFrame

Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]


def _answer(code: int) -> Handler:
    async def handler(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=code, content={"detail": str(exc)})

    return handler


def install_problem_handlers(app: FastAPI) -> None:
    """403 for a missing right, 503 when the access log or the camera cannot serve."""
    app.add_exception_handler(AccessDenied, _answer(status.HTTP_403_FORBIDDEN))
    app.add_exception_handler(AccessLogUnavailable, _answer(status.HTTP_503_SERVICE_UNAVAILABLE))
    app.add_exception_handler(NoFrame, _answer(status.HTTP_503_SERVICE_UNAVAILABLE))
