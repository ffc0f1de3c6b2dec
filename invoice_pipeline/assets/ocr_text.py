"""``ocr_text``: every line of text with its box and confidence, in reading order.

This is the step that wants a GPU in production: its op tags carry the
``dagster-k8s/config`` that the k8s_job_executor turns into a pod with an
``nvidia.com/gpu`` limit, a node selector and tolerations (see
``invoice_pipeline/k8s.py`` for the settings).
"""

from typing import Any

import dagster as dg

from invoice_pipeline.assets.common import (
    document_asset,
    materialize_documents,
    retry,
    status_metadata,
)
from invoice_pipeline.k8s import ocr_step_k8s_config
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.ocr.prefetch import PREFETCH
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.ocr import OcrResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import Issue, OcrDocument, PreprocessedDocument, RawDocument


def ocr_metadata(result: OcrDocument) -> dict[str, Any]:
    engines = sorted({page.engine for page in result.pages}) or [result.engine]
    return {
        "engine": ", ".join(engines),
        "lines": len(result.lines),
        "mean_confidence": round(result.mean_confidence, 4),
        "seconds": round(sum(p.seconds for p in result.pages), 3),
        "einvoice_xml": result.xml is not None,
        "text_preview": dg.MetadataValue.md(
            "```\n" + result.text[:1500].replace("```", "'''") + "\n```"
        ),
        **status_metadata(result),
    }


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
    A document whose page images ``preprocessed`` already handed to the background
    OCR thread of this process (same run) takes them from there: the same engine
    call on the same pages.
    """
    store = document_store.store()
    options = ocr.options()
    data: dict[str, bytes | None] = {}

    def read(key: str) -> None:
        doc = raw[key]
        data[key] = store.read_archive(doc.sha256) if doc.archive_path and not doc.failed else None

    def failed(key: str, issue: Issue) -> OcrDocument:
        return OcrDocument(
            document_id=key,
            engine="none",
            failed=True,
            issues=[*preprocessed[key].issues, issue],
            source_file=raw[key].source_file,
        )

    def work(key: str) -> OcrDocument:
        pdf_bytes = data.pop(key)
        started = PREFETCH.take(context.run_id, key)
        pages = None
        if started is not None and not started.cancelled() and started.exception() is None:
            pages = started.result()
        else:
            # not prefetched, or the prefetch raised: read here, so that a failure takes the
            # step's own path (retry policy, the document's reason) and a transient one can pass
            PREFETCH.wait()  # one thread at a time in the engine
        result = stages.read_text(
            raw[key], preprocessed[key], pdf_bytes, options=options, image_pages=pages
        )
        # its pixels are read (and their PNGs on the way to storage, which holds its own
        # references): let go of them before the next document and the later steps
        preprocessed[key].release_images()
        return result

    return materialize_documents(
        context,
        "ocr_text",
        before=read,
        work=work,
        failed=failed,
        metadata=lambda key, result: ocr_metadata(result),
        status_store=results_db.store(),
    )
