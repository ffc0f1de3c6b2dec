"""A model's answer: decoded, validated against the schema and checked against the page.

:func:`parse_output` turns an answer into an :class:`ExtractedInvoice`: it
validates it with pydantic (:class:`OutputInvalid` when the shape is wrong,
which earns one repair turn), drops line ids the OCR does not have, takes page
and box from the first source line, and checks every value against the page
text (:mod:`invoice_pipeline.processing.extract.llm.evidence`). A value that its cited lines
hold only up to an OCR slip is capped at confidence 0.7, one printed elsewhere
at 0.5 (its evidence moved to the line that holds it), and one whose text or
digits appear nowhere on the page at 0.2, with an issue ``value_not_on_page``.
Lines that read like instructions to a model are flagged
(``prompt_injection_suspected``) and never count as evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from invoice_pipeline.processing.extract.base import ExtractionFailed
from invoice_pipeline.processing.extract.llm.evidence import Evidence
from invoice_pipeline.processing.extract.llm.schema import LINE_ITEM_VALUES
from invoice_pipeline.schema import (
    TEXT_FIELDS,
    ExtractedInvoice,
    ExtractedLineItem,
    FieldValue,
    Issue,
    OcrDocument,
)

STAGE = "llm_fields"


class OutputInvalid(ExtractionFailed):
    """The model's answer is not valid JSON or does not match the schema (one repair is allowed)."""


def decode_json(text: str | None) -> dict[str, Any]:
    """Parse the model's JSON text (tolerating a Markdown code fence); OutputInvalid when it is not an object."""
    if text is None or not text.strip():
        raise OutputInvalid("the answer was empty")
    stripped = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", stripped, flags=re.DOTALL)
    if fenced:
        stripped = fenced.group(1)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise OutputInvalid(
            f"the answer is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise OutputInvalid(f"the answer is JSON but not an object (got {type(data).__name__})")
    return data


def _clamp_confidence(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("confidence must be a number") from None
    if number != number:  # NaN
        return 0.0
    if 1.0 < number <= 100.0:  # a percentage
        number /= 100.0
    return max(0.0, min(1.0, number))


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)


class _Evidenced(_Out):
    confidence: float = 0.0
    line_ids: list[str] = Field(default_factory=list)

    @field_validator("confidence", mode="before")
    @classmethod
    def _confidence(cls, value: Any) -> float:
        return 0.0 if value is None else _clamp_confidence(value)

    @field_validator("line_ids", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        return [] if value is None else value


class _FieldOut(_Evidenced):
    value: str | None = None


class _ItemOut(_Evidenced):
    description: str | None = None
    quantity: str | None = None
    unit_price: str | None = None
    amount: str | None = None
    tax_rate: str | None = None


class _AnswerOut(_Out):
    fields: dict[str, _FieldOut] = Field(default_factory=dict)
    language: str | None = None
    line_items: list[_ItemOut] = Field(default_factory=list)

    @field_validator("line_items", mode="before")
    @classmethod
    def _items(cls, value: Any) -> Any:
        return [] if value is None else value


def _field_input(value: Any) -> Any:
    """A header field as the model gave it: the schema's object, or (lenient) a bare value."""
    if value is None:
        return {"value": None}
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"value": str(value), "confidence": 0.5}
    return value


def validate_output(data: dict[str, Any]) -> _AnswerOut:
    """Validate an answer's shape with pydantic; OutputInvalid with a readable reason when it is wrong."""
    if not isinstance(data, dict):
        raise OutputInvalid("the answer is not a JSON object")
    known = {*TEXT_FIELDS, "language", "line_items"}
    if not known & set(data):
        keys = ", ".join(sorted(str(k) for k in data)[:10]) or "none"
        raise OutputInvalid(
            f"the answer has none of the schema's properties (got keys: {keys}); "
            "the top-level object must hold invoice_number, ..., language, line_items"
        )
    payload = {
        "fields": {name: _field_input(data.get(name)) for name in TEXT_FIELDS},
        "language": data.get("language"),
        "line_items": data.get("line_items"),
    }
    try:
        return _AnswerOut.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'] if p != 'fields')}: {err['msg']}"
            for err in exc.errors()[:8]
        )
        raise OutputInvalid(f"the answer does not match the schema ({problems})") from None


