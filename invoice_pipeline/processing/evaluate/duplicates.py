"""The duplicate-invoice check: the same invoice seen before, by its match keys.

:func:`find_duplicate` compares an invoice with the earlier records of the
results database: same seller (compact VAT id or :func:`name_key`) and the same
invoice number (:func:`invoice_number_key`), or the same seller, total amount
and invoice date. :func:`duplicate_check` turns the answer into a :class:`Check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from invoice_pipeline.processing.validate.ids import normalise_vat_id
from invoice_pipeline.processing.validate.text import invoice_number_key, name_key
from invoice_pipeline.schema import Check, Invoice, InvoiceRecord

__all__ = ["duplicate_check", "find_duplicate"]


def _vat_key(value: str | None) -> str | None:
    if not value:
        return None
    compact, _ = normalise_vat_id(value)
    return compact


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def find_duplicate(
    invoice: Invoice, earlier: Sequence[InvoiceRecord]
) -> tuple[InvoiceRecord, str] | None:
    """The first earlier record of the same invoice, and why it matches.

    Same seller (VAT id or normalised name) and the same invoice number, or the
    same seller, total amount and invoice date.
    """
    vat = _vat_key(invoice.seller_vat_id)
    name = name_key(invoice.seller_name)
    number = invoice_number_key(invoice.invoice_number)
    date = invoice.invoice_date.isoformat() if invoice.invoice_date else None
    for record in earlier:
        if record.document_id == invoice.document_id:
            continue
        same_vat = vat is not None and _vat_key(record.seller_vat_id) == vat
        same_name = name is not None and name_key(record.seller_name) == name
        if not (same_vat or same_name):
            continue
        seller = "seller VAT id" if same_vat else "seller name"
        if number is not None and invoice_number_key(record.invoice_number) == number:
            return record, f"same {seller} and invoice number {invoice.invoice_number}"
        if (
            invoice.total_amount is not None
            and date is not None
            and _decimal(record.total_amount) == invoice.total_amount
            and record.invoice_date == date
        ):
            return record, f"same {seller}, total {invoice.total_amount} and date {date}"
    return None


def duplicate_check(
    invoice: Invoice, earlier: Sequence[InvoiceRecord] | None
) -> tuple[Check | None, str | None]:
    """The duplicate check and the document id of the earlier copy, if any.

    Without ``earlier`` (None) there is nothing to compare with and no check.
    """
    duplicate = find_duplicate(invoice, earlier or ())
    if duplicate is not None:
        record, why = duplicate
        check = Check(
            name="duplicate",
            passed=False,
            field="invoice_number",
            message=f"duplicate of {record.document_id}: {why}",
        )
        return check, record.document_id
    if earlier is not None:
        return Check(name="duplicate", passed=True, message="no earlier copy found"), None
    return None, None
