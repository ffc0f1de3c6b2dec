"""The interface every field extractor implements, and the errors they raise.

An extractor turns an :class:`OcrDocument` into an :class:`ExtractedInvoice`:
values as printed on the page (strings), each with a confidence and the ids of
the OCR lines it came from. Normalisation happens later, in ``validate``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from invoice_pipeline.schema import ExtractedInvoice, OcrDocument


class ProviderNotConfigured(ValueError):
    """A provider was selected but its key or settings are missing (start-up error)."""


class ProviderUnavailable(RuntimeError):
    """A provider could not answer after its own retries (429, 5xx, timeouts).

    Transient: the Dagster RetryPolicy may run the step again, and a fallback
    chain moves on to its next provider.
    """


class ProviderRejected(ProviderUnavailable):
    """The API refused the request itself (400, 401, 403, 404): a configuration problem.

    A ProviderUnavailable so that a fallback chain moves on to its next
    provider; retrying the same request will not help.
    """


class ExtractionFailed(RuntimeError):
    """The provider answered, but with output that stays invalid after one repair."""


class Extractor(ABC):
    """One way of reading invoice fields from OCR text."""

    name: str = "extractor"
    model: str | None = None

    @abstractmethod
    def extract(self, ocr: OcrDocument) -> ExtractedInvoice:
        """Read the fields of one document. Raise ProviderUnavailable on transient failure."""
