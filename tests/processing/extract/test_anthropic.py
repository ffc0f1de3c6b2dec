"""The Anthropic provider through the real ``anthropic`` SDK against the fake server:
native structured output, a forced tool, the switch between them, the tool repair turn."""

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
    anthropic_error,
    anthropic_reply,
)
from tests.processing.extract.conftest import (
    ANTHROPIC_KEY,
    GOOD,
    assert_good,
    good_answer,
    make,
)

pytestmark = pytest.mark.usefixtures("env")


def test_anthropic_request_native_structured_output(
    server: FakeLLMServer, ocr: OcrDocument
) -> None:
    server.script("anthropic", anthropic_reply(text=GOOD))
    extractor = make("anthropic")
    assert extractor.model == "claude-sonnet-5-5" and extractor.output_mode == "json_schema"
    result = extractor.extract(ocr)
    assert_good(result, "anthropic")
    [call] = server.calls("anthropic")
    # the 2.x SDK sends the key as a bearer token (x-api-key is the 1.x header)
    assert call.headers["authorization"] == f"Bearer {ANTHROPIC_KEY}"
    body = call.body
    assert body["model"] == "claude-sonnet-5-5"
    assert body["output_config"] == {
        "format": {"type": "json_schema", "schema": output_json_schema()}
    }
    assert "tool_choice" not in body and "temperature" not in body
    assert body["system"] == SYSTEM_PROMPT
    assert body["messages"] == [{"role": "user", "content": build_user_message(ocr)}]
    assert result.usage is not None and result.usage.cost_usd == pytest.approx(
        1500 * 2e-6 + 400 * 10e-6
    )


def test_anthropic_forced_tool_with_temperature(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument
) -> None:
    env.setenv("ANTHROPIC_MODEL", "claude-haiku-4-5")
    env.setenv("ANTHROPIC_TEMPERATURE", "0")
    server.script("anthropic", anthropic_reply(tool_input=good_answer(), model="claude-haiku-4-5"))
    result = make("anthropic").extract(ocr)
    assert_good(result, "anthropic")
    body = server.calls("anthropic")[0].body
    assert body["tool_choice"] == {"type": "tool", "name": SCHEMA_NAME}
    assert body["tools"][0]["name"] == SCHEMA_NAME
    assert body["tools"][0]["input_schema"] == output_json_schema()
    assert body["temperature"] == 0
    assert "output_config" not in body


def test_anthropic_falls_back_to_structured_output_when_forced_tools_are_refused(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument
) -> None:
    env.setenv("ANTHROPIC_MODEL", "claude-fable-5-2")
    server.script(
        "anthropic",
        anthropic_error(400, "tool_choice: forced tool use is not supported for this model"),
        anthropic_reply(text=GOOD),
        anthropic_reply(text=GOOD),
    )
    extractor = make("anthropic")
    assert extractor.output_mode == "tool"
    assert_good(extractor.extract(ocr), "anthropic")
    first, second = (c.body for c in server.calls("anthropic"))
    assert "tool_choice" in first and "output_config" in second and "tool_choice" not in second
    extractor.extract(ocr)  # remembered: no second 400
    assert len(server.calls("anthropic")) == 3


def test_anthropic_tool_repair_sends_a_tool_result(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument
) -> None:
    env.setenv("ANTHROPIC_OUTPUT_MODE", "tool")
    bad = {"invoice_number": {"value": ["INV"], "confidence": 0.9, "line_ids": []}}
    server.script(
        "anthropic", anthropic_reply(tool_input=bad), anthropic_reply(tool_input=good_answer())
    )
    result = make("anthropic").extract(ocr)
    assert_good(result, "anthropic")
    messages = server.calls("anthropic")[1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[1]["content"][0]["type"] == "tool_use"
    tool_result = messages[2]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["is_error"] is True
    assert tool_result["tool_use_id"] == "toolu_test123"
    assert "does not match the schema" in tool_result["content"]
