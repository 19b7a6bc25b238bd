"""The PDF of the report's page, laid out by WeasyPrint (a real PDF library, from the same HTML
and print CSS a browser prints)."""

from __future__ import annotations

import logging

import weasyprint  # type: ignore[import-untyped]


def pdf_of(html: str) -> bytes:
    """The page as PDF bytes (A4, as its @page rule says); slow: call it off the event loop."""
    # WeasyPrint warns at length about CSS it ignores (the page's screen-only rules).
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    data: bytes = weasyprint.HTML(string=html).write_pdf()
    return data
