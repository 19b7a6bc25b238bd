"""The PDF of the report's page, laid out by WeasyPrint (a real PDF library, from the same HTML
and print CSS a browser prints)."""

from __future__ import annotations

import logging


def pdf_of(html: str) -> bytes:
    """The page as PDF bytes (A4, as its @page rule says); slow: call it off the event loop."""
    # WeasyPrint warns at length about CSS it ignores (the page's screen-only rules), and logs
    # each step of parsing its own style sheets when first imported: quiet it first. Imported
    # here, not at start-up, so a server that never prints a report never loads it.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    import weasyprint  # type: ignore[import-untyped]

    data: bytes = weasyprint.HTML(string=html).write_pdf()
    return data
