"""``llm_fields``: invoice fields read from the text by the configured extractor."""

from typing import Any

import dagster as dg

from invoice_pipeline.assets.common import (
    document_asset,
    fields_table,
    materialize_documents,
    retry,
    status_metadata,
)
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.extract.base import ProviderUnavailable
from invoice_pipeline.resources.extractor import ExtractorResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.resources.vendors import VendorMemoryResource
from invoice_pipeline.schema import TEXT_FIELDS, ExtractedInvoice, OcrDocument

LLM_RETRIES = 3


def extracted_table(extracted: ExtractedInvoice) -> dg.TableMetadataValue:
    rows = [
        (name, fv.value, fv.confidence, ", ".join(fv.line_ids[:4]))
        for name in TEXT_FIELDS
        if (fv := extracted.fields.get(name)) is not None and fv.value is not None
    ]
    return fields_table(rows, ("source", "string"))


@document_asset(
    retry_policy=retry(LLM_RETRIES, delay=5.0),
    pool="llm",
    kinds={"python", "llm"},
    code_version="1",
)
def llm_fields(
    context: dg.AssetExecutionContext,
    results_db: ResultsDatabaseResource,
    ocr_text: dict[str, OcrDocument],
    extractor: ExtractorResource,
    vendor_memory: VendorMemoryResource,
) -> dict[str, ExtractedInvoice]:
    """Invoice number, dates, parties, VAT ids, IBAN, totals and line items as printed,
    each with a confidence and the OCR lines it came from. The extractor is the
    offline ``rules`` one unless LLM_PROVIDER names a provider or a fallback chain;
    e-invoices are read from their XML. Runs in the ``llm`` pool so calls to an
    API stay bounded across runs. A known vendor's fields are then read with the
    profile learned from its reviewed invoices (the ``vendor_memory`` resource).
    """
    impl = vendor_memory.wrap(extractor.extractor())
    totals = {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}

    def work(key: str) -> ExtractedInvoice:
        ocr = ocr_text[key]
        try:
            return stages.extract(ocr, impl)
        except ProviderUnavailable as exc:
            if context.retry_number < LLM_RETRIES:
                raise
            return stages.unextracted(ocr, impl.name, f"{impl.name} unavailable: {exc}")

    def metadata(key: str, result: ExtractedInvoice) -> dict[str, Any]:
        usage = result.usage
        if usage is not None:
            totals["input_tokens"] += usage.input_tokens
            totals["output_tokens"] += usage.output_tokens
            totals["cost_usd"] += usage.cost_usd
        return {
            "provider": result.provider,
            "model": result.model or "",
            "fields_found": sum(1 for fv in result.fields.values() if fv.value is not None),
            "line_items": len(result.line_items),
            "fields": extracted_table(result),
            "input_tokens": usage.input_tokens if usage else 0,
            "output_tokens": usage.output_tokens if usage else 0,
            "latency_s": round(usage.latency_s, 3) if usage else 0.0,
            "cost_usd": round(usage.cost_usd, 6) if usage else 0.0,
            "cached": bool(usage and usage.cached),
            **status_metadata(result),
        }

    # not guarded: a provider that stays unavailable is retried by the step's policy and,
    # on the last attempt, leaves the document for a person (``unextracted``)
    out = materialize_documents(
        context,
        "llm_fields",
        work=work,
        failed=lambda key, issue: stages.unextracted(ocr_text[key], impl.name, issue.message),
        metadata=metadata,
        guard=False,
        status_store=results_db.store(),
    )
    context.add_asset_metadata(
        {f"run_{k}": round(v, 6) if isinstance(v, float) else v for k, v in totals.items()}
    )
    return out
