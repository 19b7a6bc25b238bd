"""Liveness and metrics (no authentication: probes and Prometheus scrape them)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from csu.metrics import CONTENT_TYPE
from web.deps import MetricsDep

router = APIRouter(tags=["system"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(registry: MetricsDep) -> Response:
    """Prometheus text format."""
    return Response(registry.render(), media_type=CONTENT_TYPE)
