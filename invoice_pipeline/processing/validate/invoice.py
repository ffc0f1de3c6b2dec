"""Validation proper: the strings a provider extracted become a normalised :class:`Invoice`.

:func:`validate` decides the document's locale from its evidence
(:mod:`invoice_pipeline.processing.validate.locale`), then runs one small step
per kind of field: plain text, dates, amounts and derived totals
(:mod:`~invoice_pipeline.processing.validate.totals`), line items, currency, VAT
ids and IBAN, the due date from payment terms, the values the text must show
and the key fields that are missing. Each step appends its problems as
:class:`Issue` objects with a machine-readable code and lists the fields it
derived; bad data never raises, and an unexpected error becomes a failed
Invoice rather than a lost document.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from invoice_pipeline.processing.validate.currency import normalise_currency
from invoice_pipeline.processing.validate.dates import parse_date
from invoice_pipeline.processing.validate.evidence import (
    field_evidence,
    glued_values,
    values_not_in_text,
)
from invoice_pipeline.processing.validate.ids import normalise_iban, normalise_vat_id
from invoice_pipeline.processing.validate.issues import issue
from invoice_pipeline.processing.validate.locale import LocaleEvidence, locale_evidence
from invoice_pipeline.processing.validate.terms import due_date_from_terms
from invoice_pipeline.processing.validate.text import normalise_text
from invoice_pipeline.processing.validate.totals import (
    derive_totals,
    read_adjustments,
    read_line_items,
    read_totals,
)
from invoice_pipeline.schema import (
    DATE_FIELDS,
    KEY_FIELDS,
    MONEY_FIELDS,
    Evidence,
    ExtractedInvoice,
    Invoice,
    Issue,
    OcrDocument,
    OcrLine,
)

__all__ = ["validate"]

log = logging.getLogger(__name__)

_SINGLE_LINE_FIELDS = ("seller_name", "buyer_name", "purchase_order")
_ADDRESS_FIELDS = ("seller_address", "buyer_address")


# ------------------------------------------------------------------ steps


def _failed(
    extracted: ExtractedInvoice,
    source_file: str | None,
    evidence: dict[str, Evidence],
    issues: list[Issue],
) -> Invoice:
    """The Invoice of a failed extraction, with an error issue if it carries none."""
    if not any(i.severity == "error" for i in issues):
        issues.append(issue("extraction_failed", "field extraction failed"))
    return Invoice(
        document_id=extracted.document_id,
        source_file=source_file,
        language=extracted.language,
        evidence=evidence,
        issues=issues,
        failed=True,
    )


def _locale(
    extracted: ExtractedInvoice, raw: dict[str, str | None], ocr: OcrDocument | None
) -> LocaleEvidence:
    """The document's locale from its fields and text (the field values when no OCR text)."""
    text = ocr.text if ocr is not None else ""
    if not text.strip():
        text = "\n".join(v for v in raw.values() if v)
    return locale_evidence(
        language=extracted.language,
        currency=raw.get("currency"),
        vat_ids=[raw.get("seller_vat_id"), raw.get("buyer_vat_id")],
        ibans=[v for v in (raw.get("iban"),) if v],
        text=text,
    )


def _text_values(raw: dict[str, str | None]) -> dict[str, Any]:
    """Invoice number, names and purchase order on one line; addresses keep their lines."""
    values: dict[str, Any] = {}
    number = normalise_text(raw.get("invoice_number"))
    if number is not None:
        number = " ".join(number.split()).strip("#:;, ") or None
    values["invoice_number"] = number
    for name in _SINGLE_LINE_FIELDS:
        value = normalise_text(raw.get(name))
        values[name] = " ".join(value.split()) if value else None
    for name in _ADDRESS_FIELDS:
        values[name] = normalise_text(raw.get(name))
    return values


def _dates(
    raw: dict[str, str | None], locale: LocaleEvidence, issues: list[Issue]
) -> dict[str, dt.date | None]:
    """Invoice and due date in the document's day/month order; flag unreadable and ambiguous."""
    values: dict[str, dt.date | None] = {}
    for name in DATE_FIELDS:
        text_value = raw.get(name)
        if text_value is None or not text_value.strip():
            values[name] = None
            continue
        value, ambiguous = parse_date(text_value, day_first=locale.day_first)
        values[name] = value
        if value is None:
            issues.append(issue("date_unparseable", f"{name} {text_value!r} is not a date", name))
        elif ambiguous:
            other, _ = parse_date(text_value, day_first=False)
            issues.append(
                issue(
                    "date_ambiguous",
                    f"{name} {text_value!r} reads as {value.isoformat()} or "
                    f"{other.isoformat() if other else '?'}; nothing in the document "
                    "decides the day/month order",
                    name,
                )
            )
    return values


