"""The validation stage: the strings a provider extracted become a normalised Invoice.

:func:`validate` (:mod:`~invoice_pipeline.processing.validate.invoice`) decides
the document's locale (:mod:`~invoice_pipeline.processing.validate.locale`) and
normalises every field with the normaliser of its kind, each a function from
printed text to a canonical value or None: amounts and money formatting
(:mod:`~invoice_pipeline.processing.validate.amounts`), dates
(:mod:`~invoice_pipeline.processing.validate.dates`), currencies
(:mod:`~invoice_pipeline.processing.validate.currency`), VAT ids and IBANs
(:mod:`~invoice_pipeline.processing.validate.ids`), payment terms
(:mod:`~invoice_pipeline.processing.validate.terms`), plain text and match keys
(:mod:`~invoice_pipeline.processing.validate.text`). It derives what can be
computed (:mod:`~invoice_pipeline.processing.validate.totals`), records the
evidence of each field (:mod:`~invoice_pipeline.processing.validate.evidence`)
and turns every problem into an issue; bad data never raises.
"""

from __future__ import annotations

from invoice_pipeline.processing.validate.invoice import validate

__all__ = ["validate"]
