"""Anthropic Claude through the official ``anthropic`` SDK (Messages API).

The answer schema goes to the model as a tool, ``invoice_extraction``, that
the request forces with ``tool_choice={"type": "tool", "name": ...}``; the
tool call's input is the answer. Some current models reject forced tool use
with a 400 (Claude Sonnet 5.5 does); for those the extractor uses the API's
native structured output instead, ``output_config={"format": {"type":
"json_schema", "schema": ...}}``, and reads the JSON text. ANTHROPIC_OUTPUT_MODE
chooses: ``tool``, ``json_schema`` or ``auto`` (the default: json_schema for
models known to refuse forced tools, else tool, switching to json_schema for
good on such a 400). Settings (constructor arguments, or
``ExtractorOptions.anthropic`` and the ``anthropic`` API key through
:meth:`LLMExtractor.from_options`): ANTHROPIC_API_KEY (required), ANTHROPIC_MODEL
(default ``claude-sonnet-5-5``), ANTHROPIC_BASE_URL, ANTHROPIC_MAX_TOKENS
(default 16000) and ANTHROPIC_TEMPERATURE. The SDK (2.x, API version
2026-10-21) has no sampling parameters and the API rejects them, so no
temperature is sent unless ANTHROPIC_TEMPERATURE is set (for a gateway or
an older API that accepts it; it then goes in the request body as is). The
SDK retries 408/409/429/5xx/529 and timeouts, honouring Retry-After,
LLM_MAX_RETRIES times; stop_reason ``refusal`` is an ExtractionFailed.
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
from invoice_pipeline.processing.extract.llm.schema import SCHEMA_NAME
from invoice_pipeline.processing.extract.options import ExtractorOptions

TOOL_DESCRIPTION = (
    "Record the fields read from the invoice document: every value exactly as printed or null, "
    "with a confidence and the ids of the OCR lines it came from."
)

NO_FORCED_TOOL_MODELS: tuple[str, ...] = ("claude-sonnet-5-5",)
"""Models that answer 400 to a forced tool choice (checked November 2026)."""

OUTPUT_MODES = ("auto", "tool", "json_schema")

DEFAULT_MAX_TOKENS = 16000


def _error_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            parts = [str(error.get(k)) for k in ("type", "message") if error.get(k)]
            if parts:
                return " ".join(parts)[:300]
    return str(getattr(exc, "message", "") or exc)[:300]


class AnthropicExtractor(LLMExtractor):
    """Invoice fields from a Claude model: a forced tool, or native JSON-schema output."""

    name = "anthropic"
    default_model = "claude-sonnet-5-5"
    key_name = "anthropic"
    key_env = "ANTHROPIC_API_KEY"
    default_temperature = None

    def __init__(
        self, *, output_mode: str | None = None, max_tokens: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        mode = (output_mode or "auto").lower()
        if mode not in OUTPUT_MODES:
            raise ValueError(
                f"ANTHROPIC_OUTPUT_MODE must be one of {', '.join(OUTPUT_MODES)}, got {mode!r}"
            )
        self._auto = mode == "auto"
        if mode == "auto":
            mode = "json_schema" if self.model.startswith(NO_FORCED_TOOL_MODELS) else "tool"
        self.output_mode = mode
        self.max_tokens = max_tokens or DEFAULT_MAX_TOKENS
        import anthropic

        self._anthropic = anthropic
        self._client = anthropic.Anthropic(
            api_key=self._api_key,
            base_url=self.base_url or None,
            max_retries=self.max_retries,
            timeout=self.timeout,
            http_client=anthropic.DefaultHttpxClient(
                event_hooks={"request": [self._count_request]},
                verify=shared_ssl_context(),
            ),
        )

    @classmethod
    def option_kwargs(cls, options: ExtractorOptions) -> dict[str, Any]:
        kwargs = super().option_kwargs(options)
        kwargs.update(
            output_mode=options.anthropic.output_mode, max_tokens=options.anthropic.max_tokens
        )
        return kwargs

    def _messages(self, user: str, repair: Repair | None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [{"role": "user", "content": user}]
        if repair is None:
            return messages
        previous = repair.completion
        tool_use = previous.raw if isinstance(previous.raw, dict) else None
        if tool_use is not None and self.output_mode == "tool":
            messages.append({"role": "assistant", "content": [tool_use]})
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": tool_use["id"],
                            "is_error": True,
                            "content": repair_message(repair.error),
                        }
                    ],
                }
            )
        else:
            messages.append({"role": "assistant", "content": previous.text or "(no answer)"})
            messages.append({"role": "user", "content": repair_message(repair.error)})
        return messages

    def _request(
        self, system: str, user: str, schema: dict[str, Any], repair: Repair | None
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": system,
            "messages": self._messages(user, repair),
        }
        if self.output_mode == "tool":
            request["tools"] = [
                {"name": SCHEMA_NAME, "description": TOOL_DESCRIPTION, "input_schema": schema}
            ]
            request["tool_choice"] = {"type": "tool", "name": SCHEMA_NAME}
        else:
            request["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        if self.temperature is not None:
            request["extra_body"] = {"temperature": self.temperature}
        return request

    def _complete(
        self, system: str, user: str, schema: dict[str, Any], repair: Repair | None
    ) -> Completion:
        anthropic = self._anthropic
        while True:
            try:
                message = self._client.messages.create(
                    **self._request(system, user, schema, repair)
                )
                break
            except anthropic.BadRequestError as exc:
                detail = _error_detail(exc)
                if self._auto and self.output_mode == "tool" and "tool" in detail.lower():
                    # this model does not take a forced tool: use native structured output from now on
                    self.output_mode = "json_schema"
                    continue
                self._rejected(exc.status_code, detail)
            except anthropic.APITimeoutError:
                self._unavailable(f"no answer within {self.timeout:g}s")
            except anthropic.APIConnectionError as exc:
                self._unavailable("could not connect", type(exc.__cause__ or exc).__name__)
            except anthropic.APIStatusError as exc:
                if exc.status_code in (408, 409, 429) or exc.status_code >= 500:
                    self._unavailable(f"HTTP {exc.status_code}", _error_detail(exc))
                self._rejected(exc.status_code, _error_detail(exc))

        if message.stop_reason == "refusal":
            details = getattr(message, "stop_details", None)
            reason = getattr(details, "explanation", None) or getattr(details, "category", None)
            self._refused(str(reason or "stop_reason refusal")[:300])
        usage = message.usage
        input_tokens = (
            (usage.input_tokens or 0)
            + (getattr(usage, "cache_creation_input_tokens", 0) or 0)
            + (getattr(usage, "cache_read_input_tokens", 0) or 0)
        )
        completion = Completion(
            input_tokens=input_tokens,
            output_tokens=usage.output_tokens or 0,
            model=message.model or self.model,
        )
        texts: list[str] = []
        for block in message.content:
            if block.type == "tool_use" and block.name == SCHEMA_NAME:
                completion.data = block.input if isinstance(block.input, dict) else None
                completion.raw = {
                    "type": "tool_use",
                    "id": block.id,
                    "name": block.name,
                    "input": block.input,
                }
                if completion.data is None:
                    completion.text = str(block.input)
                return completion
            if block.type == "text":
                texts.append(block.text)
        completion.text = "".join(texts) or None
        return completion