CLOSE_MATCH_CAP = 0.7
"""Confidence cap of a text value that matches its cited lines only up to a few characters."""

NOT_IN_CITED_CAP = 0.5
"""Confidence cap of a value found on the page, but not in the lines the model cited."""

NOT_ON_PAGE_CAP = 0.2
"""Confidence cap of a value that appears nowhere on the page."""


def _check_value(
    evidence: Evidence,
    name: str,
    label: str,
    value: str,
    confidence: float,
    cited: list[str],
    issues: list[Issue],
) -> tuple[float, list[str]]:
    where, line_id = evidence.locate(name, value, cited)
    if where == "cited":
        return confidence, cited
    if where == "close":
        return min(confidence, CLOSE_MATCH_CAP), cited
    if where == "page":
        # found elsewhere: point the evidence at the line that holds it, when one does
        return min(confidence, NOT_IN_CITED_CAP), [line_id] if line_id is not None else cited
    issues.append(
        Issue(
            code="value_not_on_page",
            field=label,
            severity="warning",
            stage=STAGE,
            message=f"{label}: the value given by the model does not appear in the document text",
        )
    )
    return min(confidence, NOT_ON_PAGE_CAP), cited


def _first_line_box(evidence: Evidence, ids: Sequence[str]) -> tuple[int | None, Any]:
    for line_id in ids:
        line = evidence.lines.get(line_id)
        if line is not None:
            return line.page, line.box
    return None, None


def parse_output(
    data: dict[str, Any],
    ocr: OcrDocument,
    provider: str,
    model: str | None,
) -> ExtractedInvoice:
    """Validate a model's answer and turn it into an ExtractedInvoice checked against the OCR.

    Raises OutputInvalid (an ExtractionFailed) when the answer does not match the schema.
    """
    answer = validate_output(data)
    evidence = Evidence(ocr)
    issues: list[Issue] = []
    dropped_ids: list[str] = []

    fields: dict[str, FieldValue] = {}
    for name in TEXT_FIELDS:
        out = answer.fields.get(name)
        if out is None or out.value is None or not out.value.strip():
            continue
        value = out.value.strip()
        cited, dropped = evidence.known(out.line_ids)
        dropped_ids += dropped
        confidence, cited = _check_value(evidence, name, name, value, out.confidence, cited, issues)
        page, box = _first_line_box(evidence, cited)
        fields[name] = FieldValue(
            value=value, confidence=confidence, line_ids=cited, page=page, box=box
        )

    items: list[ExtractedLineItem] = []
    for index, item in enumerate(answer.line_items):
        values = {k: (getattr(item, k) or "").strip() or None for k in LINE_ITEM_VALUES}
        if not any(values.values()):
            continue
        cited, dropped = evidence.known(item.line_ids)
        dropped_ids += dropped
        confidence = item.confidence
        for key, value in values.items():
            if value is None:
                continue
            checked, _ = _check_value(
                evidence, key, f"line_items[{index}].{key}", value, confidence, cited, issues
            )
            confidence = min(confidence, checked)
        items.append(ExtractedLineItem(**values, confidence=confidence, line_ids=cited))

    if dropped_ids:
        shown = ", ".join(sorted(set(dropped_ids))[:5])
        issues.append(
            Issue(
                code="unknown_line_ids",
                severity="info",
                stage=STAGE,
                message=f"the model cited {len(dropped_ids)} line id(s) the OCR does not have ({shown}); dropped",
            )
        )
    if evidence.suspicious:
        shown = ", ".join(line.id for line in evidence.suspicious[:5])
        issues.append(
            Issue(
                code="prompt_injection_suspected",
                severity="warning",
                stage=STAGE,
                message=(
                    f"{len(evidence.suspicious)} line(s) read like instructions to a model ({shown}); "
                    "they were passed as data and are not accepted as evidence"
                ),
            )
        )

    language = answer.language.strip().lower()[:8] if answer.language else None
    return ExtractedInvoice(
        document_id=ocr.document_id,
        provider=provider,
        model=model,
        language=language or None,
        fields=fields,
        line_items=items,
        issues=issues,
    )
