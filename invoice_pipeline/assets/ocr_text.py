"""``ocr_text``: every line of text with its box and confidence, in reading order.

This is the step that wants a GPU in production: its op tags carry the
``dagster-k8s/config`` that the k8s_job_executor turns into a pod with an
``nvidia.com/gpu`` limit, a node selector and tolerations (see
``processing/k8s.py`` for the settings).
"""

import dagster as dg

from invoice_pipeline.assets.common import (
    add_partition_metadata,
    document_asset,
    documents_of,
    guarded,
    issues_md,
    record_statuses,
    retry,
)
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.k8s import ocr_step_k8s_config
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.ocr import OcrResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import OcrDocument, PreprocessedDocument, RawDocument


@document_asset(
    retry_policy=retry(3),
    kinds={"python", "ocr"},
    op_tags={"dagster-k8s/config": ocr_step_k8s_config()},
    code_version="1",
)
def ocr_text(
    context: dg.AssetExecutionContext,
    results_db: ResultsDatabaseResource,
    raw: dict[str, RawDocument],
    preprocessed: dict[str, PreprocessedDocument],
    document_store: DocumentStoreResource,
    ocr: OcrResource,
) -> dict[str, OcrDocument]:
    """Text lines with boxes and confidences: the PDF text layer where a page has one,
    the OCR engine (rapidocr by default) elsewhere, and the e-invoice XML when the
    document carries one. The engine loads once per process for the whole batch.
    """
    status_db = results_db.store()
    store = document_store.store()
    out: dict[str, OcrDocument] = {}
    for key in documents_of(context):
        doc, pre = raw[key], preprocessed[key]
        data = store.read_archive(doc.sha256) if doc.archive_path and not doc.failed else None
        result = guarded(
            context,
            key,
            lambda doc=doc, pre=pre, data=data: stages.read_text(
                doc, pre, data, engine=ocr.engine, device=ocr.device
            ),
            lambda issue, pre=pre, key=key, doc=doc: OcrDocument(
                document_id=key,
                engine="none",
                failed=True,
                issues=[*pre.issues, issue],
                source_file=doc.source_file,
            ),
            "ocr_text",
        )
        out[key] = result
        engines = sorted({page.engine for page in result.pages}) or [result.engine]
        add_partition_metadata(
            context,
            key,
            {
                "engine": ", ".join(engines),
                "lines": len(result.lines),
                "mean_confidence": round(result.mean_confidence, 4),
                "seconds": round(sum(p.seconds for p in result.pages), 3),
                "einvoice_xml": result.xml is not None,
                "status": "failed" if result.failed else "ok",
                "text_preview": dg.MetadataValue.md(
                    "```\n" + result.text[:1500].replace("```", "'''") + "\n```"
                ),
                "issues": dg.MetadataValue.md(issues_md(result.issues)),
            },
        )
    record_statuses(status_db, "ocr_text", out)
    return out
