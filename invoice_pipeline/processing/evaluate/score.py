"""The quality score of one invoice in 0..1.

:func:`quality_score` weighs the confidence of the key fields (0.35), the
completeness of key and other fields (0.15), the share of passed checks with
blocking checks counting double (0.30) and, for a scan, the mean OCR
confidence (0.20). Where the decision has calibrated confidences (P(right) per key
field), they stand in for the raw ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from invoice_pipeline.processing.evaluate.checks import field_confidence
from invoice_pipeline.schema import KEY_FIELDS, TEXT_FIELDS, Check, Invoice

__all__ = ["quality_score"]

_COMPLETENESS_FIELDS = tuple(
    f for f in TEXT_FIELDS if f not in KEY_FIELDS and f not in {"purchase_order", "buyer_vat_id"}
)


def quality_score(
    invoice: Invoice,
    checks: Sequence[Check],
    ocr_confidence: float | None,
    calibrated: Mapping[str, float | None] | None = None,
) -> float:
    """The quality score in 0..1, rounded to four decimals."""
    calibrated = calibrated or {}

    def confidence(f: str) -> float:
        p = calibrated.get(f)
        return p if p is not None else field_confidence(invoice, f)

    key_confidences = [
        confidence(f) if getattr(invoice, f) is not None else 0.0 for f in KEY_FIELDS
    ]
    field_score = sum(min(max(c, 0.0), 1.0) for c in key_confidences) / len(KEY_FIELDS)
    key_present = sum(getattr(invoice, f) is not None for f in KEY_FIELDS) / len(KEY_FIELDS)
    other_present = sum(getattr(invoice, f) is not None for f in _COMPLETENESS_FIELDS) / len(
        _COMPLETENESS_FIELDS
    )
    completeness = 0.7 * key_present + 0.3 * other_present
    weights = [(c.blocking and 2.0 or 1.0, c.passed) for c in checks]
    check_score = (
        sum(w for w, passed in weights if passed) / sum(w for w, _ in weights) if weights else 1.0
    )
    parts = [(0.35, field_score), (0.15, completeness), (0.30, check_score)]
    if ocr_confidence is not None:
        parts.append((0.20, min(max(ocr_confidence, 0.0), 1.0)))
    score = sum(w * v for w, v in parts) / sum(w for w, _ in parts)
    return round(min(max(score, 0.0), 1.0), 4)
