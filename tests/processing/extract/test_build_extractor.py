"""Building extractors: names and fallback chains, missing keys, prices, a light import.

Options and keys come from :mod:`invoice_pipeline.settings` reading a patched
environment, as the extractor resource builds them.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from invoice_pipeline import settings
from invoice_pipeline.processing.extract import (
    ExtractorOptions,
    FallbackExtractor,
    ProviderNotConfigured,
    ProviderOptions,
    build_extractor,
)
from invoice_pipeline.processing.extract.llm.anthropic_provider import AnthropicExtractor
from invoice_pipeline.processing.extract.llm.openai_provider import OpenAIExtractor
from invoice_pipeline.processing.extract.llm.pricing import estimate_cost, price_for, prices
from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from tests.processing.extract.conftest import (
    configured,
    make,
)

pytestmark = pytest.mark.usefixtures("env")

# -------------------------------------------------------------------- pricing


def test_pricing_table_prefixes_unknown_models_and_env_override(env: pytest.MonkeyPatch) -> None:
    assert price_for("gpt-4o-2024-08-06") == (2.5, 10.0)
    assert price_for("gpt-4o-mini-2024-07-18") == (0.15, 0.6)
    assert estimate_cost("gpt-4o", 1_000_000, 100_000) == pytest.approx(3.5)
    assert estimate_cost("my-local-llama", 5000, 500) == 0.0
    env.setenv("LLM_PRICES_JSON", '{"my-local-llama": [1, 2], "gpt-4o": [5, 20]}')
    table = prices(settings.get().extractor.prices_json)
    assert estimate_cost("my-local-llama", 1_000_000, 1_000_000, table) == pytest.approx(3.0)
    assert price_for("gpt-4o", table) == (5.0, 20.0)
    env.setenv("LLM_PRICES_JSON", '{"gpt-4o": [5]}')
    with pytest.raises(ValueError, match="LLM_PRICES_JSON"):
        make("openai")


# ----------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("spec", "variable"),
    [
        ("openai", "OPENAI_API_KEY"),
        ("anthropic", "ANTHROPIC_API_KEY"),
        ("gemini", "GOOGLE_API_KEY"),
    ],
)
def test_provider_without_key_fails_at_start_up(
    env: pytest.MonkeyPatch, spec: str, variable: str
) -> None:
    env.delenv(variable)
    with pytest.raises(ProviderNotConfigured, match=f"^No LLM provider configured: set {variable}"):
        configured(spec)
    env.setenv("LLM_PROVIDER", f"{spec},openai_compatible")
    with pytest.raises(ProviderNotConfigured, match=variable):
        configured()


def test_build_extractor_names_and_chains(env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="unknown LLM provider 'gpt'"):
        configured("gpt")
    assert isinstance(configured("anthropic"), AnthropicExtractor)
    env.setenv("LLM_PROVIDER", "gemini, openai")
    chain = configured()
    assert isinstance(chain, FallbackExtractor)
    assert [e.name for e in chain.extractors] == ["gemini", "openai"]
    assert chain.name == "gemini,openai"


def test_build_extractor_takes_options_or_a_spec_and_keys_as_arguments() -> None:
    assert isinstance(build_extractor(), RulesExtractor)
    with pytest.raises(ProviderNotConfigured, match="set OPENAI_API_KEY"):
        build_extractor("openai")  # the environment's key is not read here
    options = ExtractorOptions(
        provider="openai",
        max_retries=0,
        timeout_seconds=3,
        openai=ProviderOptions(model="gpt-4.1", temperature=None, temperature_set=True),
    )
    extractor = build_extractor(options, api_keys={"openai": "sk-test-0123456789"})
    assert isinstance(extractor, OpenAIExtractor)
    assert (extractor.model, extractor.temperature) == ("gpt-4.1", None)
    assert (extractor.max_retries, extractor.timeout, extractor.cache) == (0, 3, None)
    assert "sk-test" not in repr(extractor)


def test_importing_the_package_does_not_import_the_sdks() -> None:
    code = (
        "import sys, invoice_pipeline.processing.extract as llm\n"
        "assert callable(llm.build_extractor)\n"
        "loaded = [m for m in ('openai', 'anthropic', 'google.genai') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
