"""The LLM extractors: hosted (or self-hosted) models asked through their official SDKs.

:mod:`.provider` holds what they share (:class:`~.provider.LLMExtractor`: the
call, the one repair turn, usage and cost, the response cache, redaction of
keys); :mod:`.openai_provider`, :mod:`.anthropic_provider` and
:mod:`.gemini_provider` one API each. The model gets :mod:`.prompt` (the OCR
lines as data) and answers in :mod:`.schema`; :mod:`.answer` validates the
answer and checks its values against the page (:mod:`.evidence`).
:mod:`.cache` and :mod:`.pricing` keep answers and estimate their cost. The
SDKs are imported only when a provider is built.
"""
