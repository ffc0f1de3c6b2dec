"""Locale evidence: country, date order and decimal separator from a document's evidence."""

from __future__ import annotations

from invoice_pipeline.processing.validate.locale import locale_evidence


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


def test_a_dollar_sign_alone_names_no_country_a_us_address_does() -> None:
    # a Malaysian receipt prints "$" and "4/02/2017": no month-first order follows from it
    receipt = "TRI SHAAS SDN BHD\n40400 Shah Alam Selangor\nDate:4/02/2017\nTOTAL $85.10"
    ev = locale_evidence(language="en", currency="$", vat_ids=[], ibans=[], text=receipt)
    assert (ev.country, ev.day_first) == (None, None)
    us = "Summit Ridge Inc.\n259 Old Mill Road\nAustin, TX 78701\nDate 03/04/2024\nTotal $12.00"
    ev = locale_evidence(language="en", currency="$", vat_ids=[], ibans=[], text=us)
    assert (ev.country, ev.day_first) == ("US", False)


def test_a_buyers_vat_id_does_not_set_the_sellers_conventions() -> None:
    """A US seller (no VAT id, dollars, a state and ZIP code) billing a French buyer whose
    VAT id is printed: the dates are month-first. The buyer's prefix decides only when
    nothing of the seller's does, and it is never taken for the seller's."""
    page = (
        "Sales Invoice\nDate of issue 12/11/2023\nPayment due 01/10/2024\nCurrency USD\n"
        "BILLED TO\nMarchetti SAS\n33000 Bordeaux\nFrance\nVAT No.: FR 13747416105\n"
        "Total 1,668.88\nSummit Ridge, Co. · 957 Commerce Blvd · Portland, OR 97205"
    )
    buyer_vat = "FR13747416105"
    ev = locale_evidence(
        language="en", currency="USD", vat_ids=[None, buyer_vat], ibans=[], text=page
    )
    assert (ev.country, ev.day_first) == ("US", False)
    # euros name no country: then the buyer's prefix is the last evidence before the language
    ev = locale_evidence(
        language=None, currency="EUR", vat_ids=[None, buyer_vat], ibans=[], text=""
    )
    assert ev.country == "FR" and "another party" in " ".join(ev.sources)
    # a seller's own VAT id or IBAN still comes first
    ev = locale_evidence(
        language="en",
        currency="USD",
        vat_ids=[None, buyer_vat],
        ibans=["DE89370400440532013000"],
        text=page,
    )
    assert ev.country == "DE" and ev.day_first is True
