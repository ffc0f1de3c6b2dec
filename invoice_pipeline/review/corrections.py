"""A reviewer's corrections, normalised and checked the way extracted values are.

:func:`check_review` takes the record the reviewer saw and the values typed
into the form. Each changed value goes through the validation stage itself
(:func:`invoice_pipeline.processing.validate.validate` on an extraction that
holds the typed text, with the record's currency, VAT ids and IBAN as locale
evidence): a date or amount that cannot be read, or reads two ways, an unknown
currency, a VAT id or IBAN that fails its checksum are refused, naming the
field. Approving also runs the evaluation stage's record checks on the
corrected record (key fields present, subtotal plus tax equal to the total,
line items summing up, dates in order, VAT id and IBAN checksums). A refusal
whose value can still be stored (a checksum, a sum, a missing field) may be
overridden by naming its check; the others cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from invoice_pipeline.processing.evaluate.checks import (
    date_checks,
    id_checks,
    line_items_check,
    totals_check,
)
from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.processing.results.review_store import (
    ITEMS,
    corrected_value,
    items_text,
    with_corrections,
)
from invoice_pipeline.processing.validate import validate
from invoice_pipeline.processing.validate.amounts import format_money, parse_amount, parse_percent
from invoice_pipeline.schema import (
    DATE_FIELDS,
    KEY_FIELDS,
    MONEY_FIELDS,
    TEXT_FIELDS,
    Check,
    ExtractedInvoice,
    FieldValue,
    Invoice,
    InvoiceRecord,
    LineItem,
    RecordLineItem,
    record_date,
    record_decimal,
)

__all__ = ["EDITABLE_FIELDS", "ItemInput", "Refusal", "ReviewCheck", "check_review"]

EDITABLE_FIELDS: tuple[str, ...] = TEXT_FIELDS
"""The header fields of the record a reviewer may correct."""

_CONTEXT_FIELDS = ("currency", "seller_vat_id", "buyer_vat_id", "iban")
"""Values that tell the document's country and number format (the locale evidence)."""

_OVERRIDABLE_CODES = {"vat_id_invalid": "vat_id_valid", "iban_invalid": "iban_valid"}
"""Validation codes whose value can still be stored, and the check that overrides them."""


class Refusal(BaseModel):
    """Why a value is refused: the field, the check and a sentence; overridable or not."""

    field: str
    check: str
    message: str
    overridable: bool


class ItemInput(BaseModel):
    """One line item as a reviewer typed it (numbers as text, ``1.234,56`` or ``1234.56``)."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=2000)
    quantity: str | None = Field(default=None, max_length=40)
    unit_price: str | None = Field(default=None, max_length=40)
    amount: str | None = Field(default=None, max_length=40)
    tax_rate: str | None = Field(default=None, max_length=40)

    def blank(self) -> bool:
        return not any((v or "").strip() for v in self.model_dump().values())


def _plain(value: Decimal) -> str:
    """A quantity, price or rate without exponent or padding zeros (``10``, ``12.75``)."""
    return format(value.normalize(), "f")


def _same_items(a: Sequence[RecordLineItem], b: Sequence[RecordLineItem]) -> bool:
    """The same items: equal descriptions and equal numbers however they are written."""

    def key(item: RecordLineItem) -> tuple[object, ...]:
        numbers = (record_decimal(getattr(item, n)) for n in ("quantity", "unit_price", "amount"))
        rate = record_decimal(item.tax_rate)
        return ((item.description or "").strip(), *numbers, rate)

    return len(a) == len(b) and all(key(x) == key(y) for x, y in zip(a, b, strict=True))


def _typed_items(items: Sequence[ItemInput]) -> tuple[list[RecordLineItem], list[Refusal]]:
    """The typed items read as record items (blank rows dropped) and what cannot be read."""
    out: list[RecordLineItem] = []
    refusals: list[Refusal] = []
    for n, item in enumerate(items):
        if item.blank():
            continue
        values: dict[str, str | None] = {"description": (item.description or "").strip() or None}
        for name in ("quantity", "unit_price", "amount", "tax_rate"):
            text = (getattr(item, name) or "").strip()
            if not text:
                values[name] = None
                continue
            read = parse_percent(text) if name == "tax_rate" else parse_amount(text)
            if read is None:
                refusals.append(
                    Refusal(
                        field=f"{ITEMS}[{n}].{name}",
                        check="unreadable",
                        message=f"line item {n + 1}: {name} {text!r} cannot be read",
                        overridable=False,
                    )
                )
                continue
            values[name] = format_money(read) if name == "amount" else _plain(read)
        if values.get("amount") is None and not any(
            r.field.startswith(f"{ITEMS}[{n}]") for r in refusals
        ):
            refusals.append(
                Refusal(
                    field=f"{ITEMS}[{n}].amount",
                    check="key_field_present",
                    message=f"line item {n + 1} has no amount",
                    overridable=False,
                )
            )
            continue
        out.append(RecordLineItem.model_validate(values))
    return out, refusals


class ReviewCheck(BaseModel):
    """The outcome of :func:`check_review`."""

    corrections: dict[str, str | None]
    """Changed fields with their normalised values, in the record's form."""
    refusals: list[Refusal]
    """What stops the review (empty: it may be saved)."""
    overridden: list[Refusal]
    """Refusals the reviewer overrode (saved in the audit trail)."""


def _record_value(name: str, invoice: Invoice) -> str | None:
    value = getattr(invoice, name)
    if value is None:
        return None
    if name in DATE_FIELDS:
        return value.isoformat()
    if name in MONEY_FIELDS:
        return format_money(value)
    return str(value)


