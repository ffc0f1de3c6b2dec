"""Reading a UBL 2.1 ``Invoice`` or ``CreditNote`` (XRechnung UBL, Peppol BIS).

:func:`parse_ubl` reads the header fields, both parties and the invoice or
credit note lines into plain values, and names the UBL version and
customization it read.
"""

from __future__ import annotations

from lxml import etree

from invoice_pipeline.processing.extract.einvoice.tree import (
    find_all,
    find_one,
    first_text,
    local_name,
    node_text,
)
from invoice_pipeline.processing.extract.einvoice.values import (
    amount_in,
    breakdown,
    iso_date,
    join_address,
    line_item,
    plain_decimal,
)
from invoice_pipeline.schema import ExtractedLineItem, VatBreakdown


def _ubl_party(party: etree._Element | None) -> dict[str, str | None]:
    address = find_one(party, "PostalAddress")
    vat = None
    for scheme in find_all(party, "PartyTaxScheme"):
        if (first_text(scheme, "TaxScheme/ID") or "VAT").upper() == "VAT":
            vat = first_text(scheme, "CompanyID")
            if vat:
                break
    extra_lines = [node_text(n) for n in find_all(address, "AddressLine/Line")]
    return {
        "name": first_text(party, "PartyLegalEntity/RegistrationName", "PartyName/Name"),
        "address": join_address(
            first_text(address, "StreetName"),
            first_text(address, "AdditionalStreetName"),
            *extra_lines,
            postcode=first_text(address, "PostalZone"),
            city=first_text(address, "CityName"),
            country=first_text(address, "Country/IdentificationCode"),
        ),
        "vat_id": vat,
    }


def parse_ubl(
    root: etree._Element,
) -> tuple[dict[str, str | None], list[ExtractedLineItem], str, str | None]:
    """(field values, line items, UBL version and customization, document type code)."""
    credit = local_name(root) == "CreditNote"
    currency = first_text(root, "DocumentCurrencyCode")
    totals = find_one(root, "LegalMonetaryTotal")
    seller = _ubl_party(find_one(root, "AccountingSupplierParty/Party"))
    buyer = _ubl_party(find_one(root, "AccountingCustomerParty/Party"))
    iban = None
    for means in find_all(root, "PaymentMeans"):
        iban = first_text(means, "PayeeFinancialAccount/ID")
        if iban:
            break
    fields: dict[str, str | None] = {
        "invoice_number": first_text(root, "ID"),
        "invoice_date": iso_date(first_text(root, "IssueDate")),
        "due_date": iso_date(
            first_text(
                root, "DueDate", "PaymentMeans/PaymentDueDate", "PaymentTerms/PaymentDueDate"
            )
        ),
        "currency": currency,
        "seller_name": seller["name"],
        "seller_address": seller["address"],
        "seller_vat_id": seller["vat_id"],
        "buyer_name": buyer["name"],
        "buyer_address": buyer["address"],
        "buyer_vat_id": buyer["vat_id"],
        "iban": iban,
        "purchase_order": first_text(root, "OrderReference/ID"),
        "subtotal": plain_decimal(first_text(totals, "TaxExclusiveAmount", "LineExtensionAmount")),
        "tax_amount": amount_in(find_all(root, "TaxTotal/TaxAmount"), currency),
        "total_amount": plain_decimal(first_text(totals, "TaxInclusiveAmount", "PayableAmount")),
        "amount_due": plain_decimal(first_text(totals, "PayableAmount")),
        "allowance_total": plain_decimal(first_text(totals, "AllowanceTotalAmount")),
        "charge_total": plain_decimal(first_text(totals, "ChargeTotalAmount")),
        "prepaid_amount": plain_decimal(first_text(totals, "PrepaidAmount")),
    }
    line_tag, qty_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    items = []
    for line in find_all(root, line_tag):
        item = line_item(
            description=first_text(line, "Item/Name", "Item/Description"),
            quantity=first_text(line, qty_tag),
            price=first_text(line, "Price/PriceAmount"),
            basis=first_text(line, "Price/BaseQuantity"),
            amount=first_text(line, "LineExtensionAmount"),
            tax_rate=first_text(
                line,
                "Item/ClassifiedTaxCategory/Percent",
                "TaxTotal/TaxSubtotal/TaxCategory/Percent",
                "TaxTotal/TaxSubtotal/Percent",
            ),
        )
        if item is not None:
            items.append(item)
    version = first_text(root, "UBLVersionID") or "2.1"
    customization = first_text(root, "CustomizationID")
    model = f"UBL {version} {customization}" if customization else f"UBL {version}"
    type_code = first_text(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode")
    if credit and type_code is None:
        type_code = "381"
    return fields, items, model, type_code


def ubl_vat_breakdown(root: etree._Element) -> list[VatBreakdown]:
    """The VAT breakdown (BG-23: ``TaxTotal/TaxSubtotal`` in the document currency)."""
    currency = first_text(root, "DocumentCurrencyCode")
    found: list[VatBreakdown] = []
    for total in find_all(root, "TaxTotal"):
        subtotals = find_all(total, "TaxSubtotal")
        amounts = find_all(total, "TaxAmount")
        if not subtotals or (
            currency
            and amounts
            and all(a.get("currencyID") not in (currency, None) for a in amounts)
        ):
            continue  # the tax total in the accounting currency (BT-111) has no breakdown
        for sub in subtotals:
            found.append(
                breakdown(
                    rate=first_text(sub, "TaxCategory/Percent", "Percent"),
                    basis=first_text(sub, "TaxableAmount"),
                    tax=first_text(sub, "TaxAmount"),
                )
            )
    return found
