"""``invoices``: every evaluated record as one Parquet table."""

from collections import Counter

import dagster as dg
from upath import UPath

from invoice_pipeline.assets.evaluation import evaluation
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.results import ResultsDatabaseResource


def invoices_path(storage_root: str) -> UPath:
    return UPath(storage_root) / "tables" / "invoices.parquet"


@dg.asset(group_name="invoice_tables", deps=[evaluation], kinds={"parquet", "pyarrow"})
def invoices(
    context: dg.AssetExecutionContext,
    results_db: ResultsDatabaseResource,
    document_store: DocumentStoreResource,
) -> dg.MaterializeResult:
    """All invoice records from the results database as a Parquet table with a stable
    schema: decimal(18,2) money, date columns, line items and issues as nested lists.
    """
    from invoice_pipeline.processing.results.parquet import write_parquet

    records = results_db.store().records()
    path = invoices_path(document_store.root)
    rows = write_parquet(records, str(path))
    counts = Counter(r.status for r in records)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "dagster/row_count": rows,
            **{f"status_{s}": counts.get(s, 0) for s in ("approved", "manual_review", "failed")},
        }
    )
