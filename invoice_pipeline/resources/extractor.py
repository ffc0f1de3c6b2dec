"""The field-extractor resource: LLM_PROVIDER, a provider or a fallback chain.

API keys are never part of this resource's config: each provider reads its
own key from the environment, so no key reaches run config, logs or metadata.
"""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from invoice_pipeline.processing.extract.base import Extractor


class ExtractorResource(dg.ConfigurableResource):
    """Which extractor reads fields: ``rules`` (offline default) or an LLM provider chain."""

    provider: str = "rules"
    cache_dir: str | None = None
    _extractor: Extractor | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # ProviderNotConfigured ("No LLM provider configured: set ...") surfaces at start-up
        self._extractor = self._build()

    def _build(self) -> Extractor:
        from invoice_pipeline.processing.extract import build_extractor

        return build_extractor(self.provider, cache_dir=self.cache_dir)

    def extractor(self) -> Extractor:
        if self._extractor is None:
            self._extractor = self._build()
        return self._extractor
