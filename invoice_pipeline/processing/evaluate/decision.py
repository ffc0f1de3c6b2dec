"""The decision on one validated invoice: approved, manual_review or failed.

:func:`evaluate` runs every check (:mod:`~invoice_pipeline.processing.evaluate.checks`,
the tax rate in :mod:`~invoice_pipeline.processing.evaluate.tax_rates`, the
duplicate check in :mod:`~invoice_pipeline.processing.evaluate.duplicates`),
scores the document (:mod:`~invoice_pipeline.processing.evaluate.score`) and
decides: ``approved`` only when every blocking check passes and the score
reaches :attr:`Thresholds.approve_min_score`, otherwise ``manual_review`` with
every reason listed; a failed invoice stays ``failed``. For an invoice the pipeline
read (extractor or OCR engine recorded), each key field's confidence is calibrated
(:mod:`~invoice_pipeline.processing.evaluate.calibration`, per field and source kind)
and must reach its stored threshold (``field_confidence_low``) as well as the operator's
floor ``min_field_confidence`` (``field_confidence``, applied to the calibrated values);
the calibrated values feed the score. When in doubt it sends a document to review: an
approved invoice must be right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from invoice_pipeline.processing.evaluate.calibration import (
    CalibrationFile,
    calibrated_checks,
    calibrated_confidences,
    load_calibration,
    source_kind,
)
from invoice_pipeline.processing.evaluate.checks import (
    date_checks,
    id_checks,
    issue_checks,
    key_field_checks,
    line_items_check,
    ocr_confidence_check,
    seller_check,
    totals_check,
)
from invoice_pipeline.processing.evaluate.duplicates import duplicate_check
from invoice_pipeline.processing.evaluate.record import to_record
from invoice_pipeline.processing.evaluate.score import quality_score
from invoice_pipeline.processing.evaluate.tax_rates import tax_rate_check
from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.schema import Check, Evaluation, Invoice, InvoiceRecord, Status

__all__ = ["evaluate"]


def _failed(invoice: Invoice, extractor: str | None, ocr_engine: str | None) -> Evaluation:
    """The evaluation of a failed invoice: its errors are the reasons."""
    reasons = [f"{i.code}: {i.message}" for i in invoice.issues if i.severity == "error"]
    reasons = reasons or ["processing failed"]
    record = to_record(
        invoice,
        status="failed",
        quality_score=0.0,
        reasons=reasons,
        extractor=extractor,
        ocr_engine=ocr_engine,
    )
    return Evaluation(
        document_id=invoice.document_id,
        status="failed",
        quality_score=0.0,
        reasons=reasons,
        record=record,
    )


def _checks(
    invoice: Invoice,
    t: Thresholds,
    today: dt.date,
    ocr_confidence: float | None,
    calibrated: list[Check],
    confidences: Mapping[str, float | None] | None,
) -> list[Check]:
    """Every check but the duplicate check, in the order the record lists them."""
    checks: list[Check] = []
    # INVOICE_MIN_FIELD_CONFIDENCE stays the operator's floor, on the calibrated
    # confidences where there are some; the calibrated thresholds come on top
    checks += key_field_checks(invoice, t, confidences)
    checks += calibrated
    checks += issue_checks(invoice)
    rate_check = tax_rate_check(invoice, t)
    for check in (line_items_check(invoice, t), totals_check(invoice, t, rate_check), rate_check):
        if check is not None:
            checks.append(check)
    checks += date_checks(invoice, today, t)
    checks += id_checks(invoice)
    seller = seller_check(invoice)
    if seller is not None:
        checks.append(seller)
    if ocr_confidence is not None:
        checks.append(ocr_confidence_check(ocr_confidence, t))
    return checks


def evaluate(
    invoice: Invoice,
    *,
    ocr_confidence: float | None,
    earlier: Sequence[InvoiceRecord] | None = None,
    thresholds: Thresholds | None = None,
    today: dt.date | None = None,
    extractor: str | None = None,
    ocr_engine: str | None = None,
    calibration: CalibrationFile | None | bool = True,
) -> Evaluation:
    """Check, score and decide one invoice; ``Evaluation.record`` is its flat record.

    ``earlier`` holds the records the duplicate check compares with (from
    :meth:`ResultsStore.earlier_records`). A failed invoice gets status
    ``failed``; otherwise ``approved`` needs every blocking check passed and a
    quality score of at least ``thresholds.approve_min_score`` (default
    :class:`Thresholds`). ``calibration``: True for the shipped calibration file,
    False for none (raw confidences only), or a loaded :class:`CalibrationFile`.
    """
    t = thresholds or Thresholds()
    today = today or dt.date.today()
    if invoice.failed:
        return _failed(invoice, extractor, ocr_engine)

    if calibration is True:
        calibration = load_calibration()
    calib = calibration if isinstance(calibration, CalibrationFile) else None
    source = source_kind(extractor, ocr_engine)
    confidences = calibrated_confidences(invoice, source, calib)
    calibrated = calibrated_checks(invoice, source, calib)
    checks = _checks(invoice, t, today, ocr_confidence, calibrated, confidences or None)
    duplicate, duplicate_of = duplicate_check(invoice, earlier)
    if duplicate is not None:
        checks.append(duplicate)

    score = quality_score(invoice, checks, ocr_confidence, confidences)
    reasons = [c.message for c in checks if c.blocking and not c.passed]
    if score < t.approve_min_score:
        reasons.append(f"quality score {score:.2f} below {t.approve_min_score:.2f}")
    status: Status = "manual_review" if reasons else "approved"
    record = to_record(
        invoice,
        status=status,
        quality_score=score,
        checks=checks,
        reasons=reasons,
        duplicate_of=duplicate_of,
        extractor=extractor,
        ocr_engine=ocr_engine,
    )
    return Evaluation(
        document_id=invoice.document_id,
        status=status,
        quality_score=score,
        checks=checks,
        reasons=reasons,
        duplicate_of=duplicate_of,
        record=record,
    )
