"""Field extraction providers: pick one (or a fallback chain) by name.

:func:`build_extractor` reads a spec such as ``"openai"`` or
``"openai,anthropic,rules"`` (default: the LLM_PROVIDER variable, default
``rules``) and returns an :class:`Extractor`. Names: ``rules`` (the offline
extractor, no key and no network), ``openai``, ``anthropic``, ``gemini`` and
``openai_compatible`` (vLLM, Ollama, llama.cpp server at OPENAI_BASE_URL). A
comma list builds a :class:`FallbackExtractor`. The SDKs are imported only
when their provider is built, so importing this package stays light and works
without them; a provider selected without its key fails here, at start-up,
with ProviderNotConfigured.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from invoice_pipeline.processing.config import llm_provider
from invoice_pipeline.processing.extract.base import (
    ExtractionFailed,
    Extractor,
    ProviderNotConfigured,
    ProviderRejected,
    ProviderUnavailable,
)
from invoice_pipeline.processing.extract.fallback import FallbackExtractor

__all__ = [
    "PROVIDERS",
    "ExtractionFailed",
    "Extractor",
    "FallbackExtractor",
    "ProviderNotConfigured",
    "ProviderRejected",
    "ProviderUnavailable",
    "build_extractor",
]

CacheDir = Path | str | None


def _rules(cache_dir: CacheDir) -> Extractor:
    from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor

    return RulesExtractor()


def _openai(cache_dir: CacheDir) -> Extractor:
    from invoice_pipeline.processing.extract.llm.openai_provider import OpenAIExtractor

    return OpenAIExtractor(cache_dir=cache_dir)


def _openai_compatible(cache_dir: CacheDir) -> Extractor:
    from invoice_pipeline.processing.extract.llm.openai_provider import OpenAICompatibleExtractor

    return OpenAICompatibleExtractor(cache_dir=cache_dir)


def _anthropic(cache_dir: CacheDir) -> Extractor:
    from invoice_pipeline.processing.extract.llm.anthropic_provider import AnthropicExtractor

    return AnthropicExtractor(cache_dir=cache_dir)


def _gemini(cache_dir: CacheDir) -> Extractor:
    from invoice_pipeline.processing.extract.llm.gemini_provider import GeminiExtractor

    return GeminiExtractor(cache_dir=cache_dir)


PROVIDERS: dict[str, Callable[[CacheDir], Extractor]] = {
    "rules": _rules,
    "openai": _openai,
    "anthropic": _anthropic,
    "gemini": _gemini,
    "openai_compatible": _openai_compatible,
}
"""Provider name -> factory taking the cache directory (the rules extractor ignores it)."""


def build_extractor(spec: str | None = None, *, cache_dir: CacheDir = None) -> Extractor:
    """The extractor named by ``spec`` (default LLM_PROVIDER, default 'rules'); a comma list is a fallback chain.

    Raises ValueError for an unknown name and ProviderNotConfigured for a
    provider whose key or settings are missing.
    """
    text = spec if spec is not None else llm_provider()
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        names = ["rules"]
    unknown = [name for name in names if name not in PROVIDERS]
    if unknown:
        raise ValueError(
            f"unknown LLM provider {', '.join(map(repr, unknown))}: "
            f"choose from {', '.join(PROVIDERS)} (a comma list is a fallback chain)"
        )
    extractors = [PROVIDERS[name](cache_dir) for name in names]
    if len(extractors) == 1:
        return extractors[0]
    return FallbackExtractor(extractors)
