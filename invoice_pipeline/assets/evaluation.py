"""``evaluation``: the decision on each document, written to the results database."""

from collections.abc import Iterator

import dagster as dg

from invoice_pipeline.assets.common import (
    add_partition_metadata,
    check_outputs,
    check_specs,
    document_asset,
    documents_of,
    guarded,
    log_checks,
    retry,
)
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.evaluate.quality_checks import EVALUATION_CHECKS, evaluation_checks
from invoice_pipeline.resources.results import ResultsDatabaseResource
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
) -> Iterator[dg.Output[dict[str, Evaluation]]]:
    """Consistency checks (line items → subtotal → tax → total), duplicate-invoice check
    against earlier documents, a quality score, and the decision approved,
    manual_review or failed with every reason. The record is upserted into the
    results database by document id, so re-running never adds a second row.
    """
    store = results_db.store()
    out: dict[str, Evaluation] = {}
    for key in documents_of(context):
        invoice = validated[key]
        earlier = store.earlier_records(invoice, exclude=key) if not invoice.failed else []
        result = guarded(
            context,
            key,
            lambda invoice=invoice, earlier=earlier: stages.evaluate(invoice, earlier=earlier),
            lambda issue, invoice=invoice: _failed(invoice, issue),
            "evaluation",
        )
        store.upsert_evaluation(result)
        out[key] = result
        log_checks(context, key, evaluation_checks(result), EVALUATION_CHECKS)
        add_partition_metadata(
            context,
            key,
            {
                "status": result.status,
                "quality_score": round(result.quality_score, 4),
                "reasons": dg.MetadataValue.md(
                    "\n".join(f"- {r}" for r in result.reasons) or "none"
                ),
                "checks_failed": ", ".join(c.name for c in result.checks if not c.passed) or "none",
                "invoice_number": result.record.invoice_number or "",
                "total_amount": result.record.total_amount or "",
                "currency": result.record.currency or "",
                **({"duplicate_of": result.duplicate_of} if result.duplicate_of else {}),
            },
        )
    yield dg.Output(out)
    yield from check_outputs(context)
