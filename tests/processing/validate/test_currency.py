"""Currencies: symbols, words and codes to ISO 4217, by country where ambiguous."""

from __future__ import annotations

import pytest

from invoice_pipeline.processing.validate.currency import normalise_currency


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("€", None, "EUR"),
        ("EUR", None, "EUR"),
        ("eur", None, "EUR"),
        ("Euro", None, "EUR"),
        ("euros", None, "EUR"),
        ("1.234,56 €", None, "EUR"),
        ("$", None, "USD"),
        ("$", "CA", "CAD"),
        ("US$", "CA", "USD"),
        ("dollars", None, "USD"),
        ("£", None, "GBP"),
        ("CHF", None, "CHF"),
        ("Fr. 12.50", None, "CHF"),
        ("kronor", None, "SEK"),
        ("kr", "SE", "SEK"),
        ("kr", "NO", "NOK"),
        ("kr.", "DK", "DKK"),
        ("kr", None, None),
        ("kroner", None, None),
        ("ALL PRICES IN EUR", None, "EUR"),
        ("zł", None, "PLN"),
        ("xyz", None, None),
        (None, None, None),
    ],
)
def test_normalise_currency(text: str | None, country: str | None, expected: str | None) -> None:
    assert normalise_currency(text, country=country) == expected
