"""The ethics committee's report over HTTP: the printable page or its PDF, signed, for the
privacy officer and the administrator (anyone else is refused, and the refusal logged)."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from csu.db import Database
from csu.times import ApiTime
from video.reports.service import PAGE_POLICY, EthicsReports, ReportFormat
from web.deps import AccessLogDep, CurrentViewer, SettingsDep, SiteDep, client_address, provided

router = APIRouter(prefix="/api/reports", tags=["reports"])


@router.get(
    "/ethics",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
async def ethics_report(
    request: Request,
    actor: CurrentViewer,
    site: SiteDep,
    settings: SettingsDep,
    access_log: AccessLogDep,
    since: ApiTime | None = None,
    until: ApiTime | None = None,
    format: ReportFormat = ReportFormat.HTML,
) -> Response:
    """The report for [since, until) (default: the year to now) as HTML or PDF, with its SHA-256
    and Ed25519 signature (the site's evidence key) in headers; the access log records the hash."""
    reports = EthicsReports(provided(request, Database), access_log, site, settings)
    client = client_address(request)
    # Reading a year, verifying the chain and laying out a PDF: a worker thread, never the loop.
    signed = await to_thread.run_sync(
        lambda: reports.report(
            actor=actor.user, client=client, since=since, until=until, fmt=format
        )
    )
    disposition = "inline" if format is ReportFormat.HTML else "attachment"
    headers = {
        "Content-Disposition": f'{disposition}; filename="{signed.filename}"',
        "X-Content-SHA256": signed.sha256,
        "X-Signature-Ed25519": signed.signature,
        "X-Signing-Key-Id": signed.key_id,
        "Content-Security-Policy": PAGE_POLICY,
    }
    return Response(signed.content, media_type=signed.media_type, headers=headers)
