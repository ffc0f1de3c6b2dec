"""Structured e-invoices: read the fields from the XML, not from the pixels.

A Factur-X / ZUGFeRD / XRechnung PDF carries the invoice as an embedded XML
file (EN 16931 in UN/CEFACT CII syntax, or ZUGFeRD 1.0's older CII), and an
XRechnung or Peppol invoice may arrive as a bare UBL 2.1 ``Invoice`` /
``CreditNote`` file. :func:`find_embedded_xml` picks the e-invoice attachment
out of a PDF with pypdfium2, :func:`is_einvoice_xml` recognises one safely,
:func:`parse_einvoice` turns it into an :class:`ExtractedInvoice` with exact
values (plain decimal strings, ISO dates, confidence 1.0), and
:func:`cross_check` reports where the human-readable print of the same
document disagrees with the XML. All XML is parsed with lxml without DTD
loading, entity expansion or network access; a document that declares a DTD
or entities is refused outright, so XXE and entity-expansion payloads never
get expanded.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import pypdfium2 as pdfium
from babel.dates import format_date
from lxml import etree

from invoice_pipeline.schema import (
    ExtractedInvoice,
    ExtractedLineItem,
    FieldValue,
    Issue,
    Usage,
)

PROVIDER = "einvoice"

MAX_XML_BYTES = 20 * 1024 * 1024
"""E-invoice XML larger than this is not parsed (real ones are kilobytes)."""

KNOWN_ATTACHMENT_NAMES: tuple[str, ...] = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
)
"""Attachment names of the Factur-X / ZUGFeRD / XRechnung profiles (case-insensitive)."""

NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_ZUGFERD1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

_ROOTS: dict[tuple[str, str], str] = {
    (NS_CII, "CrossIndustryInvoice"): "cii",
    (NS_ZUGFERD1, "CrossIndustryDocument"): "zugferd1",
    (NS_UBL_INVOICE, "Invoice"): "ubl",
    (NS_UBL_CREDIT_NOTE, "CreditNote"): "ubl",
}

CREDIT_NOTE_CODES: frozenset[str] = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)
"""UNTDID 1001 document type codes that EN 16931 treats as credit notes."""

MISMATCH_CODE = "einvoice_print_mismatch"
CROSS_CHECK_FIELDS: tuple[str, ...] = (
    "invoice_number",
    "total_amount",
    "tax_amount",
    "invoice_date",
)


class UnsafeXmlError(ValueError):
    """The XML declares a DTD or entities, or is too large; it is not parsed."""


class EInvoiceError(ValueError):
    """The bytes are not a well-formed CII or UBL e-invoice."""


# ------------------------------------------------------------------ safe parsing


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


_DTD_MARKERS: tuple[bytes, ...] = tuple(
    marker.encode(enc)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for enc in ("utf-8", "utf-16-le", "utf-16-be")
)


def _safe_root(data: bytes) -> etree._Element:
    """Parse ``data`` as XML with every dangerous feature off; refuse DTDs outright."""
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXmlError(f"XML of {len(data)} bytes is over the {MAX_XML_BYTES} byte limit")
    if any(marker in data for marker in _DTD_MARKERS):
        raise UnsafeXmlError("XML with a DOCTYPE or ENTITY declaration is refused")
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise EInvoiceError(f"not well-formed XML: {exc}") from exc
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXmlError("XML with a document type declaration is refused")
    root = tree.getroot()
    if any(True for _ in root.iter(etree.Entity)):
        raise UnsafeXmlError("XML with entity references is refused")
    return root


def _syntax(root: etree._Element) -> str | None:
    qname = etree.QName(root)
    return _ROOTS.get((qname.namespace or "", qname.localname))


def is_einvoice_xml(data: bytes) -> bool:
    """True when ``data`` is well-formed, safe XML whose root is a CII or UBL invoice.

    Recognised roots: CII ``CrossIndustryInvoice`` (EN 16931, Factur-X,
    ZUGFeRD 2.x, XRechnung CII), ZUGFeRD 1.0 ``CrossIndustryDocument`` and
    UBL 2.1 ``Invoice`` / ``CreditNote``. Never raises; XML carrying a DTD or
    entity declarations is refused (False) without being expanded.
    """
    try:
        return _syntax(_safe_root(data)) is not None
    except (UnsafeXmlError, EInvoiceError):
        return False


# ------------------------------------------------------------------- PDF lookup


def _attachments(pdf_data: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        pdf = pdfium.PdfDocument(pdf_data)
    except pdfium.PdfiumError:
        return
    try:
        for index in range(pdf.count_attachments()):
            try:
                attachment = pdf.get_attachment(index)
                name = attachment.get_name()
                data = bytes(attachment.get_data())
            except pdfium.PdfiumError:
                continue
            if data and len(data) <= MAX_XML_BYTES:
                yield name, data
    finally:
        pdf.close()


def find_embedded_xml(pdf_data: bytes) -> tuple[str, bytes] | None:
    """The (attachment name, bytes) of the e-invoice XML embedded in a PDF, or None.

    Attachments with a Factur-X / ZUGFeRD / XRechnung name come first; any
    other attachment counts when its content is a CII or UBL invoice. An
    attachment with a known name but other content is ignored. An unreadable
    or encrypted PDF gives None.
    """
    candidates = list(_attachments(pdf_data))

    def rank(item: tuple[str, bytes]) -> int:
        name = item[0].rsplit("/", 1)[-1].lower()
        if name in KNOWN_ATTACHMENT_NAMES:
            return KNOWN_ATTACHMENT_NAMES.index(name)
        return len(KNOWN_ATTACHMENT_NAMES) + (0 if name.endswith(".xml") else 1)

    for name, data in sorted(candidates, key=rank):
        if is_einvoice_xml(data):
            return name, data
    return None


# ---------------------------------------------------------------- tree helpers


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _kids(el: etree._Element | None, name: str) -> list[etree._Element]:
    if el is None:
        return []
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _all(el: etree._Element | None, path: str) -> list[etree._Element]:
    """Elements under ``el`` along a ``/``-separated path of local names."""
    nodes = [el] if el is not None else []
    for step in path.split("/"):
        nodes = [kid for node in nodes for kid in _kids(node, step)]
    return nodes


def _one(el: etree._Element | None, path: str) -> etree._Element | None:
    found = _all(el, path)
    return found[0] if found else None


def _txt(node: etree._Element | None) -> str | None:
    if node is None:
        return None
    text = "".join(node.itertext()).strip()
    return text or None


def _text(el: etree._Element | None, *paths: str) -> str | None:
    """The first non-empty text found along any of ``paths``."""
    for path in paths:
        for node in _all(el, path):
            text = _txt(node)
            if text:
                return text
    return None


def _plain_decimal(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return format(value, "f")


def _cii_date(node: etree._Element | None) -> str | None:
    """ISO date of a CII ``DateTimeString`` (format 102 = YYYYMMDD; also 610, 616)."""
    text = _txt(node)
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
    return _iso_date(text)


def _iso_date(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        return None


def _address(
    *parts: str | None, postcode: str | None, city: str | None, country: str | None
) -> str | None:
    town = " ".join(p for p in (postcode, city) if p)
    pieces = [p for p in (*parts, town, country) if p]
    return ", ".join(pieces) or None


def _amount_in(nodes: Iterable[etree._Element], currency: str | None) -> str | None:
    """The amount among ``nodes`` stated in ``currency`` (or without a currencyID)."""
    nodes = [n for n in nodes if _txt(n)]
    for wanted in (currency, None):
        for node in nodes:
            if node.get("currencyID") == wanted:
                return _plain_decimal(_txt(node))
    return _plain_decimal(_txt(nodes[0])) if nodes else None


def _per_unit(price: Decimal, basis: Decimal) -> Decimal:
    per_unit = price / basis
    if per_unit != per_unit.quantize(Decimal("1e-8")):
        per_unit = per_unit.quantize(Decimal("1e-8"), rounding=ROUND_HALF_UP)
    return per_unit.normalize()


def _unit_price(
    price: str | None, basis: str | None, quantity: str | None, amount: str | None
) -> str | None:
    """Price per unit: a price stated per ``basis`` units (BT-149) is divided down.

    Some generators write the line quantity as the base quantity while stating
    the price per single unit; when quantity x price matches the line amount
    and quantity x (price / basis) does not, the price is taken as per unit.
    """
    value = _plain_decimal(price)
    base = _plain_decimal(basis)
    if value is None or base is None or Decimal(base) in (0, 1):
        return value
    per_unit = _per_unit(Decimal(value), Decimal(base))
    qty, total = _plain_decimal(quantity), _plain_decimal(amount)
    if qty is not None and total is not None:
        tolerance = Decimal("0.01") + abs(Decimal(qty)) * Decimal("0.005")

        def fits(unit: Decimal) -> bool:
            return abs(Decimal(qty) * unit - Decimal(total)) <= tolerance

        if fits(Decimal(value)) and not fits(per_unit):
            return value
    return format(per_unit, "f")


def _line_item(
    description: str | None,
    quantity: str | None,
    price: str | None,
    basis: str | None,
    amount: str | None,
    tax_rate: str | None,
) -> ExtractedLineItem | None:
    """One line item, or None for a display-only line (no quantity and no amount)."""
    qty, total = _plain_decimal(quantity), _plain_decimal(amount)
    if (
        not Decimal(qty or 0)
        and not Decimal(total or 0)
        and not Decimal(_plain_decimal(price) or 0)
    ):
        return None
    return ExtractedLineItem(
        description=description,
        quantity=qty,
        unit_price=_unit_price(price, basis, qty, total),
        amount=total,
        tax_rate=_plain_decimal(tax_rate),
        confidence=1.0,
    )


# ----------------------------------------------------------------------- CII


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
    address = _one(party, "PostalTradeAddress")
    vat = next(
        (
            _txt(node)
            for node in _all(party, "SpecifiedTaxRegistration/ID")
            if (node.get("schemeID") or "").upper() == "VA" and _txt(node)
        ),
        None,
    )
    return {
        "name": _text(party, "Name"),
        "address": _address(
            _text(address, "LineOne"),
            _text(address, "LineTwo"),
            _text(address, "LineThree"),
            postcode=_text(address, "PostcodeCode"),
            city=_text(address, "CityName"),
            country=_text(address, "CountryID"),
        ),
        "vat_id": vat,
    }


def _parse_cii(
    root: etree._Element, syntax: str
) -> tuple[dict[str, str | None], list[ExtractedLineItem], str, str | None]:
    names = _CII_NAMES[syntax]
    document = _one(root, names["document"])
    transaction = _one(root, names["transaction"])
    agreement = _one(transaction, names["agreement"])
    settlement = _one(transaction, names["settlement"])
    summation = _one(settlement, names["summation"])
    currency = _text(settlement, "InvoiceCurrencyCode")
    seller = _cii_party(_one(agreement, "SellerTradeParty"))
    buyer = _cii_party(_one(agreement, "BuyerTradeParty"))

    tax = _amount_in(_all(summation, "TaxTotalAmount"), currency)
    if tax is None:
        rates = [
            _plain_decimal(_txt(n)) for n in _all(settlement, "ApplicableTradeTax/CalculatedAmount")
        ]
        if rates and all(r is not None for r in rates):
            tax = format(sum(Decimal(r) for r in rates if r is not None), "f")

    iban = None
    for means in _all(settlement, "SpecifiedTradeSettlementPaymentMeans"):
        iban = _text(means, "PayeePartyCreditorFinancialAccount/IBANID")
        if iban:
            break
    due_date = None
    for node in _all(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString"):
        due_date = _cii_date(node)
        if due_date:
            break

    fields: dict[str, str | None] = {
        "invoice_number": _text(document, "ID"),
        "invoice_date": _cii_date(_one(document, "IssueDateTime/DateTimeString")),
        "due_date": due_date,
        "currency": currency,
        "seller_name": seller["name"],
        "seller_address": seller["address"],
        "seller_vat_id": seller["vat_id"],
        "buyer_name": buyer["name"],
        "buyer_address": buyer["address"],
        "buyer_vat_id": buyer["vat_id"],
        "iban": iban,
        "purchase_order": _text(agreement, f"BuyerOrderReferencedDocument/{names['order_id']}"),
        "subtotal": _plain_decimal(_text(summation, "TaxBasisTotalAmount", "LineTotalAmount")),
        "tax_amount": tax,
        "total_amount": _plain_decimal(_text(summation, "GrandTotalAmount", "DuePayableAmount")),
        "amount_due": _plain_decimal(_text(summation, "DuePayableAmount")),
    }

    items = []
    for line in _all(transaction, "IncludedSupplyChainTradeLineItem"):
        net = _one(line, f"{names['line_agreement']}/NetPriceProductTradePrice")
        line_settlement = _one(line, names["line_settlement"])
        item = _line_item(
            description=_text(
                line, "SpecifiedTradeProduct/Name", "SpecifiedTradeProduct/Description"
            ),
            quantity=_text(line, f"{names['line_delivery']}/BilledQuantity"),
            price=_text(net, "ChargeAmount"),
            basis=_text(net, "BasisQuantity"),
            amount=_text(line_settlement, f"{names['line_summation']}/LineTotalAmount"),
            tax_rate=_text(line_settlement, f"ApplicableTradeTax/{names['rate']}"),
        )
        if item is not None:
            items.append(item)

    guideline = _text(root, f"{names['context']}/GuidelineSpecifiedDocumentContextParameter/ID")
    label = "CII" if syntax == "cii" else "ZUGFeRD 1.0 CII"
    model = f"{label} {guideline}" if guideline else label
    return fields, items, model, _text(document, "TypeCode")


# ----------------------------------------------------------------------- UBL


def _ubl_party(party: etree._Element | None) -> dict[str, str | None]:
    address = _one(party, "PostalAddress")
    vat = None
    for scheme in _all(party, "PartyTaxScheme"):
        if (_text(scheme, "TaxScheme/ID") or "VAT").upper() == "VAT":
            vat = _text(scheme, "CompanyID")
            if vat:
                break
    extra_lines = [_txt(n) for n in _all(address, "AddressLine/Line")]
    return {
        "name": _text(party, "PartyLegalEntity/RegistrationName", "PartyName/Name"),
        "address": _address(
            _text(address, "StreetName"),
            _text(address, "AdditionalStreetName"),
            *extra_lines,
            postcode=_text(address, "PostalZone"),
            city=_text(address, "CityName"),
            country=_text(address, "Country/IdentificationCode"),
        ),
        "vat_id": vat,
    }


def _parse_ubl(
    root: etree._Element,
) -> tuple[dict[str, str | None], list[ExtractedLineItem], str, str | None]:
    credit = _local(root) == "CreditNote"
    currency = _text(root, "DocumentCurrencyCode")
    totals = _one(root, "LegalMonetaryTotal")
    seller = _ubl_party(_one(root, "AccountingSupplierParty/Party"))
    buyer = _ubl_party(_one(root, "AccountingCustomerParty/Party"))
    iban = None
    for means in _all(root, "PaymentMeans"):
        iban = _text(means, "PayeeFinancialAccount/ID")
        if iban:
            break
    fields: dict[str, str | None] = {
        "invoice_number": _text(root, "ID"),
        "invoice_date": _iso_date(_text(root, "IssueDate")),
        "due_date": _iso_date(
            _text(root, "DueDate", "PaymentMeans/PaymentDueDate", "PaymentTerms/PaymentDueDate")
        ),
        "currency": currency,
        "seller_name": seller["name"],
        "seller_address": seller["address"],
        "seller_vat_id": seller["vat_id"],
        "buyer_name": buyer["name"],
        "buyer_address": buyer["address"],
        "buyer_vat_id": buyer["vat_id"],
        "iban": iban,
        "purchase_order": _text(root, "OrderReference/ID"),
        "subtotal": _plain_decimal(_text(totals, "TaxExclusiveAmount", "LineExtensionAmount")),
        "tax_amount": _amount_in(_all(root, "TaxTotal/TaxAmount"), currency),
        "total_amount": _plain_decimal(_text(totals, "TaxInclusiveAmount", "PayableAmount")),
        "amount_due": _plain_decimal(_text(totals, "PayableAmount")),
    }
    line_tag, qty_tag = (
        ("CreditNoteLine", "CreditedQuantity") if credit else ("InvoiceLine", "InvoicedQuantity")
    )
    items = []
    for line in _all(root, line_tag):
        item = _line_item(
            description=_text(line, "Item/Name", "Item/Description"),
            quantity=_text(line, qty_tag),
            price=_text(line, "Price/PriceAmount"),
            basis=_text(line, "Price/BaseQuantity"),
            amount=_text(line, "LineExtensionAmount"),
            tax_rate=_text(
                line,
                "Item/ClassifiedTaxCategory/Percent",
                "TaxTotal/TaxSubtotal/TaxCategory/Percent",
                "TaxTotal/TaxSubtotal/Percent",
            ),
        )
        if item is not None:
            items.append(item)
    version = _text(root, "UBLVersionID") or "2.1"
    customization = _text(root, "CustomizationID")
    model = f"UBL {version} {customization}" if customization else f"UBL {version}"
    type_code = _text(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode")
    if credit and type_code is None:
        type_code = "381"
    return fields, items, model, type_code


# --------------------------------------------------------------------- public


def parse_einvoice(xml: bytes, *, document_id: str) -> ExtractedInvoice:
    """Read an EN 16931 e-invoice (CII, ZUGFeRD 1.0 or UBL 2.1) into an ExtractedInvoice.

    Values are exact: amounts as plain decimal strings as stated in the XML,
    dates in ISO form, confidence 1.0, no OCR line ids. The document type is
    reported as an info issue for credit notes (amounts stay as in the XML),
    and when the amount due differs from the grand total. Unsafe, malformed
    or non-invoice XML does not raise: the result is ``failed`` with an error
    issue, so the caller can fall back to OCR.
    """
    started = time.perf_counter()
    try:
        root = _safe_root(xml)
        syntax = _syntax(root)
        if syntax is None:
            qname = etree.QName(root)
            raise EInvoiceError(
                f"root element {{{qname.namespace}}}{qname.localname} is not a CII or UBL invoice"
            )
    except (UnsafeXmlError, EInvoiceError) as exc:
        code = "einvoice_unsafe_xml" if isinstance(exc, UnsafeXmlError) else "einvoice_invalid_xml"
        return ExtractedInvoice(
            document_id=document_id,
            provider=PROVIDER,
            issues=[Issue(code=code, message=str(exc), severity="error")],
            failed=True,
        )

    if syntax == "ubl":
        values, items, model, type_code = _parse_ubl(root)
    else:
        values, items, model, type_code = _parse_cii(root, syntax)

    issues: list[Issue] = []
    if type_code in CREDIT_NOTE_CODES:
        issues.append(
            Issue(
                code="einvoice_credit_note",
                message=f"document type code {type_code} is a credit note; amounts are as stated in the XML",
                severity="info",
            )
        )
    total, due = values.get("total_amount"), values.get("amount_due")
    if total is not None and due is not None and Decimal(total) != Decimal(due):
        issues.append(
            Issue(
                code="einvoice_amount_due",
                field="total_amount",
                message=f"amount due {due} differs from the invoice total {total} (prepaid or rounding amounts)",
                severity="info",
            )
        )
    for name in ("invoice_number", "invoice_date", "currency", "total_amount", "seller_name"):
        if values.get(name) is None:
            issues.append(
                Issue(
                    code="einvoice_missing_field",
                    field=name,
                    message=f"the e-invoice XML has no usable {name}",
                    severity="warning",
                )
            )

    fields = {
        name: FieldValue(value=value, confidence=1.0)
        for name, value in values.items()
        if value is not None
    }
    return ExtractedInvoice(
        document_id=document_id,
        provider=PROVIDER,
        model=model,
        fields=fields,
        line_items=items,
        usage=Usage(provider=PROVIDER, model=model, latency_s=time.perf_counter() - started),
        issues=issues,
    )


# ---------------------------------------------------------------- cross-check

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009]+")
_THOUSANDS_SEPS = ("", ".", ",", " ", "'", "\u2019")


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text)


def _amount_renderings(value: Decimal) -> set[str]:
    """Ways ``value`` may be printed: 2 and native decimals, any grouping, . or , decimals.

    A whole amount is also accepted as ``1.209,-``, and without decimals at all
    from 100 up (smaller bare integers would match quantities and VAT rates).
    """
    value = abs(value)
    texts = {
        format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f"),
        format(value, "f"),
    }
    whole_only = value == value.to_integral_value()
    out: set[str] = set()
    for text in texts:
        whole, _, frac = text.partition(".")
        for sep in _THOUSANDS_SEPS:
            grouped = f"{int(whole):,}".replace(",", sep) if sep else whole
            if whole_only:
                out.update({f"{grouped},-", f"{grouped}.-"})
                if value >= 100:
                    out.add(grouped)
            for point in (".", ","):
                if point != sep and frac:
                    out.add(f"{grouped}{point}{frac}")
    return out


def _amount_printed(value: str, text: str) -> bool:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    for rendering in _amount_renderings(number):
        pattern = r"(?<!\d)(?<!\d[.,'\u2019])" + re.escape(rendering) + r"(?!\d|[.,'\u2019]\d)"
        if re.search(pattern, text):
            return True
    return False


_DATE_PATTERNS = (
    "y-MM-dd",
    "dd.MM.y",
    "d.M.y",
    "dd.MM.yy",
    "dd/MM/y",
    "d/M/y",
    "MM/dd/y",
    "M/d/y",
    "dd/MM/yy",
    "MM/dd/yy",
    "dd-MM-y",
    "y/MM/dd",
    "yyyyMMdd",
    "d MMMM y",
    "dd MMMM y",
    "d. MMMM y",
    "dd. MMMM y",
    "MMMM d, y",
    "MMMM dd, y",
    "d MMM y",
    "dd MMM y",
    "d. MMM y",
    "dd. MMM y",
    "MMM d, y",
    "d-MMM-y",
    "dd-MMM-y",
)
_DATE_LOCALES = ("en", "de", "fr", "it", "es", "nl")


@lru_cache(maxsize=256)
def _date_renderings(iso: str) -> frozenset[str]:
    day = dt.date.fromisoformat(iso)
    out: set[str] = set()
    for locale in _DATE_LOCALES:
        for pattern in _DATE_PATTERNS:
            out.add(format_date(day, pattern, locale=locale))
        for style in ("short", "medium", "long"):
            out.add(format_date(day, style, locale=locale))
    return frozenset(_SPACES.sub("", r).lower() for r in out)


def _date_printed(value: str, text: str) -> bool:
    try:
        renderings = _date_renderings(dt.date.fromisoformat(value).isoformat())
    except ValueError:
        return False
    hay = _SPACES.sub("", text).lower()
    return any(re.search(r"(?<!\d)" + re.escape(r) + r"(?!\d)", hay) for r in renderings)


def _token_printed(value: str, text: str) -> bool:
    needle = _squash(value).strip().lower()
    if not needle:
        return False
    hay = text.lower()
    if re.search(r"(?<![0-9a-z])" + re.escape(needle) + r"(?![0-9a-z])", hay):
        return True
    # Spacing may differ ("RE 2024 0042" printed for "RE 20240042"): compare without
    # spaces, and then only require that a leading/trailing digit (or letter) of
    # the number is not glued to another digit (or letter) in the text.
    compact = _SPACES.sub("", needle)
    before = r"(?<!\d)" if compact[0].isdigit() else r"(?<![a-z])" if compact[0].isalpha() else ""
    after = r"(?!\d)" if compact[-1].isdigit() else r"(?![a-z])" if compact[-1].isalpha() else ""
    return re.search(before + re.escape(compact) + after, _SPACES.sub("", hay)) is not None


def cross_check(extracted_from_xml: ExtractedInvoice, printed_text: str) -> list[Issue]:
    """Compare the XML's invoice number, total, tax and date with the printed text.

    A value that appears in no common rendering (amounts: 1234.56, 1.234,56,
    1,234.56, 1 234,56, 1'234.56, rounded to 2 decimals; dates: 2024-04-03,
    03.04.2024, 04/03/2024, 3 April 2024, 3. April 2024, ...; the number
    case- and space-insensitively) gives a warning ``einvoice_print_mismatch``
    for that field. An empty print gives one info issue instead.
    """
    text = _squash(printed_text or "")
    if not text.strip():
        return [
            Issue(
                code="einvoice_print_unchecked",
                message="the document has no printed text to cross-check the e-invoice XML against",
                severity="info",
            )
        ]
    checks = {
        "invoice_number": _token_printed,
        "total_amount": _amount_printed,
        "tax_amount": _amount_printed,
        "invoice_date": _date_printed,
    }
    issues = []
    for name in CROSS_CHECK_FIELDS:
        value = extracted_from_xml.get(name)
        if value is None or checks[name](value, text):
            continue
        issues.append(
            Issue(
                code=MISMATCH_CODE,
                field=name,
                message=f"{name} {value!r} from the e-invoice XML does not appear in the printed document",
                severity="warning",
            )
        )
    return issues
