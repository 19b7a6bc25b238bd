"""Spreadsheet-safe CSV cells: text that a spreadsheet would run as a formula stays text.

Every CSV csu writes (the access-log export, the log book) holds text typed by someone else: a
username tried at the login page, an operator's note, an alarm's description. Opened in a
spreadsheet, a cell starting with = + - @ (or a tab or carriage return before one) is run as a
formula (OWASP, "CSV Injection"). Such a cell gets one leading apostrophe, which spreadsheets
show as "this is text" and hide. Cells starting with an apostrophe get one too, so the escape can
be undone exactly: drop one leading apostrophe, if any, to recover the stored value (a checker
recomputing the access log's hashes from a CSV does that).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-0.5536", "+33") is not a formula: left as it is, it stays a number.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
ESCAPE = "'"


def csv_cell(value: object) -> object:
    """The value to write in a CSV cell: text that could start a formula gets a leading '."""
    if not isinstance(value, str):
        return value
    # Leading spaces are skipped: some spreadsheets trim them before reading the cell.
    start = value.lstrip(" ")
    if value.startswith(ESCAPE) or (
        start.startswith(_FORMULA_START) and not _NUMBER.fullmatch(start)
    ):
        return ESCAPE + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row made safe (see `csv_cell`)."""
    return [csv_cell(v) for v in values]


def original_cell(text: str) -> str:
    """The stored value behind a cell written by `csv_cell`."""
    return text.removeprefix(ESCAPE)
