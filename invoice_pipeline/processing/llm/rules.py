"""The ``rules`` provider: the offline extractor, the default when no key is configured."""

from invoice_pipeline.processing.rules.extractor import RulesExtractor

__all__ = ["RulesExtractor"]
