"""Recognising document text that reads like an instruction aimed at a model.

:func:`looks_like_injection` is shared by every extractor: the LLM answer
checks (:mod:`invoice_pipeline.processing.extract.llm.answer`) never accept
such a line as evidence, and :func:`invoice_pipeline.processing.stages.extract`
flags a document that holds one, whatever extractor read it, so a person
sees it.
"""

from __future__ import annotations

import re

_INJECTION_PATTERNS = re.compile(
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|prompts?|rules|system message)\b"
    r"|\b(system prompt|developer message|you are now|new instructions?|as an ai)\b"
    r"|^\s*(system|assistant)\s*:"
    r"|\b(set|change|make|report|output|return)\s+(the\s+)?"
    r"(total|amount|iban|invoice number|vat|due date)\b.{0,30}\bto\b",
    re.IGNORECASE,
)


def looks_like_injection(text: str) -> bool:
    """Whether a line of the document reads like an instruction aimed at a model."""
    return bool(_INJECTION_PATTERNS.search(text))
