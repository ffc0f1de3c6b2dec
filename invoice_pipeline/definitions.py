"""The code location: assets, job, sensor and resources, configured from the environment."""

from __future__ import annotations

import dagster as dg

from invoice_pipeline.assets import DOCUMENT_ASSETS, invoices
from invoice_pipeline.jobs import executor, invoice_job, invoices_table_job
from invoice_pipeline.processing import config
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.extractor import ExtractorResource
from invoice_pipeline.resources.io_manager import InvoiceIOManager
from invoice_pipeline.resources.ocr import OcrResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.sensors import drop_folder_sensor


def resources() -> dict[str, object]:
    """Every resource with its settings read from the environment now."""
    storage = config.storage_root()
    return {
        "io_manager": InvoiceIOManager(base_path=storage),
        "document_store": DocumentStoreResource(
            root=storage,
            max_file_bytes=config.max_file_bytes(),
            max_pages=config.max_pages(),
            max_image_pixels=config.max_image_pixels(),
            keep_originals=config.env_bool("INVOICE_KEEP_ORIGINALS", False),
        ),
        "ocr": OcrResource(engine=config.ocr_engine(), device=config.ocr_device()),
        "extractor": ExtractorResource(
            provider=config.llm_provider(),
            cache_dir=config.env_str("LLM_CACHE_DIR") or f"{storage.rstrip('/')}/llm-cache",
        ),
        "results_db": ResultsDatabaseResource(url=config.results_db_url()),
    }


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[*DOCUMENT_ASSETS, invoices],
        jobs=[invoice_job, invoices_table_job],
        sensors=[drop_folder_sensor],
        resources=resources(),
        executor=executor(),
    )


defs = build_definitions()
