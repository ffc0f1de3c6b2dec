"""``evaluation``: the decision on each document, written to the results database."""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from invoice_pipeline import settings
from invoice_pipeline.assets.common import (
    check_outputs,
    check_specs,
    document_asset,
    materialize_documents,
    retry,
)
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.evaluate.quality_checks import EVALUATION_CHECKS, evaluation_checks
from invoice_pipeline.resources.decision import DecisionResource
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.review.links import review_url
from invoice_pipeline.schema import (
    Evaluation,
    Invoice,
    InvoiceRecord,
    Issue,
)


def _failed(invoice: Invoice, issue: Issue) -> Evaluation:
    issues = [*invoice.issues, issue]
    return Evaluation(
        document_id=invoice.document_id,
        status="failed",
        quality_score=0.0,
        reasons=[f"{issue.code}: {issue.message}"],
        record=InvoiceRecord(
            document_id=invoice.document_id,
            source_file=invoice.source_file,
            status="failed",
            issues=issues,
            reasons=[f"{issue.code}: {issue.message}"],
        ),
    )


def evaluation_metadata(result: Evaluation) -> dict[str, Any]:
    review = review_url(settings.get().review.base_url, result.document_id)
    return {
        "status": result.status,
        "quality_score": round(result.quality_score, 4),
        "reasons": dg.MetadataValue.md("\n".join(f"- {r}" for r in result.reasons) or "none"),
        "checks_failed": ", ".join(c.name for c in result.checks if not c.passed) or "none",
        "invoice_number": result.record.invoice_number or "",
        "total_amount": result.record.total_amount or "",
        "currency": result.record.currency or "",
        **({"duplicate_of": result.duplicate_of} if result.duplicate_of else {}),
        **({"review": dg.MetadataValue.url(review)} if review else {}),
    }


@document_asset(
    retry_policy=retry(2),
    kinds={"python", "sql"},
    code_version="1",
    check_specs=check_specs("evaluation", EVALUATION_CHECKS),
)
def evaluation(
    context: dg.AssetExecutionContext,
    validated: dict[str, Invoice],
    results_db: ResultsDatabaseResource,
    decision: DecisionResource,
    document_store: DocumentStoreResource,
) -> Iterator[dg.Output[dict[str, Evaluation]]]:
    """Consistency checks (line items → subtotal → tax → total), duplicate-invoice check
    against earlier documents, a quality score, and the decision approved,
    manual_review or failed with every reason. The record is upserted into the
    results database by document id, so re-running never adds a second row. The
    status is ``evaluating`` while a document is evaluated, then its decision, each
    with a row in the stage history; ``document_ok`` fails for failed and
    quarantined documents.
    """
    store = results_db.store()
    documents = document_store.store()
    thresholds = decision.thresholds()
    earlier: dict[str, list[InvoiceRecord]] = {}

    def find_earlier(key: str) -> None:
        invoice = validated[key]
        if not invoice.failed:
            store.set_status(key, "evaluation", "evaluating", run_id=context.run_id)
        earlier[key] = store.earlier_records(invoice, exclude=key) if not invoice.failed else []

    def checks(result: Evaluation) -> list[Any]:
        quarantined = documents.quarantine_dir(result.document_id).exists()
        return evaluation_checks(result, quarantined=quarantined)

    out = materialize_documents(
        context,
        "evaluation",
        before=find_earlier,
        work=lambda key: stages.evaluate(
            validated[key], earlier=earlier.pop(key), thresholds=thresholds
        ),
        failed=lambda key, issue: _failed(validated[key], issue),
        after=lambda key, result: store.upsert_evaluation(result, run_id=context.run_id),
        metadata=lambda key, result: evaluation_metadata(result),
        checks=(checks, EVALUATION_CHECKS),
    )
    yield dg.Output(out)
    yield from check_outputs(context)
