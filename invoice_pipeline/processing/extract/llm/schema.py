"""The JSON schema every LLM provider asks its model to answer in.

:func:`output_json_schema` is a strict schema (OpenAI ``strict: true``,
Anthropic structured outputs or a tool's input schema, Gemini's response
schema): every header field an object of value (the text as printed, or
null), confidence and the ids of the OCR lines it came from, plus the
document language and the item table's rows. :func:`schema_instructions`
writes it into a prompt for servers without structured output.
"""

from __future__ import annotations

import json
from typing import Any

from invoice_pipeline.schema import TEXT_FIELDS

SCHEMA_NAME = "invoice_extraction"
"""The name of the schema (OpenAI json_schema name, Anthropic tool name)."""

LINE_ITEM_VALUES: tuple[str, ...] = ("description", "quantity", "unit_price", "amount", "tax_rate")

FIELD_HINTS: dict[str, str] = {
    "invoice_number": "the invoice number or id, as printed",
    "invoice_date": "the issue date of the invoice, exactly as printed (do not reformat)",
    "due_date": "the payment due date, exactly as printed; null if the page gives none",
    "currency": "the currency as printed: an ISO 4217 code or a symbol such as €, $, £",
    "seller_name": "the name of the company or person issuing the invoice",
    "seller_address": "the seller's postal address, lines joined with ', '",
    "seller_vat_id": "the seller's VAT or tax id, as printed",
    "buyer_name": "the name of the customer billed",
    "buyer_address": "the customer's postal address, lines joined with ', '",
    "buyer_vat_id": "the customer's VAT or tax id, as printed",
    "iban": "the IBAN for payment, as printed",
    "purchase_order": "the customer's purchase order number, as printed",
    "subtotal": "the net amount before tax, as printed (digits and separators as on the page)",
    "tax_amount": "the total tax (VAT) amount, as printed",
    "total_amount": "the gross total to pay, as printed",
}


def _string_or_null(description: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": description}


def _line_ids(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def _confidence() -> dict[str, Any]:
    return {"type": "number", "description": "0 to 1; 0 for a null value"}


def output_json_schema() -> dict[str, Any]:
    """The strict JSON schema of an answer: every property required, nullable strings, closed objects."""
    properties: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        properties[name] = {
            "type": "object",
            "description": FIELD_HINTS.get(name, name.replace("_", " ")),
            "properties": {
                "value": _string_or_null("the value as printed, or null when not on the page"),
                "confidence": _confidence(),
                "line_ids": _line_ids("ids of the OCR lines the value was read from"),
            },
            "required": ["value", "confidence", "line_ids"],
            "additionalProperties": False,
        }
    properties["language"] = _string_or_null("ISO 639-1 code of the document language")
    item_properties: dict[str, Any] = {
        "description": _string_or_null("the item description as printed"),
        "quantity": _string_or_null("the quantity as printed"),
        "unit_price": _string_or_null("the unit price as printed"),
        "amount": _string_or_null("the line amount as printed"),
        "tax_rate": _string_or_null("the tax rate as printed, for example '19%'"),
        "confidence": _confidence(),
        "line_ids": _line_ids("ids of the OCR lines of this table row"),
    }
    properties["line_items"] = {
        "type": "array",
        "description": "the rows of the item table, in order",
        "items": {
            "type": "object",
            "properties": item_properties,
            "required": list(item_properties),
            "additionalProperties": False,
        },
    }
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def schema_instructions(schema: dict[str, Any] | None = None) -> str:
    """The schema as text, for servers without structured output (JSON mode plus schema in the prompt)."""
    schema = schema if schema is not None else output_json_schema()
    return (
        "Return one JSON object that matches this JSON schema exactly "
        "(every property present, null where the document has no value):\n"
        + json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    )
