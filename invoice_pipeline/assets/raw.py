"""``raw``: each document's bytes archived content-addressed, typed by content, checked."""

from typing import Any

import dagster as dg

from invoice_pipeline.assets.common import (
    document_asset,
    materialize_documents,
    retry,
    status_metadata,
)
from invoice_pipeline.processing.intake.documents import (
    ingest_document,
    not_registered,
    release_original,
)
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import Issue, RawDocument


def raw_metadata(key: str, doc: RawDocument) -> dict[str, Any]:
    return {
        "file_name": doc.file_name,
        "source_file": doc.source_file,
        "media_type": doc.media_type or "unknown",
        "kind": doc.kind,
        "pages": doc.page_count,
        "text_layer_pages": len(doc.text_layer_pages),
        "size_bytes": doc.size_bytes,
        "sha256": doc.sha256,
        **status_metadata(doc),
        **({"embedded_xml": doc.embedded_xml} if doc.embedded_xml else {}),
    }


@document_asset(retry_policy=retry(2), kinds={"python", "file"}, code_version="1")
def raw(
    context: dg.AssetExecutionContext,
    document_store: DocumentStoreResource,
    results_db: ResultsDatabaseResource,
) -> dict[str, RawDocument]:
    """The document as received: archived bytes, media type by magic bytes, pages, limits checked.

    A file that cannot be processed is kept in the quarantine area with a reason
    and flows on as a failed document; it never stops the other documents.
    """
    store = document_store.store()
    limits = document_store.limits()

    def work(key: str) -> RawDocument:
        if not store.has_entry(key):
            return not_registered(key)
        return ingest_document(store.entry(key), store, limits)

    def failed(key: str, issue: Issue) -> RawDocument:
        doc = not_registered(key)
        doc.issues = [issue]
        return doc

    def after(key: str, doc: RawDocument) -> None:
        if store.has_entry(key) and not document_store.keep_originals:
            release_original(store.entry(key), store)
        if doc.failed:
            context.log.warning(f"{key}: {doc.issues[0].code}: {doc.issues[0].message}")

    return materialize_documents(
        context,
        "raw",
        work=work,
        failed=failed,
        after=after,
        metadata=raw_metadata,
        status_store=results_db.store(),
    )
