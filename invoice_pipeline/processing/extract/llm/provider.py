"""What every SDK-backed extractor shares: settings, the repair turn, usage, cost and the cache.

:class:`LLMExtractor` runs one extraction: build the prompt
(:mod:`~invoice_pipeline.processing.extract.llm.prompt`), look the request up in the
response cache, call the provider once through its SDK (whose own bounded
retries handle 429 with Retry-After, 5xx and timeouts), validate the answer
(:mod:`~invoice_pipeline.processing.extract.llm.answer`), and when it is
malformed send the error back once for a corrected answer before giving up
with :class:`ExtractionFailed`. Its settings are constructor arguments with
built-in defaults; :meth:`LLMExtractor.from_options` takes them from an
:class:`~invoice_pipeline.processing.extract.options.ExtractorOptions` and the
API key from a mapping handed down by the caller (nothing here reads the
environment). It fills :class:`Usage` (tokens, model, latency, HTTP
attempts, estimated cost) and never lets an API key into a message, a log
line or the result: every text that leaves here passes :func:`redact`. Subclasses implement :meth:`LLMExtractor._complete`,
one request to their API, and translate their SDK's errors with
:meth:`LLMExtractor._unavailable` and :meth:`LLMExtractor._rejected`.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, Self

from invoice_pipeline.processing.extract.base import (
    ExtractionFailed,
    Extractor,
    ProviderNotConfigured,
    ProviderRejected,
    ProviderUnavailable,
)
from invoice_pipeline.processing.extract.llm.answer import (
    STAGE,
    OutputInvalid,
    decode_json,
    parse_output,
)
from invoice_pipeline.processing.extract.llm.cache import CachedAnswer, ResponseCache, cache_key
from invoice_pipeline.processing.extract.llm.pricing import estimate_cost, prices
from invoice_pipeline.processing.extract.llm.prompt import SYSTEM_PROMPT, build_user_message
from invoice_pipeline.processing.extract.llm.schema import output_json_schema
from invoice_pipeline.processing.extract.options import ExtractorOptions, ProviderOptions
from invoice_pipeline.schema import ExtractedInvoice, Issue, OcrDocument, Usage

log = logging.getLogger("invoice_pipeline.processing.extract")

DEFAULT_MAX_RETRIES = 2
DEFAULT_TIMEOUT_SECONDS = 60.0

_UNSET: Any = object()

_KEYLIKE = re.compile(
    r"\b(?:sk|pk|rk|ak|key|sess|AIza)[-_][A-Za-z0-9*._\-]{6,}|\bAIza[0-9A-Za-z_\-]{20,}",
)


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """The text without any secret, masked fragment of one, or key-like token."""
    for secret in secrets:
        if not secret or len(secret) < 4:
            continue
        text = text.replace(secret, "[redacted]")
        if len(secret) >= 16:  # servers echo masked keys: "sk-abc1***wxyz"
            text = text.replace(secret[:8], "[redacted]").replace(secret[-6:], "[redacted]")
    return _KEYLIKE.sub("[redacted]", text)


@functools.cache
def shared_ssl_context() -> Any:
    """One default TLS context per process for the SDKs' httpx2 clients (building one takes ~0.1 s)."""
    import httpx2

    return httpx2.create_ssl_context()


class Refused(ExtractionFailed):
    """The model declined to answer (a refusal or a safety block): not repaired, not retried."""


@dataclass
class Completion:
    """One answer from a provider: its text (or already-parsed data) and the tokens it took."""

    text: str | None = None
    data: dict[str, Any] | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    model: str | None = None
    raw: Any = field(default=None, repr=False)
    """Provider-specific handle for building the repair turn (for example a tool_use block)."""

    def payload(self) -> dict[str, Any]:
        if self.data is not None:
            if not isinstance(self.data, dict):
                raise OutputInvalid("the answer is not a JSON object")
            return self.data
        return decode_json(self.text)


@dataclass
class Repair:
    """A failed answer and why it failed: what the repair turn sends back."""

    completion: Completion
    error: str


@dataclass
class _Answer:
    """A valid answer: the extraction, the JSON it came from, and what it took."""

    result: ExtractedInvoice
    data: dict[str, Any]
    model: str | None
    input_tokens: int
    output_tokens: int
    repaired_from: str | None
    """Why the first answer was malformed, when a repair turn fixed it."""