def _currency_conflict(
    raw: dict[str, str | None], currency: str, locale: LocaleEvidence
) -> Issue | None:
    """An issue when an amount is printed in another currency than the currency field."""
    for name in MONEY_FIELDS:
        printed = normalise_currency(raw.get(name), country=locale.country)
        if printed is not None and printed != currency:
            return issue(
                "currency_conflict",
                f"currency {currency} but {name} is printed as {raw.get(name)!r}",
                "currency",
            )
    return None


def _currency_from_amounts(
    raw: dict[str, str | None],
    locale: LocaleEvidence,
    evidence: dict[str, Evidence],
    derived: list[str],
) -> str | None:
    """The currency printed with the total, subtotal or tax when no currency field was read."""
    for name in ("total_amount", "subtotal", "tax_amount"):
        found = normalise_currency(raw.get(name), country=locale.country)
        if found:
            derived.append("currency")
            source = evidence.get(name)
            evidence["currency"] = (
                source.model_copy() if source is not None else Evidence(confidence=0.0)
            )
            return found
    return None


def _currency(
    raw: dict[str, str | None],
    locale: LocaleEvidence,
    evidence: dict[str, Evidence],
    issues: list[Issue],
    derived: list[str],
) -> str | None:
    """The ISO 4217 currency: the field, checked against the amounts, else from the amounts."""
    raw_currency = raw.get("currency")
    currency = normalise_currency(raw_currency, country=locale.country)
    if raw_currency and currency is None:
        issues.append(
            issue(
                "currency_unknown",
                f"currency {raw_currency!r} is not a known ISO 4217 currency"
                + (" (kr needs the country)" if "kr" in raw_currency.casefold() else ""),
                "currency",
            )
        )
    if currency is not None:
        conflict = _currency_conflict(raw, currency, locale)
        if conflict is not None:
            issues.append(conflict)
    if currency is None and not raw_currency:
        currency = _currency_from_amounts(raw, locale, evidence, derived)
    return currency


def _vat_ids(raw: dict[str, str | None], issues: list[Issue]) -> dict[str, str | None]:
    """Seller and buyer VAT ids compacted; a failed checksum or format becomes an issue."""
    values: dict[str, str | None] = {}
    for name in ("seller_vat_id", "buyer_vat_id"):
        text_value = raw.get(name)
        compact, valid = normalise_vat_id(text_value)
        values[name] = compact
        if compact is not None and not valid:
            issues.append(
                issue("vat_id_invalid", f"{name} {text_value!r} fails its checksum or format", name)
            )
    return values


def _iban(raw: dict[str, str | None], issues: list[Issue]) -> str | None:
    """The IBAN compacted; a failed checksum or length becomes an issue."""
    iban, iban_valid = normalise_iban(raw.get("iban"))
    if iban is not None and not iban_valid:
        issues.append(
            issue("iban_invalid", f"iban {raw.get('iban')!r} fails its checksum or length", "iban")
        )
    return iban


def _terms_due_date(
    extracted: ExtractedInvoice,
    ocr: OcrDocument | None,
    invoice_date: dt.date,
    evidence: dict[str, Evidence],
) -> tuple[dt.date | None, Evidence | None]:
    """A due date from a ``payment_terms`` field or the OCR lines, with its evidence."""
    terms = extracted.fields.get("payment_terms")
    if terms is not None and terms.value:
        due = due_date_from_terms(terms.value, invoice_date)
        if due is not None:
            return due, evidence.get("payment_terms")
    if ocr is None:
        return None, None
    best: tuple[dt.date, list[OcrLine]] | None = None
    for line in ocr.lines:
        due = due_date_from_terms(line.text, invoice_date)
        if due is None:
            continue
        if best is None or due > best[0]:
            best = (due, [line])
        elif due == best[0]:
            best[1].append(line)
    if best is None:
        return None, None
    due, lines = best
    first = lines[0]
    return due, Evidence(
        confidence=min(line.confidence for line in lines),
        page=first.page,
        box=first.box,
        line_ids=[line.id for line in lines],
        text=first.text,
    )


def _due_date(
    extracted: ExtractedInvoice,
    ocr: OcrDocument | None,
    values: dict[str, Any],
    evidence: dict[str, Evidence],
    issues: list[Issue],
    derived: list[str],
) -> dt.date | None:
    """The printed due date, else the one the payment terms imply (an info issue says so)."""
    invoice_date = values["invoice_date"]
    due_date = values["due_date"]
    if due_date is None and isinstance(invoice_date, dt.date):
        due_date, due_evidence = _terms_due_date(extracted, ocr, invoice_date, evidence)
        if due_date is not None:
            derived.append("due_date")
            if due_evidence is not None:
                evidence["due_date"] = due_evidence
            issues.append(
                issue(
                    "due_date_from_terms",
                    f"due date {due_date.isoformat()} computed from the payment terms",
                    "due_date",
                    "info",
                )
            )
    return due_date


