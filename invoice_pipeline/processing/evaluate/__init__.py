"""Evaluation: consistency checks, duplicate detection, a quality score and the decision.

:func:`evaluate` runs every check on a validated :class:`Invoice` (key fields
present and read with confidence, line items sum to the subtotal, subtotal plus
tax equals the total to the cent, a legal VAT rate for the seller's country,
due date not before the invoice date, invoice date not in the future, VAT id and
IBAN checksums, the same invoice seen before), scores the document in 0..1 from
OCR confidence, field confidences, completeness and the checks, and decides:
``approved`` only when every blocking check passes and the score reaches the
threshold, otherwise ``manual_review`` with every reason listed. When in doubt
it sends a document to review: an approved invoice must be right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, Field

from invoice_pipeline.processing.config import env_float
from invoice_pipeline.processing.validate.normalise import (
    format_money,
    format_price,
    format_quantity,
    invoice_number_key,
    locale_evidence,
    name_key,
    normalise_iban,
    normalise_vat_id,
    vat_country,
)
from invoice_pipeline.schema import (
    KEY_FIELDS,
    TEXT_FIELDS,
    Check,
    Evaluation,
    Invoice,
    InvoiceRecord,
    Issue,
    RecordLineItem,
    Status,
)

__all__ = [
    "LEGAL_VAT_RATES",
    "Thresholds",
    "evaluate",
    "find_duplicate",
    "seller_country",
    "to_record",
]

CENT = Decimal("0.01")


def _rates(*values: str) -> frozenset[Decimal]:
    return frozenset(Decimal(v) for v in ("0", *values))


LEGAL_VAT_RATES: dict[str, frozenset[Decimal]] = {
    # standard and reduced VAT rates in percent, current and of recent years (a
    # document may be a few years old); 0 stands for exempt, export and reverse charge
    "AT": _rates("20", "13", "10", "5"),
    "BE": _rates("21", "12", "6"),
    "BG": _rates("20", "9"),
    "CY": _rates("19", "9", "5", "3"),
    "CZ": _rates("21", "15", "12", "10"),
    "DE": _rates("19", "16", "7", "5"),
    "DK": _rates("25"),
    "EE": _rates("24", "22", "20", "13", "9", "5"),
    "ES": _rates("21", "10", "5", "4", "2"),
    "FI": _rates("25.5", "24", "14", "13.5", "10"),
    "FR": _rates("20", "10", "5.5", "2.1"),
    "GR": _rates("24", "17", "13", "9", "6", "4"),
    "HR": _rates("25", "13", "5"),
    "HU": _rates("27", "18", "5"),
    "IE": _rates("23", "13.5", "9", "4.8"),
    "IT": _rates("22", "10", "5", "4"),
    "LT": _rates("21", "9", "5"),
    "LU": _rates("17", "16", "14", "13", "8", "7", "3"),
    "LV": _rates("21", "12", "5"),
    "MT": _rates("18", "12", "7", "5"),
    "NL": _rates("21", "9", "6"),
    "PL": _rates("23", "8", "5"),
    "PT": _rates("23", "22", "16", "13", "12", "9", "6", "5", "4"),
    "RO": _rates("21", "19", "11", "9", "5"),
    "SE": _rates("25", "12", "6"),
    "SI": _rates("22", "9.5", "5"),
    "SK": _rates("23", "20", "19", "10", "5"),
    "GB": _rates("20", "5"),
    "CH": _rates("8.1", "7.7", "3.8", "3.7", "2.6", "2.5"),
    "LI": _rates("8.1", "7.7", "3.8", "3.7", "2.6", "2.5"),
    "NO": _rates("25", "15", "12", "11.11", "6"),
}
"""Legal VAT rates by seller country; the US (sales tax, any rate) is not listed."""

ANY_RATE_COUNTRIES = frozenset({"US"})
_ALL_RATES = frozenset().union(*LEGAL_VAT_RATES.values())
_COMPLETENESS_FIELDS = tuple(
    f for f in TEXT_FIELDS if f not in KEY_FIELDS and f not in {"purchase_order", "buyer_vat_id"}
)


class Thresholds(BaseModel):
    """Decision thresholds; each reads its environment variable when not given."""

    approve_min_score: float = Field(
        default_factory=lambda: env_float("INVOICE_APPROVE_MIN_SCORE", 0.8), ge=0.0, le=1.0
    )
    min_field_confidence: float = Field(
        default_factory=lambda: env_float("INVOICE_MIN_FIELD_CONFIDENCE", 0.6), ge=0.0, le=1.0
    )
    min_ocr_confidence: float = Field(
        default_factory=lambda: env_float("INVOICE_MIN_OCR_CONFIDENCE", 0.5), ge=0.0, le=1.0
    )
    unverified_total_min_confidence: float = Field(
        default_factory=lambda: env_float("INVOICE_UNVERIFIED_TOTAL_MIN_CONFIDENCE", 0.9),
        ge=0.0,
        le=1.0,
    )
    """A total that no arithmetic cross-checks needs at least this confidence."""
    tolerance: Decimal = Field(
        default_factory=lambda: Decimal(str(env_float("INVOICE_AMOUNT_TOLERANCE", 0.01))), ge=0
    )
    future_grace_days: int = 1
    """An invoice date this many days after today still passes (time zones)."""


# ------------------------------------------------------------------------ records


def to_record(
    invoice: Invoice,
    *,
    status: Status = "manual_review",
    quality_score: float = 0.0,
    checks: Sequence[Check] = (),
    reasons: Sequence[str] = (),
    duplicate_of: str | None = None,
    extractor: str | None = None,
    ocr_engine: str | None = None,
) -> InvoiceRecord:
    """The flat record of an invoice: money as ``"1234.56"``, ISO dates, evidence, issues.

    Failed checks join the invoice's issues (``stage="evaluation"``; blocking ones
    as errors, the others as warnings).
    """
    issues = list(invoice.issues)
    for check in checks:
        if not check.passed and check.name != "validation_issue":
            issues.append(
                Issue(
                    code=check.name,
                    message=check.message,
                    field=check.field,
                    severity="error" if check.blocking else "warning",
                    stage="evaluation",
                )
            )
    return InvoiceRecord(
        document_id=invoice.document_id,
        source_file=invoice.source_file,
        status=status,
        quality_score=quality_score,
        invoice_number=invoice.invoice_number,
        invoice_date=invoice.invoice_date.isoformat() if invoice.invoice_date else None,
        due_date=invoice.due_date.isoformat() if invoice.due_date else None,
        currency=invoice.currency,
        seller_name=invoice.seller_name,
        seller_address=invoice.seller_address,
        seller_vat_id=invoice.seller_vat_id,
        buyer_name=invoice.buyer_name,
        buyer_address=invoice.buyer_address,
        buyer_vat_id=invoice.buyer_vat_id,
        iban=invoice.iban,
        purchase_order=invoice.purchase_order,
        subtotal=format_money(invoice.subtotal),
        tax_amount=format_money(invoice.tax_amount),
        total_amount=format_money(invoice.total_amount),
        line_items=[
            RecordLineItem(
                description=item.description,
                quantity=format_quantity(item.quantity),
                unit_price=format_price(item.unit_price),
                amount=format_money(item.amount),
                tax_rate=format_quantity(item.tax_rate),
            )
            for item in invoice.line_items
        ],
        issues=issues,
        fields={name: ev.model_copy() for name, ev in invoice.evidence.items()},
        extractor=extractor,
        ocr_engine=ocr_engine,
        reasons=list(reasons),
        duplicate_of=duplicate_of,
    )


# ------------------------------------------------------------------------- checks


def _confidence(invoice: Invoice, field: str) -> float:
    ev = invoice.evidence.get(field)
    return ev.confidence if ev is not None else 0.0


def _key_field_checks(invoice: Invoice, t: Thresholds) -> list[Check]:
    checks: list[Check] = []
    for field in KEY_FIELDS:
        value = getattr(invoice, field)
        if value is None or (isinstance(value, str) and not value.strip()):
            checks.append(
                Check(
                    name="key_field_present", passed=False, field=field, message=f"{field} missing"
                )
            )
            continue
        confidence = _confidence(invoice, field)
        checks.append(
            Check(
                name="field_confidence",
                passed=confidence >= t.min_field_confidence,
                field=field,
                message=(
                    f"{field} read with confidence {confidence:.2f}"
                    + (
                        ""
                        if confidence >= t.min_field_confidence
                        else f" < {t.min_field_confidence:.2f}"
                    )
                ),
            )
        )
    return checks


# issues that a dedicated check below reports (so a reason is not listed twice)
_COVERED_CODES = {"vat_id_invalid", "iban_invalid", "field_missing"}

REVIEW_CODES = frozenset({"pdf_javascript", "pdf_embedded_files", "prompt_injection_suspected"})
"""Warnings a person must see before an invoice is approved: active content, unknown
attachments, text that reads like instructions to a model."""


def _issue_checks(invoice: Invoice) -> list[Check]:
    errors = [
        i
        for i in invoice.issues
        if (i.severity == "error" and i.code not in _COVERED_CODES) or i.code in REVIEW_CODES
    ]
    return [
        Check(
            name="validation_issue", passed=False, field=i.field, message=f"{i.code}: {i.message}"
        )
        for i in errors
    ]


def seller_country(invoice: Invoice) -> str | None:
    """The seller's country: VAT prefix, else IBAN, else currency or language evidence."""
    return (
        vat_country(invoice.seller_vat_id)
        or locale_evidence(
            language=invoice.language,
            currency=invoice.currency,
            vat_ids=[invoice.seller_vat_id] if invoice.seller_vat_id else [],
            ibans=[invoice.iban] if invoice.iban else [],
            text="",
        ).country
    )


