"""The offline rules extractor, in parts: vocabulary, values, geometry, items, parties.

:class:`~.extractor.RulesExtractor` (no key, no network) reads labels beside or
above their values (:mod:`.geometry`, words of :mod:`.vocabulary`), typed
values (:mod:`.values`), the item table (:mod:`.items`) and seller and buyer
blocks (:mod:`.parties`). It shares only the extractor interface
(:mod:`invoice_pipeline.processing.extract.base`) with ``llm/`` and
``einvoice/``.
"""
