"""Shared fixtures of the extract tests: a fake LLM server, a sample document, model answers.

No test reaches a real API: every provider's base URL points at
:class:`tests.fake_llm_server.FakeLLMServer` on 127.0.0.1, which answers in the
OpenAI, Anthropic and Gemini wire formats from a per-test script. The ``env``
fixture (used by the provider test modules) sets a clean environment pointing
every provider at it; :func:`make` and :func:`configured` build extractors
from that environment through :mod:`invoice_pipeline.settings`, as the
extractor resource does (without a response cache unless a test passes one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from invoice_pipeline import settings
from invoice_pipeline.processing.extract import Extractor, ExtractorOptions, build_extractor
from invoice_pipeline.processing.extract.llm.anthropic_provider import AnthropicExtractor
from invoice_pipeline.processing.extract.llm.gemini_provider import GeminiExtractor
from invoice_pipeline.processing.extract.llm.openai_provider import OpenAIExtractor
from invoice_pipeline.processing.extract.llm.provider import LLMExtractor
from invoice_pipeline.schema import (
    TEXT_FIELDS,
    ExtractedInvoice,
    OcrDocument,
    OcrLine,
    OcrPage,
)
from tests.fake_llm_server import (
    FakeLLMServer,
    Reply,
    anthropic_error,
    anthropic_reply,
    gemini_error,
    gemini_reply,
    openai_error,
    openai_reply,
)

OPENAI_KEY = "sk-test-OPENAI0123456789abcdefXYZ"
ANTHROPIC_KEY = "sk-ant-test-ANTHROPIC0123456789abcdef"
GOOGLE_KEY = "AIzaTEST-GOOGLE0123456789abcdefghij"
KEYS = (OPENAI_KEY, ANTHROPIC_KEY, GOOGLE_KEY)

ENV_VARS = (
    "LLM_PROVIDER",
    "LLM_MAX_RETRIES",
    "LLM_TIMEOUT_SECONDS",
    "LLM_PRICES_JSON",
    "OPENAI_API_KEY",
    "OPENAI_MODEL",
    "OPENAI_TEMPERATURE",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_TEMPERATURE",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_OUTPUT_MODE",
    "ANTHROPIC_CUSTOM_HEADERS",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GEMINI_MODEL",
    "GEMINI_TEMPERATURE",
    "GEMINI_BASE_URL",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_GENAI_API_VERSION",
)

# --------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    fake = FakeLLMServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, server: FakeLLMServer) -> pytest.MonkeyPatch:
    """A clean environment pointing every provider at the fake server."""
    server.reset()
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LLM_MAX_RETRIES", "2")
    monkeypatch.setenv("LLM_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("GOOGLE_API_KEY", GOOGLE_KEY)
    monkeypatch.setenv("GEMINI_BASE_URL", server.url)
    return monkeypatch


def line(line_id: str, text: str, box: tuple[float, float, float, float], page: int = 1) -> OcrLine:
    return OcrLine(id=line_id, page=page, text=text, box=box)


@pytest.fixture
def ocr() -> OcrDocument:
    """A small two-page invoice, built by hand (pixel boxes on a 1000x1400 page)."""
    page1 = [
        line("p1-l1", "ACME Tools GmbH", (100, 70, 400, 100)),
        line("p1-l2", "Hauptstrasse 5, 10115 Berlin", (100, 110, 500, 140)),
        line("p1-l3", "USt-IdNr. DE123456789", (100, 150, 420, 180)),
        line("p1-l4", "Invoice INV-2024-0042", (600, 70, 950, 100)),
        line("p1-l5", "Date 12.03.2024", (600, 110, 900, 140)),
        line("p1-l6", "Widget, 3 x 10,00 € = 30,00 €", (100, 600, 900, 630)),
        line("p1-l7", "Gadget, 1 x 70,00 € = 70,00 €", (100, 640, 900, 670)),
    ]
    page2 = [
        line("p2-l1", "Subtotal 100,00 €", (500, 100, 900, 130), page=2),
        line("p2-l2", "VAT 19% 19,00 €", (500, 140, 900, 170), page=2),
        line("p2-l3", "Total 119,00 €", (500, 180, 900, 210), page=2),
        line("p2-l4", "IBAN DE89 3704 0044 0532 0130 00", (100, 1300, 700, 1330), page=2),
    ]
    return OcrDocument(
        document_id="acme-invoice-0123456789ab",
        engine="test",
        pages=[
            OcrPage(number=1, width=1000, height=1400, engine="test", lines=page1),
            OcrPage(number=2, width=1000, height=1400, engine="test", lines=page2),
        ],
    )


def field(value: str | None, confidence: float = 0.9, *ids: str) -> dict[str, Any]:
    return {
        "value": value,
        "confidence": confidence if value is not None else 0.0,
        "line_ids": list(ids),
    }


def good_answer() -> dict[str, Any]:
    """What a well-behaved model answers for the fixture document (schema-complete)."""
    answer: dict[str, Any] = {name: field(None) for name in TEXT_FIELDS}
    answer.update(
        invoice_number=field("INV-2024-0042", 0.97, "p1-l4"),
        invoice_date=field("12.03.2024", 0.95, "p1-l5"),
        currency=field("€", 0.9, "p2-l3"),
        seller_name=field("ACME Tools GmbH", 0.96, "p1-l1"),
        seller_address=field("Hauptstrasse 5, 10115 Berlin", 0.9, "p1-l2"),
        seller_vat_id=field("DE123456789", 0.93, "p1-l3"),
        iban=field("DE89 3704 0044 0532 0130 00", 0.94, "p2-l4"),
        subtotal=field("100,00", 0.92, "p2-l1"),
        tax_amount=field("19,00", 0.92, "p2-l2"),
        total_amount=field("119,00", 0.95, "p2-l3"),
    )
    answer["language"] = "de"
    answer["line_items"] = [
        {
            "description": "Widget",
            "quantity": "3",
            "unit_price": "10,00",
            "amount": "30,00",
            "tax_rate": None,
            "confidence": 0.9,
            "line_ids": ["p1-l6"],
        },
        {
            "description": "Gadget",
            "quantity": "1",
            "unit_price": "70,00",
            "amount": "70,00",
            "tax_rate": None,
            "confidence": 0.9,
            "line_ids": ["p1-l7"],
        },
    ]
    return answer


GOOD = json.dumps(good_answer())


def good_reply(api: str) -> Reply:
    if api == "openai":
        return openai_reply(GOOD)
    if api == "anthropic":
        return anthropic_reply(text=GOOD)
    return gemini_reply(GOOD)


def text_reply(api: str, text: str) -> Reply:
    if api == "openai":
        return openai_reply(text)
    if api == "anthropic":
        return anthropic_reply(text=text)
    return gemini_reply(text)


def error_reply(api: str, status: int, headers: dict[str, str] | None = None) -> Reply:
    maker = {"openai": openai_error, "anthropic": anthropic_error, "gemini": gemini_error}[api]
    return maker(status, "the service is having a bad day", headers=headers)


EXTRACTORS: dict[str, type[LLMExtractor]] = {
    "openai": OpenAIExtractor,
    "anthropic": AnthropicExtractor,
    "gemini": GeminiExtractor,
}


def options() -> ExtractorOptions:
    """The extraction options the (patched) environment gives, without a response cache."""
    return settings.get().extractor.model_copy(update={"cache_dir": None})


def make(api: str, **overrides: Any) -> LLMExtractor:
    """One provider's extractor as the environment configures it; ``overrides`` win."""
    return EXTRACTORS[api].from_options(options(), api_keys=settings.api_keys(), **overrides)


def configured(spec: str | None = None) -> Extractor:
    """:func:`build_extractor` as the resource calls it: LLM_PROVIDER unless ``spec`` is given."""
    current = options()
    if spec is not None:
        current = current.model_copy(update={"provider": spec})
    return build_extractor(current, api_keys=settings.api_keys())


def assert_no_key(*texts: str) -> None:
    for text in texts:
        for key in KEYS:
            assert key not in text
            assert key[:10] not in text


def assert_good(result: ExtractedInvoice, provider: str) -> None:
    assert result.provider == provider
    assert result.get("invoice_number") == "INV-2024-0042"
    assert result.get("total_amount") == "119,00"
    total = result.fields["total_amount"]
    assert total.confidence == pytest.approx(0.95)
    assert (total.page, total.box) == (2, (500.0, 180.0, 900.0, 210.0))
    assert [item.description for item in result.line_items] == ["Widget", "Gadget"]
    assert result.language == "de"
    assert not [i for i in result.issues if i.code == "value_not_on_page"]


APIS = ("openai", "anthropic", "gemini")
