"""Reading a UN/CEFACT CII e-invoice (EN 16931, Factur-X, ZUGFeRD 2.x, XRechnung CII, ZUGFeRD 1.0).

:func:`parse_cii` reads the header fields, both parties and the line items
of a ``CrossIndustryInvoice`` (or ZUGFeRD 1.0's ``CrossIndustryDocument``,
whose element names differ, see ``_CII_NAMES``) into plain values, and names
the syntax and guideline it read.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lxml import etree

from invoice_pipeline.processing.extract.einvoice.tree import (
    find_all,
    find_one,
    first_text,
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


def _cii_date(node: etree._Element | None) -> str | None:
    """ISO date of a CII ``DateTimeString`` (format 102 = YYYYMMDD; also 610, 616)."""
    text = node_text(node)
    if text is None:
        return None
    fmt = (node.get("format") or "102").strip() if node is not None else "102"
    try:
        if fmt == "102" or re.fullmatch(r"\d{8}", text):
            return dt.datetime.strptime(text[:8], "%Y%m%d").date().isoformat()
        if fmt == "610":
            return dt.datetime.strptime(text[:6], "%Y%m").date().isoformat()
        if fmt == "616":
            return dt.date.fromisocalendar(int(text[:4]), int(text[4:6]), 1).isoformat()
    except ValueError:
        return None
    return iso_date(text)


_CII_NAMES: dict[str, dict[str, str]] = {
    "cii": {
        "context": "ExchangedDocumentContext",
        "document": "ExchangedDocument",
        "transaction": "SupplyChainTradeTransaction",
        "agreement": "ApplicableHeaderTradeAgreement",
        "settlement": "ApplicableHeaderTradeSettlement",
        "summation": "SpecifiedTradeSettlementHeaderMonetarySummation",
        "line_agreement": "SpecifiedLineTradeAgreement",
        "line_delivery": "SpecifiedLineTradeDelivery",
        "line_settlement": "SpecifiedLineTradeSettlement",
        "line_summation": "SpecifiedTradeSettlementLineMonetarySummation",
        "rate": "RateApplicablePercent",
        "order_id": "IssuerAssignedID",
    },
    "zugferd1": {
        "context": "SpecifiedExchangedDocumentContext",
        "document": "HeaderExchangedDocument",
        "transaction": "SpecifiedSupplyChainTradeTransaction",
        "agreement": "ApplicableSupplyChainTradeAgreement",
        "settlement": "ApplicableSupplyChainTradeSettlement",
        "summation": "SpecifiedTradeSettlementMonetarySummation",
        "line_agreement": "SpecifiedSupplyChainTradeAgreement",
        "line_delivery": "SpecifiedSupplyChainTradeDelivery",
        "line_settlement": "SpecifiedSupplyChainTradeSettlement",
        "line_summation": "SpecifiedTradeSettlementMonetarySummation",
        "rate": "ApplicablePercent",
        "order_id": "ID",
    },
}


def _cii_party(party: etree._Element | None) -> dict[str, str | None]:
    address = find_one(party, "PostalTradeAddress")
    vat = next(
        (
            node_text(node)
            for node in find_all(party, "SpecifiedTaxRegistration/ID")
            if (node.get("schemeID") or "").upper() == "VA" and node_text(node)
        ),
        None,
    )
    return {
        "name": first_text(party, "Name"),
        "address": join_address(
            first_text(address, "LineOne"),
            first_text(address, "LineTwo"),
            first_text(address, "LineThree"),
            postcode=first_text(address, "PostcodeCode"),
            city=first_text(address, "CityName"),
            country=first_text(address, "CountryID"),
        ),
        "vat_id": vat,
    }


def parse_cii(
    root: etree._Element, syntax: str
) -> tuple[dict[str, str | None], list[ExtractedLineItem], str, str | None]:
    """(field values, line items, syntax and guideline, document type code) of a CII root."""
    names = _CII_NAMES[syntax]
    document = find_one(root, names["document"])
    transaction = find_one(root, names["transaction"])
    agreement = find_one(transaction, names["agreement"])
    settlement = find_one(transaction, names["settlement"])
    summation = find_one(settlement, names["summation"])
    currency = first_text(settlement, "InvoiceCurrencyCode")
    seller = _cii_party(find_one(agreement, "SellerTradeParty"))
    buyer = _cii_party(find_one(agreement, "BuyerTradeParty"))

    tax = amount_in(find_all(summation, "TaxTotalAmount"), currency)
    if tax is None:
        rates = [
            plain_decimal(node_text(n))
            for n in find_all(settlement, "ApplicableTradeTax/CalculatedAmount")
        ]
        if rates and all(r is not None for r in rates):
            tax = format(sum(Decimal(r) for r in rates if r is not None), "f")

    iban = None
    for means in find_all(settlement, "SpecifiedTradeSettlementPaymentMeans"):
        iban = first_text(means, "PayeePartyCreditorFinancialAccount/IBANID")
        if iban:
            break
    due_date = None
    for node in find_all(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString"):
        due_date = _cii_date(node)
        if due_date:
            break

    fields: dict[str, str | None] = {
        "invoice_number": first_text(document, "ID"),
        "invoice_date": _cii_date(find_one(document, "IssueDateTime/DateTimeString")),
        "due_date": due_date,
        "currency": currency,
        "seller_name": seller["name"],
        "seller_address": seller["address"],
        "seller_vat_id": seller["vat_id"],
        "buyer_name": buyer["name"],
        "buyer_address": buyer["address"],
        "buyer_vat_id": buyer["vat_id"],
        "iban": iban,
        "purchase_order": first_text(
            agreement, f"BuyerOrderReferencedDocument/{names['order_id']}"
        ),
        "subtotal": plain_decimal(first_text(summation, "TaxBasisTotalAmount", "LineTotalAmount")),
        "tax_amount": tax,
        "total_amount": plain_decimal(
            first_text(summation, "GrandTotalAmount", "DuePayableAmount")
        ),
        "amount_due": plain_decimal(first_text(summation, "DuePayableAmount")),
        "allowance_total": plain_decimal(first_text(summation, "AllowanceTotalAmount")),
        "charge_total": plain_decimal(first_text(summation, "ChargeTotalAmount")),
        "prepaid_amount": plain_decimal(first_text(summation, "TotalPrepaidAmount")),
    }

    items = []
    for line in find_all(transaction, "IncludedSupplyChainTradeLineItem"):
        net = find_one(line, f"{names['line_agreement']}/NetPriceProductTradePrice")
        line_settlement = find_one(line, names["line_settlement"])
        item = line_item(
            description=first_text(
                line, "SpecifiedTradeProduct/Name", "SpecifiedTradeProduct/Description"
            ),
            quantity=first_text(line, f"{names['line_delivery']}/BilledQuantity"),
            price=first_text(net, "ChargeAmount"),
            basis=first_text(net, "BasisQuantity"),
            amount=first_text(line_settlement, f"{names['line_summation']}/LineTotalAmount"),
            tax_rate=first_text(line_settlement, f"ApplicableTradeTax/{names['rate']}"),
        )
        if item is not None:
            items.append(item)

    guideline = first_text(
        root, f"{names['context']}/GuidelineSpecifiedDocumentContextParameter/ID"
    )
    label = "CII" if syntax == "cii" else "ZUGFeRD 1.0 CII"
    model = f"{label} {guideline}" if guideline else label
    return fields, items, model, first_text(document, "TypeCode")


def cii_vat_breakdown(root: etree._Element, syntax: str) -> list[VatBreakdown]:
    """The header VAT breakdown (BG-23: ``ApplicableTradeTax`` of the settlement)."""
    names = _CII_NAMES[syntax]
    settlement = find_one(find_one(root, names["transaction"]), names["settlement"])
    return [
        breakdown(
            rate=first_text(tax, names["rate"]),
            basis=first_text(tax, "BasisAmount"),
            tax=first_text(tax, "CalculatedAmount"),
        )
        for tax in find_all(settlement, "ApplicableTradeTax")
    ]
