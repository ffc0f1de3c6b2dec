"""Payment terms: the due date they imply."""

from __future__ import annotations

import datetime as dt

import pytest

from invoice_pipeline.processing.validate.terms import due_date_from_terms

INVOICE_DATE = dt.date(2024, 4, 3)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("30 days net", 30),
        ("Net 30", 30),
        ("Terms: NET30", 30),
        ("Payable within 14 days", 14),
        ("Payment terms: 45 days from invoice date", 45),
        ("Due on receipt", 0),
        ("zahlbar innerhalb 14 Tagen", 14),
        ("Zahlbar innerhalb von 10 Tagen ohne Abzug", 10),
        ("14 Tage netto", 14),
        ("2% Skonto bei Zahlung innerhalb 10 Tagen, 30 Tage netto", 30),
        ("Paiement à 30 jours", 30),
        ("Conditions de paiement : 45 jours net", 45),
        ("30 dagar netto", 30),
        ("Betalningsvillkor: 20 dagar", 20),
    ],
)
def test_due_date_from_terms(text: str, days: int) -> None:
    assert due_date_from_terms(text, INVOICE_DATE) == INVOICE_DATE + dt.timedelta(days=days)


def test_due_date_end_of_month_and_noise() -> None:
    assert due_date_from_terms("à 30 jours fin de mois", INVOICE_DATE) == dt.date(2024, 5, 31)
    text = "Delivery within 5 days\nTotal Netto 19 % MwSt\nNetto 100,00 EUR"
    assert due_date_from_terms(text, INVOICE_DATE) is None
    assert due_date_from_terms("Rechnung\nZahlbar innerhalb 14 Tagen\n", INVOICE_DATE) == dt.date(
        2024, 4, 17
    )
