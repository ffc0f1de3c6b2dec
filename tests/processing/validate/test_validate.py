"""Validation: extracted strings become a normalised Invoice, problems become issues."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoice_pipeline.processing.validate import validate
from invoice_pipeline.schema import (
    ExtractedInvoice,
    ExtractedLineItem,
    FieldValue,
    Invoice,
    Issue,
    OcrDocument,
    OcrLine,
    OcrPage,
)

D = Decimal


def extracted(
    language: str | None = "de",
    line_items: list[ExtractedLineItem] | None = None,
    **values: str | None,
) -> ExtractedInvoice:
    fields = {
        name: FieldValue(value=value, confidence=0.9, line_ids=[f"l-{name}"])
        for name, value in values.items()
        if value is not None
    }
    return ExtractedInvoice(
        document_id="doc-1",
        provider="rules",
        language=language,
        fields=fields,
        line_items=line_items or [],
    )


def ocr_of(*texts: str) -> OcrDocument:
    lines = [
        OcrLine(
            id=f"p1-l{i}",
            page=1,
            text=t,
            box=(10.0, 20.0 * i, 200.0, 20.0 * i + 12),
            confidence=0.93,
        )
        for i, t in enumerate(texts)
    ]
    page = OcrPage(number=1, width=595, height=842, unit="pt", engine="test", lines=lines)
    return OcrDocument(document_id="doc-1", engine="test", pages=[page])


def codes(invoice: Invoice) -> dict[str, str | None]:
    return {i.code: i.field for i in invoice.issues}


GERMAN = {
    "invoice_number": "RE-2024-0815",
    "invoice_date": "03.04.2024",
    "currency": "EUR",
    "seller_name": "Muster  GmbH",
    "seller_address": "Hauptstr. 1\n10115 Berlin",
    "seller_vat_id": "DE 136 695 976",
    "iban": "DE89 3704 0044 0532 0130 00",
    "subtotal": "1.000,00",
    "tax_amount": "190,00",
    "total_amount": "1.190,00 €",
}


def test_german_invoice_is_normalised() -> None:
    items = [
        ExtractedLineItem(
            description="Beratung",
            quantity="8",
            unit_price="100,00",
            amount="800,00",
            tax_rate="19 %",
        ),
        ExtractedLineItem(description="Reise", quantity="1", unit_price="200,00"),
    ]
    inv = validate(extracted(line_items=items, **GERMAN), source_file="in/a.pdf")
    assert inv.failed is False
    assert inv.source_file == "in/a.pdf"
    assert inv.invoice_number == "RE-2024-0815"
    assert inv.invoice_date == dt.date(2024, 4, 3)
    assert inv.currency == "EUR"
    assert inv.seller_name == "Muster GmbH"
    assert inv.seller_address == "Hauptstr. 1\n10115 Berlin"
    assert inv.seller_vat_id == "DE136695976"
    assert inv.iban == "DE89370400440532013000"
    assert (inv.subtotal, inv.tax_amount, inv.total_amount) == (
        D("1000.00"),
        D("190.00"),
        D("1190.00"),
    )
    assert inv.tax_rate == D("19.00") and "tax_rate" in inv.derived
    assert inv.line_items[0].amount == D("800.00") and inv.line_items[0].tax_rate == D("19")
    assert inv.line_items[1].amount == D("200.00")
    assert "line_items[1].amount" in inv.derived
    assert [i for i in inv.issues if i.severity == "error"] == []
    ev = inv.evidence["total_amount"]
    assert (ev.confidence, ev.text, ev.line_ids) == (0.9, "1.190,00 €", ["l-total_amount"])


def test_locale_decides_the_date_order() -> None:
    de = validate(extracted(**{**GERMAN, "invoice_date": "03.04.2024"}))
    assert de.invoice_date == dt.date(2024, 4, 3)
    us = validate(
        extracted(
            language="en",
            **{
                "invoice_number": "1001",
                "invoice_date": "04/03/2024",
                "currency": "USD",
                "seller_name": "Acme Inc.",
                "total_amount": "$1,234.00",
            },
        )
    )
    assert us.invoice_date == dt.date(2024, 4, 3)
    assert "date_ambiguous" not in codes(us)


def test_ambiguous_date_without_evidence_is_an_issue() -> None:
    inv = validate(
        extracted(
            language=None,
            invoice_number="7",
            invoice_date="04/03/2024",
            seller_name="Someone",
            total_amount="100.00",
        )
    )
    issue = next(i for i in inv.issues if i.code == "date_ambiguous")
    assert issue.field == "invoice_date" and issue.severity == "error"
    assert "2024-03-04" in issue.message and "2024-04-03" in issue.message


def test_ocr_text_decides_the_date_order() -> None:
    ocr = ocr_of("Invoice", "Order date 04/15/2024", "Invoice date 04/03/2024")
    inv = validate(
        extracted(
            language="en", invoice_number="7", invoice_date="04/03/2024", total_amount="100.00"
        ),
        ocr=ocr,
    )
    assert inv.invoice_date == dt.date(2024, 4, 3)
    assert "date_ambiguous" not in codes(inv)


@pytest.mark.parametrize(
    ("given", "derived_field", "expected"),
    [
        ({"subtotal": "100,00", "tax_amount": "19,00"}, "total_amount", D("119.00")),
        ({"subtotal": "100,00", "total_amount": "119,00"}, "tax_amount", D("19.00")),
        ({"tax_amount": "19,00", "total_amount": "119,00"}, "subtotal", D("100.00")),
    ],
)
def test_missing_amount_is_derived(
    given: dict[str, str], derived_field: str, expected: Decimal
) -> None:
    inv = validate(extracted(**given))
    assert getattr(inv, derived_field) == expected
    assert derived_field in inv.derived
    assert inv.tax_rate == D("19.00")
    assert inv.evidence[derived_field].confidence == 0.9  # the weakest input


def test_subtotal_and_tax_from_total_and_printed_rate() -> None:
    inv = validate(extracted(total_amount="119,00", tax_rate="19 %"))
    assert (inv.subtotal, inv.tax_amount) == (D("100.00"), D("19.00"))
    assert {"subtotal", "tax_amount"} <= set(inv.derived)


def test_credit_note_amounts_stay_negative() -> None:
    inv = validate(extracted(subtotal="-100,00", tax_amount="(19,00)", total_amount="119,00-"))
    assert (inv.subtotal, inv.tax_amount, inv.total_amount) == (
        D("-100.00"),
        D("-19.00"),
        D("-119.00"),
    )
    assert inv.tax_rate == D("19.00")


def test_bad_values_become_issues() -> None:
    inv = validate(
        extracted(
            invoice_date="sometime",
            total_amount="twelve",
            currency="doubloons",
            seller_vat_id="DE136695970",
            buyer_vat_id="FR40303265045",
            iban="DE89 3704 0044 0532 0130 01",
        )
    )
    found = codes(inv)
    assert found["date_unparseable"] == "invoice_date"
    assert found["amount_unparseable"] == "total_amount"
    assert found["currency_unknown"] == "currency"
    assert found["vat_id_invalid"] == "seller_vat_id"
    assert found["iban_invalid"] == "iban"
    assert [i.field for i in inv.issues if i.code == "vat_id_invalid"] == ["seller_vat_id"]
    assert inv.seller_vat_id == "DE136695970" and inv.buyer_vat_id == "FR40303265045"
    assert inv.total_amount is None and inv.invoice_date is None
    assert inv.failed is False


def test_missing_key_fields_are_listed() -> None:
    inv = validate(extracted(seller_name="Muster GmbH"))
    missing = {i.field for i in inv.issues if i.code == "field_missing"}
    assert missing == {"invoice_number", "invoice_date", "total_amount", "currency"}


def test_krona_needs_the_country() -> None:
    se = validate(extracted(language="sv", currency="kr", total_amount="1 250,00"))
    assert se.currency == "SEK"
    unknown = validate(extracted(language=None, currency="kr", total_amount="1 250,00"))
    assert unknown.currency is None and "currency_unknown" in codes(unknown)


def test_currency_read_from_the_amount() -> None:
    inv = validate(extracted(total_amount="1.190,00 €"))
    assert inv.currency == "EUR" and "currency" in inv.derived


def test_three_decimal_amount_without_locale_is_ambiguous() -> None:
    inv = validate(extracted(language=None, total_amount="1,234"))
    assert "amount_ambiguous" in codes(inv)


def test_due_date_from_payment_terms_in_the_ocr_text() -> None:
    ocr = ocr_of("Rechnung RE-1", "Datum 03.04.2024", "Zahlbar innerhalb 14 Tagen netto")
    inv = validate(extracted(invoice_date="03.04.2024", total_amount="10,00"), ocr=ocr)
    assert inv.due_date == dt.date(2024, 4, 17)
    assert "due_date" in inv.derived
    assert inv.evidence["due_date"].line_ids == ["p1-l2"]
    assert inv.evidence["due_date"].page == 1
    info = next(i for i in inv.issues if i.code == "due_date_from_terms")
    assert info.severity == "info"


def test_printed_due_date_wins_over_terms() -> None:
    ocr = ocr_of("Net 30")
    inv = validate(
        extracted(language="en", invoice_date="2024-04-03", due_date="2024-04-10"), ocr=ocr
    )
    assert inv.due_date == dt.date(2024, 4, 10) and "due_date" not in inv.derived


def test_evidence_box_from_ocr_lines() -> None:
    ocr = ocr_of("Rechnung", "Nr. RE-1")
    ex = ExtractedInvoice(
        document_id="doc-1",
        provider="rules",
        fields={"invoice_number": FieldValue(value="RE-1", confidence=0.8, line_ids=["p1-l1"])},
    )
    ev = validate(ex, ocr=ocr).evidence["invoice_number"]
    assert ev.page == 1 and ev.box == (10.0, 20.0, 200.0, 32.0)


def test_failed_extraction_gives_a_failed_invoice() -> None:
    ex = ExtractedInvoice(
        document_id="doc-9",
        provider="openai",
        failed=True,
        issues=[
            Issue(code="provider_unavailable", message="429 after 3 attempts", stage="llm_fields")
        ],
    )
    inv = validate(ex, source_file="x.pdf")
    assert inv.failed is True and inv.source_file == "x.pdf"
    assert [i.code for i in inv.issues] == ["provider_unavailable"]
    bare = validate(ExtractedInvoice(document_id="doc-9", provider="rules", failed=True))
    assert [i.code for i in bare.issues] == ["extraction_failed"]


def test_garbage_never_raises() -> None:
    garbage = {
        name: value
        for name, value in zip(
            GERMAN,
            ["\x00", "99/99/9999", "€€€", "(((", "\n\n", "--", "ZZ", "1e309", "-", "NaN"],
            strict=True,
        )
    }
    items = [ExtractedLineItem(quantity="many", unit_price="∞", amount="x", tax_rate="%")]
    inv = validate(extracted(line_items=items, **garbage))
    assert inv.failed is False
    assert inv.total_amount is None


def test_key_values_must_appear_in_the_text() -> None:
    ocr = ocr_of("MUSTER GmbH", "Rechnung Nr. RE-2024-0815", "Gesamtbetrag 1.190,00 EUR")
    shown = validate(
        extracted(invoice_number="RE 2024 0815", seller_name="Muster GmbH", total_amount="1190,00"),
        ocr=ocr,
    )
    assert "value_not_in_text" not in codes(shown)
    invented = validate(
        extracted(invoice_number="RE-2024-0816", seller_name="Other AG", total_amount="1.109,00"),
        ocr=ocr,
    )
    flagged = sorted(i.field for i in invented.issues if i.code == "value_not_in_text")
    assert flagged == ["invoice_number", "seller_name", "total_amount"]


def test_currency_conflict_between_field_and_amount() -> None:
    inv = validate(extracted(currency="EUR", total_amount="$1,190.00"))
    assert codes(inv)["currency_conflict"] == "currency"
    assert "currency_conflict" not in codes(
        validate(extracted(currency="EUR", total_amount="1.190,00 €"))
    )


def test_language_names_count_as_evidence() -> None:
    inv = validate(extracted(language="German", invoice_date="03.04.2024"))
    assert inv.invoice_date == dt.date(2024, 4, 3) and "date_ambiguous" not in codes(inv)


@pytest.mark.parametrize(
    ("line", "unit", "glued"),
    [
        ("Rechnungsdatud8. September 2025", "px", True),  # "Rechnungsdatum 18." merged
        ("Rechnungsdatum 18. September 2025", "px", False),
        ("Datum:18. September 2025", "px", False),  # a colon, no lost digit
        ("Rechnungsdatud8. September 2025", "pt", False),  # a text layer prints what it holds
    ],
)
def test_a_date_the_ocr_ran_into_its_label_goes_to_review(
    line: str, unit: str, glued: bool
) -> None:
    from invoice_pipeline.processing import stages

    value = "18. September 2025" if "18." in line else "8. September 2025"
    source = extracted(**{**GERMAN, "invoice_date": value})
    source.fields["invoice_date"].line_ids = ["p1-l0"]
    ocr = ocr_of(line, *(str(v) for v in GERMAN.values()))
    ocr.pages[0].unit = unit  # type: ignore[assignment]
    invoice = validate(source, ocr=ocr)
    found = [i for i in invoice.issues if i.code == "value_glued_to_text"]
    assert bool(found) is glued
    if glued:
        assert found[0].field == "invoice_date" and found[0].severity == "warning"
        assert "Rechnungsdatud8." in found[0].message
        record = stages.evaluate(invoice).record
        assert record.status == "manual_review"
        assert any("value_glued_to_text" in r for r in record.reasons)


@pytest.mark.parametrize(
    ("line", "value", "broken"),
    [
        # three boxes in a row (number, date, due date) merged by the OCR, a part lost
        ("R2022-6891 26 de noviembre de 2 diciembre de 2022", "2 diciembre de 2022", True),
        (
            "Fecha 26 de noviembre de 2022 Vence 26 de diciembre de 2022",
            "26 de noviembre de 2022",
            False,
        ),
    ],
)
def test_a_date_read_beside_a_broken_date_goes_to_review(
    line: str, value: str, broken: bool
) -> None:
    source = extracted(**{**GERMAN, "invoice_date": value})
    source.fields["invoice_date"].line_ids = ["p1-l0"]
    ocr = ocr_of(line, *(str(v) for v in GERMAN.values()))
    ocr.pages[0].unit = "px"
    found = [i for i in validate(source, ocr=ocr).issues if i.code == "value_glued_to_text"]
    assert bool(found) is broken
    if broken:
        assert "broken date" in found[0].message