class LLMExtractor(Extractor):
    """An extractor that asks a hosted (or self-hosted) model through its official SDK."""

    name = "llm"
    """The provider name: also the :class:`ExtractorOptions` field holding its settings."""
    default_model: str = ""
    key_name: str = ""
    """The provider's entry in the API key mapping (see :func:`invoice_pipeline.settings.api_keys`)."""
    key_env: str = ""
    """The variable that holds the key, named in the start-up error when it is missing."""
    default_temperature: float | None = 0.0
    key_required: bool = True

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str | None = None,
        temperature: float | None = _UNSET,
        base_url: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        cache_dir: Path | str | None = None,
        prices_json: str | None = None,
    ) -> None:
        if self.key_required and not api_key:
            raise ProviderNotConfigured(self.not_configured_message())
        self._api_key: str | None = api_key or None
        self.model = model or self.default_model
        self.temperature: float | None = (
            self.default_temperature if temperature is _UNSET else temperature
        )
        self.base_url = base_url
        self.max_retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
        self.timeout = DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else None
        # fail at start-up, not per document, on a malformed LLM_PRICES_JSON
        self.prices = prices(prices_json)
        self._local = threading.local()

    # ------------------------------------------------------------- configuration

    @classmethod
    def from_options(
        cls,
        options: ExtractorOptions,
        *,
        api_keys: Mapping[str, str] | None = None,
        cache_dir: Path | str | None = None,
        **overrides: Any,
    ) -> Self:
        """The extractor as ``options`` configure it, its key taken from ``api_keys``.

        ``cache_dir`` (default ``options.cache_dir``) and ``overrides`` (any
        constructor keyword) take precedence over the options.
        """
        kwargs = cls.option_kwargs(options)
        kwargs["api_key"] = (api_keys or {}).get(cls.key_name)
        kwargs["cache_dir"] = cache_dir if cache_dir is not None else options.cache_dir
        kwargs.update(overrides)
        return cls(**kwargs)

    @classmethod
    def option_kwargs(cls, options: ExtractorOptions) -> dict[str, Any]:
        """Constructor keywords from the shared options and this provider's own."""
        provider: ProviderOptions = getattr(options, cls.name)
        kwargs: dict[str, Any] = {
            "model": provider.model,
            "base_url": provider.base_url,
            "max_retries": options.max_retries,
            "timeout": options.timeout_seconds,
            "prices_json": options.prices_json,
        }
        if provider.temperature_set:  # a number, or None: leave it to the server
            kwargs["temperature"] = provider.temperature
        return kwargs

    def not_configured_message(self) -> str:
        return (
            f"No LLM provider configured: set {self.key_env} to use LLM_PROVIDER={self.name}, "
            "or set LLM_PROVIDER=rules for the offline extractor"
        )

    def __repr__(self) -> str:  # never the key
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    # ------------------------------------------------------------ HTTP attempts

    def _count_request(self, request: Any) -> None:
        """An httpx event hook: one more HTTP request sent (retries included)."""
        self._local.requests = getattr(self._local, "requests", 0) + 1

    def _requests_sent(self) -> int:
        return getattr(self._local, "requests", 0)

    # ------------------------------------------------------------------ errors

    def _unavailable(self, what: str, detail: str = "") -> NoReturn:
        tries = self.max_retries + 1
        message = (
            f"{self.name} ({self.model}): {what} after {tries} attempt{'s' if tries != 1 else ''}"
        )
        if detail:
            message += f": {detail}"
        raise ProviderUnavailable(self.redact(message)) from None

    def _rejected(self, status: int | None, detail: str = "") -> NoReturn:
        message = f"{self.name} ({self.model}): the API rejected the request"
        if status:
            message += f" (HTTP {status})"
        if detail:
            message += f": {detail[:300]}"
        raise ProviderRejected(self.redact(message)) from None

    def _refused(self, reason: str) -> NoReturn:
        raise Refused(
            self.redact(f"{self.name} ({self.model}) refused to answer: {reason}")
        ) from None

    # ------------------------------------------------------------------ the call

    def system_prompt(self) -> str:
        return SYSTEM_PROMPT

    @abstractmethod
    def _complete(
        self, system: str, user: str, schema: dict[str, Any], repair: Repair | None
    ) -> Completion:
        """Send one request (the SDK retries it); return the answer or raise a provider error."""

    def _call(
        self, system: str, user: str, schema: dict[str, Any], repair: Repair | None
    ) -> Completion:
        try:
            return self._complete(system, user, schema, repair)
        except (ProviderUnavailable, ExtractionFailed):
            raise
        except Exception as exc:  # an SDK error the subclass did not translate
            self._unavailable(
                "unexpected error from the SDK", f"{type(exc).__name__}: {str(exc)[:300]}"
            )

    def extract(self, ocr: OcrDocument) -> ExtractedInvoice:
        started = time.monotonic()
        system = self.system_prompt()
        user = build_user_message(ocr)
        schema = output_json_schema()
        key = cache_key(
            provider=self.name,
            model=self.model,
            temperature=self.temperature,
            system=system,
            user=user,
            schema=schema,
        )
        if self.cache is not None:
            cached = self._from_cache(self.cache, key, ocr, started)
            if cached is not None:
                return cached

        self._local.requests = 0
        answer = self._ask(system, user, schema, ocr)
        result, model = answer.result, answer.model
        input_tokens, output_tokens = answer.input_tokens, answer.output_tokens
        repaired_from = answer.repaired_from
        attempts = max(self._requests_sent(), 2 if repaired_from else 1)
        result.usage = Usage(
            provider=self.name,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_s=round(time.monotonic() - started, 4),
            cost_usd=estimate_cost(model, input_tokens, output_tokens, self.prices),
            cached=False,
            attempts=attempts,
        )
        if repaired_from:
            result.issues.append(
                Issue(
                    code="llm_output_repaired",
                    severity="info",
                    stage=STAGE,
                    message=f"the first answer was malformed ({repaired_from[:300]}); one repair turn fixed it",
                )
            )
        if self.cache is not None:
            self.cache.put(
                key,
                CachedAnswer(
                    data=answer.data,
                    provider=self.name,
                    model=model,
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                ),
            )
        log.info(
            "%s: %s extracted by %s in %.2fs, %d attempt(s), %d+%d tokens, ~$%.5f",
            self.name,
            ocr.document_id,
            model,
            result.usage.latency_s,
            attempts,
            input_tokens,
            output_tokens,
            result.usage.cost_usd,
        )
        return result

    def _from_cache(
        self, cache: ResponseCache, key: str, ocr: OcrDocument, started: float
    ) -> ExtractedInvoice | None:
        """The cached answer to this request, still valid, or None."""
        hit = cache.get(key)
        if hit is None:
            return None
        try:
            result = parse_output(hit.data, ocr, self.name, hit.model or self.model)
        except OutputInvalid:
            log.warning("%s: cached answer %s no longer valid; asking again", self.name, key[:12])
            return None
        result.usage = Usage(
            provider=self.name,
            model=hit.model or self.model,
            latency_s=round(time.monotonic() - started, 4),
            cost_usd=0.0,
            cached=True,
            attempts=0,
        )
        log.info("%s: %s answered from the cache (%s)", self.name, ocr.document_id, key[:12])
        return result

    def _ask(self, system: str, user: str, schema: dict[str, Any], ocr: OcrDocument) -> _Answer:
        """One request, and one repair turn when its answer is malformed; ExtractionFailed after that."""
        input_tokens = output_tokens = 0
        completion = self._call(system, user, schema, None)
        input_tokens += completion.input_tokens
        output_tokens += completion.output_tokens
        repaired_from: str | None = None
        try:
            data = completion.payload()
            result = parse_output(data, ocr, self.name, completion.model or self.model)
        except OutputInvalid as first:
            repaired_from = self.redact(str(first))
            log.warning(
                "%s: malformed answer for %s (%s); asking once for a corrected one",
                self.name,
                ocr.document_id,
                repaired_from,
            )
            completion = self._call(system, user, schema, Repair(completion, repaired_from))
            input_tokens += completion.input_tokens
            output_tokens += completion.output_tokens
            try:
                data = completion.payload()
                result = parse_output(data, ocr, self.name, completion.model or self.model)
            except OutputInvalid as second:
                raise ExtractionFailed(
                    self.redact(
                        f"{self.name} ({self.model}): malformed output after one repair attempt: {second} "
                        f"(first answer: {repaired_from})"
                    )
                ) from None
        return _Answer(
            result=result,
            data=data,
            model=completion.model or self.model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            repaired_from=repaired_from,
        )