def _missing_key_fields(present: dict[str, Any]) -> list[Issue]:
    """A warning for each key field without a value."""
    return [
        issue("field_missing", f"{name} was not found", name, "warning")
        for name in KEY_FIELDS
        if present.get(name) is None
    ]


# ------------------------------------------------------------------ validate


def _validate(
    extracted: ExtractedInvoice, source_file: str | None, ocr: OcrDocument | None
) -> Invoice:
    issues: list[Issue] = list(extracted.issues)
    evidence = field_evidence(extracted, ocr)
    if extracted.failed:
        return _failed(extracted, source_file, evidence, issues)

    raw = {name: fv.value for name, fv in extracted.fields.items()}
    locale = _locale(extracted, raw, ocr)
    derived: list[str] = []
    values = _text_values(raw)
    values.update(_dates(raw, locale, issues))
    totals = read_totals(raw, locale, issues)
    derive_totals(totals, evidence, derived)
    line_items = read_line_items(extracted.line_items, locale, issues, derived)
    currency = _currency(raw, locale, evidence, issues, derived)
    values.update(_vat_ids(raw, issues))
    iban = _iban(raw, issues)
    due_date = _due_date(extracted, ocr, values, evidence, issues, derived)
    issues.extend(glued_values(extracted, ocr))
    issues.extend(
        values_not_in_text(
            ocr,
            {"invoice_number": values["invoice_number"], "seller_name": values["seller_name"]},
            None if "total_amount" in derived else totals.total,
            locale,
        )
    )
    issues.extend(
        _missing_key_fields({**values, "currency": currency, "total_amount": totals.total})
    )
    adjustments = read_adjustments(raw, locale, issues)
    # imported here: the role checks read the page with the rules extractor's layout
    # helpers, whose value patterns import this package's amount parser
    from invoice_pipeline.processing.validate.roles import RoleValues, role_issues

    role_values = RoleValues(
        seller_name=values["seller_name"],
        buyer_name=values["buyer_name"],
        invoice_number=values["invoice_number"],
        total=totals.total,
        subtotal=totals.subtotal,
        tax=totals.tax,
        derived=derived,
    )
    roles, seller_evidence = role_issues(role_values, evidence, ocr, provider=extracted.provider)
    issues.extend(roles)

    return Invoice(
        document_id=extracted.document_id,
        source_file=source_file,
        invoice_number=values["invoice_number"],
        invoice_date=values["invoice_date"],
        due_date=due_date,
        currency=currency,
        seller_name=values["seller_name"],
        seller_address=values["seller_address"],
        seller_vat_id=values["seller_vat_id"],
        buyer_name=values["buyer_name"],
        buyer_address=values["buyer_address"],
        buyer_vat_id=values["buyer_vat_id"],
        iban=iban,
        purchase_order=values["purchase_order"],
        subtotal=totals.subtotal,
        tax_amount=totals.tax,
        total_amount=totals.total,
        tax_rate=totals.rate,
        language=locale.language or extracted.language,
        line_items=line_items,
        evidence=evidence,
        derived=derived,
        vat_breakdown=list(extracted.vat_breakdown),
        allowance_total=adjustments["allowance_total"],
        charge_total=adjustments["charge_total"],
        prepaid_amount=adjustments["prepaid_amount"],
        seller_evidence=seller_evidence,
        issues=issues,
    )


def validate(
    extracted: ExtractedInvoice,
    *,
    source_file: str | None = None,
    ocr: OcrDocument | None = None,
) -> Invoice:
    """Normalise an extraction into an :class:`Invoice`; problems become issues, never errors.

    ``ocr`` supplies the document text (locale evidence, payment terms) and the
    boxes of the lines each field came from. A failed extraction gives an
    Invoice with ``failed=True`` and its issues.
    """
    try:
        return _validate(extracted, source_file, ocr)
    except Exception as exc:  # a bug must not lose the document: record it instead
        log.exception("validation of %s failed", extracted.document_id)
        return Invoice(
            document_id=extracted.document_id,
            source_file=source_file,
            language=extracted.language,
            issues=[
                *extracted.issues,
                issue("validation_error", f"validation failed: {type(exc).__name__}: {exc}"),
            ],
            failed=True,
        )