def _rate_fits(subtotal: Decimal, tax: Decimal, rate: Decimal, tolerance: Decimal) -> bool:
    return abs(subtotal * rate / 100 - tax) <= tolerance


def _tax_rate_check(invoice: Invoice, t: Thresholds) -> Check | None:
    subtotal, tax = invoice.subtotal, invoice.tax_amount
    if subtotal is None or tax is None or subtotal == 0:
        return None
    country = seller_country(invoice)
    effective = (tax * 100 / subtotal).quantize(CENT)
    if country in ANY_RATE_COUNTRIES:
        return Check(
            name="tax_rate_legal",
            passed=True,
            blocking=False,
            field="tax_amount",
            message=f"tax rate {effective}%: any sales tax rate is possible in {country}",
        )
    rates = LEGAL_VAT_RATES.get(country or "")
    candidates = rates if rates is not None else _ALL_RATES
    tolerance = t.tolerance + Decimal("0.005") * max(1, len(invoice.line_items))
    fitting = sorted(r for r in candidates if _rate_fits(subtotal, tax, r, tolerance))
    passed = bool(fitting)
    if not passed and invoice.line_items:
        # mixed rates: every line at a legal rate and the line taxes adding up
        pairs = [
            (i.amount, i.tax_rate)
            for i in invoice.line_items
            if i.amount is not None and i.tax_rate is not None
        ]
        if len(pairs) == len(invoice.line_items):
            line_tax = sum((amount * rate / 100 for amount, rate in pairs), Decimal(0))
            passed = (
                all(rate in candidates for _, rate in pairs) and abs(line_tax - tax) <= tolerance
            )
            fitting = sorted({rate for _, rate in pairs})
    if not passed:
        # mixed rates without a full line-item breakdown: two legal rates printed on the
        # page (a VAT summary "7 % ... 19 %") and the effective rate between them
        printed = sorted(r for r in invoice.printed_rates if r in candidates and r > 0)
        if len(printed) >= 2 and printed[0] < effective < printed[-1]:
            passed, fitting = True, printed
    where = f"in {country}" if rates is not None else "in any known country"
    if passed:
        message = f"tax rate {effective}% matches the legal rate(s) {', '.join(map(str, fitting))}% {where}"
    else:
        message = (
            f"tax rate {effective}% (tax {tax} on {subtotal}) is not a legal VAT rate {where}"
            + (f" ({', '.join(map(str, sorted(rates)))}%)" if rates is not None else "")
        )
    return Check(
        name="tax_rate_legal",
        passed=passed,
        blocking=rates is not None,
        field="tax_amount",
        message=message,
    )


