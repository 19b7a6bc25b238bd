"""The spreadsheet-safe CSV cell: formulas stay text, numbers stay numbers, nothing is lost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csu.csv_cells import csv_cell, original_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),
        ("'quoted", "''quoted"),
        ("patrol sent", "patrol sent"),
        ("", ""),
        ("-0.5536", "-0.5536"),
        ("+33", "+33"),
        ("1e-3", "1e-3"),
    ],
)
def test_formula_starts_get_one_leading_quote(value: str, expected: str) -> None:
    """OWASP's rule (= + - @ tab CR), leading spaces and quotes included; plain numbers left."""
    assert csv_cell(value) == expected


def test_values_that_are_not_text_pass_through() -> None:
    """Numbers and empty values are written as they are."""
    assert csv_cell(-3) == -3
    assert csv_cell(None) is None


@given(st.text())
def test_the_stored_value_is_recovered_by_dropping_one_quote(value: str) -> None:
    """The escape is reversible: a checker recomputing hashes from a CSV gets the stored text."""
    assert original_cell(str(csv_cell(value))) == value
