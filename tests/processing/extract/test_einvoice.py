"""Tests for the e-invoice path: embedded Factur-X lookup, CII/UBL parsing, safety, cross-check."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest

from invoice_pipeline.processing.extract.base import ExtractionFailed
from invoice_pipeline.processing.extract.einvoice import (
    MISMATCH_CODE,
    EInvoiceExtractor,
    cross_check,
    find_embedded_xml,
    is_einvoice_xml,
    parse_einvoice,
)
from invoice_pipeline.samples.einvoice import (
    SampleEInvoice,
    SampleLine,
    cii_xml,
    einvoice_pdf,
    printed_lines,
    ubl_xml,
    zugferd1_xml,
)
from invoice_pipeline.schema import ExtractedInvoice, OcrDocument, OcrLine, OcrPage

SAMPLE = SampleEInvoice()

EXPECTED_FIELDS = {
    "invoice_number": "RE-2024-0042",
    "invoice_date": "2024-04-03",
    "due_date": "2024-05-03",
    "currency": "EUR",
    "seller_name": "Muster Lieferant GmbH",
    "seller_address": "Hauptstraße 1, 10115 Berlin, DE",
    "seller_vat_id": "DE123456789",
    "buyer_name": "Kunde & Partner AG",
    "buyer_address": "Kundenweg 5, 80331 München, DE",
    "buyer_vat_id": "DE987654321",
    "iban": "DE89370400440532013000",
    "purchase_order": "PO-7781",
    "subtotal": "1023.50",
    "tax_amount": "185.65",
    "total_amount": "1209.15",
}
EXPECTED_LINES = [
    ("Beratung Cloud-Migration", "10.0000", "95.00", "950.00", "19.00"),
    ("Fachbuch XML-Rechnung", "3.0000", "24.50", "73.50", "7.00"),
]


def _values(inv: ExtractedInvoice) -> dict[str, str | None]:
    return {name: inv.get(name) for name in EXPECTED_FIELDS}


def _lines(inv: ExtractedInvoice) -> list[tuple[str | None, ...]]:
    return [
        (li.description, li.quantity, li.unit_price, li.amount, li.tax_rate)
        for li in inv.line_items
    ]


def _assert_exact(inv: ExtractedInvoice) -> None:
    assert not inv.failed, inv.issues
    assert inv.provider == "einvoice"
    assert _values(inv) == EXPECTED_FIELDS
    assert _lines(inv) == EXPECTED_LINES
    assert all(fv.confidence == 1.0 and not fv.line_ids for fv in inv.fields.values())
    assert all(li.confidence == 1.0 and not li.line_ids for li in inv.line_items)


# ------------------------------------------------------------------ PDF + CII


def test_factur_x_pdf_roundtrip_gives_exact_values(tmp_path: Path) -> None:
    pdf_path = tmp_path / "rechnung.pdf"
    pdf_path.write_bytes(
        einvoice_pdf(cii_xml(SAMPLE), extra_attachments={"lieferschein.txt": b"Lieferschein 1"})
    )

    found = find_embedded_xml(pdf_path.read_bytes())
    assert found is not None
    name, xml = found
    assert name == "factur-x.xml"
    assert is_einvoice_xml(xml)

    inv = parse_einvoice(xml, document_id="rechnung-abc")
    _assert_exact(inv)
    assert inv.document_id == "rechnung-abc"
    assert inv.model == "CII urn:cen.eu:en16931:2017"
    assert inv.get("amount_due") == "1209.15"
    assert [i for i in inv.issues if i.severity != "info"] == []


@pytest.mark.parametrize(
    "name", ["ZUGFeRD-invoice.xml", "zugferd-invoice.xml", "xrechnung.xml", "rechnung_daten.xml"]
)
def test_embedded_xml_found_under_any_profile_name(name: str) -> None:
    found = find_embedded_xml(einvoice_pdf(cii_xml(SAMPLE), attachment_name=name))
    assert found is not None and found[0] == name


def test_pdf_without_attachments_gives_none() -> None:
    assert find_embedded_xml(einvoice_pdf(None)) is None


def test_non_invoice_xml_attachment_gives_none() -> None:
    other = b'<?xml version="1.0"?><order xmlns="urn:example:order"><id>1</id></order>'
    pdf = einvoice_pdf(
        other, attachment_name="factur-x.xml", extra_attachments={"notes.xml": b"<notes/>"}
    )
    assert find_embedded_xml(pdf) is None


def test_known_name_with_junk_falls_back_to_a_real_invoice_attachment() -> None:
    pdf = einvoice_pdf(
        cii_xml(SAMPLE),
        attachment_name="invoice-data.xml",
        extra_attachments={"factur-x.xml": b"not xml"},
    )
    assert find_embedded_xml(pdf) == ("invoice-data.xml", cii_xml(SAMPLE))


def test_broken_pdf_gives_none() -> None:
    assert find_embedded_xml(b"%PDF-1.7\n this is not a pdf") is None


def test_cii_xrechnung_guideline_and_prepaid_amount_due() -> None:
    guideline = "urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_2.1"
    inv = parse_einvoice(
        cii_xml(SAMPLE.but(prepaid=Decimal("209.15")), guideline=guideline), document_id="x"
    )
    assert inv.model == f"CII {guideline}"
    assert inv.get("total_amount") == "1209.15"
    assert inv.get("amount_due") == "1000.00"
    assert [i.code for i in inv.issues] == ["einvoice_amount_due"]


def test_cii_address_lines_and_missing_fields() -> None:
    xml = (
        cii_xml(SAMPLE)
        .replace(
            "<ram:LineOne>Hauptstraße 1</ram:LineOne>".encode(),
            "<ram:LineOne>Hauptstraße 1</ram:LineOne><ram:LineTwo>Hof 3</ram:LineTwo><ram:LineThree/>".encode(),
        )
        .replace(b"<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>", b"")
    )
    inv = parse_einvoice(xml, document_id="x")
    assert inv.get("seller_address") == "Hauptstraße 1, Hof 3, 10115 Berlin, DE"
    assert inv.get("currency") is None
    assert inv.get("tax_amount") == "185.65"
    missing = [(i.field, i.severity) for i in inv.issues if i.code == "einvoice_missing_field"]
    assert missing == [("currency", "warning")]


def test_cii_credit_note_type_code_is_reported() -> None:
    inv = parse_einvoice(cii_xml(SAMPLE.but(type_code="381")), document_id="x")
    assert inv.get("total_amount") == "1209.15"
    notes = [i for i in inv.issues if i.code == "einvoice_credit_note"]
    assert len(notes) == 1 and notes[0].severity == "info"


def test_zugferd1_comfort_is_read() -> None:
    inv = parse_einvoice(zugferd1_xml(SAMPLE), document_id="zf1")
    _assert_exact(inv)
    assert inv.model == "ZUGFeRD 1.0 CII urn:ferd:CrossIndustryDocument:invoice:1p0:comfort"


def test_price_per_basis_quantity_is_divided_down() -> None:
    xml = cii_xml(SAMPLE).replace(
        b"<ram:ChargeAmount>24.50</ram:ChargeAmount>",
        b'<ram:ChargeAmount>2450.00</ram:ChargeAmount><ram:BasisQuantity unitCode="C62">100</ram:BasisQuantity>',
    )
    inv = parse_einvoice(xml, document_id="x")
    assert inv.line_items[1].unit_price == "24.5"
    assert inv.line_items[1].amount == "73.50"


# ----------------------------------------------------------------------- UBL


def test_ubl_invoice_gives_exact_values() -> None:
    xml = ubl_xml(SAMPLE)
    assert is_einvoice_xml(xml)
    inv = parse_einvoice(xml, document_id="ubl")
    _assert_exact(inv)
    assert (
        inv.model == "UBL 2.1 urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    )
    assert not any(i.code == "einvoice_credit_note" for i in inv.issues)


def test_ubl_credit_note_gives_exact_values_and_is_flagged() -> None:
    credit = SAMPLE.but(
        number="GS-2024-0007",
        lines=(SampleLine("Gutschrift Retoure", Decimal("2"), Decimal("49.90"), Decimal("19")),),
    )
    xml = ubl_xml(credit, credit_note=True)
    assert is_einvoice_xml(xml)
    inv = parse_einvoice(xml, document_id="gs")
    assert not inv.failed
    assert inv.get("invoice_number") == "GS-2024-0007"
    assert inv.get("due_date") == "2024-05-03"
    assert (inv.get("subtotal"), inv.get("tax_amount"), inv.get("total_amount")) == (
        "99.80",
        "18.96",
        "118.76",
    )
    assert _lines(inv) == [("Gutschrift Retoure", "2", "49.90", "99.80", "19")]
    notes = [i for i in inv.issues if i.code == "einvoice_credit_note"]
    assert len(notes) == 1 and notes[0].severity == "info" and "381" in notes[0].message


def test_ubl_generator_quirks_are_handled() -> None:
    """Display-only lines are dropped, base quantity = quantity is not divided twice,
    and the line VAT rate is read from the line's tax subtotal when the item has none."""
    xml = ubl_xml(SAMPLE)
    xml = xml.replace(
        b'<cbc:PriceAmount currencyID="EUR">24.50</cbc:PriceAmount>',
        b'<cbc:PriceAmount currencyID="EUR">24.50</cbc:PriceAmount><cbc:BaseQuantity>3.0000</cbc:BaseQuantity>',
    )
    item_rate = (
        b"<cac:ClassifiedTaxCategory>\n        <cbc:ID>S</cbc:ID><cbc:Percent>19.00</cbc:Percent>"
    )
    assert xml.count(item_rate) == 1
    xml = xml.replace(item_rate, b"<cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID>").replace(
        b'<cbc:LineExtensionAmount currencyID="EUR">950.00</cbc:LineExtensionAmount>',
        b'<cbc:LineExtensionAmount currencyID="EUR">950.00</cbc:LineExtensionAmount>'
        b"<cac:TaxTotal><cac:TaxSubtotal><cac:TaxCategory><cbc:Percent>19.00</cbc:Percent>"
        b"</cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>",
    )
    section = (
        b"<cac:InvoiceLine><cbc:ID>0</cbc:ID><cbc:InvoicedQuantity>0.00</cbc:InvoicedQuantity>"
        b'<cbc:LineExtensionAmount currencyID="EUR">0.00</cbc:LineExtensionAmount>'
        b"<cac:Item><cbc:Name>--- Dienstleistungen ---</cbc:Name></cac:Item>"
        b'<cac:Price><cbc:PriceAmount currencyID="EUR">0.00</cbc:PriceAmount></cac:Price></cac:InvoiceLine>'
    )
    xml = xml.replace(b"</cac:LegalMonetaryTotal>", b"</cac:LegalMonetaryTotal>" + section, 1)
    inv = parse_einvoice(xml, document_id="odoo")
    assert _lines(inv) == EXPECTED_LINES


