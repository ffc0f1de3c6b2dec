"""The per-document checks shown as Dagster asset checks on ``validated`` and ``evaluation``.

Each check is a plain function of a stage's value returning :class:`CheckOutcome`;
the assets turn outcomes into asset-check evaluations for the document's
partition. ``contract_valid`` is the blocking one: it fails only when a value
breaks the record contract (a bug, not a bad invoice), and then
:func:`block_invoice` marks that document failed, so it does not flow on as
good (the other documents of its batch do). ``document_ok`` on ``evaluation``
fails for failed and quarantined documents, so they show in the UI. Problems of the invoice itself (a missing
total, a sum that does not add up, a duplicate) are non-blocking checks: the
document still flows on, to ``manual_review``, and the check shows why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from invoice_pipeline.schema import (
    DATE_FIELDS,
    KEY_FIELDS,
    MONEY_FIELDS,
    Evaluation,
    Invoice,
    Issue,
)

Severity = Literal["ERROR", "WARN"]


@dataclass(frozen=True)
class CheckSpec:
    name: str
    description: str
    blocking: bool = False


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    severity: Severity = "ERROR"
    description: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


VALIDATED_CHECKS = (
    CheckSpec(
        "contract_valid",
        "The normalised invoice keeps the record contract: ISO 4217 currency, money with at "
        "most two decimals, plausible dates. Blocking: a broken contract must not flow on.",
        blocking=True,
    ),
    CheckSpec(
        "key_fields_present",
        "Invoice number, invoice date, total, currency and seller were all found.",
    ),
    CheckSpec("ids_valid", "VAT ids and IBAN, where printed, pass their checksums."),
)
EVALUATION_CHECKS = (
    CheckSpec(
        "totals_consistent",
        "Line items add up to the subtotal, and subtotal plus tax equals the total, to the cent.",
    ),
    CheckSpec("not_duplicate", "No earlier document is the same invoice of the same seller."),
    CheckSpec("approved", "The document passed every check and may be paid without a person."),
    CheckSpec(
        "document_ok",
        "The document was processed: not failed, not quarantined. Fails (ERROR) with the "
        "reason in its metadata, so failed documents can be filtered in the partitions view.",
    ),
)

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def contract_problems(invoice: Invoice) -> dict[str, str]:
    """The fields of ``invoice`` that break the record contract, each with why."""
    problems: dict[str, str] = {}
    if invoice.currency is not None and not _CURRENCY.match(invoice.currency):
        problems["currency"] = f"currency {invoice.currency!r} is not an ISO 4217 code"
    for name in MONEY_FIELDS:
        value: Decimal | None = getattr(invoice, name)
        if value is not None and (
            not value.is_finite() or value != value.quantize(Decimal("0.01"))
        ):
            problems[name] = f"{name} {value} is not an amount in cents"
    for name in DATE_FIELDS:
        value = getattr(invoice, name)
        if value is not None and not dt.date(1900, 1, 1) <= value <= dt.date(2200, 1, 1):
            problems[name] = f"{name} {value} is not a plausible date"
    return problems


def block_invoice(invoice: Invoice, broken: list[CheckOutcome]) -> Invoice:
    """The invoice of a document whose blocking check failed: marked failed with a
    ``contract_broken`` issue, and without the values that break the contract, so
    nothing downstream (evaluation, the results database) takes them as good."""
    problems = contract_problems(invoice)
    cleared = {name: None for name in problems if name in Invoice.model_fields}
    message = "; ".join(o.description for o in broken) or "a blocking check failed"
    issue = Issue(
        code="contract_broken",
        message=f"blocking check {', '.join(o.name for o in broken)} failed: {message}",
        stage="validated",
    )
    return invoice.model_copy(
        update={**cleared, "failed": True, "issues": [*invoice.issues, issue]}
    )


def validated_checks(invoice: Invoice) -> list[CheckOutcome]:
    problems = list(contract_problems(invoice).values())
    missing = [name for name in KEY_FIELDS if getattr(invoice, name) in (None, "")]
    id_issues = [i for i in invoice.issues if i.code in ("vat_id_invalid", "iban_invalid")]
    failed = "the document could not be read" if invoice.failed else ""
    return [
        CheckOutcome(
            "contract_valid",
            not problems,
            description="; ".join(problems) or "values keep the record contract",
        ),
        CheckOutcome(
            "key_fields_present",
            not missing and not invoice.failed,
            description=failed or (f"missing: {', '.join(missing)}" if missing else "all present"),
            metadata={"missing": ", ".join(missing) or "none"},
        ),
        CheckOutcome(
            "ids_valid",
            not id_issues,
            severity="WARN",
            description="; ".join(i.message for i in id_issues) or "checksums valid",
        ),
    ]


def evaluation_checks(evaluation: Evaluation, quarantined: bool = False) -> list[CheckOutcome]:
    """The checks of ``evaluation``; ``quarantined``: a copy of the file sits in the
    quarantine area (``<storage>/quarantine/<document_id>/``)."""
    totals = [c for c in evaluation.checks if c.name in ("totals_consistent", "line_items_sum")]
    failed_totals = [c for c in totals if not c.passed]
    return [
        CheckOutcome(
            "totals_consistent",
            bool(totals) and not failed_totals,
            description="; ".join(c.message for c in failed_totals)
            or ("consistent" if totals else "no amounts to check"),
        ),
        CheckOutcome(
            "not_duplicate",
            evaluation.duplicate_of is None,
            description=f"same invoice as {evaluation.duplicate_of}"
            if evaluation.duplicate_of
            else "no earlier copy",
            metadata={"duplicate_of": evaluation.duplicate_of or ""},
        ),
        CheckOutcome(
            "approved",
            evaluation.status == "approved",
            severity="ERROR" if evaluation.status == "failed" else "WARN",
            description="; ".join(evaluation.reasons) or evaluation.status,
            metadata={"status": evaluation.status, "quality_score": evaluation.quality_score},
        ),
        document_ok(evaluation, quarantined),
    ]


def document_ok(evaluation: Evaluation, quarantined: bool) -> CheckOutcome:
    """Fails for a failed or quarantined document, with the reason in its metadata."""
    bad = evaluation.status == "failed" or quarantined
    reason = "; ".join(evaluation.reasons) or ("quarantined" if quarantined else evaluation.status)
    return CheckOutcome(
        "document_ok",
        not bad,
        severity="ERROR",
        description=reason if bad else f"processed: {evaluation.status}",
        metadata={
            "status": evaluation.status,
            "quarantined": quarantined,
            "reason": reason if bad else "",
        },
    )
