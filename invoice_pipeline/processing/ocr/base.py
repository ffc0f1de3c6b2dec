"""The interface every OCR engine implements.

An engine reads one preprocessed page image and returns an :class:`OcrPage`
whose lines are in reading order with boxes in pixel coordinates of that
image. Engines are heavy: build them through
:func:`~invoice_pipeline.processing.ocr.registry.get_engine` (or ``engine_for``),
which loads each configuration once per process and reuses it for every page of
every document in a batch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from invoice_pipeline.schema import OcrPage


class EngineNotInstalled(RuntimeError):
    """A configured engine's package is missing; the message names the extra to install."""


class OcrEngine(ABC):
    name: str = "engine"

    @abstractmethod
    def read(self, image: np.ndarray, page_number: int) -> OcrPage:
        """OCR one page image (grayscale or BGR uint8) into lines with boxes and confidences."""