def test_ubl_tax_in_invoice_currency_is_chosen() -> None:
    xml = ubl_xml(SAMPLE).replace(
        b"<cac:TaxTotal>",
        b'<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">2100.00</cbc:TaxAmount></cac:TaxTotal><cac:TaxTotal>',
        1,
    )
    assert parse_einvoice(xml, document_id="x").get("tax_amount") == "185.65"


# -------------------------------------------------------------------- safety


def test_xxe_is_refused_and_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-4711")
    xml = cii_xml(SAMPLE).replace(b'<?xml version="1.0" encoding="UTF-8"?>', b"", 1)
    xml = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rsm:CrossIndustryInvoice [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'.encode()
        + xml.replace(b"RE-2024-0042", b"&xxe;")
    )
    assert is_einvoice_xml(xml) is False
    inv = parse_einvoice(xml, document_id="evil")
    assert inv.failed
    assert [i.code for i in inv.issues] == ["einvoice_unsafe_xml"]
    assert "TOPSECRET" not in inv.model_dump_json()
    assert find_embedded_xml(einvoice_pdf(xml)) is None


def test_billion_laughs_is_refused_quickly() -> None:
    entities = "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    xml = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + "]>\n"
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
        ' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
        "<cbc:ID>&lol9;</cbc:ID></Invoice>"
    ).encode()
    started = time.perf_counter()
    assert is_einvoice_xml(xml) is False
    inv = parse_einvoice(xml, document_id="lol")
    assert time.perf_counter() - started < 1.0
    assert inv.failed and inv.issues[0].code == "einvoice_unsafe_xml"
    assert inv.fields == {}


