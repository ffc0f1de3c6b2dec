"""Google Gemini through the official ``google-genai`` SDK (``generate_content``).

The request asks for JSON with the answer schema as the response schema:
``types.GenerateContentConfig(response_mime_type="application/json",
response_json_schema=..., temperature=...)``. Settings (constructor arguments,
or ``ExtractorOptions.gemini`` and the ``gemini`` API key through
:meth:`LLMExtractor.from_options`): GOOGLE_API_KEY
(GEMINI_API_KEY also works; required), GEMINI_MODEL (default ``gemini-3.5-flash``,
GA since May 2026; the original service's ``gemini-2.0-flash`` was shut down on
2026-06-01), GEMINI_TEMPERATURE (default 0; ``none`` leaves it out), GEMINI_BASE_URL
(passed as ``types.HttpOptions(base_url=...)``). Retries are the SDK's
``HttpRetryOptions``: LLM_MAX_RETRIES retries of 408/429/5xx and connection
timeouts with exponential backoff and jitter; unlike the OpenAI and Anthropic
SDKs it does not read Retry-After. A blocked prompt or a candidate stopped
for safety (SAFETY, PROHIBITED_CONTENT, BLOCKLIST, SPII, RECITATION) is an
ExtractionFailed.
"""

from __future__ import annotations

from typing import Any

from invoice_pipeline.processing.extract.llm.prompt import repair_message
from invoice_pipeline.processing.extract.llm.provider import (
    Completion,
    LLMExtractor,
    Repair,
    shared_ssl_context,
)

BLOCKING_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "RECITATION",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "LANGUAGE",
    }
)

RETRY_INITIAL_DELAY = 0.5
RETRY_MAX_DELAY = 8.0
RETRY_JITTER = 0.5


def _enum_name(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value)).upper()


def _transport_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        errors.append(module.TransportError)
    return tuple(errors)


class GeminiExtractor(LLMExtractor):
    """Invoice fields from a Gemini model with a JSON response schema."""

    name = "gemini"
    default_model = "gemini-3.5-flash"
    key_name = "gemini"
    key_env = "GOOGLE_API_KEY"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from google import genai
        from google.genai import errors, types

        self._types = types
        self._errors = errors
        self._transport_errors = _transport_errors()
        http_options = types.HttpOptions(
            base_url=self.base_url or None,
            timeout=max(1, int(self.timeout * 1000)),
            retry_options=types.HttpRetryOptions(
                attempts=self.max_retries + 1,
                initial_delay=RETRY_INITIAL_DELAY,
                max_delay=RETRY_MAX_DELAY,
                exp_base=2.0,
                jitter=RETRY_JITTER,
            ),
            client_args={
                "event_hooks": {"request": [self._count_request]},
                "verify": shared_ssl_context(),
            },
        )
        self._client = genai.Client(
            api_key=self._api_key, vertexai=False, http_options=http_options
        )

    def _contents(self, user: str, repair: Repair | None) -> list[Any]:
        types = self._types
        contents = [types.Content(role="user", parts=[types.Part(text=user)])]
        if repair is not None:
            contents.append(
                types.Content(role="model", parts=[types.Part(text=repair.completion.text or "")])
            )
            contents.append(
                types.Content(role="user", parts=[types.Part(text=repair_message(repair.error))])
            )
        return contents

    def _complete(
        self, system: str, user: str, schema: dict[str, Any], repair: Repair | None
    ) -> Completion:
        types, errors = self._types, self._errors
        config = types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_json_schema=schema,
            temperature=self.temperature,
        )
        try:
            response = self._client.models.generate_content(
                model=self.model, contents=self._contents(user, repair), config=config
            )
        except errors.APIError as exc:
            status = int(exc.code or 0)
            detail = " ".join(str(p) for p in (exc.status, exc.message) if p)[:300]
            if status in (408, 429) or status >= 500:
                self._unavailable(f"HTTP {status}", detail)
            self._rejected(status, detail)
        except self._transport_errors as exc:
            name = type(exc).__name__
            if "Timeout" in name:
                self._unavailable(f"no answer within {self.timeout:g}s")
            self._unavailable("could not connect", name)

        feedback = response.prompt_feedback
        block_reason = _enum_name(getattr(feedback, "block_reason", None)) if feedback else None
        if block_reason and block_reason != "BLOCKED_REASON_UNSPECIFIED":
            message = getattr(feedback, "block_reason_message", None)
            self._refused(f"prompt blocked ({block_reason}{': ' + message if message else ''})")
        candidate = response.candidates[0] if response.candidates else None
        finish = _enum_name(candidate.finish_reason) if candidate else None
        if finish in BLOCKING_FINISH_REASONS:
            self._refused(f"the answer was blocked (finish_reason {finish})")

        usage = response.usage_metadata
        output_tokens = 0
        input_tokens = 0
        if usage is not None:
            input_tokens = usage.prompt_token_count or 0
            output_tokens = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
        text: str | None = None
        if candidate is not None and candidate.content and candidate.content.parts:
            text = (
                "".join(
                    part.text for part in candidate.content.parts if part.text and not part.thought
                )
                or None
            )
        return Completion(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            model=response.model_version or self.model,
        )
