"""``validated``: normalised invoice values, derived totals and listed problems."""

from collections.abc import Iterator

import dagster as dg

from invoice_pipeline.assets.common import (
    add_partition_metadata,
    check_outputs,
    check_specs,
    document_asset,
    documents_of,
    fields_table,
    guarded,
    issues_md,
    log_checks,
    record_statuses,
    retry,
)
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.evaluate.quality_checks import VALIDATED_CHECKS, validated_checks
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import TEXT_FIELDS, ExtractedInvoice, Invoice, OcrDocument


def invoice_table(invoice: Invoice) -> dg.TableMetadataValue:
    rows = []
    for name in TEXT_FIELDS:
        value = getattr(invoice, name)
        if value is not None:
            ev = invoice.evidence.get(name)
            rows.append((name, str(value), ev.confidence if ev else 0.0, name in invoice.derived))
    return fields_table(rows, ("derived", "bool"))


@document_asset(
    retry_policy=retry(2),
    kinds={"python"},
    code_version="1",
    check_specs=check_specs("validated", VALIDATED_CHECKS),
)
def validated(
    context: dg.AssetExecutionContext,
    results_db: ResultsDatabaseResource,
    llm_fields: dict[str, ExtractedInvoice],
    ocr_text: dict[str, OcrDocument],
) -> Iterator[dg.Output[dict[str, Invoice]]]:
    """The invoice with ISO dates (day/month order decided by locale evidence), Decimal
    amounts, ISO 4217 currency, checked VAT ids and IBAN; a missing subtotal, tax or
    total derived from the other two. Problems are listed as issues, never raised;
    each document's asset checks (contract, key fields, id checksums) show in the UI.
    """
    status_db = results_db.store()
    out: dict[str, Invoice] = {}
    for key in documents_of(context):
        invoice = guarded(
            context,
            key,
            lambda key=key: stages.validate(llm_fields[key], ocr_text[key]),
            lambda issue, key=key: Invoice(
                document_id=key,
                source_file=ocr_text[key].source_file,
                failed=True,
                issues=[*llm_fields[key].issues, issue],
            ),
            "validated",
        )
        out[key] = invoice
        log_checks(context, key, validated_checks(invoice), VALIDATED_CHECKS)
        add_partition_metadata(
            context,
            key,
            {
                "invoice": invoice_table(invoice),
                "line_items": len(invoice.line_items),
                "derived": ", ".join(invoice.derived) or "none",
                "status": "failed" if invoice.failed else "ok",
                "issues": dg.MetadataValue.md(issues_md(invoice.issues)),
            },
        )
    record_statuses(status_db, "validated", out)
    yield dg.Output(out)
    yield from check_outputs(context)
