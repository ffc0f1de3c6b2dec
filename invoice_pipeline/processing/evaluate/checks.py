"""The consistency checks of one validated invoice, each a :class:`Check`.

Key fields present and read with confidence, validation errors (and warnings a
person must see, :data:`REVIEW_CODES`), subtotal plus tax equal to the total,
line items that sum to the subtotal or total, a due date not before the invoice
date and an invoice date not in the future, VAT id and IBAN checksums, and the
mean OCR confidence. The tax rate check is in
:mod:`~invoice_pipeline.processing.evaluate.tax_rates`, the duplicate check in
:mod:`~invoice_pipeline.processing.evaluate.duplicates`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.processing.validate.ids import normalise_iban, normalise_vat_id
from invoice_pipeline.schema import KEY_FIELDS, Check, Invoice

__all__ = [
    "REVIEW_CODES",
    "field_confidence",
    "date_checks",
    "id_checks",
    "issue_checks",
    "key_field_checks",
    "line_items_check",
    "ocr_confidence_check",
    "seller_check",
    "totals_check",
]


def field_confidence(invoice: Invoice, field: str) -> float:
    """The confidence a field was read with; 0 without evidence."""
    ev = invoice.evidence.get(field)
    return ev.confidence if ev is not None else 0.0


def key_field_checks(
    invoice: Invoice, t: Thresholds, calibrated: Mapping[str, float | None] | None = None
) -> list[Check]:
    """Each key field present and read with at least ``t.min_field_confidence``.

    With ``calibrated`` (P(right) per key field, from the calibration), the floor
    applies to those probabilities rather than to the extractor's raw confidences.
    """
    checks: list[Check] = []
    for field in KEY_FIELDS:
        value = getattr(invoice, field)
        if value is None or (isinstance(value, str) and not value.strip()):
            checks.append(
                Check(
                    name="key_field_present", passed=False, field=field, message=f"{field} missing"
                )
            )
            continue
        p = calibrated.get(field) if calibrated is not None else None
        confidence = p if p is not None else field_confidence(invoice, field)
        kind = "calibrated confidence" if p is not None else "confidence"
        checks.append(
            Check(
                name="field_confidence",
                passed=confidence >= t.min_field_confidence,
                field=field,
                message=(
                    f"{field} read with {kind} {confidence:.2f}"
                    + (
                        ""
                        if confidence >= t.min_field_confidence
                        else f" < {t.min_field_confidence:.2f}"
                    )
                ),
            )
        )
    return checks


# issues that a dedicated check below reports (so a reason is not listed twice)
_COVERED_CODES = {"vat_id_invalid", "iban_invalid", "field_missing"}

REVIEW_CODES = frozenset(
    {"pdf_javascript", "pdf_embedded_files", "prompt_injection_suspected", "value_glued_to_text"}
)
"""Warnings a person must see before an invoice is approved: active content, unknown
attachments, text that reads like instructions to a model, a key value the OCR ran into the
word before it (characters may be lost)."""


def issue_checks(invoice: Invoice) -> list[Check]:
    """One failed check per validation error (and per warning in :data:`REVIEW_CODES`)."""
    errors = [
        i
        for i in invoice.issues
        if (i.severity == "error" and i.code not in _COVERED_CODES) or i.code in REVIEW_CODES
    ]
    return [
        Check(
            name="validation_issue", passed=False, field=i.field, message=f"{i.code}: {i.message}"
        )
        for i in errors
    ]


def totals_check(invoice: Invoice, t: Thresholds, rate_check: Check | None) -> Check | None:
    """Subtotal plus tax equals the total; a total nothing confirms needs high confidence."""
    subtotal, tax, total = invoice.subtotal, invoice.tax_amount, invoice.total_amount
    if total is None:
        return None
    derived = [f for f in ("subtotal", "tax_amount", "total_amount") if f in invoice.derived]
    if subtotal is not None and tax is not None and not derived:
        diff = subtotal + tax - total
        passed = abs(diff) <= t.tolerance
        prepaid = invoice.prepaid_amount
        message = (
            f"subtotal {subtotal} + tax {tax} = total {total}"
            if passed
            else f"subtotal {subtotal} + tax {tax} = {subtotal + tax}, but total is {total}"
        )
        if not passed and prepaid and abs(diff - prepaid) <= t.tolerance:
            message += f": the amount due after the prepaid {prepaid}, not the invoice total"
        return Check(name="totals_consistent", passed=passed, field="total_amount", message=message)
    confidence = field_confidence(invoice, "total_amount")
    if derived and rate_check is not None and rate_check.passed and rate_check.blocking:
        return Check(
            name="totals_consistent",
            passed=True,
            blocking=False,
            field="total_amount",
            message=f"{', '.join(derived)} derived; the legal tax rate confirms the amounts",
        )
    trusted = confidence >= t.unverified_total_min_confidence
    what = f"{', '.join(derived)} derived" if derived else "subtotal or tax missing"
    return Check(
        name="totals_consistent",
        passed=False,
        blocking=not trusted,
        field="total_amount",
        message=(
            f"total {total} cannot be cross-checked ({what}); "
            f"confidence {confidence:.2f}"
            + ("" if trusted else f" < {t.unverified_total_min_confidence:.2f}")
        ),
    )


def line_items_check(invoice: Invoice, t: Thresholds) -> Check | None:
    """The line items sum to the subtotal (net) or the total (gross)."""
    items = invoice.line_items
    if not items:
        return None
    missing = sum(1 for i in items if i.amount is None)
    if missing:
        return Check(
            name="line_items_sum",
            passed=False,
            blocking=False,
            field="line_items",
            message=f"{missing} of {len(items)} line items have no amount",
        )
    total_lines = sum((i.amount for i in items if i.amount is not None), Decimal(0))
    subtotal, total = invoice.subtotal, invoice.total_amount
    if subtotal is None and total is None:
        return None
    if subtotal is not None and abs(total_lines - subtotal) <= t.tolerance:
        return Check(
            name="line_items_sum",
            passed=True,
            field="line_items",
            message=f"{len(items)} line items sum to the subtotal {subtotal}",
        )
    allowances, charges = invoice.allowance_total or Decimal(0), invoice.charge_total or Decimal(0)
    if (
        subtotal is not None
        and (allowances or charges)
        and abs(total_lines - allowances + charges - subtotal) <= t.tolerance
    ):
        return Check(
            name="line_items_sum",
            passed=True,
            field="line_items",
            message=(
                f"{len(items)} line items sum to {total_lines}; less allowances {allowances}"
                f" plus charges {charges} they are the subtotal {subtotal}"
            ),
        )
    if total is not None and abs(total_lines - total) <= t.tolerance:
        return Check(
            name="line_items_sum",
            passed=True,
            field="line_items",
            message=f"{len(items)} line items (gross) sum to the total {total}",
        )
    target = f"subtotal {subtotal}" if subtotal is not None else f"total {total}"
    return Check(
        name="line_items_sum",
        passed=False,
        field="line_items",
        message=f"{len(items)} line items sum to {total_lines}, but the {target}",
    )


def date_checks(invoice: Invoice, today: dt.date, t: Thresholds) -> list[Check]:
    """Due date not before the invoice date; invoice date not in the future."""
    checks: list[Check] = []
    if invoice.invoice_date and invoice.due_date:
        ok = invoice.due_date >= invoice.invoice_date
        checks.append(
            Check(
                name="due_after_invoice_date",
                passed=ok,
                field="due_date",
                message=(
                    f"due date {invoice.due_date} "
                    + ("is not before" if ok else "is before")
                    + f" invoice date {invoice.invoice_date}"
                ),
            )
        )
    if invoice.invoice_date:
        ok = invoice.invoice_date <= today + dt.timedelta(days=t.future_grace_days)
        checks.append(
            Check(
                name="invoice_date_not_future",
                passed=ok,
                field="invoice_date",
                message=(
                    f"invoice date {invoice.invoice_date} "
                    + ("is not" if ok else "is")
                    + f" in the future (today {today})"
                ),
            )
        )
    return checks


def id_checks(invoice: Invoice) -> list[Check]:
    """VAT id and IBAN checksums."""
    checks: list[Check] = []
    for field in ("seller_vat_id", "buyer_vat_id"):
        value = getattr(invoice, field)
        if value:
            _, valid = normalise_vat_id(value)
            checks.append(
                Check(
                    name="vat_id_valid",
                    passed=valid,
                    field=field,
                    message=f"{field} {value} " + ("is valid" if valid else "fails its checksum"),
                )
            )
    if invoice.iban:
        _, valid = normalise_iban(invoice.iban)
        checks.append(
            Check(
                name="iban_valid",
                passed=valid,
                field="iban",
                message=f"IBAN {invoice.iban} " + ("is valid" if valid else "fails its checksum"),
            )
        )
    return checks


def seller_check(invoice: Invoice) -> Check | None:
    """What corroborates the seller on the page (recorded; a missing one does not block)."""
    if not invoice.seller_name:
        return None
    found = invoice.seller_evidence
    return Check(
        name="seller_evidence",
        passed=bool(found),
        blocking=False,
        field="seller_name",
        message=(
            f"seller {invoice.seller_name!r} corroborated by: {'; '.join(found)}"
            if found
            else f"nothing on the page corroborates the seller {invoice.seller_name!r}"
        ),
    )


def ocr_confidence_check(ocr_confidence: float, t: Thresholds) -> Check:
    """The mean OCR confidence against ``t.min_ocr_confidence``."""
    ok = ocr_confidence >= t.min_ocr_confidence
    return Check(
        name="ocr_confidence",
        passed=ok,
        message=f"OCR confidence {ocr_confidence:.2f}"
        + ("" if ok else f" < {t.min_ocr_confidence:.2f}"),
    )
