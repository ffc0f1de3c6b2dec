"""The flat :class:`InvoiceRecord` of an evaluated invoice.

:func:`to_record` writes money as exact strings (``"1234.56"``), dates in ISO
form, keeps the evidence of every field, and adds the failed checks to the
invoice's issues (``stage="evaluation"``).
"""

from __future__ import annotations

from collections.abc import Sequence

from invoice_pipeline.processing.validate.amounts import (
    format_money,
    format_price,
    format_quantity,
)
from invoice_pipeline.schema import Check, Invoice, InvoiceRecord, Issue, RecordLineItem, Status

__all__ = ["to_record"]


def to_record(
    invoice: Invoice,
    *,
    status: Status = "manual_review",
    quality_score: float = 0.0,
    checks: Sequence[Check] = (),
    reasons: Sequence[str] = (),
    duplicate_of: str | None = None,
    extractor: str | None = None,
    ocr_engine: str | None = None,
) -> InvoiceRecord:
    """The flat record of an invoice: money as ``"1234.56"``, ISO dates, evidence, issues.

    Failed checks join the invoice's issues (``stage="evaluation"``; blocking ones
    as errors, the others as warnings).
    """
    issues = list(invoice.issues)
    for check in checks:
        if not check.passed and check.name != "validation_issue":
            issues.append(
                Issue(
                    code=check.name,
                    message=check.message,
                    field=check.field,
                    severity="error" if check.blocking else "warning",
                    stage="evaluation",
                )
            )
    return InvoiceRecord(
        document_id=invoice.document_id,
        source_file=invoice.source_file,
        status=status,
        quality_score=quality_score,
        invoice_number=invoice.invoice_number,
        invoice_date=invoice.invoice_date.isoformat() if invoice.invoice_date else None,
        due_date=invoice.due_date.isoformat() if invoice.due_date else None,
        currency=invoice.currency,
        seller_name=invoice.seller_name,
        seller_address=invoice.seller_address,
        seller_vat_id=invoice.seller_vat_id,
        buyer_name=invoice.buyer_name,
        buyer_address=invoice.buyer_address,
        buyer_vat_id=invoice.buyer_vat_id,
        iban=invoice.iban,
        purchase_order=invoice.purchase_order,
        subtotal=format_money(invoice.subtotal),
        tax_amount=format_money(invoice.tax_amount),
        total_amount=format_money(invoice.total_amount),
        line_items=[
            RecordLineItem(
                description=item.description,
                quantity=format_quantity(item.quantity),
                unit_price=format_price(item.unit_price),
                amount=format_money(item.amount),
                tax_rate=format_quantity(item.tax_rate),
            )
            for item in invoice.line_items
        ],
        issues=issues,
        fields={name: ev.model_copy() for name, ev in invoice.evidence.items()},
        extractor=extractor,
        ocr_engine=ocr_engine,
        reasons=list(reasons),
        duplicate_of=duplicate_of,
    )
