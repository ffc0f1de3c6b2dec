"""What an OCR run is configured with: engine, device, resolution and each engine's knobs.

Built by :mod:`invoice_pipeline.settings` from the environment and shown by the
``ocr`` resource in the Dagster UI; nothing under ``processing/`` reads the
environment itself.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OcrOptions(BaseModel):
    """Options of :func:`~invoice_pipeline.processing.ocr.pages.read_document` and the engines."""

    model_config = ConfigDict(frozen=True)

    engine: str = "auto"
    """auto (text layer, else rapidocr), rapidocr, paddleocr or tesseract (OCR_ENGINE)."""
    device: str = "cpu"
    """cpu or gpu (OCR_DEVICE)."""
    dpi: int = Field(default=200, gt=0)
    """Resolution PDF pages without a text layer are rendered at."""
    page_timeout_seconds: float | None = 120.0
    """The longest one page may take in the engine; None: no limit (OCR_PAGE_TIMEOUT_SECONDS)."""
    backend: str = "auto"
    """rapidocr's runtime: auto, openvino or onnxruntime (OCR_BACKEND)."""
    tesseract_languages: str | None = None
    """Tesseract language packs, e.g. eng+deu (TESSERACT_LANGS); None: the engine's default."""
    tesseract_psm: int | None = None
    """Tesseract page segmentation mode (TESSERACT_PSM); None: the engine's default."""
    paddle_det_model_dir: str | None = None
    """A pre-baked PaddleOCR detection model folder (PADDLEOCR_DET_MODEL_DIR)."""
    paddle_rec_model_dir: str | None = None
    """A pre-baked PaddleOCR recognition model folder (PADDLEOCR_REC_MODEL_DIR)."""
    paddle_det_model_name: str | None = None
    """The detection model's name when its folder does not say (PADDLEOCR_DET_MODEL_NAME)."""
    paddle_rec_model_name: str | None = None
    """The recognition model's name when its folder does not say (PADDLEOCR_REC_MODEL_NAME)."""
    model_cache_dir: str | None = None
    """Where generated model folders live (INVOICE_MODEL_CACHE; default the user cache)."""
    threads: int | None = Field(default=None, gt=0)
    """CPU threads of one rapidocr engine, not pinned to cores (OCR_THREADS); None: the
    runtime's default (every core, OpenVINO pinning its threads). Set it to the cores
    divided by the runs sharing a machine: pinned engines in two processes share cores."""
