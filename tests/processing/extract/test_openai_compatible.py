"""An OpenAI-compatible server (vLLM, Ollama, llama.cpp): no key, a base URL and
model required, JSON mode when the server refuses a json_schema response format."""

from __future__ import annotations

import pytest

from invoice_pipeline.processing.extract import (
    ProviderNotConfigured,
)
from invoice_pipeline.processing.extract.llm.openai_provider import OpenAICompatibleExtractor
from invoice_pipeline.processing.extract.llm.prompt import (
    SYSTEM_PROMPT,
)
from invoice_pipeline.schema import OcrDocument
from tests.fake_llm_server import (
    FakeLLMServer,
    openai_error,
    openai_reply,
)
from tests.processing.extract.conftest import (
    GOOD,
    assert_good,
    configured,
)

pytestmark = pytest.mark.usefixtures("env")


def test_openai_compatible_needs_a_base_url_and_model_not_a_key(env: pytest.MonkeyPatch) -> None:
    env.delenv("OPENAI_BASE_URL")
    with pytest.raises(ProviderNotConfigured, match="set OPENAI_BASE_URL"):
        configured("openai_compatible")
    env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(ProviderNotConfigured, match="set OPENAI_MODEL"):
        configured("openai_compatible")
    env.delenv("OPENAI_API_KEY")
    env.setenv("OPENAI_MODEL", "qwen3-8b")
    assert isinstance(configured("openai_compatible"), OpenAICompatibleExtractor)


# -------------------------------------------------------- openai-compatible


def test_openai_compatible_falls_back_to_json_mode(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument
) -> None:
    env.delenv("OPENAI_API_KEY")
    env.setenv("OPENAI_MODEL", "llama-3.3-70b")
    server.script(
        "openai",
        openai_error(400, "response_format json_schema is not supported"),
        openai_reply(GOOD, model="llama-3.3-70b"),
        openai_reply(GOOD, model="llama-3.3-70b"),
    )
    extractor = configured("openai_compatible")
    result = extractor.extract(ocr)
    assert_good(result, "openai_compatible")
    assert result.usage is not None and result.usage.cost_usd == 0.0
    assert result.usage.model == "llama-3.3-70b"
    first, second = server.calls("openai")
    assert first.headers["authorization"] == "Bearer not-needed"
    assert first.body["response_format"]["type"] == "json_schema"
    assert second.body["response_format"] == {"type": "json_object"}
    system = second.body["messages"][0]["content"]
    assert system.startswith(SYSTEM_PROMPT) and '"additionalProperties":false' in system
    extractor.extract(ocr)
    assert server.calls("openai")[2].body["response_format"] == {"type": "json_object"}