def test_utf16_doctype_is_refused() -> None:
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode(
        "utf-16"
    )
    assert is_einvoice_xml(xml) is False


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not xml at all",
        b"<unclosed>",
        b"<order/>",
        b'<Invoice xmlns="urn:other"/>',
        b"\xff\xfe\x00",
    ],
)
def test_non_invoices_are_rejected_without_raising(data: bytes) -> None:
    assert is_einvoice_xml(data) is False
    inv = parse_einvoice(data, document_id="bad")
    assert inv.failed and inv.issues[0].code == "einvoice_invalid_xml"


# --------------------------------------------------------------- cross-check


def _xml_invoice() -> ExtractedInvoice:
    return parse_einvoice(cii_xml(SAMPLE), document_id="x")


@pytest.mark.parametrize("style", ["de", "en"])
def test_cross_check_accepts_a_matching_print(style: str) -> None:
    text = "\n".join(printed_lines(SAMPLE, style=style))
    assert cross_check(_xml_invoice(), text) == []


def test_cross_check_accepts_the_pdf_text_layer() -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(einvoice_pdf(cii_xml(SAMPLE), lines=printed_lines(SAMPLE, style="de")))
    text = "\n".join(page.get_textpage().get_text_bounded() for page in pdf)
    pdf.close()
    assert "1.209,15" in text
    assert cross_check(_xml_invoice(), text) == []