def _totals_check(invoice: Invoice, t: Thresholds, rate_check: Check | None) -> Check | None:
    subtotal, tax, total = invoice.subtotal, invoice.tax_amount, invoice.total_amount
    if total is None:
        return None
    derived = [f for f in ("subtotal", "tax_amount", "total_amount") if f in invoice.derived]
    if subtotal is not None and tax is not None and not derived:
        diff = subtotal + tax - total
        passed = abs(diff) <= t.tolerance
        return Check(
            name="totals_consistent",
            passed=passed,
            field="total_amount",
            message=(
                f"subtotal {subtotal} + tax {tax} = total {total}"
                if passed
                else f"subtotal {subtotal} + tax {tax} = {subtotal + tax}, but total is {total}"
            ),
        )
    confidence = _confidence(invoice, "total_amount")
    if derived and rate_check is not None and rate_check.passed and rate_check.blocking:
        return Check(
            name="totals_consistent",
            passed=True,
            blocking=False,
            field="total_amount",
            message=f"{', '.join(derived)} derived; the legal tax rate confirms the amounts",
        )
    trusted = confidence >= t.unverified_total_min_confidence
    what = f"{', '.join(derived)} derived" if derived else "subtotal or tax missing"
    return Check(
        name="totals_consistent",
        passed=False,
        blocking=not trusted,
        field="total_amount",
        message=(
            f"total {total} cannot be cross-checked ({what}); "
            f"confidence {confidence:.2f}"
            + ("" if trusted else f" < {t.unverified_total_min_confidence:.2f}")
        ),
    )


