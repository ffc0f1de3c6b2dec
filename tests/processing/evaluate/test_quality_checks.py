"""The per-document asset checks, as pure functions of the stage values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from invoice_pipeline.processing.evaluate.quality_checks import (
    EVALUATION_CHECKS,
    VALIDATED_CHECKS,
    evaluation_checks,
    validated_checks,
)
from invoice_pipeline.schema import Check, Evaluation, Invoice, InvoiceRecord, Issue


def _invoice(**kw) -> Invoice:
    base = dict(
        document_id="d",
        invoice_number="INV-1",
        invoice_date=dt.date(2024, 4, 3),
        total_amount=Decimal("119.00"),
        currency="EUR",
        seller_name="ACME GmbH",
    )
    return Invoice(**{**base, **kw})


def _by_name(outcomes):
    return {o.name: o for o in outcomes}


def test_only_the_contract_check_blocks():
    assert [s.name for s in VALIDATED_CHECKS if s.blocking] == ["contract_valid"]
    assert not any(s.blocking for s in EVALUATION_CHECKS)


def test_a_good_invoice_passes_every_validated_check():
    assert all(o.passed for o in validated_checks(_invoice()))


def test_missing_key_fields_and_bad_ids_are_reported_without_breaking_the_contract():
    invoice = _invoice(
        total_amount=None,
        seller_name=None,
        issues=[Issue(code="iban_invalid", message="IBAN checksum fails", field="iban")],
    )
    out = _by_name(validated_checks(invoice))
    assert out["contract_valid"].passed
    assert not out["key_fields_present"].passed
    assert "total_amount" in out["key_fields_present"].description
    assert not out["ids_valid"].passed and out["ids_valid"].severity == "WARN"


def test_a_broken_contract_fails_the_blocking_check():
    out = _by_name(
        validated_checks(
            _invoice(currency="euro", total_amount=Decimal("1.005"), due_date=dt.date(1066, 1, 1))
        )
    )
    assert not out["contract_valid"].passed
    for word in ("currency", "total_amount", "due_date"):
        assert word in out["contract_valid"].description


def test_a_failed_document_fails_key_fields_but_keeps_the_contract():
    out = _by_name(validated_checks(Invoice(document_id="d", failed=True)))
    assert out["contract_valid"].passed
    assert not out["key_fields_present"].passed


def _evaluation(status="approved", checks=(), duplicate_of=None, reasons=()):
    return Evaluation(
        document_id="d",
        status=status,
        quality_score=0.9,
        checks=list(checks),
        reasons=list(reasons),
        duplicate_of=duplicate_of,
        record=InvoiceRecord(document_id="d", status=status),
    )


def test_evaluation_checks():
    ok = _by_name(
        evaluation_checks(_evaluation(checks=[Check(name="totals_consistent", passed=True)]))
    )
    assert all(o.passed for o in ok.values())
    bad = _by_name(
        evaluation_checks(
            _evaluation(
                status="manual_review",
                checks=[
                    Check(name="totals_consistent", passed=False, message="100 + 19 != 120"),
                    Check(name="line_items_sum", passed=True),
                ],
                duplicate_of="earlier-doc",
                reasons=["duplicate of earlier-doc"],
            )
        )
    )
    assert (
        not bad["totals_consistent"].passed and "100 + 19" in bad["totals_consistent"].description
    )
    assert (
        not bad["not_duplicate"].passed
        and bad["not_duplicate"].metadata["duplicate_of"] == "earlier-doc"
    )
    assert not bad["approved"].passed and bad["approved"].severity == "WARN"
    failed = _by_name(evaluation_checks(_evaluation(status="failed")))
    assert failed["approved"].severity == "ERROR"
