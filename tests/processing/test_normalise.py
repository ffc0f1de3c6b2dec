"""Normalisation of printed values: amounts, dates with locale evidence, currency, ids, terms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoice_pipeline.processing.validate.normalise import (
    due_date_from_terms,
    format_money,
    format_price,
    format_quantity,
    invoice_number_key,
    locale_evidence,
    name_key,
    normalise_currency,
    normalise_iban,
    normalise_text,
    normalise_vat_id,
    parse_amount,
    parse_date,
    parse_percent,
    vat_country,
)

D = Decimal

# ------------------------------------------------------------------------ amounts


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


# -------------------------------------------------------------------------- dates


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


# ------------------------------------------------------------------ locale evidence


def test_locale_evidence_from_vat_prefix() -> None:
    ev = locale_evidence(language=None, currency="EUR", vat_ids=["DE136695976"], ibans=[], text="")
    assert (ev.country, ev.day_first, ev.decimal_separator) == ("DE", True, ",")


def test_locale_evidence_from_us_currency() -> None:
    ev = locale_evidence(language="en", currency="USD", vat_ids=[], ibans=[], text="")
    assert (ev.country, ev.day_first, ev.decimal_separator) == ("US", False, ".")


def test_locale_evidence_none() -> None:
    ev = locale_evidence(language=None, currency=None, vat_ids=[], ibans=[], text="")
    assert (ev.country, ev.day_first, ev.decimal_separator) == (None, None, None)
    english = locale_evidence(language="en", currency="EUR", vat_ids=[], ibans=[], text="")
    assert english.day_first is None  # en is the UK and the US


def test_locale_evidence_seller_vat_beats_currency_and_iban() -> None:
    ev = locale_evidence(
        language="en",
        currency="USD",
        vat_ids=["FR40303265045", "DE136695976"],
        ibans=["GB29NWBK60161331926819"],
        text="",
    )
    assert ev.country == "FR" and ev.day_first is True


def test_locale_evidence_from_the_text() -> None:
    us = "Invoice\nDate 04/03/2024\nShipped 04/15/2024\nTotal 1,234.56\nTax 12.00"
    ev = locale_evidence(language="en", currency=None, vat_ids=[], ibans=[], text=us)
    assert ev.day_first is False and ev.decimal_separator == "."
    se = "Faktura\nMoms 25%\nAtt betala 1 250,00 kr\nBelopp 1 000,00"
    ev = locale_evidence(language=None, currency="kr", vat_ids=[], ibans=[], text=se)
    assert ev.language == "sv" and ev.country == "SE" and ev.decimal_separator == ","
    ch = locale_evidence(
        language=None, currency=None, vat_ids=["CHE-116.281.710 MWST"], ibans=[], text=""
    )
    assert (ch.country, ch.decimal_separator) == ("CH", ".")


# ------------------------------------------------------------------------- currency


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


# ----------------------------------------------------------------------- VAT, IBAN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DE 136 695 976", ("DE136695976", True)),
        ("USt-IdNr.: DE136695976", ("DE136695976", True)),
        ("DE136695970", ("DE136695970", False)),
        ("ATU13585627", ("ATU13585627", True)),
        ("FR 40 303 265 045", ("FR40303265045", True)),
        ("EL094259216", ("EL094259216", True)),
        ("VAT: SE556188840401", ("SE556188840401", True)),
        ("GB 980 7806 84", ("GB980780684", True)),
        ("GB980780685", ("GB980780685", False)),
        ("CHE-116.281.710 MWST", ("CHE116281710", True)),
        ("CHE-116.281.711", ("CHE116281711", False)),
        ("NO 995 525 828 MVA", ("NO995525828MVA", True)),
        ("136695976", ("136695976", False)),  # no country prefix: cannot be checked
        ("", (None, False)),
        (None, (None, False)),
    ],
)
def test_normalise_vat_id(text: str | None, expected: tuple[str | None, bool]) -> None:
    assert normalise_vat_id(text) == expected


def test_vat_country() -> None:
    assert vat_country("EL094259216") == "GR"
    assert vat_country("CHE-116.281.710 MWST") == "CH"
    assert vat_country("USt-IdNr.: DE136695976") == "DE"
    assert vat_country("136695976") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DE89 3704 0044 0532 0130 00", ("DE89370400440532013000", True)),
        ("de89370400440532013000", ("DE89370400440532013000", True)),
        ("IBAN: GB29 NWBK 6016 1331 9268 19 BIC NWBKGB2L", ("GB29NWBK60161331926819", True)),
        ("CH93 0076 2011 6238 5295 7", ("CH9300762011623852957", True)),
        ("DE89 3704 0044 0532 0130 01", ("DE89370400440532013001", False)),  # checksum
        ("DE89 3704 0044 0532 0130", ("DE893704004405320130", False)),  # length
        ("", (None, False)),
    ],
)
def test_normalise_iban(text: str, expected: tuple[str | None, bool]) -> None:
    assert normalise_iban(text) == expected


# --------------------------------------------------------------------- payment terms

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


# ------------------------------------------------------------------ keys and format


def test_match_keys_and_text() -> None:
    assert name_key("ACME Widgets GmbH") == name_key("Acme-Widgets") == "acme widgets"
    assert invoice_number_key("RE-2024/001") == invoice_number_key("re 2024 001") == "RE2024001"
    assert normalise_text("  ACME   GmbH \n\n Main  St 1 ") == "ACME GmbH\nMain St 1"
    assert normalise_text("   ") is None


def test_formatting() -> None:
    assert format_money(D("1234.5")) == "1234.50"
    assert format_money(D("-12")) == "-12.00"
    assert format_price(D("0.28735")) == "0.28735"
    assert format_price(D("250.000000")) == "250.00"
    assert format_quantity(D("2.500000")) == "2.5"
    assert format_quantity(D("19")) == "19"
