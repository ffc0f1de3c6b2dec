"""Field extraction providers: pick one (or a fallback chain) by name.

:func:`build_extractor` takes :class:`ExtractorOptions` (built by
:mod:`invoice_pipeline.settings` from LLM_PROVIDER and the provider variables)
or just a provider spec such as ``"openai"`` or ``"openai,anthropic,rules"``
(default ``rules``), and the API keys by provider name, and returns an
:class:`Extractor`. Names: ``rules`` (the offline extractor, no key and no
network), ``openai``, ``anthropic``, ``gemini`` and ``openai_compatible``
(vLLM, Ollama, llama.cpp server at OPENAI_BASE_URL). A comma list builds a
:class:`FallbackExtractor`. The SDKs are imported only when their provider is
built, so importing this package stays light and works without them; a
provider selected without its key fails here, at start-up, with
ProviderNotConfigured. The extractors live side by side in ``rules/``,
``llm/`` and ``einvoice/``, none importing another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from invoice_pipeline.processing.extract.base import (
    ExtractionFailed,
    Extractor,
    ProviderNotConfigured,
    ProviderRejected,
    ProviderUnavailable,
)
from invoice_pipeline.processing.extract.fallback import FallbackExtractor
from invoice_pipeline.processing.extract.options import ExtractorOptions, ProviderOptions

__all__ = [
    "PROVIDERS",
    "ExtractionFailed",
    "Extractor",
    "ExtractorOptions",
    "FallbackExtractor",
    "ProviderNotConfigured",
    "ProviderOptions",
    "ProviderRejected",
    "ProviderUnavailable",
    "build_extractor",
]

CacheDir = Path | str | None
Factory = Callable[[ExtractorOptions, Mapping[str, str], CacheDir], Extractor]


def _rules(
    options: ExtractorOptions, api_keys: Mapping[str, str], cache_dir: CacheDir
) -> Extractor:
    from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor

    return RulesExtractor(scorer=options.scorer)


def _openai(
    options: ExtractorOptions, api_keys: Mapping[str, str], cache_dir: CacheDir
) -> Extractor:
    from invoice_pipeline.processing.extract.llm.openai_provider import OpenAIExtractor

    return OpenAIExtractor.from_options(options, api_keys=api_keys, cache_dir=cache_dir)


def _openai_compatible(
    options: ExtractorOptions, api_keys: Mapping[str, str], cache_dir: CacheDir
) -> Extractor:
    from invoice_pipeline.processing.extract.llm.openai_provider import OpenAICompatibleExtractor

    return OpenAICompatibleExtractor.from_options(options, api_keys=api_keys, cache_dir=cache_dir)


def _anthropic(
    options: ExtractorOptions, api_keys: Mapping[str, str], cache_dir: CacheDir
) -> Extractor:
    from invoice_pipeline.processing.extract.llm.anthropic_provider import AnthropicExtractor

    return AnthropicExtractor.from_options(options, api_keys=api_keys, cache_dir=cache_dir)


def _gemini(
    options: ExtractorOptions, api_keys: Mapping[str, str], cache_dir: CacheDir
) -> Extractor:
    from invoice_pipeline.processing.extract.llm.gemini_provider import GeminiExtractor

    return GeminiExtractor.from_options(options, api_keys=api_keys, cache_dir=cache_dir)


PROVIDERS: dict[str, Factory] = {
    "rules": _rules,
    "openai": _openai,
    "anthropic": _anthropic,
    "gemini": _gemini,
    "openai_compatible": _openai_compatible,
}
"""Provider name -> factory taking the options, the API keys and the cache directory
(the rules extractor needs none of them)."""


def build_extractor(
    options: ExtractorOptions | str | None = None,
    *,
    api_keys: Mapping[str, str] | None = None,
    cache_dir: CacheDir = None,
) -> Extractor:
    """The extractor ``options`` name (a comma list is a fallback chain).

    ``options`` may be just a provider spec (the other options at their
    defaults) or None (``ExtractorOptions()``: the rules extractor).
    ``api_keys`` maps provider names (openai, anthropic, gemini) to keys;
    ``cache_dir`` overrides ``options.cache_dir``. Raises ValueError for an
    unknown name and ProviderNotConfigured for a provider whose key or
    settings are missing.
    """
    if options is None:
        options = ExtractorOptions()
    elif isinstance(options, str):
        options = ExtractorOptions(provider=options)
    cache = cache_dir if cache_dir is not None else options.cache_dir
    keys = dict(api_keys or {})
    names = [part.strip().lower() for part in options.provider.split(",") if part.strip()]
    if not names:
        names = ["rules"]
    unknown = [name for name in names if name not in PROVIDERS]
    if unknown:
        raise ValueError(
            f"unknown LLM provider {', '.join(map(repr, unknown))}: "
            f"choose from {', '.join(PROVIDERS)} (a comma list is a fallback chain)"
        )
    extractors = [PROVIDERS[name](options, keys, cache) for name in names]
    if len(extractors) == 1:
        return extractors[0]
    return FallbackExtractor(extractors)
