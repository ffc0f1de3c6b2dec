"""The fallback chain of providers and the response cache (local and fsspec)."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoice_pipeline.processing.extract import (
    ExtractionFailed,
    Extractor,
    FallbackExtractor,
    ProviderUnavailable,
)
from invoice_pipeline.schema import ExtractedInvoice, OcrDocument
from tests.fake_llm_server import (
    FakeLLMServer,
    anthropic_reply,
    gemini_error,
    gemini_reply,
    openai_error,
    openai_reply,
)
from tests.processing.extract.conftest import (
    APIS,
    GOOD,
    assert_good,
    configured,
    good_reply,
    make,
)

pytestmark = pytest.mark.usefixtures("env")

# ------------------------------------------------------------ fallback chain


def test_fallback_chain_moves_on_when_openai_fails(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument
) -> None:
    env.setenv("LLM_MAX_RETRIES", "1")
    env.setenv("LLM_PROVIDER", "openai,anthropic")
    server.always("openai", openai_error(500))
    server.script("anthropic", anthropic_reply(text=GOOD))
    result = configured().extract(ocr)
    assert_good(result, "anthropic")
    assert result.usage is not None and result.usage.provider == "anthropic"
    assert len(server.calls("openai")) == 2
    [failure] = [i for i in result.issues if i.code == "provider_unavailable"]
    assert failure.severity == "warning" and failure.message.startswith("openai")


class _Broken(Extractor):
    name = "broken"

    def extract(self, ocr: OcrDocument) -> ExtractedInvoice:
        raise ExtractionFailed("broken: no answer")


def test_fallback_chain_failing_everywhere_raises(
    server: FakeLLMServer, env: pytest.MonkeyPatch, ocr: OcrDocument
) -> None:
    env.setenv("LLM_MAX_RETRIES", "0")
    server.always("gemini", gemini_error(503))
    chain = FallbackExtractor([_Broken(), make("gemini")])
    with pytest.raises(ProviderUnavailable, match="every provider of broken,gemini failed"):
        chain.extract(ocr)
    with pytest.raises(ExtractionFailed, match="broken: no answer"):
        FallbackExtractor([_Broken()]).extract(ocr)


# --------------------------------------------------------------------- cache


@pytest.mark.parametrize("api", APIS)
def test_cache_hit_makes_no_request(
    server: FakeLLMServer, ocr: OcrDocument, tmp_path: Path, api: str
) -> None:
    server.script(api, good_reply(api))
    first = make(api, cache_dir=tmp_path).extract(ocr)
    second = make(api, cache_dir=tmp_path).extract(ocr)  # a new process would build a new extractor
    assert len(server.calls(api)) == 1
    assert second.usage is not None and second.usage.cached and second.usage.cost_usd == 0.0
    assert first.usage is not None and not first.usage.cached and first.usage.cost_usd > 0
    assert second.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})
    assert len(list(tmp_path.rglob("*.json"))) == 1


def test_cache_key_covers_model_and_temperature(
    server: FakeLLMServer, ocr: OcrDocument, tmp_path: Path
) -> None:
    server.always("openai", openai_reply(GOOD))
    make("openai", cache_dir=tmp_path).extract(ocr)
    make("openai", cache_dir=tmp_path, temperature=0.5).extract(ocr)
    make("openai", cache_dir=tmp_path, model="gpt-4.1").extract(ocr)
    make("openai", cache_dir=tmp_path, model="gpt-4.1").extract(ocr)
    assert len(server.calls("openai")) == 3


def test_cache_on_an_fsspec_url(server: FakeLLMServer, ocr: OcrDocument) -> None:
    server.script("gemini", gemini_reply(GOOD))
    url = "memory://invoice-pipeline-test/llm-cache"
    make("gemini", cache_dir=url).extract(ocr)
    again = make("gemini", cache_dir=url).extract(ocr)
    assert again.usage is not None and again.usage.cached
    assert len(server.calls("gemini")) == 1
