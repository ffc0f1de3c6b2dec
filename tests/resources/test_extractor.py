"""The extractor resource: flat, key-free config that round-trips to ExtractorOptions."""

from __future__ import annotations

import pytest

from invoice_pipeline import settings
from invoice_pipeline.processing.extract.llm.anthropic_provider import AnthropicExtractor
from invoice_pipeline.resources.extractor import ExtractorResource

KEY = "sk-ant-test-RESOURCE0123456789abcdef"


def test_options_round_trip_and_the_key_stays_out_of_the_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environ = {
        "LLM_PROVIDER": "anthropic",
        "LLM_CACHE_DIR": "memory://resource-test/llm-cache",
        "LLM_MAX_RETRIES": "1",
        "OPENAI_TEMPERATURE": "none",
        "ANTHROPIC_MODEL": "claude-haiku-4-5",
        "ANTHROPIC_OUTPUT_MODE": "tool",
        "ANTHROPIC_MAX_TOKENS": "2000",
        "GEMINI_TEMPERATURE": "0.3",
    }
    options = settings.get(environ).extractor
    resource = ExtractorResource.from_options(options)
    assert resource.options() == options
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    extractor = resource.extractor()  # the key is read now, when the extractor is built
    assert isinstance(extractor, AnthropicExtractor)
    assert (extractor.model, extractor.output_mode, extractor.max_tokens) == (
        "claude-haiku-4-5",
        "tool",
        2000,
    )
    assert KEY not in str(resource.model_dump()) and KEY not in repr(extractor)
