"""The decision thresholds of the evaluation, with plain defaults.

:class:`Thresholds` holds what an approval needs (quality score, confidence of
each key field, mean OCR confidence, confidence of a total no arithmetic
confirms) and how far sums and dates may be off. The defaults are plain values;
:func:`invoice_pipeline.settings.get` fills them from ``INVOICE_APPROVE_MIN_SCORE``
and friends, and the caller hands them down.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

__all__ = ["Thresholds"]


class Thresholds(BaseModel):
    """Decision thresholds of :func:`~invoice_pipeline.processing.evaluate.decision.evaluate`."""

    approve_min_score: float = Field(default=0.8, ge=0.0, le=1.0)
    min_field_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    min_ocr_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    unverified_total_min_confidence: float = Field(default=0.9, ge=0.0, le=1.0)
    """A total that no arithmetic cross-checks needs at least this confidence."""
    tolerance: Decimal = Field(default=Decimal("0.01"), ge=0)
    future_grace_days: int = 1
    """An invoice date this many days after today still passes (time zones)."""
