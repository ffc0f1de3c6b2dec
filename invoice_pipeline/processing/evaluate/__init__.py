"""The evaluation stage: consistency checks, duplicate detection, a quality score, the decision.

:func:`evaluate` (:mod:`~invoice_pipeline.processing.evaluate.decision`) runs
every check on a validated Invoice: key fields present and read with
confidence, line items sum to the subtotal, subtotal plus tax equals the total
to the cent, due date not before the invoice date, invoice date not in the
future, VAT id and IBAN checksums (:mod:`~invoice_pipeline.processing.evaluate.checks`),
a legal VAT rate for the seller's country
(:mod:`~invoice_pipeline.processing.evaluate.tax_rates`), the same invoice seen
before (:mod:`~invoice_pipeline.processing.evaluate.duplicates`). It scores the
document in 0..1 (:mod:`~invoice_pipeline.processing.evaluate.score`), decides
``approved`` or ``manual_review`` by the :class:`Thresholds`
(:mod:`~invoice_pipeline.processing.evaluate.thresholds`) and writes the flat
record (:mod:`~invoice_pipeline.processing.evaluate.record`). The Dagster asset
checks of ``validated`` and ``evaluation`` are plain functions in
:mod:`~invoice_pipeline.processing.evaluate.quality_checks`.
"""

from __future__ import annotations

from invoice_pipeline.processing.evaluate.decision import evaluate
from invoice_pipeline.processing.evaluate.thresholds import Thresholds

__all__ = ["Thresholds", "evaluate"]
