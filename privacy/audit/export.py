"""The access log as CSV or JSON Lines, times in UTC, with each entry's links for checking."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, TextIO

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


def write_export(rows: Iterable[dict[str, Any]], out: TextIO, fmt: ExportFormat) -> int:
    """Write the rows in the format; returns how many were written."""
    count = 0
    if fmt is ExportFormat.CSV:
        writer = csv.DictWriter(out, fieldnames=ENTRY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(_plain(row))
            count += 1
        return count
    for row in rows:
        doc = _plain(row)
        # details is stored as JSON text; JSON Lines readers get it as an object.
        doc["details"] = json.loads(doc["details"])
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
        count += 1
    return count
