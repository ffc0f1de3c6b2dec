"""``invoices``: every evaluated record as one Parquet table, kept fresh by Dagster.

The table carries an :class:`~dagster.AutomationCondition`: ``eager`` (run when
any partition of ``evaluation`` was updated since the table was last
requested, not while one is in progress), without eager's "no dependency
missing" clause, since a document partition that was registered and not yet
processed must not hold the table back. :data:`invoices_automation_sensor`
evaluates it (running by default), so runs from the drop-folder sensor, the
daemon's backfills or the CLI all end in a fresh table.
"""

from collections import Counter
from typing import Any

import dagster as dg
from upath import UPath

from invoice_pipeline.assets.evaluation import evaluation
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.results import ResultsDatabaseResource


def invoices_path(storage_root: str) -> UPath:
    return UPath(storage_root) / "tables" / "invoices.parquet"


INVOICES_AUTOMATION = (
    dg.AutomationCondition.eager()
    .without(~dg.AutomationCondition.any_deps_missing())
    .with_label("eager_allow_missing")
)


@dg.asset(
    group_name="invoice_tables",
    deps=[evaluation],
    kinds={"parquet", "pyarrow"},
    automation_condition=INVOICES_AUTOMATION,
)
def invoices(
    context: dg.AssetExecutionContext,
    results_db: ResultsDatabaseResource,
    document_store: DocumentStoreResource,
) -> dg.MaterializeResult:
    """All invoice records from the results database as a Parquet table with a stable
    schema: decimal(18,2) money, date columns, line items and issues as nested lists.
    The metadata shows the table's column schema and its first rows (a pandas
    DataFrame of the same records).
    """
    from invoice_pipeline.processing.results.frame import flat_frame
    from invoice_pipeline.processing.results.parquet import write_parquet

    records = results_db.store().records()
    path = invoices_path(document_store.root)
    rows = write_parquet(records, str(path))
    counts = Counter(r.status for r in records)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "dagster/row_count": rows,
            "dagster/column_schema": table_schema(),
            "preview": preview(flat_frame(records[-PREVIEW_ROWS:])),
            **{f"status_{s}": counts.get(s, 0) for s in ("approved", "manual_review", "failed")},
        }
    )


PREVIEW_ROWS = 10
PREVIEW_COLUMNS = (
    "document_id",
    "status",
    "invoice_number",
    "invoice_date",
    "seller_name",
    "total_amount",
    "currency",
    "quality_score",
)


def table_schema() -> dg.TableSchema:
    """The Parquet table's columns with their Arrow types, as Dagster's table schema."""
    from invoice_pipeline.processing.results.frame import column_types

    return dg.TableSchema(columns=[dg.TableColumn(name, type_) for name, type_ in column_types()])


def preview(frame: Any) -> dg.TableMetadataValue:
    """The latest records (a DataFrame) as a metadata table of the key columns."""
    shown = frame.loc[:, list(PREVIEW_COLUMNS)].astype(object).where(frame.notna(), None)
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({k: None if v is None else str(v) for k, v in row.items()})
            for row in shown.to_dict(orient="records")
        ],
        schema=dg.TableSchema(columns=[dg.TableColumn(c, "string") for c in PREVIEW_COLUMNS]),
    )


invoices_automation_sensor = dg.AutomationConditionSensorDefinition(
    "invoices_automation_sensor",
    target=dg.AssetSelection.assets(invoices),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Evaluates the invoices table's automation condition: rewrites the Parquet "
    "table after documents were evaluated (by any run: sensor, backfill, CLI).",
)