def _line_items_check(invoice: Invoice, t: Thresholds) -> Check | None:
    items = invoice.line_items
    if not items:
        return None
    missing = sum(1 for i in items if i.amount is None)
    if missing:
        return Check(
            name="line_items_sum",
            passed=False,
            blocking=False,
            field="line_items",
            message=f"{missing} of {len(items)} line items have no amount",
        )
    total_lines = sum((i.amount for i in items if i.amount is not None), Decimal(0))
    subtotal, total = invoice.subtotal, invoice.total_amount
    if subtotal is None and total is None:
        return None
    if subtotal is not None and abs(total_lines - subtotal) <= t.tolerance:
        return Check(
            name="line_items_sum",
            passed=True,
            field="line_items",
            message=f"{len(items)} line items sum to the subtotal {subtotal}",
        )
    if total is not None and abs(total_lines - total) <= t.tolerance:
        return Check(
            name="line_items_sum",
            passed=True,
            field="line_items",
            message=f"{len(items)} line items (gross) sum to the total {total}",
        )
    target = f"subtotal {subtotal}" if subtotal is not None else f"total {total}"
    return Check(
        name="line_items_sum",
        passed=False,
        field="line_items",
        message=f"{len(items)} line items sum to {total_lines}, but the {target}",
    )


def _date_checks(invoice: Invoice, today: dt.date, t: Thresholds) -> list[Check]:
    checks: list[Check] = []
    if invoice.invoice_date and invoice.due_date:
        ok = invoice.due_date >= invoice.invoice_date
        checks.append(
            Check(
                name="due_after_invoice_date",
                passed=ok,
                field="due_date",
                message=(
                    f"due date {invoice.due_date} "
                    + ("is not before" if ok else "is before")
                    + f" invoice date {invoice.invoice_date}"
                ),
            )
        )
    if invoice.invoice_date:
        ok = invoice.invoice_date <= today + dt.timedelta(days=t.future_grace_days)
        checks.append(
            Check(
                name="invoice_date_not_future",
                passed=ok,
                field="invoice_date",
                message=(
                    f"invoice date {invoice.invoice_date} "
                    + ("is not" if ok else "is")
                    + f" in the future (today {today})"
                ),
            )
        )
    return checks


def _id_checks(invoice: Invoice) -> list[Check]:
    checks: list[Check] = []
    for field in ("seller_vat_id", "buyer_vat_id"):
        value = getattr(invoice, field)
        if value:
            _, valid = normalise_vat_id(value)
            checks.append(
                Check(
                    name="vat_id_valid",
                    passed=valid,
                    field=field,
                    message=f"{field} {value} " + ("is valid" if valid else "fails its checksum"),
                )
            )
    if invoice.iban:
        _, valid = normalise_iban(invoice.iban)
        checks.append(
            Check(
                name="iban_valid",
                passed=valid,
                field="iban",
                message=f"IBAN {invoice.iban} " + ("is valid" if valid else "fails its checksum"),
            )
        )
    return checks


def _vat_key(value: str | None) -> str | None:
    if not value:
        return None
    compact, _ = normalise_vat_id(value)
    return compact


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        return None


def find_duplicate(
    invoice: Invoice, earlier: Sequence[InvoiceRecord]
) -> tuple[InvoiceRecord, str] | None:
    """The first earlier record of the same invoice, and why it matches.

    Same seller (VAT id or normalised name) and the same invoice number, or the
    same seller, total amount and invoice date.
    """
    vat = _vat_key(invoice.seller_vat_id)
    name = name_key(invoice.seller_name)
    number = invoice_number_key(invoice.invoice_number)
    date = invoice.invoice_date.isoformat() if invoice.invoice_date else None
    for record in earlier:
        if record.document_id == invoice.document_id:
            continue
        same_vat = vat is not None and _vat_key(record.seller_vat_id) == vat
        same_name = name is not None and name_key(record.seller_name) == name
        if not (same_vat or same_name):
            continue
        seller = "seller VAT id" if same_vat else "seller name"
        if number is not None and invoice_number_key(record.invoice_number) == number:
            return record, f"same {seller} and invoice number {invoice.invoice_number}"
        if (
            invoice.total_amount is not None
            and date is not None
            and _decimal(record.total_amount) == invoice.total_amount
            and record.invoice_date == date
        ):
            return record, f"same {seller}, total {invoice.total_amount} and date {date}"
    return None


