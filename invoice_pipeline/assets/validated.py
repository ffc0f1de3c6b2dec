"""``validated``: normalised invoice values, derived totals and listed problems."""

from collections.abc import Iterator

import dagster as dg

from invoice_pipeline.assets.common import (
    check_outputs,
    check_specs,
    document_asset,
    fields_table,
    materialize_documents,
    retry,
    status_metadata,
)
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.evaluate.quality_checks import (
    VALIDATED_CHECKS,
    block_invoice,
    validated_checks,
)
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import TEXT_FIELDS, ExtractedInvoice, Invoice, Issue, OcrDocument


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
    A document whose blocking ``contract_valid`` check fails is marked failed
    (``contract_broken``) and flows on only as failed; the others go on.
    """

    def failed(key: str, issue: Issue) -> Invoice:
        return Invoice(
            document_id=key,
            source_file=ocr_text[key].source_file,
            failed=True,
            issues=[*llm_fields[key].issues, issue],
        )

    out = materialize_documents(
        context,
        "validated",
        work=lambda key: stages.validate(llm_fields[key], ocr_text[key]),
        failed=failed,
        metadata=lambda key, invoice: {
            "invoice": invoice_table(invoice),
            "line_items": len(invoice.line_items),
            "derived": ", ".join(invoice.derived) or "none",
            **status_metadata(invoice),
        },
        checks=(validated_checks, VALIDATED_CHECKS),
        block=lambda key, invoice, broken: block_invoice(invoice, broken),
        status_store=results_db.store(),
    )
    yield dg.Output(out)
    yield from check_outputs(context)
