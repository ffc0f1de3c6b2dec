"""The OCR resource: which engine reads pages, on which device, at what resolution.

Its fields are those of :class:`~invoice_pipeline.processing.ocr.options.OcrOptions`
(built by :mod:`invoice_pipeline.settings` from the environment), so the OCR
settings a run used show in the Dagster UI; :meth:`OcrResource.options` hands
them to the processing code.
"""

from __future__ import annotations

import dagster as dg

from invoice_pipeline.processing.ocr.options import OcrOptions


class OcrResource(dg.ConfigurableResource):
    """OCR settings (OCR_ENGINE, OCR_DEVICE, ...); the engine itself loads once per process."""

    engine: str = "auto"
    device: str = "cpu"
    dpi: int = 200
    page_timeout_seconds: float | None = 120.0
    backend: str = "auto"
    tesseract_languages: str | None = None
    tesseract_psm: int | None = None
    paddle_det_model_dir: str | None = None
    paddle_rec_model_dir: str | None = None
    paddle_det_model_name: str | None = None
    paddle_rec_model_name: str | None = None
    model_cache_dir: str | None = None
    threads: int | None = None

    def options(self) -> OcrOptions:
        """These settings as the options object of the OCR stage."""
        return OcrOptions(**{name: getattr(self, name) for name in OcrOptions.model_fields})

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        from invoice_pipeline import settings

        # PaddleX reads these when it is imported: set them before any engine loads
        settings.apply_library_environment()
        # fail at start-up, not on the first page, when the engine is not installed
        if self.engine not in ("auto", "text_layer"):
            from invoice_pipeline.processing.ocr import engine_for

            engine_for(self.options())
