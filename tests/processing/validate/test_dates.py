"""Dates: ISO, numeric and month-name forms, day/month order."""

from __future__ import annotations

import datetime as dt

import pytest

from invoice_pipeline.processing.validate.dates import parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-04-03", dt.date(2024, 4, 3)),
        ("2024/04/03", dt.date(2024, 4, 3)),
        ("2024-04-03T10:15:00", dt.date(2024, 4, 3)),
        ("20240403", dt.date(2024, 4, 3)),
        ("13/04/2024", dt.date(2024, 4, 13)),
        ("04/13/2024", dt.date(2024, 4, 13)),
        ("12.12.2024", dt.date(2024, 12, 12)),
        ("3 April 2024", dt.date(2024, 4, 3)),
        ("April 3, 2024", dt.date(2024, 4, 3)),
        ("Apr 3rd, 2024", dt.date(2024, 4, 3)),
        ("Wednesday, 3 April 2024", dt.date(2024, 4, 3)),
        ("3. April 2024", dt.date(2024, 4, 3)),
        ("3. März 2024", dt.date(2024, 3, 3)),
        ("Rechnung 12 vom 3. Mai 2024", dt.date(2024, 5, 3)),
        ("3 avril 2024", dt.date(2024, 4, 3)),
        ("1er février 2024", dt.date(2024, 2, 1)),
        ("3 févr. 2024", dt.date(2024, 2, 3)),
        ("3 april 2024", dt.date(2024, 4, 3)),
        ("5 maj 2024", dt.date(2024, 5, 5)),
        ("3-Apr-24", dt.date(2024, 4, 3)),
    ],
)
def test_parse_date_unambiguous(text: str, expected: dt.date) -> None:
    assert parse_date(text) == (expected, False)
    assert parse_date(text, day_first=False) == (expected, False)


def test_parse_date_day_month_order() -> None:
    # DE evidence: day first; US evidence: month first; none: ambiguous, day-first guess
    assert parse_date("03.04.2024", day_first=True) == (dt.date(2024, 4, 3), False)
    assert parse_date("04/03/2024", day_first=False) == (dt.date(2024, 4, 3), False)
    assert parse_date("04/03/2024") == (dt.date(2024, 3, 4), True)
    assert parse_date("03.04.24") == (dt.date(2024, 4, 3), True)
    # evidence never overrides a date that reads only one way
    assert parse_date("13/04/2024", day_first=False) == (dt.date(2024, 4, 13), False)


@pytest.mark.parametrize("text", [None, "", "soon", "31.02.2024", "April 2024"])
def test_parse_date_unreadable(text: str | None) -> None:
    assert parse_date(text) == (None, False)