def _normalise(
    record: InvoiceRecord, typed: Mapping[str, str]
) -> tuple[dict[str, str | None], list[Refusal]]:
    """The typed values through the validation stage: normalised values and refusals."""
    fields = {
        name: FieldValue(value=getattr(record, name), confidence=1.0)
        for name in _CONTEXT_FIELDS
        if name not in typed and getattr(record, name)
    }
    fields.update({name: FieldValue(value=text, confidence=1.0) for name, text in typed.items()})
    invoice = validate(
        ExtractedInvoice(document_id=record.document_id, provider="review", fields=fields),
        source_file=record.source_file,
    )
    refusals = []
    for issue in invoice.issues:
        if issue.field not in typed or issue.severity != "error":
            continue
        check = _OVERRIDABLE_CODES.get(issue.code, issue.code)
        refusals.append(
            Refusal(
                field=issue.field,
                check=check,
                message=issue.message,
                overridable=issue.code in _OVERRIDABLE_CODES,
            )
        )
    if invoice.failed and not refusals:
        refusals.append(
            Refusal(
                field=next(iter(typed)),
                check="validation",
                message="validation failed",
                overridable=False,
            )
        )
    values = {name: _record_value(name, invoice) for name in typed}
    for name, text in typed.items():
        # a value the validator could not read is refused above; never store it half-read
        if values[name] is None and text.strip() and not any(r.field == name for r in refusals):
            refusals.append(
                Refusal(
                    field=name,
                    check="unreadable",
                    message=f"{name} {text!r} cannot be read",
                    overridable=False,
                )
            )
    return values, refusals


def _as_invoice(record: InvoiceRecord) -> Invoice:
    """The record as an Invoice, for the evaluation stage's checks."""
    header = {name: getattr(record, name) for name in TEXT_FIELDS}
    for name in DATE_FIELDS:
        header[name] = record_date(header[name])
    for name in MONEY_FIELDS:
        header[name] = record_decimal(header[name])
    return Invoice(
        document_id=record.document_id,
        **header,
        line_items=[
            LineItem(
                description=i.description,
                quantity=record_decimal(i.quantity),
                unit_price=record_decimal(i.unit_price),
                amount=record_decimal(i.amount),
                tax_rate=record_decimal(i.tax_rate),
            )
            for i in record.line_items
        ],
        evidence=record.fields,
    )


def _record_checks(record: InvoiceRecord, t: Thresholds, today: dt.date) -> list[Check]:
    """The evaluation checks a reviewer's approval must pass (or override)."""
    invoice = _as_invoice(record)
    checks = [
        Check(name="key_field_present", passed=False, field=name, message=f"{name} missing")
        for name in KEY_FIELDS
        if getattr(record, name) in (None, "")
    ]
    if None not in (invoice.subtotal, invoice.tax_amount, invoice.total_amount):
        # only the arithmetic: a total nothing confirms is what the reviewer confirms
        check = totals_check(invoice, t, None)
        if check is not None:
            checks.append(check)
    lines = line_items_check(invoice, t)
    if lines is not None and lines.blocking:
        checks.append(lines)
    checks += date_checks(invoice, today, t)
    checks += id_checks(invoice)
    return [c for c in checks if not c.passed]


def check_review(
    record: InvoiceRecord,
    typed: Mapping[str, str | None],
    *,
    approve: bool,
    overrides: Collection[str] = (),
    thresholds: Thresholds | None = None,
    today: dt.date | None = None,
    items: Sequence[ItemInput] | None = None,
) -> ReviewCheck:
    """Normalise and check the values typed for ``record``; refusals name field and check.

    ``typed`` maps field names to the text typed (None or blank clears the
    field); unchanged values are ignored. ``overrides`` names the checks the
    reviewer explicitly overrides. Record checks run only when approving.
    ``items`` (None: unchanged) replaces every line item; blank rows are dropped.
    """
    unknown = sorted(set(typed) - set(EDITABLE_FIELDS))
    refusals = [
        Refusal(
            field=name,
            check="editable",
            message=f"{name} is not a field a reviewer can set",
            overridable=False,
        )
        for name in unknown
    ]
    changed = {
        name: (text or "").strip()
        for name, text in typed.items()
        if name in EDITABLE_FIELDS and (text or "").strip() != (getattr(record, name) or "")
    }
    to_read = {name: text for name, text in changed.items() if text}
    values: dict[str, str | None] = {name: None for name, text in changed.items() if not text}
    if to_read:
        normalised, problems = _normalise(record, to_read)
        values.update(normalised)
        refusals += problems
    if items is not None:
        typed_items, problems = _typed_items(items)
        refusals += problems
        if not problems and not _same_items(typed_items, record.line_items):
            values[ITEMS] = items_text(typed_items)
    hard = {r.field for r in refusals if not r.overridable}
    corrections = {
        n: v for n, v in values.items() if v != corrected_value(record, n) and n not in hard
    }
    if approve and not hard:  # record checks on values that could not be read would only confuse
        corrected = with_corrections(record, corrections)
        seen = {(r.field, r.check) for r in refusals}
        for check in _record_checks(
            corrected, thresholds or Thresholds(), today or dt.date.today()
        ):
            field = check.field or "document"
            if (field, check.name) not in seen:
                refusals.append(
                    Refusal(field=field, check=check.name, message=check.message, overridable=True)
                )
    allowed = set(overrides)
    overridden = [r for r in refusals if r.overridable and r.check in allowed]
    return ReviewCheck(
        corrections=corrections,
        refusals=[r for r in refusals if r not in overridden],
        overridden=overridden,
    )
