"""What every provider does when its API fails: bounded SDK retries (Retry-After,
5xx storms, timeouts), rejected requests, one repair turn for a malformed answer,
refusals, and no API key in any log, error, result or cache entry."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from invoice_pipeline.processing.extract import (
    ExtractionFailed,
    ProviderRejected,
    ProviderUnavailable,
)
from invoice_pipeline.schema import OcrDocument
from tests.fake_llm_server import (
    FakeLLMServer,
    Reply,
    anthropic_error,
    anthropic_reply,
    gemini_error,
    gemini_reply,
    openai_error,
    openai_reply,
)
from tests.processing.extract.conftest import (
    ANTHROPIC_KEY,
    APIS,
    GOOGLE_KEY,
    OPENAI_KEY,
    assert_good,
    assert_no_key,
    error_reply,
    good_reply,
    make,
    text_reply,
)

pytestmark = pytest.mark.usefixtures("env")

# ------------------------------------------------------------------- retries


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_429_retry_after_is_honoured(server: FakeLLMServer, ocr: OcrDocument, api: str) -> None:
    server.script(api, error_reply(api, 429, {"retry-after": "0.6"}), good_reply(api))
    result = make(api).extract(ocr)
    assert_good(result, api)
    first, second = server.calls(api)
    assert second.at - first.at >= 0.55  # the SDK's own backoff would start at 0.375-0.5 s
    assert result.usage is not None and result.usage.attempts == 2


@pytest.mark.parametrize("api", APIS)
def test_500_storm_gives_provider_unavailable_after_bounded_attempts(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument, api: str
) -> None:
    env.setenv("LLM_MAX_RETRIES", "1")  # not any SDK's default (2 or 4)
    server.always(api, error_reply(api, 500))
    with pytest.raises(ProviderUnavailable, match="HTTP 500 .*after 2 attempts") as caught:
        make(api).extract(ocr)
    assert not isinstance(caught.value, ProviderRejected)
    calls = server.calls(api)
    assert len(calls) == 2  # one try and one SDK retry: no second retry loop on top
    gaps = [b.at - a.at for a, b in zip(calls, calls[1:], strict=False)]
    assert all(gap >= 0.3 for gap in gaps)  # backoff between attempts
    assert_no_key(str(caught.value))


@pytest.mark.parametrize("api", APIS)
def test_timeout_gives_provider_unavailable(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument, api: str
) -> None:
    env.setenv("LLM_TIMEOUT_SECONDS", "0.3")
    env.setenv("LLM_MAX_RETRIES", "1")
    slow = good_reply(api)
    slow.delay = 1.0
    server.always(api, slow)
    with pytest.raises(ProviderUnavailable, match=r"after 2 attempts") as caught:
        make(api).extract(ocr)
    assert "0.3s" in str(caught.value) or "Timeout" in str(caught.value)
    assert len(server.calls(api)) == 2


@pytest.mark.parametrize("api", APIS)
def test_auth_error_is_rejected_without_leaking_the_key(
    server: FakeLLMServer, ocr: OcrDocument, api: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = {"openai": OPENAI_KEY, "anthropic": ANTHROPIC_KEY, "gemini": GOOGLE_KEY}[api]
    maker = {"openai": openai_error, "anthropic": anthropic_error, "gemini": gemini_error}[api]
    server.script(api, maker(401, f"Incorrect API key provided: {key}. Or {key[:8]}****{key[-4:]}"))
    with pytest.raises(ProviderRejected, match="HTTP 401") as caught:
        make(api).extract(ocr)
    assert len(server.calls(api)) == 1  # not retried
    assert_no_key(str(caught.value), repr(caught.value), caplog.text)


# -------------------------------------------------------------------- repair


@pytest.mark.parametrize("api", APIS)
def test_malformed_output_gets_one_repair(
    server: FakeLLMServer, ocr: OcrDocument, api: str
) -> None:
    broken = '{"invoice_number": {"value": "INV-2024-0042", "confidence": 0.9'
    server.script(api, text_reply(api, broken), good_reply(api))
    result = make(api).extract(ocr)
    assert_good(result, api)
    assert [i.code for i in result.issues] == ["llm_output_repaired"]
    assert result.usage is not None and result.usage.attempts == 2
    first, second = server.calls(api)
    text = json.dumps(second.body)
    assert broken.replace('"', '\\"') in text  # the bad answer goes back ...
    assert "not valid JSON" in text  # ... with the reason
    assert len(json.dumps(second.body)) > len(json.dumps(first.body))


@pytest.mark.parametrize("api", APIS)
def test_malformed_twice_fails(server: FakeLLMServer, ocr: OcrDocument, api: str) -> None:
    server.script(
        api, text_reply(api, "Sure! Here are the fields."), text_reply(api, '{"total": 1')
    )
    with pytest.raises(ExtractionFailed, match="malformed output after one repair attempt"):
        make(api).extract(ocr)
    assert len(server.calls(api)) == 2


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("api", "reply", "reason"),
    [
        ("openai", openai_reply(None, refusal="I can't help with that."), "I can't help with that"),
        ("openai", openai_reply("", finish_reason="content_filter"), "content filter"),
        ("anthropic", anthropic_reply(text="", stop_reason="refusal"), "refusal"),
        ("gemini", gemini_reply(None, finish_reason="SAFETY"), "SAFETY"),
        ("gemini", gemini_reply(None, block_reason="PROHIBITED_CONTENT"), "prompt blocked"),
    ],
)
def test_refusal_is_an_extraction_failure(
    server: FakeLLMServer, ocr: OcrDocument, api: str, reply: Reply, reason: str
) -> None:
    server.script(api, reply)
    with pytest.raises(ExtractionFailed, match="refused to answer") as caught:
        make(api).extract(ocr)
    assert reason in str(caught.value)
    assert len(server.calls(api)) == 1  # a refusal is not repaired


# ------------------------------------------------------------------- secrets


def test_no_key_in_logs_errors_or_results(
    server: FakeLLMServer,
    env: pytest.MonkeyPatch,
    ocr: OcrDocument,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    env.setenv("LLM_MAX_RETRIES", "1")
    results: list[str] = []
    errors: list[str] = []
    for api in APIS:
        server.script(
            api,
            error_reply(api, 429, {"retry-after": "0.05"}),
            text_reply(api, "oops"),
            good_reply(api),
        )
        extractor = make(api, cache_dir=tmp_path)
        results.append(extractor.extract(ocr).model_dump_json())
        results.append(repr(extractor))
        server.always(api, error_reply(api, 503))
        with pytest.raises(ProviderUnavailable) as caught:
            make(api).extract(ocr)
        errors.append(str(caught.value))
    cached = "\n".join(p.read_text() for p in tmp_path.rglob("*.json"))
    # the key was sent, and is nowhere else
    assert server.calls("openai")[0].headers["authorization"].endswith(OPENAI_KEY)
    assert_no_key(caplog.text, cached, *results, *errors)
