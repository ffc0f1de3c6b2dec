"""The field-extractor resource: LLM_PROVIDER, a provider or a fallback chain, and its settings.

Its fields are the non-secret settings of
:class:`~invoice_pipeline.processing.extract.options.ExtractorOptions`, flat
(``openai_model``, ``anthropic_max_tokens``, ...), so the extraction settings a
run used show in the Dagster UI; :meth:`ExtractorResource.options` hands them
to the processing code. API keys are never part of this resource's config:
they are read by :func:`invoice_pipeline.settings.api_keys` when the
extractor is built, in the process that runs the step, so no key reaches run
config, logs or metadata.
"""

from __future__ import annotations

import dagster as dg
from pydantic import PrivateAttr

from invoice_pipeline.processing.extract.base import Extractor
from invoice_pipeline.processing.extract.options import ExtractorOptions, ProviderOptions


class ExtractorResource(dg.ConfigurableResource):
    """Which extractor reads fields: ``rules`` (offline default) or an LLM provider chain."""

    provider: str = "rules"
    """rules, openai, anthropic, gemini, openai_compatible; a comma list is a fallback chain."""
    scorer: bool = True
    """The learned candidate scorer picks the rules extractor's key fields (EXTRACT_SCORER)."""
    cache_dir: str | None = None
    """The LLM response cache (a path or fsspec URL); None: no cache."""
    max_retries: int = 2
    """SDK retries after the first attempt."""
    timeout_seconds: float = 60.0
    """The per-request timeout."""
    prices_json: str | None = None
    """Extra or changed prices, model -> [input, output] USD per Mtok."""
    openai_model: str | None = None
    """None: the provider's default model (also the openai_compatible settings)."""
    openai_temperature: float | None = None
    openai_temperature_set: bool = False
    """Whether openai_temperature was configured (then None leaves it to the server)."""
    openai_base_url: str | None = None
    anthropic_model: str | None = None
    anthropic_temperature: float | None = None
    anthropic_temperature_set: bool = False
    anthropic_base_url: str | None = None
    anthropic_output_mode: str | None = None
    """auto, tool or json_schema; None: auto."""
    anthropic_max_tokens: int | None = None
    """None: 16000."""
    gemini_model: str | None = None
    gemini_temperature: float | None = None
    gemini_temperature_set: bool = False
    gemini_base_url: str | None = None
    _extractor: Extractor | None = PrivateAttr(default=None)

    @classmethod
    def from_options(cls, options: ExtractorOptions) -> ExtractorResource:
        """The resource holding ``options`` (openai_compatible shares the openai settings)."""
        openai, anthropic, gemini = options.openai, options.anthropic, options.gemini
        return cls(
            provider=options.provider,
            scorer=options.scorer,
            cache_dir=options.cache_dir,
            max_retries=options.max_retries,
            timeout_seconds=options.timeout_seconds,
            prices_json=options.prices_json,
            openai_model=openai.model,
            openai_temperature=openai.temperature,
            openai_temperature_set=openai.temperature_set,
            openai_base_url=openai.base_url,
            anthropic_model=anthropic.model,
            anthropic_temperature=anthropic.temperature,
            anthropic_temperature_set=anthropic.temperature_set,
            anthropic_base_url=anthropic.base_url,
            anthropic_output_mode=anthropic.output_mode,
            anthropic_max_tokens=anthropic.max_tokens,
            gemini_model=gemini.model,
            gemini_temperature=gemini.temperature,
            gemini_temperature_set=gemini.temperature_set,
            gemini_base_url=gemini.base_url,
        )

    def options(self) -> ExtractorOptions:
        """These settings as the options object of the extract stage."""
        openai = ProviderOptions(
            model=self.openai_model,
            temperature=self.openai_temperature,
            temperature_set=self.openai_temperature_set,
            base_url=self.openai_base_url,
        )
        return ExtractorOptions(
            provider=self.provider,
            scorer=self.scorer,
            cache_dir=self.cache_dir,
            max_retries=self.max_retries,
            timeout_seconds=self.timeout_seconds,
            prices_json=self.prices_json,
            openai=openai,
            openai_compatible=openai,
            anthropic=ProviderOptions(
                model=self.anthropic_model,
                temperature=self.anthropic_temperature,
                temperature_set=self.anthropic_temperature_set,
                base_url=self.anthropic_base_url,
                output_mode=self.anthropic_output_mode,
                max_tokens=self.anthropic_max_tokens,
            ),
            gemini=ProviderOptions(
                model=self.gemini_model,
                temperature=self.gemini_temperature,
                temperature_set=self.gemini_temperature_set,
                base_url=self.gemini_base_url,
            ),
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # ProviderNotConfigured ("No LLM provider configured: set ...") surfaces at start-up
        self._extractor = self._build()

    def _build(self) -> Extractor:
        from invoice_pipeline import settings
        from invoice_pipeline.processing.extract import build_extractor

        return build_extractor(self.options(), api_keys=settings.api_keys())

    def extractor(self) -> Extractor:
        if self._extractor is None:
            self._extractor = self._build()
        return self._extractor