@pytest.mark.parametrize("style", ["de", "en"])
def test_cross_check_reports_a_mismatching_total(style: str) -> None:
    text = "\n".join(printed_lines(SAMPLE, style=style, total=Decimal("1290.15")))
    issues = cross_check(_xml_invoice(), text)
    assert [(i.code, i.field, i.severity) for i in issues] == [
        (MISMATCH_CODE, "total_amount", "warning")
    ]


@pytest.mark.parametrize(
    "printed",
    ["1209.15", "1.209,15", "1,209.15", "1 209,15", "1\u00a0209,15", "1'209.15", "EUR1209,15"],
)
def test_cross_check_amount_renderings(printed: str) -> None:
    text = f"Rechnung RE-2024-0042 vom 2024-04-03\nMwSt 185,65\nSumme {printed}"
    assert cross_check(_xml_invoice(), text) == []


@pytest.mark.parametrize("printed", ["11.209,15", "1.209,155", "1209.1", "2.209,15"])
def test_cross_check_amount_near_misses_are_reported(printed: str) -> None:
    text = f"Rechnung RE-2024-0042 vom 2024-04-03\nMwSt 185,65\nSumme {printed}"
    assert [i.field for i in cross_check(_xml_invoice(), text)] == ["total_amount"]


@pytest.mark.parametrize(
    ("xml_total", "printed"),
    [("209.15", "1.209,15"), ("209.15", "1,209.15"), ("1209.00", "1.209,15"), ("1209", "1209.15")],
)
def test_cross_check_amount_is_not_matched_inside_a_longer_number(
    xml_total: str, printed: str
) -> None:
    inv = _xml_invoice()
    inv.fields["total_amount"].value = xml_total
    text = f"Rechnung RE-2024-0042 vom 2024-04-03\nMwSt 185,65\nSumme {printed}"
    assert [i.field for i in cross_check(inv, text)] == ["total_amount"]


