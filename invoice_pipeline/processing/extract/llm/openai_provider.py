"""OpenAI and OpenAI-compatible servers through the official ``openai`` SDK (Chat Completions).

``openai`` (:class:`OpenAIExtractor`) asks for structured output with
``response_format={"type": "json_schema", "json_schema": {..., "strict": True}}``.
Settings (constructor arguments, or ``ExtractorOptions.openai`` and the
``openai`` API key through :meth:`LLMExtractor.from_options`): OPENAI_API_KEY
(required), OPENAI_MODEL (default ``gpt-4o``),
OPENAI_TEMPERATURE (default 0; ``none`` leaves it out, which models that only
accept their default temperature need), OPENAI_BASE_URL. ``openai_compatible``
(:class:`OpenAICompatibleExtractor`) talks to any server with the same API
(vLLM, Ollama, llama.cpp server) at OPENAI_BASE_URL (required), with
OPENAI_MODEL naming the served model and the key optional; when the server
answers 400 to a json_schema response format it falls back, for the rest of
the extractor's life, to ``{"type": "json_object"}`` with the schema written
into the system prompt. The SDK retries 408/409/429/5xx and timeouts with
exponential backoff, honouring Retry-After, LLM_MAX_RETRIES times; then the
call raises ProviderUnavailable. A refusal (``message.refusal``) or a content
filter stop is an ExtractionFailed.
"""

from __future__ import annotations

from typing import Any

from invoice_pipeline.processing.extract.base import ProviderNotConfigured
from invoice_pipeline.processing.extract.llm.prompt import repair_message
from invoice_pipeline.processing.extract.llm.provider import (
    Completion,
    LLMExtractor,
    Repair,
    shared_ssl_context,
)
from invoice_pipeline.processing.extract.llm.schema import SCHEMA_NAME, schema_instructions

PLACEHOLDER_KEY = "not-needed"
"""The key sent to an OpenAI-compatible server that wants none (the SDK insists on one)."""


def _error_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            parts = [str(error.get(k)) for k in ("type", "code", "message") if error.get(k)]
            if parts:
                return " ".join(parts)[:300]
    return str(getattr(exc, "message", "") or exc)[:300]


class OpenAIExtractor(LLMExtractor):
    """Invoice fields from an OpenAI model with strict JSON-schema structured output."""

    name = "openai"
    default_model = "gpt-4o"
    key_name = "openai"
    key_env = "OPENAI_API_KEY"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        import openai

        self._openai = openai
        self._mode = "json_schema"
        self._client = openai.OpenAI(
            api_key=self._api_key or PLACEHOLDER_KEY,
            base_url=self.base_url or None,
            max_retries=self.max_retries,
            timeout=self.timeout,
            http_client=openai.DefaultHttpxClient(
                event_hooks={"request": [self._count_request]},
                verify=shared_ssl_context(),
            ),
        )

    def system_prompt(self) -> str:
        prompt = super().system_prompt()
        if self._mode == "json_object":
            prompt += "\n\n" + schema_instructions()
        return prompt

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self._mode == "json_object":
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True},
        }

    def _messages(self, system: str, user: str, repair: Repair | None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        if repair is not None:
            messages.append({"role": "assistant", "content": repair.completion.text or ""})
            messages.append({"role": "user", "content": repair_message(repair.error)})
        return messages

    def _fall_back_on_bad_request(self) -> bool:
        return False

    def _complete(
        self, system: str, user: str, schema: dict[str, Any], repair: Repair | None
    ) -> Completion:
        openai = self._openai
        while True:
            request: dict[str, Any] = {
                "model": self.model,
                "messages": self._messages(self.system_prompt(), user, repair),
                "response_format": self._response_format(schema),
            }
            if self.temperature is not None:
                request["temperature"] = self.temperature
            try:
                response = self._client.chat.completions.create(**request)
                break
            except openai.BadRequestError as exc:
                if self._mode == "json_schema" and self._fall_back_on_bad_request():
                    self._mode = "json_object"  # ask again in JSON mode, schema in the prompt
                    continue
                self._rejected(exc.status_code, _error_detail(exc))
            except openai.APITimeoutError:
                self._unavailable(f"no answer within {self.timeout:g}s")
            except openai.APIConnectionError as exc:
                self._unavailable("could not connect", type(exc.__cause__ or exc).__name__)
            except openai.APIStatusError as exc:
                if exc.status_code in (408, 409, 429) or exc.status_code >= 500:
                    self._unavailable(f"HTTP {exc.status_code}", _error_detail(exc))
                self._rejected(exc.status_code, _error_detail(exc))

        if not response.choices:
            return Completion(text=None, model=response.model)
        choice = response.choices[0]
        message = choice.message
        usage = response.usage
        if getattr(message, "refusal", None):
            self._refused(str(message.refusal)[:300])
        if choice.finish_reason == "content_filter":
            self._refused("the output was stopped by the content filter")
        return Completion(
            text=message.content,
            input_tokens=(usage.prompt_tokens or 0) if usage else 0,
            output_tokens=(usage.completion_tokens or 0) if usage else 0,
            model=response.model or self.model,
        )


class OpenAICompatibleExtractor(OpenAIExtractor):
    """Invoice fields from any OpenAI-compatible server (vLLM, Ollama, llama.cpp) at OPENAI_BASE_URL."""

    name = "openai_compatible"
    key_required = False

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs.get("base_url"):
            raise ProviderNotConfigured(
                "No LLM provider configured: set OPENAI_BASE_URL to the server's API root "
                "(for example http://localhost:8000/v1) to use LLM_PROVIDER=openai_compatible"
            )
        if not kwargs.get("model"):
            raise ProviderNotConfigured(
                "No LLM provider configured: set OPENAI_MODEL to the model the server at "
                "OPENAI_BASE_URL serves to use LLM_PROVIDER=openai_compatible"
            )
        super().__init__(**kwargs)

    def _fall_back_on_bad_request(self) -> bool:
        return True
