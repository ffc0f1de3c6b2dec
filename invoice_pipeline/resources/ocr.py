"""The OCR resource: which engine reads pages, on which device, at what resolution."""

from __future__ import annotations

import dagster as dg


class OcrResource(dg.ConfigurableResource):
    """OCR settings (OCR_ENGINE, OCR_DEVICE); the engine itself loads once per process."""

    engine: str = "auto"
    device: str = "cpu"
    dpi: int = 200

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # fail at start-up, not on the first page, when the engine is not installed
        if self.engine not in ("auto", "text_layer"):
            from invoice_pipeline.processing.ocr import get_engine

            get_engine(self.engine, self.device)
