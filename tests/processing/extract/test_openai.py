"""The OpenAI provider through the real ``openai`` SDK against the fake server."""

from __future__ import annotations

import pytest

from invoice_pipeline.processing.extract.llm.prompt import (
    SYSTEM_PROMPT,
    build_user_message,
)
from invoice_pipeline.processing.extract.llm.schema import SCHEMA_NAME, output_json_schema
from invoice_pipeline.schema import OcrDocument
from tests.fake_llm_server import (
    FakeLLMServer,
    openai_reply,
)
from tests.processing.extract.conftest import (
    GOOD,
    OPENAI_KEY,
    assert_good,
    make,
)

pytestmark = pytest.mark.usefixtures("env")

# ------------------------------------------------------------- requests sent


def test_openai_request_and_usage(server: FakeLLMServer, ocr: OcrDocument) -> None:
    server.script("openai", openai_reply(GOOD, prompt_tokens=2000, completion_tokens=500))
    result = make("openai").extract(ocr)
    assert_good(result, "openai")
    [call] = server.calls("openai")
    assert call.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    body = call.body
    assert body["model"] == "gpt-4o"
    assert body["temperature"] == 0
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": output_json_schema(), "strict": True},
    }
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][0]["content"] == SYSTEM_PROMPT
    assert body["messages"][1]["content"] == build_user_message(ocr)
    usage = result.usage
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.attempts) == (2000, 500, 1)
    assert usage.model == "gpt-4o-2024-08-06" and result.model == "gpt-4o-2024-08-06"
    assert usage.cost_usd == pytest.approx(2000 * 2.5e-6 + 500 * 10e-6)
    assert usage.latency_s > 0 and not usage.cached


def test_openai_temperature_and_model_from_env(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument
) -> None:
    env.setenv("OPENAI_MODEL", "gpt-4.1-mini")
    env.setenv("OPENAI_TEMPERATURE", "none")
    server.script("openai", openai_reply(GOOD, model="gpt-4.1-mini"))
    make("openai").extract(ocr)
    body = server.calls("openai")[0].body
    assert body["model"] == "gpt-4.1-mini"
    assert "temperature" not in body
