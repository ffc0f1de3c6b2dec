"""The decision resource: the thresholds a document must reach to be approved.

Its fields are the INVOICE_APPROVE_MIN_SCORE, INVOICE_MIN_FIELD_CONFIDENCE,
INVOICE_MIN_OCR_CONFIDENCE, INVOICE_UNVERIFIED_TOTAL_MIN_CONFIDENCE and
INVOICE_AMOUNT_TOLERANCE settings, so the values a run decided with show in
the Dagster UI (the run's resources) and can be changed per run.
"""

from __future__ import annotations

from decimal import Decimal

import dagster as dg

from invoice_pipeline.processing.evaluate.thresholds import Thresholds

_DEFAULTS = Thresholds()


class DecisionResource(dg.ConfigurableResource):
    """Decision thresholds of the ``evaluation`` asset."""

    approve_min_score: float = _DEFAULTS.approve_min_score
    """The quality score an approval needs."""
    min_field_confidence: float = _DEFAULTS.min_field_confidence
    """The confidence each key field needs."""
    min_ocr_confidence: float = _DEFAULTS.min_ocr_confidence
    """The mean OCR confidence a scanned document needs."""
    unverified_total_min_confidence: float = _DEFAULTS.unverified_total_min_confidence
    """A total that no arithmetic cross-checks needs at least this confidence."""
    amount_tolerance: str = str(_DEFAULTS.tolerance)
    """How far sums may be apart and still agree (a decimal string)."""
    future_grace_days: int = _DEFAULTS.future_grace_days
    """An invoice date this many days after today still passes."""

    @classmethod
    def from_thresholds(cls, thresholds: Thresholds) -> DecisionResource:
        return cls(
            approve_min_score=thresholds.approve_min_score,
            min_field_confidence=thresholds.min_field_confidence,
            min_ocr_confidence=thresholds.min_ocr_confidence,
            unverified_total_min_confidence=thresholds.unverified_total_min_confidence,
            amount_tolerance=str(thresholds.tolerance),
            future_grace_days=thresholds.future_grace_days,
        )

    def thresholds(self) -> Thresholds:
        return Thresholds(
            approve_min_score=self.approve_min_score,
            min_field_confidence=self.min_field_confidence,
            min_ocr_confidence=self.min_ocr_confidence,
            unverified_total_min_confidence=self.unverified_total_min_confidence,
            tolerance=Decimal(self.amount_tolerance),
            future_grace_days=self.future_grace_days,
        )
