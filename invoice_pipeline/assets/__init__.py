"""The assets: six per-document stages and the invoices table."""

from invoice_pipeline.assets.evaluation import evaluation
from invoice_pipeline.assets.invoices import invoices, invoices_automation_sensor
from invoice_pipeline.assets.llm_fields import llm_fields
from invoice_pipeline.assets.ocr_text import ocr_text
from invoice_pipeline.assets.preprocessed import preprocessed
from invoice_pipeline.assets.raw import raw
from invoice_pipeline.assets.validated import validated

DOCUMENT_ASSETS = [raw, preprocessed, ocr_text, llm_fields, validated, evaluation]

__all__ = [
    "DOCUMENT_ASSETS",
    "evaluation",
    "invoices",
    "invoices_automation_sensor",
    "llm_fields",
    "ocr_text",
    "preprocessed",
    "raw",
    "validated",
]
