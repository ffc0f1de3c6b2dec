"""``raw``: each document's bytes archived content-addressed, typed by content, checked."""

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
from invoice_pipeline.processing.intake.documents import (
    ingest_document,
    not_registered,
    release_original,
)
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.schema import DocumentEntry, Issue, RawDocument


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
    status_db = results_db.store()
    store = document_store.store()
    limits = document_store.limits()
    out: dict[str, RawDocument] = {}
    for key in documents_of(context):
        if store.has_entry(key):
            entry = store.entry(key)

            def failed(issue: Issue, entry: DocumentEntry = entry) -> RawDocument:
                doc = not_registered(entry.document_id)
                doc.issues = [issue]
                return doc

            doc = guarded(
                context,
                key,
                lambda entry=entry: ingest_document(entry, store, limits),
                failed,
                "raw",
            )
            if not document_store.keep_originals:
                release_original(entry, store)
        else:
            doc = not_registered(key)
        out[key] = doc
        add_partition_metadata(
            context,
            key,
            {
                "file_name": doc.file_name,
                "source_file": doc.source_file,
                "media_type": doc.media_type or "unknown",
                "kind": doc.kind,
                "pages": doc.page_count,
                "text_layer_pages": len(doc.text_layer_pages),
                "size_bytes": doc.size_bytes,
                "sha256": doc.sha256,
                "status": "failed" if doc.failed else "ok",
                "issues": dg.MetadataValue.md(issues_md(doc.issues)),
                **({"embedded_xml": doc.embedded_xml} if doc.embedded_xml else {}),
            },
        )
        if doc.failed:
            context.log.warning(f"{key}: {doc.issues[0].code}: {doc.issues[0].message}")
    record_statuses(status_db, "raw", out)
    return out
