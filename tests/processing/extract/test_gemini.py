"""The Gemini provider through the real ``google-genai`` SDK against the fake server."""

from __future__ import annotations

import pytest

from invoice_pipeline.processing.extract.llm.prompt import (
    SYSTEM_PROMPT,
    build_user_message,
)
from invoice_pipeline.processing.extract.llm.schema import output_json_schema
from invoice_pipeline.schema import OcrDocument
from tests.fake_llm_server import (
    FakeLLMServer,
    gemini_error,
    gemini_reply,
)
from tests.processing.extract.conftest import (
    GOOD,
    GOOGLE_KEY,
    assert_good,
    make,
)

pytestmark = pytest.mark.usefixtures("env")


def test_gemini_request(server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument) -> None:
    env.setenv("GEMINI_TEMPERATURE", "0.2")
    server.script("gemini", gemini_reply(GOOD, thoughts_tokens=100))
    result = make("gemini").extract(ocr)
    assert_good(result, "gemini")
    [call] = server.calls("gemini")
    assert call.path.endswith("/models/gemini-3.5-flash:generateContent")
    assert call.headers["x-goog-api-key"] == GOOGLE_KEY
    assert "authorization" not in call.headers
    config = call.body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == output_json_schema()
    assert config["temperature"] == 0.2
    assert call.body["systemInstruction"]["parts"][0]["text"] == SYSTEM_PROMPT
    assert call.body["contents"][0]["parts"][0]["text"] == build_user_message(ocr)
    assert result.usage is not None and result.usage.output_tokens == 350


def test_gemini_429_is_retried(server: FakeLLMServer, ocr: OcrDocument) -> None:
    server.script("gemini", gemini_error(429, headers={"retry-after": "0.1"}), gemini_reply(GOOD))
    result = make("gemini").extract(ocr)
    assert_good(result, "gemini")
    assert result.usage is not None and result.usage.attempts == 2