# -------------------------------------------------------------------------- score


def _quality_score(
    invoice: Invoice, checks: Sequence[Check], ocr_confidence: float | None
) -> float:
    key_confidences = [
        _confidence(invoice, f) if getattr(invoice, f) is not None else 0.0 for f in KEY_FIELDS
    ]
    field_score = sum(min(max(c, 0.0), 1.0) for c in key_confidences) / len(KEY_FIELDS)
    key_present = sum(getattr(invoice, f) is not None for f in KEY_FIELDS) / len(KEY_FIELDS)
    other_present = sum(getattr(invoice, f) is not None for f in _COMPLETENESS_FIELDS) / len(
        _COMPLETENESS_FIELDS
    )
    completeness = 0.7 * key_present + 0.3 * other_present
    weights = [(c.blocking and 2.0 or 1.0, c.passed) for c in checks]
    check_score = (
        sum(w for w, passed in weights if passed) / sum(w for w, _ in weights) if weights else 1.0
    )
    parts = [(0.35, field_score), (0.15, completeness), (0.30, check_score)]
    if ocr_confidence is not None:
        parts.append((0.20, min(max(ocr_confidence, 0.0), 1.0)))
    score = sum(w * v for w, v in parts) / sum(w for w, _ in parts)
    return round(min(max(score, 0.0), 1.0), 4)


# ----------------------------------------------------------------------- evaluate


def evaluate(
    invoice: Invoice,
    *,
    ocr_confidence: float | None,
    earlier: Sequence[InvoiceRecord] | None = None,
    thresholds: Thresholds | None = None,
    today: dt.date | None = None,
    extractor: str | None = None,
    ocr_engine: str | None = None,
) -> Evaluation:
    """Check, score and decide one invoice; ``Evaluation.record`` is its flat record.

    ``earlier`` holds the records the duplicate check compares with (from
    :meth:`ResultsStore.earlier_records`). A failed invoice gets status
    ``failed``; otherwise ``approved`` needs every blocking check passed and a
    quality score of at least ``thresholds.approve_min_score``.
    """
    t = thresholds or Thresholds()
    today = today or dt.date.today()
    if invoice.failed:
        reasons = [f"{i.code}: {i.message}" for i in invoice.issues if i.severity == "error"]
        reasons = reasons or ["processing failed"]
        record = to_record(
            invoice,
            status="failed",
            quality_score=0.0,
            reasons=reasons,
            extractor=extractor,
            ocr_engine=ocr_engine,
        )
        return Evaluation(
            document_id=invoice.document_id,
            status="failed",
            quality_score=0.0,
            reasons=reasons,
            record=record,
        )

    checks: list[Check] = []
    checks += _key_field_checks(invoice, t)
    checks += _issue_checks(invoice)
    rate_check = _tax_rate_check(invoice, t)
    for check in (_line_items_check(invoice, t), _totals_check(invoice, t, rate_check), rate_check):
        if check is not None:
            checks.append(check)
    checks += _date_checks(invoice, today, t)
    checks += _id_checks(invoice)
    if ocr_confidence is not None:
        ok = ocr_confidence >= t.min_ocr_confidence
        checks.append(
            Check(
                name="ocr_confidence",
                passed=ok,
                message=f"OCR confidence {ocr_confidence:.2f}"
                + ("" if ok else f" < {t.min_ocr_confidence:.2f}"),
            )
        )
    duplicate_of = None
    duplicate = find_duplicate(invoice, earlier or ())
    if duplicate is not None:
        record, why = duplicate
        duplicate_of = record.document_id
        checks.append(
            Check(
                name="duplicate",
                passed=False,
                field="invoice_number",
                message=f"duplicate of {record.document_id}: {why}",
            )
        )
    elif earlier is not None:
        checks.append(Check(name="duplicate", passed=True, message="no earlier copy found"))

    score = _quality_score(invoice, checks, ocr_confidence)
    reasons = [c.message for c in checks if c.blocking and not c.passed]
    if score < t.approve_min_score:
        reasons.append(f"quality score {score:.2f} below {t.approve_min_score:.2f}")
    status: Status = "manual_review" if reasons else "approved"
    record = to_record(
        invoice,
        status=status,
        quality_score=score,
        checks=checks,
        reasons=reasons,
        duplicate_of=duplicate_of,
        extractor=extractor,
        ocr_engine=ocr_engine,
    )
    return Evaluation(
        document_id=invoice.document_id,
        status=status,
        quality_score=score,
        checks=checks,
        reasons=reasons,
        duplicate_of=duplicate_of,
        record=record,
    )
