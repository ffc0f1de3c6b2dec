"""The code location: assets, jobs, sensors (drop folder; the invoices table's automation) and
resources, configured from the environment."""

from __future__ import annotations

import gc

import dagster as dg

from invoice_pipeline import settings
from invoice_pipeline.assets import DOCUMENT_ASSETS, invoices, invoices_automation_sensor
from invoice_pipeline.assets.vendor_profiles import vendor_profiles
from invoice_pipeline.jobs import executor, invoice_job, invoices_table_job
from invoice_pipeline.resources.decision import DecisionResource
from invoice_pipeline.resources.documents import DocumentStoreResource
from invoice_pipeline.resources.extractor import ExtractorResource
from invoice_pipeline.resources.io_manager import InvoiceIOManager
from invoice_pipeline.resources.ocr import OcrResource
from invoice_pipeline.resources.results import ResultsDatabaseResource
from invoice_pipeline.resources.vendors import VendorMemoryResource
from invoice_pipeline.sensors import drop_folder_sensor


def resources() -> dict[str, object]:
    """Every resource with its settings read from the environment now."""
    current = settings.get()
    storage = current.storage_root
    return {
        "io_manager": InvoiceIOManager(base_path=storage),
        "document_store": DocumentStoreResource(
            root=storage,
            max_file_bytes=current.limits.max_file_bytes,
            max_pages=current.limits.max_pages,
            max_image_pixels=current.limits.max_image_pixels,
            keep_originals=current.inbox_settings.keep_originals,
        ),
        "ocr": OcrResource(**current.ocr.model_dump()),
        "extractor": ExtractorResource.from_options(current.extractor),
        "results_db": ResultsDatabaseResource(url=current.results_db_url),
        "decision": DecisionResource.from_thresholds(current.thresholds),
        "vendor_memory": VendorMemoryResource(
            url=current.results_db_url,
            enabled=current.vendor_memory,
            learn_auto_approved=current.vendor_learn_auto_approved,
        ),
    }


_FROZEN = False


def build_definitions() -> dg.Definitions:
    """The definitions, with Dagster's event batching on (``settings.batch_dagster_events``).

    What loading them made (Dagster, pydantic, the libraries' modules: a few hundred
    thousand objects that live as long as the process) is moved out of the garbage
    collector's reach (``gc.freeze``): each full collection walked all of it, about a
    tenth of a batch run's time on born-digital invoices. They are still freed when
    nothing refers to them. Once per process: what later calls find alive (a test's
    garbage) is left to the collector."""
    settings.batch_dagster_events()
    defs = dg.Definitions(
        assets=[*DOCUMENT_ASSETS, invoices, vendor_profiles],
        jobs=[invoice_job, invoices_table_job],
        sensors=[drop_folder_sensor, invoices_automation_sensor],
        resources=resources(),
        executor=executor(),
    )
    global _FROZEN
    if not _FROZEN:
        gc.freeze()
        _FROZEN = True
    return defs


defs = build_definitions()
