"""``preprocessed``: pages ready for OCR (rendered PDF pages, cleaned-up images)."""

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
from invoice_pipeline.processing.imaging.thumbnail import thumbnail_markdown, thumbnail_png
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.ocr import OcrResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import PreprocessedDocument, RawDocument


@document_asset(retry_policy=retry(3), kinds={"python", "opencv"}, code_version="1")
def preprocessed(
    context: dg.AssetExecutionContext,
    results_db: ResultsDatabaseResource,
    raw: dict[str, RawDocument],
    document_store: DocumentStoreResource,
    ocr: OcrResource,
) -> dict[str, PreprocessedDocument]:
    """Each page as an image for OCR, or marked as carrying a real PDF text layer.

    Images get EXIF orientation, rotation and skew correction and contrast
    clean-up; PDF pages without text are rendered. Pages with a text layer are
    not rendered at all: they are read from the PDF in ``ocr_text``.
    """
    status_db = results_db.store()
    store = document_store.store()
    limits = document_store.limits()
    out: dict[str, PreprocessedDocument] = {}
    for key in documents_of(context):
        doc = raw[key]
        data = store.read_archive(doc.sha256) if doc.archive_path and not doc.failed else None
        pre = guarded(
            context,
            key,
            lambda doc=doc, data=data: stages.preprocess(doc, data, dpi=ocr.dpi, limits=limits),
            lambda issue, doc=doc, key=key: PreprocessedDocument(
                document_id=key, kind=doc.kind, failed=True, issues=[*doc.issues, issue]
            ),
            "preprocessed",
        )
        out[key] = pre
        steps = sorted({step for page in pre.pages for step in page.steps})
        add_partition_metadata(
            context,
            key,
            {
                "pages": len(pre.pages),
                "text_layer_pages": sum(p.has_text_layer for p in pre.pages),
                "steps": ", ".join(steps) or "none",
                "status": "failed" if pre.failed else "ok",
                "page_1": dg.MetadataValue.md(thumbnail_markdown(thumbnail_png(doc, data, pre))),
                "issues": dg.MetadataValue.md(issues_md(pre.issues)),
            },
        )
    record_statuses(status_db, "preprocessed", out)
    return out
