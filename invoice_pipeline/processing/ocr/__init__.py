"""The OCR stage: text lines with boxes and confidences from every page of a document.

The engine registry (:func:`get_engine`, :func:`engine_for`,
:func:`clear_engines`) lives in :mod:`.registry`, the page loop
(:func:`read_document`, the time limit per page and :class:`OcrPageTimeout`) in
:mod:`.pages`, and each engine in a module of its own (:mod:`.rapidocr_engine`,
:mod:`.paddleocr_engine`, :mod:`.tesseract_engine`, the PDF text layer in
:mod:`.text_layer`) behind the :class:`OcrEngine` interface of :mod:`.base`.
What a run is configured with is an :class:`~.options.OcrOptions`, handed in by
the caller; nothing here reads the environment.
"""

from invoice_pipeline.processing.ocr.base import EngineNotInstalled, OcrEngine
from invoice_pipeline.processing.ocr.pages import OcrPageTimeout, read_document
from invoice_pipeline.processing.ocr.registry import (
    DEFAULT_ENGINE,
    ENGINE_NAMES,
    clear_engines,
    engine_for,
    get_engine,
)

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "EngineNotInstalled",
    "OcrEngine",
    "OcrPageTimeout",
    "clear_engines",
    "engine_for",
    "get_engine",
    "read_document",
]