@pytest.mark.parametrize(
    "printed",
    [
        "03.04.2024",
        "3.4.2024",
        "2024-04-03",
        "04/03/2024",
        "03/04/2024",
        "3 April 2024",
        "3. April 2024",
        "April 3, 2024",
        "3 avril 2024",
        "03.04.24",
    ],
)
def test_cross_check_date_renderings(printed: str) -> None:
    text = f"Rechnung Nr. RE-2024-0042  Datum {printed}\nMwSt 185,65  Gesamt 1.209,15 EUR"
    assert cross_check(_xml_invoice(), text) == []


@pytest.mark.parametrize(
    ("printed", "ok"),
    [
        ("Rechnungsnummer:RE-2024-0042", True),
        ("INVOICE NO re-2024-0042", True),
        ("Rechnung Nr. RE-2024-0042/1", True),
        ("Rechnung Nr. RE-2024-00421", False),
        ("Rechnung Nr. XRE-2024-0042", False),
        ("Rechnung Nr. RE-2024-0024", False),
    ],
)
def test_cross_check_invoice_number(printed: str, ok: bool) -> None:
    text = f"{printed}\nDatum 03.04.2024\nMwSt 185,65  Gesamt 1.209,15 EUR"
    fields = [i.field for i in cross_check(_xml_invoice(), text)]
    assert fields == ([] if ok else ["invoice_number"])


def test_cross_check_reports_wrong_date_number_and_tax() -> None:
    text = "Rechnung Nr. RE-2024-0043  Datum 04.04.2024\nMwSt 185,56  Gesamt 1.209,15 EUR"
    fields = {i.field for i in cross_check(_xml_invoice(), text)}
    assert fields == {"invoice_number", "invoice_date", "tax_amount"}


def test_cross_check_empty_print_is_noted_not_flagged() -> None:
    issues = cross_check(_xml_invoice(), "  \n ")
    assert [(i.code, i.severity) for i in issues] == [("einvoice_print_unchecked", "info")]


def test_sample_totals_are_consistent() -> None:
    assert SAMPLE.total == SAMPLE.line_total + SAMPLE.tax == Decimal("1209.15")
    assert SAMPLE.issue_date == dt.date(2024, 4, 3)


def test_the_einvoice_extractor_reads_the_xml_and_checks_the_print() -> None:
    xml = cii_xml(SAMPLE).decode("utf-8")
    extractor = EInvoiceExtractor()
    bare = extractor.extract(OcrDocument(document_id="x", engine="einvoice_xml", xml=xml))
    assert (bare.provider, _values(bare)) == ("einvoice", EXPECTED_FIELDS)
    assert not [i for i in bare.issues if i.code.startswith("einvoice_print")]
    printed = "Rechnung Nr. RE-2024-0099  Datum 03.04.2024\nMwSt 185,65  Gesamt 1.209,15 EUR"
    lines = [
        OcrLine(id=f"p1-l{i}", page=1, text=text, box=(0, 10 * i, 100, 10 * i + 8))
        for i, text in enumerate(printed.splitlines(), start=1)
    ]
    page = OcrPage(number=1, width=100, height=100, engine="text_layer", lines=lines)
    checked = extractor.extract(OcrDocument(document_id="x", engine="t", pages=[page], xml=xml))
    assert [i.field for i in checked.issues if i.code == MISMATCH_CODE] == ["invoice_number"]
    with pytest.raises(ExtractionFailed):
        extractor.extract(OcrDocument(document_id="x", engine="t", pages=[page]))
