"""``preprocessed``: pages ready for OCR (rendered PDF pages, cleaned-up images)."""

from typing import Any

import dagster as dg

from invoice_pipeline.assets.common import (
    document_asset,
    materialize_documents,
    retry,
    runs_later_in_this_process,
    status_metadata,
)
from invoice_pipeline.processing import stages
from invoice_pipeline.processing.imaging.thumbnail import thumbnail_markdown, thumbnail_png
from invoice_pipeline.processing.ocr.pages import read_image_pages
from invoice_pipeline.processing.ocr.prefetch import PREFETCH
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.ocr import OcrResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import Issue, PreprocessedDocument, RawDocument


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
    not rendered at all: they are read from the PDF in ``ocr_text``. When
    ``ocr_text`` runs later in this same process, each finished document is handed
    to the background OCR thread (``processing/ocr/prefetch.py``) at once, so OCR
    of one document's page images overlaps the preprocessing of the next (text
    layers and PDFs stay on this thread: PDFium is not thread-safe).
    """
    store = document_store.store()
    limits = document_store.limits()
    data: dict[str, bytes | None] = {}
    prefetch = runs_later_in_this_process(context, "ocr_text")
    options = ocr.options()

    def read(key: str) -> None:
        doc = raw[key]
        data[key] = store.read_archive(doc.sha256) if doc.archive_path and not doc.failed else None

    def work(key: str) -> PreprocessedDocument:
        return stages.preprocess(raw[key], data[key], dpi=ocr.dpi, limits=limits)

    def start_ocr(key: str, pre: PreprocessedDocument) -> None:
        if prefetch and not pre.failed and any(p.image is not None for p in pre.pages):
            PREFETCH.submit(context.run_id, key, lambda: read_image_pages(pre, options=options))

    def failed(key: str, issue: Issue) -> PreprocessedDocument:
        doc = raw[key]
        return PreprocessedDocument(
            document_id=key, kind=doc.kind, failed=True, issues=[*doc.issues, issue]
        )

    def metadata(key: str, pre: PreprocessedDocument) -> dict[str, Any]:
        thumbnail = thumbnail_png(raw[key], data.pop(key, None), pre)
        return {
            "pages": len(pre.pages),
            "text_layer_pages": sum(p.has_text_layer for p in pre.pages),
            "steps": ", ".join(sorted({step for page in pre.pages for step in page.steps}))
            or "none",
            "page_1": dg.MetadataValue.md(thumbnail_markdown(thumbnail)),
            **status_metadata(pre),
        }

    return materialize_documents(
        context,
        "preprocessed",
        before=read,
        work=work,
        failed=failed,
        after=start_ocr,
        metadata=metadata,
        status_store=results_db.store(),
    )
