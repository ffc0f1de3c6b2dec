"""The asset job over the six per-document assets, and the executor it runs on."""

from __future__ import annotations

import dagster as dg

from invoice_pipeline import settings
from invoice_pipeline.assets.common import GROUP
from invoice_pipeline.partitions import documents

JOB_NAME = "invoice_job"
TABLE_JOB_NAME = "invoices_table_job"


def executor() -> dg.ExecutorDefinition:
    """INVOICE_EXECUTOR: in_process (default), multiprocess, or k8s (one pod per step)."""
    name = settings.get().executor
    if name == "multiprocess":
        return dg.multiprocess_executor
    if name == "k8s":
        try:
            from dagster_k8s import k8s_job_executor
        except ImportError as exc:  # pragma: no cover - depends on the extra
            raise RuntimeError(
                "INVOICE_EXECUTOR=k8s needs dagster-k8s: pip install 'invoice-pipeline[k8s]'"
            ) from exc
        from invoice_pipeline.k8s import step_k8s_config

        # every step pod gets these; the OCR step adds its GPU tags on top
        return k8s_job_executor.configured({"step_k8s_config": step_k8s_config()}, name="k8s")
    return dg.in_process_executor


invoice_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.groups(GROUP),
    partitions_def=documents,
    description="raw → preprocessed → ocr_text → llm_fields → validated → evaluation, per document.",
)

invoices_table_job = dg.define_asset_job(
    TABLE_JOB_NAME,
    selection=dg.AssetSelection.assets("invoices"),
    description="Rewrite the invoices Parquet table from the results database.",
)
