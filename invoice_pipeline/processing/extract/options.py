"""What field extraction is configured with: the provider chain and each provider's settings.

Built by :mod:`invoice_pipeline.settings` from the environment and shown by the
``extractor`` resource in the Dagster UI. API keys are not options: they are
handed to :func:`invoice_pipeline.processing.extract.build_extractor` separately
and never reach run config, logs or metadata.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ProviderOptions(BaseModel):
    """One LLM provider's settings (``<PROVIDER>_MODEL``, ``_TEMPERATURE``, ``_BASE_URL``)."""

    model_config = ConfigDict(frozen=True)

    model: str | None = None
    """None: the provider's default model."""
    temperature: float | None = None
    """None: the provider's default (``temperature_set`` False) or the server's (True)."""
    temperature_set: bool = False
    """Whether ``temperature`` was configured (``none`` leaves it to the server)."""
    base_url: str | None = None
    output_mode: str | None = None
    """Anthropic only: auto, structured or tool (ANTHROPIC_OUTPUT_MODE)."""
    max_tokens: int | None = None
    """Anthropic only: the answer's token limit (ANTHROPIC_MAX_TOKENS)."""


class ExtractorOptions(BaseModel):
    """Options of :func:`invoice_pipeline.processing.extract.build_extractor`."""

    model_config = ConfigDict(frozen=True)

    provider: str = "rules"
    """rules, openai, anthropic, gemini, openai_compatible; a comma list is a fallback chain."""
    scorer: bool = True
    """The learned candidate scorer picks the rules extractor's key fields (EXTRACT_SCORER)."""
    cache_dir: str | None = None
    """The response cache (LLM_CACHE_DIR); None: no cache."""
    max_retries: int = Field(default=2, ge=0)
    """SDK retries after the first attempt (LLM_MAX_RETRIES)."""
    timeout_seconds: float = Field(default=60.0, gt=0)
    """The per-request timeout (LLM_TIMEOUT_SECONDS)."""
    prices_json: str | None = None
    """Extra or changed prices, model -> [input, output] USD per Mtok (LLM_PRICES_JSON)."""
    openai: ProviderOptions = ProviderOptions()
    anthropic: ProviderOptions = ProviderOptions()
    gemini: ProviderOptions = ProviderOptions()
    openai_compatible: ProviderOptions = ProviderOptions()
