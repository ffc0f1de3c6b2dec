"""``vendor_profiles``: the vendors the pipeline has learned, as a table in the Dagster UI.

Materialised from the results database: each confirmed document not learned
from yet (a reviewer's approval, or the pipeline's own when
VENDOR_LEARN_AUTO_APPROVED is set) teaches its vendor's profile, then the
metadata lists every vendor with its key, version, documents and fields known.
It depends on ``evaluation`` (the records it learns from). Extraction does not
take it as an input: ``llm_fields`` reads the profiles through the
``vendor_memory`` resource, since an edge back to ``llm_fields`` would be a cycle.
"""

import dagster as dg

from invoice_pipeline.assets.evaluation import evaluation
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.vendors import VendorMemoryResource


@dg.asset(group_name="invoice_tables", deps=[evaluation], kinds={"python"})
def vendor_profiles(
    context: dg.AssetExecutionContext,
    vendor_memory: VendorMemoryResource,
    document_store: DocumentStoreResource,
) -> dg.MaterializeResult:
    """Per-vendor profiles learned from confirmed invoices (read by extraction through the
    ``vendor_memory`` resource, not as an asset input: no cycle)."""
    store = vendor_memory.store()
    try:
        learned = store.catch_up(
            document_store.root, auto_approved=vendor_memory.learn_auto_approved
        )
        profiles = store.profiles()
    finally:
        store.results.close()
    rows = [
        dg.TableRecord(
            {
                "vendor": p.display_name,
                "key": p.vendor_key,
                "version": p.version,
                "documents": len(p.learned_from),
                "fields": ", ".join(p.known_fields),
            }
        )
        for p in profiles
    ]
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn("vendor", "string"),
            dg.TableColumn("key", "string"),
            dg.TableColumn("version", "int"),
            dg.TableColumn("documents", "int"),
            dg.TableColumn("fields", "string"),
        ]
    )
    return dg.MaterializeResult(
        metadata={
            "vendors": dg.MetadataValue.table(rows, schema=schema),
            "dagster/row_count": len(profiles),
            "learned_now": len(learned),
            "enabled": vendor_memory.enabled,
        }
    )
