"""A fallback chain of extractors: the first that answers wins, every failure is recorded.

``LLM_PROVIDER=openai,anthropic,rules`` builds a :class:`FallbackExtractor`
that asks each extractor in order and moves on when one raises
ProviderUnavailable (after its own SDK retries) or ExtractionFailed (a refusal,
or output still malformed after one repair). The result names the provider
that answered (``ExtractedInvoice.provider``) and carries one warning Issue
per provider that failed before it. When every provider fails the chain
raises ProviderUnavailable if any failure was transient (a later run may
succeed), else ExtractionFailed, with all the reasons in the message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from invoice_pipeline.processing.extract.base import (
    ExtractionFailed,
    Extractor,
    ProviderRejected,
    ProviderUnavailable,
)
from invoice_pipeline.schema import ExtractedInvoice, Issue, OcrDocument

log = logging.getLogger("invoice_pipeline.processing.extract")


class FallbackExtractor(Extractor):
    """Try extractors in order until one answers."""

    def __init__(self, extractors: Sequence[Extractor]) -> None:
        if not extractors:
            raise ValueError("a fallback chain needs at least one extractor")
        self.extractors = list(extractors)
        self.name = ",".join(e.name for e in self.extractors)
        self.model = None

    def __repr__(self) -> str:
        return f"FallbackExtractor({self.extractors!r})"

    def extract(self, ocr: OcrDocument) -> ExtractedInvoice:
        failures: list[Issue] = []
        transient = False
        for extractor in self.extractors:
            try:
                result = extractor.extract(ocr)
            except (ProviderUnavailable, ExtractionFailed) as exc:
                if isinstance(exc, ProviderUnavailable) and not isinstance(exc, ProviderRejected):
                    transient = True
                kind = "unavailable" if isinstance(exc, ProviderUnavailable) else "failed"
                log.warning(
                    "%s %s for %s, trying the next provider: %s",
                    extractor.name,
                    kind,
                    ocr.document_id,
                    exc,
                )
                failures.append(
                    Issue(
                        code=f"provider_{kind}",
                        severity="warning",
                        stage="llm_fields",
                        message=f"{extractor.name}: {exc}",
                    )
                )
                continue
            result.issues = [*failures, *result.issues]
            return result
        reasons = "; ".join(issue.message for issue in failures)
        if transient:
            raise ProviderUnavailable(f"every provider of {self.name} failed: {reasons}")
        raise ExtractionFailed(f"every provider of {self.name} failed: {reasons}")
