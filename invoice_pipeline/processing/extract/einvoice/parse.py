"""An e-invoice's XML read into an :class:`ExtractedInvoice` with exact values.

:func:`parse_einvoice` parses the XML safely (:mod:`invoice_pipeline.processing.extract.einvoice.safe_xml`),
reads it with the CII or UBL reader, and reports credit notes, an amount due
that differs from the total, and missing key fields as issues. Unsafe or
malformed XML never raises: the result is ``failed``, so the caller can fall
back to OCR.
"""

from __future__ import annotations

import time
from decimal import Decimal

from lxml import etree

from invoice_pipeline.processing.extract.einvoice.cii import cii_vat_breakdown, parse_cii
from invoice_pipeline.processing.extract.einvoice.safe_xml import (
    EInvoiceError,
    UnsafeXmlError,
    safe_root,
    syntax_of,
)
from invoice_pipeline.processing.extract.einvoice.ubl import parse_ubl, ubl_vat_breakdown
from invoice_pipeline.schema import ExtractedInvoice, FieldValue, Issue, Usage

PROVIDER = "einvoice"

CREDIT_NOTE_CODES: frozenset[str] = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)
"""UNTDID 1001 document type codes that EN 16931 treats as credit notes."""


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
        root = safe_root(xml)
        syntax = syntax_of(root)
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
        values, items, model, type_code = parse_ubl(root)
        breakdown = ubl_vat_breakdown(root)
    else:
        values, items, model, type_code = parse_cii(root, syntax)
        breakdown = cii_vat_breakdown(root, syntax)

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
        vat_breakdown=breakdown,
        usage=Usage(provider=PROVIDER, model=model, latency_s=time.perf_counter() - started),
        issues=issues,
    )
