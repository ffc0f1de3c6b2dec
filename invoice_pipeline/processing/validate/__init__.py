"""Validation: the strings a provider extracted become a normalised :class:`Invoice`.

:func:`validate` decides the document's locale from its evidence (VAT prefixes,
IBAN, currency, language and the text itself), then normalises every field with
:mod:`invoice_pipeline.processing.validate.normalise`: ISO dates, Decimal money, ISO 4217
currency, compact VAT ids and IBANs. It derives what is missing and can be
computed (subtotal, tax or total from the other two, the tax rate from tax and
subtotal, the due date from payment terms, a line amount from quantity and unit
price) and lists each derived field. Every problem becomes an :class:`Issue`
with a machine-readable code; bad data never raises.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from invoice_pipeline.processing.validate.normalise import (
    LocaleEvidence,
    amounts_in_text,
    due_date_from_terms,
    locale_evidence,
    normalise_currency,
    normalise_iban,
    normalise_text,
    normalise_vat_id,
    parse_amount,
    parse_date,
    parse_percent,
)
from invoice_pipeline.schema import (
    DATE_FIELDS,
    KEY_FIELDS,
    MONEY_FIELDS,
    Evidence,
    ExtractedInvoice,
    ExtractedLineItem,
    Invoice,
    Issue,
    LineItem,
    OcrDocument,
    OcrLine,
)

__all__ = ["validate"]

log = logging.getLogger(__name__)

STAGE = "validated"
CENT = Decimal("0.01")
_SINGLE_LINE_FIELDS = ("seller_name", "buyer_name", "purchase_order")
_ADDRESS_FIELDS = ("seller_address", "buyer_address")


def _issue(code: str, message: str, field: str | None = None, severity: str = "error") -> Issue:
    return Issue(code=code, message=message, field=field, severity=severity, stage=STAGE)


def _union_box(
    boxes: Iterable[tuple[float, float, float, float]],
) -> tuple[float, float, float, float]:
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _evidence(extracted: ExtractedInvoice, ocr: OcrDocument | None) -> dict[str, Evidence]:
    """Evidence per extracted field; page and box filled from the OCR lines when missing."""
    lines = {line.id: line for line in ocr.lines} if ocr is not None else {}
    evidence: dict[str, Evidence] = {}
    for name, fv in extracted.fields.items():
        if fv.value is None or not str(fv.value).strip():
            continue
        page, box = fv.page, fv.box
        found = [lines[i] for i in fv.line_ids if i in lines]
        if found and (page is None or box is None):
            page = page if page is not None else found[0].page
            on_page = [line.box for line in found if line.page == page]
            if box is None and on_page:
                box = _union_box(on_page)
        evidence[name] = Evidence(
            confidence=fv.confidence,
            page=page,
            box=box,
            line_ids=list(fv.line_ids),
            text=fv.value,
        )
    return evidence


def _derived_evidence(evidence: dict[str, Evidence], sources: Iterable[str]) -> Evidence:
    """Evidence of a computed field: the weakest confidence of its inputs, their lines."""
    inputs = [evidence[s] for s in sources if s in evidence]
    line_ids: list[str] = []
    for ev in inputs:
        line_ids.extend(i for i in ev.line_ids if i not in line_ids)
    return Evidence(
        confidence=min((ev.confidence for ev in inputs), default=0.0),
        line_ids=line_ids,
    )


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _money(value: Decimal, field: str, issues: list[Issue]) -> Decimal:
    """Money to the cent; more decimals are rounded half up, with a warning."""
    if _decimals(value) > 2:
        rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
        issues.append(
            _issue(
                "amount_rounded",
                f"{field} {value} has more than two decimals; rounded to {rounded}",
                field,
                "warning",
            )
        )
        return rounded
    return value.quantize(CENT)


def _amount(
    raw: str | None, field: str, locale: LocaleEvidence, issues: list[Issue]
) -> Decimal | None:
    """Parse one amount; flag unparseable text and readings the locale cannot decide."""
    if raw is None or not raw.strip():
        return None
    value = parse_amount(raw, decimal_hint=locale.decimal_separator)
    if value is None:
        issues.append(_issue("amount_unparseable", f"{field} {raw!r} is not an amount", field))
        return None
    if locale.decimal_separator is None:
        as_dot = parse_amount(raw, decimal_hint=".")
        as_comma = parse_amount(raw, decimal_hint=",")
        if as_dot != as_comma:
            issues.append(
                _issue(
                    "amount_ambiguous",
                    f"{field} {raw!r} reads as {as_dot} or {as_comma}; "
                    "the document gives no evidence of its decimal separator",
                    field,
                )
            )
    return value


def _line_items(
    items: list[ExtractedLineItem],
    locale: LocaleEvidence,
    issues: list[Issue],
    derived: list[str],
) -> list[LineItem]:
    hint = locale.decimal_separator
    result: list[LineItem] = []
    for item in items:
        position = len(result)
        values: dict[str, Decimal | None] = {}
        for name in ("quantity", "unit_price", "amount", "tax_rate"):
            raw = getattr(item, name)
            if raw is None or not str(raw).strip():
                values[name] = None
                continue
            parser = parse_percent if name == "tax_rate" else parse_amount
            values[name] = parser(raw, decimal_hint=hint)
            if values[name] is None:
                issues.append(
                    _issue(
                        "line_item_unparseable",
                        f"line item {position + 1}: {name} {raw!r} is not a number",
                        f"line_items[{position}].{name}",
                        "warning",
                    )
                )
        description = normalise_text(item.description)
        if description is None and all(v is None for v in values.values()):
            continue
        amount = values["amount"]
        if amount is None and values["quantity"] is not None and values["unit_price"] is not None:
            amount = (values["quantity"] * values["unit_price"]).quantize(CENT, ROUND_HALF_UP)
            derived.append(f"line_items[{position}].amount")
        elif amount is not None and _decimals(amount) <= 2:
            amount = amount.quantize(CENT)
        result.append(
            LineItem(
                description=description,
                quantity=values["quantity"],
                unit_price=values["unit_price"],
                amount=amount,
                tax_rate=values["tax_rate"],
            )
        )
    return result


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


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def _not_in_text(
    text: str,
    values: dict[str, str | None],
    total: Decimal | None,
    locale: LocaleEvidence,
) -> list[Issue]:
    """Key values the document text does not show (a provider may invent or misplace them)."""
    issues: list[Issue] = []
    squashed = _squash(text)
    for name, value in values.items():
        if value and _squash(value) and _squash(value) not in squashed:
            issues.append(
                _issue("value_not_in_text", f"{name} {value!r} does not appear in the text", name)
            )
    if total is not None:
        printed = amounts_in_text(text, decimal_hint=locale.decimal_separator)
        if abs(total) not in printed:
            issues.append(
                _issue(
                    "value_not_in_text",
                    f"total_amount {total} does not appear in the text",
                    "total_amount",
                )
            )
    return issues


def _validate(
    extracted: ExtractedInvoice, source_file: str | None, ocr: OcrDocument | None
) -> Invoice:
    issues: list[Issue] = list(extracted.issues)
    evidence = _evidence(extracted, ocr)
    if extracted.failed:
        if not any(i.severity == "error" for i in issues):
            issues.append(_issue("extraction_failed", "field extraction failed"))
        return Invoice(
            document_id=extracted.document_id,
            source_file=source_file,
            language=extracted.language,
            evidence=evidence,
            issues=issues,
            failed=True,
        )

    raw = {name: fv.value for name, fv in extracted.fields.items()}
    text = ocr.text if ocr is not None else ""
    if not text.strip():
        text = "\n".join(v for v in raw.values() if v)
    locale = locale_evidence(
        language=extracted.language,
        currency=raw.get("currency"),
        vat_ids=[v for v in (raw.get("seller_vat_id"), raw.get("buyer_vat_id")) if v],
        ibans=[v for v in (raw.get("iban"),) if v],
        text=text,
    )
    derived: list[str] = []
    values: dict[str, Any] = {}

    # -------------------------------------------------------------- plain text
    number = normalise_text(raw.get("invoice_number"))
    if number is not None:
        number = " ".join(number.split()).strip("#:;, ") or None
    values["invoice_number"] = number
    for name in _SINGLE_LINE_FIELDS:
        value = normalise_text(raw.get(name))
        values[name] = " ".join(value.split()) if value else None
    for name in _ADDRESS_FIELDS:
        values[name] = normalise_text(raw.get(name))

    # -------------------------------------------------------------------- dates
    for name in DATE_FIELDS:
        text_value = raw.get(name)
        if text_value is None or not text_value.strip():
            values[name] = None
            continue
        value, ambiguous = parse_date(text_value, day_first=locale.day_first)
        values[name] = value
        if value is None:
            issues.append(_issue("date_unparseable", f"{name} {text_value!r} is not a date", name))
        elif ambiguous:
            other, _ = parse_date(text_value, day_first=False)
            issues.append(
                _issue(
                    "date_ambiguous",
                    f"{name} {text_value!r} reads as {value.isoformat()} or "
                    f"{other.isoformat() if other else '?'}; nothing in the document "
                    "decides the day/month order",
                    name,
                )
            )

    # ------------------------------------------------------------------ amounts
    money: dict[str, Decimal | None] = {}
    for name in MONEY_FIELDS:
        value = _amount(raw.get(name), name, locale, issues)
        money[name] = _money(value, name, issues) if value is not None else None
    rate = None
    if raw.get("tax_rate"):
        rate = parse_percent(raw["tax_rate"], decimal_hint=locale.decimal_separator)
        if rate is None:
            issues.append(
                _issue(
                    "tax_rate_unparseable",
                    f"tax_rate {raw['tax_rate']!r} is not a percentage",
                    "tax_rate",
                    "warning",
                )
            )
    subtotal, tax, total = money["subtotal"], money["tax_amount"], money["total_amount"]
    if total is None and subtotal is not None and tax is not None:
        total = subtotal + tax
        derived.append("total_amount")
        evidence["total_amount"] = _derived_evidence(evidence, ("subtotal", "tax_amount"))
    elif tax is None and subtotal is not None and total is not None:
        tax = total - subtotal
        derived.append("tax_amount")
        evidence["tax_amount"] = _derived_evidence(evidence, ("subtotal", "total_amount"))
    elif subtotal is None and tax is not None and total is not None:
        subtotal = total - tax
        derived.append("subtotal")
        evidence["subtotal"] = _derived_evidence(evidence, ("tax_amount", "total_amount"))
    elif subtotal is None and tax is None and total is not None and rate is not None:
        subtotal = (total * 100 / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
        tax = total - subtotal
        derived.extend(["subtotal", "tax_amount"])
        for name in ("subtotal", "tax_amount"):
            evidence[name] = _derived_evidence(evidence, ("total_amount", "tax_rate"))
    if rate is None and subtotal is not None and tax is not None and subtotal != 0:
        rate = (tax * 100 / subtotal).quantize(CENT, ROUND_HALF_UP)
        derived.append("tax_rate")

    line_items = _line_items(extracted.line_items, locale, issues, derived)

    # ----------------------------------------------------------------- currency
    raw_currency = raw.get("currency")
    currency = normalise_currency(raw_currency, country=locale.country)
    if raw_currency and currency is None:
        issues.append(
            _issue(
                "currency_unknown",
                f"currency {raw_currency!r} is not a known ISO 4217 currency"
                + (" (kr needs the country)" if "kr" in raw_currency.casefold() else ""),
                "currency",
            )
        )
    if currency is not None:
        for name in MONEY_FIELDS:
            printed = normalise_currency(raw.get(name), country=locale.country)
            if printed is not None and printed != currency:
                issues.append(
                    _issue(
                        "currency_conflict",
                        f"currency {currency} but {name} is printed as {raw.get(name)!r}",
                        "currency",
                    )
                )
                break
    if currency is None and not raw_currency:
        for name in ("total_amount", "subtotal", "tax_amount"):
            found = normalise_currency(raw.get(name), country=locale.country)
            if found:
                currency = found
                derived.append("currency")
                source = evidence.get(name)
                evidence["currency"] = (
                    source.model_copy() if source is not None else Evidence(confidence=0.0)
                )
                break

    # ------------------------------------------------------------ VAT and IBAN
    for name in ("seller_vat_id", "buyer_vat_id"):
        text_value = raw.get(name)
        compact, valid = normalise_vat_id(text_value)
        values[name] = compact
        if compact is not None and not valid:
            issues.append(
                _issue(
                    "vat_id_invalid", f"{name} {text_value!r} fails its checksum or format", name
                )
            )
    iban, iban_valid = normalise_iban(raw.get("iban"))
    if iban is not None and not iban_valid:
        issues.append(
            _issue("iban_invalid", f"iban {raw.get('iban')!r} fails its checksum or length", "iban")
        )

    # ---------------------------------------------------------------- due date
    invoice_date = values["invoice_date"]
    due_date = values["due_date"]
    if due_date is None and isinstance(invoice_date, dt.date):
        due_date, due_evidence = _terms_due_date(extracted, ocr, invoice_date, evidence)
        if due_date is not None:
            derived.append("due_date")
            if due_evidence is not None:
                evidence["due_date"] = due_evidence
            issues.append(
                _issue(
                    "due_date_from_terms",
                    f"due date {due_date.isoformat()} computed from the payment terms",
                    "due_date",
                    "info",
                )
            )

    # ------------------------------------------------- values the text must show
    haystack = "\n".join(part for part in (ocr.text if ocr else "", ocr.xml if ocr else "") if part)
    if haystack.strip():
        issues.extend(
            _not_in_text(
                haystack,
                {"invoice_number": values["invoice_number"], "seller_name": values["seller_name"]},
                None if "total_amount" in derived else total,
                locale,
            )
        )

    # ------------------------------------------------------------ missing keys
    present = {
        **values,
        "currency": currency,
        "total_amount": total,
        "invoice_date": invoice_date,
    }
    for name in KEY_FIELDS:
        if present.get(name) is None:
            issues.append(_issue("field_missing", f"{name} was not found", name, "warning"))

    return Invoice(
        document_id=extracted.document_id,
        source_file=source_file,
        invoice_number=values["invoice_number"],
        invoice_date=invoice_date,
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
        subtotal=subtotal,
        tax_amount=tax,
        total_amount=total,
        tax_rate=rate,
        language=locale.language or extracted.language,
        line_items=line_items,
        evidence=evidence,
        derived=derived,
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
                _issue("validation_error", f"validation failed: {type(exc).__name__}: {exc}"),
            ],
            failed=True,
        )
