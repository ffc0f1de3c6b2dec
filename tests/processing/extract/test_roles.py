"""Role tests of single values: a seller name that is a name, an invoice number that is an id."""

from __future__ import annotations

import pytest

from invoice_pipeline.processing.extract.rules.roles import name_problem, number_problem


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("10115 Berlin", "a postcode and town"),
        ("D-10115 Berlin", "a postcode and town"),
        ("114 55 Stockholm", "a postcode and town"),
        ("SW1A 1AA London", "a postcode and town"),
        ("Hauptstraße 12", "a street address"),
        ("5 Harbour Street", "a street address"),
        ("12 rue de la Paix", "a street address"),
        ("Postfach 1234", "a street address"),
        ("RE-2024-118", "an id"),
        ("DE136695976", "an id"),
        ("Globale Nummer: 4000001123452 (GTIN)", "an id"),
        ("03.04.2024", "a date"),
        ("1.234,56 €", "an amount"),
        ("Company and Billing Information", "a label"),
        ("Émise le", "a label"),
        ("Rechnungsdatum", "a label"),
        ("IBAN", "a label"),
        ("Nummer", "a label"),
        ("Kontoname : Global Supplies Financial Services", "a label and its value"),
        ("GmbH", "a legal form alone"),
        ("info@nordlicht.de", "a web or e-mail address"),
        ("+49 40 1234567", "a phone number"),
        ("Thank you for your order, we hope to see you again very soon", "a sentence"),
        ("the date of purchase. If the request", "a sentence"),
        ("THANK YOU", "a sentence"),
        ("EXCHANGE ARE ALLOWED WITHIN", "a sentence"),
        ("GOODS SOLD ARE NOT RETURNABLE", "a sentence"),
        ("Gesamtbetrag brutto", "a label"),
        ("Zwischensumme netto", "a label"),
        ("Montant TTC", "a label"),
    ],
)
def test_not_a_name(text: str, why: str) -> None:
    assert name_problem(text) == why


@pytest.mark.parametrize(
    "text",
    [
        "Nordlicht Design",
        "Nordlicht Design GmbH",
        "Amazon Web Services, Inc.",
        "MVM Musterhafter Versicherungsverein Musterstadt a.G.",
        "Coolblue B.V.",
        "3M",
        "7-Eleven",
        "Grundbesitz GmbH & Co.",
        "Société Générale SA",
        "Anna Svensson",
        "Lieferant GmbH",
        "Billing Company Ltd",
        "You & Me GmbH",
        "LIAN HING STATIONERY SDN BHD",
        "les Jardins SARL",
        "Serrano S.L.U.",  # a short name and a legal form with dots is no VAT id
        "Total SE",  # a total label word in a name with a legal form
        "Netto Marken-Discount",
    ],
)
def test_names_pass(text: str) -> None:
    assert name_problem(text) is None


def test_a_label_made_of_label_words_and_a_legal_form_word_is_still_a_label() -> None:
    # "company" is a legal form word, but every word here is a heading word
    assert name_problem("Company Information") == "a label"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("03.04.2024", "a date"),
        ("2024-04-03", "a date"),
        ("119,00", "an amount"),
        ("1,234.56", "an amount"),
        ("€ 120", "an amount"),
        ("+49 40 1234567", "a phone number"),
        ("040 / 1234567", "a phone number"),
        ("80331", "a postcode"),
    ],
)
def test_not_an_invoice_number(text: str, why: str) -> None:
    assert number_problem(text, postcodes={"80331"}) == why


@pytest.mark.parametrize("text", ["RE-2024-118", "INV-0001", "471102", "2024/118", "F 12345"])
def test_invoice_numbers_pass(text: str) -> None:
    assert number_problem(text, postcodes={"80331"}) is None
