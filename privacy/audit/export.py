"""The access log as CSV or JSON Lines, times in UTC, with each entry's links for checking."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import Any, TextIO

from csu.csv_cells import csv_cell
from privacy.access_log.chain import TIME_FIELDS, canonical_time
from privacy.access_log.rows import ENTRY_COLUMNS


class ExportFormat(StrEnum):
    """The formats `csu audit export` writes."""

    CSV = "csv"
    JSONL = "jsonl"


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: canonical_time(row[name]) if name in TIME_FIELDS else row[name]
        for name in ENTRY_COLUMNS
    }


def export_lines(rows: Iterable[dict[str, Any]], fmt: ExportFormat) -> Iterator[str]:
    """The export as lines of text (header first for CSV), for writing or streaming."""
    if fmt is ExportFormat.CSV:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=ENTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        yield buffer.getvalue()
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            # Usernames tried at the login page and other typed text: never a spreadsheet formula.
            writer.writerow({name: csv_cell(value) for name, value in _plain(row).items()})
            yield buffer.getvalue()
        return
    for row in rows:
        doc = _plain(row)
        # details is stored as JSON text; JSON Lines readers get it as an object.
        doc["details"] = json.loads(doc["details"])
        yield json.dumps(doc, ensure_ascii=False) + "\n"


def write_export(rows: Iterable[dict[str, Any]], out: TextIO, fmt: ExportFormat) -> int:
    """Write the rows in the format; returns how many were written."""
    lines = export_lines(rows, fmt)
    if fmt is ExportFormat.CSV:
        out.write(next(lines))
    count = 0
    for line in lines:
        out.write(line)
        count += 1
    return count
