"""Amounts: decimal separators, grouping, credit notes, percentages, money formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from invoice_pipeline.processing.validate.amounts import (
    format_money,
    format_price,
    format_quantity,
    parse_amount,
    parse_percent,
)

D = Decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,56", D("1234.56")),
        ("1,234.56", D("1234.56")),
        ("1 234,56", D("1234.56")),
        ("1\u00a0234,56", D("1234.56")),  # no-break space
        ("1\u202f234,56", D("1234.56")),  # narrow no-break space (fr)
        ("1'234.56", D("1234.56")),  # Swiss
        ("1\u2019234.56", D("1234.56")),
        ("1.234.567,89", D("1234567.89")),
        ("1,234,567.89", D("1234567.89")),
        ("1,23,456.00", D("123456.00")),  # Indian grouping
        ("EUR 1.234,56", D("1234.56")),
        ("1.234,56 €", D("1234.56")),
        ("€1,234.56", D("1234.56")),
        ("$1,234", D("1234")),
        ("CHF 1'234.50", D("1234.50")),
        ("USD 1,234.56", D("1234.56")),
        ("Total: 99.00", D("99.00")),
        ("1,23", D("1.23")),
        ("12,5", D("12.5")),
        ("0.125", D("0.125")),
        (".50", D("0.50")),
        ("1.234,-", D("1234")),
        ("12 345", D("12345")),
        ("42", D("42")),
        ("3.572.85", D("3572.85")),  # a scan's decimal comma read as a dot
        ("1,190,95", D("1190.95")),
        ("1.234.567.89 €", D("1234567.89")),
    ],
)
def test_parse_amount_formats(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "-12,50",
        "(12.50)",
        "12.50-",
        "\u221212,50",
        "- EUR 12,50",
        "-€12.50",
        "12,50 €-",
        "12,50 CR",
    ],
)
def test_parse_amount_credit_notes_are_negative(text: str) -> None:
    assert parse_amount(text) == D("-12.50")


def test_parse_amount_three_decimals_follow_the_hint() -> None:
    assert parse_amount("1,234") == D("1234")  # thousands without evidence
    assert parse_amount("1,234", decimal_hint=",") == D("1.234")
    assert parse_amount("1,234", decimal_hint=".") == D("1234")
    assert parse_amount("1.000", decimal_hint=",") == D("1000")
    assert parse_amount("1.000", decimal_hint=".") == D("1.000")
    # a second separator or a leading zero decides whatever the hint
    assert parse_amount("1.234,5", decimal_hint=".") == D("1234.5")
    assert parse_amount("0,125", decimal_hint=".") == D("0.125")
    # ",-" means whole units even when "." is the decimal separator
    assert parse_amount("1.234,-", decimal_hint=".") == D("1234")


@pytest.mark.parametrize(
    "text",
    [None, "", "abc", "12.34.56", "2 x 12,50", "03.04.2024", "12 34", "1 234.567,00", "19%"],
)
def test_parse_amount_rejects_what_is_not_one_amount(text: str | None) -> None:
    assert parse_amount(text) is None


def test_parse_percent() -> None:
    assert parse_percent("19 %") == D("19")
    assert parse_percent("19,0%") == D("19.0")
    assert parse_percent("7.7") == D("7.7")
    assert parse_percent("MwSt 25,5 %") == D("25.5")
    assert parse_percent("n/a") is None


def test_formatting() -> None:
    assert format_money(D("1234.5")) == "1234.50"
    assert format_money(D("-12")) == "-12.00"
    assert format_price(D("0.28735")) == "0.28735"
    assert format_price(D("250.000000")) == "250.00"
    assert format_quantity(D("2.500000")) == "2.5"
    assert format_quantity(D("19")) == "19"
