"""The OCR engine registry: each engine built once per process and configuration.

:func:`get_engine` builds an engine by name (``rapidocr``, ``paddleocr``,
``tesseract``) once per process and configuration and hands back the same
instance afterwards, so models load once per worker. A configured engine whose
package is missing raises :class:`EngineNotInstalled` naming the pip extra.
:func:`engine_for` does the same from an :class:`OcrOptions`: the engine it
names (``auto``: the default engine) with that engine's settings from the
options (rapidocr's backend, Tesseract's languages and layout mode, PaddleOCR's
model folders, names and cache folder) as constructor arguments.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from invoice_pipeline.processing.ocr.base import EngineNotInstalled, OcrEngine
from invoice_pipeline.processing.ocr.options import OcrOptions

ENGINE_NAMES = ("rapidocr", "paddleocr", "tesseract")
DEFAULT_ENGINE = "rapidocr"

_CACHE: dict[tuple[str, str, tuple[tuple[str, Any], ...]], OcrEngine] = {}
_CACHE_LOCK = threading.Lock()


def _rapidocr(device: str, **options: Any) -> OcrEngine:
    from invoice_pipeline.processing.ocr.rapidocr_engine import RapidOcrEngine

    return RapidOcrEngine(device, **options)


def _paddleocr(device: str, **options: Any) -> OcrEngine:
    from invoice_pipeline.processing.ocr.paddleocr_engine import PaddleOcrEngine

    return PaddleOcrEngine(device, **options)


def _tesseract(device: str, **options: Any) -> OcrEngine:
    from invoice_pipeline.processing.ocr.tesseract_engine import TesseractEngine

    return TesseractEngine(device, **options)


_FACTORIES: dict[str, Callable[..., OcrEngine]] = {
    "rapidocr": _rapidocr,
    "paddleocr": _paddleocr,
    "tesseract": _tesseract,
}


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set):
        return tuple(_freeze(v) for v in value)
    return value


def get_engine(name: str, device: str = "cpu", **options: Any) -> OcrEngine:
    """The engine ``name`` on ``device``, built on first use and reused afterwards.

    Raises :class:`EngineNotInstalled` when its package is missing and ``ValueError``
    for an unknown name. ``options`` go to the engine's constructor and are part of
    the cache key.
    """
    key_name = name.lower().strip()
    if key_name not in _FACTORIES:
        raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")
    device = (device or "cpu").lower()
    key = (key_name, device, _freeze(options))
    with _CACHE_LOCK:
        engine = _CACHE.get(key)
        if engine is None:
            engine = _FACTORIES[key_name](device, **options)
            _CACHE[key] = engine
        return engine


def clear_engines() -> None:
    """Forget every cached engine (tests, or to free memory)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def engine_name(options: OcrOptions) -> str:
    """The OCR engine ``options`` select for pages without a text layer (``auto``: rapidocr)."""
    name = (options.engine or "auto").lower()
    return DEFAULT_ENGINE if name == "auto" else name


def engine_kwargs(name: str, options: OcrOptions) -> dict[str, Any]:
    """The constructor arguments of engine ``name`` that ``options`` set.

    Values left at None (and rapidocr's ``auto`` backend) are not passed: the engine
    uses its built-in default, and the cache key stays that of ``get_engine(name)``.
    """
    if name == "rapidocr":
        wanted: dict[str, Any] = {
            "backend": None if options.backend == "auto" else options.backend,
            "threads": options.threads,
        }
    elif name == "tesseract":
        wanted = {"languages": options.tesseract_languages, "psm": options.tesseract_psm}
    elif name == "paddleocr":
        wanted = {
            "det_model_dir": options.paddle_det_model_dir,
            "rec_model_dir": options.paddle_rec_model_dir,
            "det_model_name": options.paddle_det_model_name,
            "rec_model_name": options.paddle_rec_model_name,
            "cache_dir": options.model_cache_dir,
        }
    else:
        wanted = {}
    return {key: value for key, value in wanted.items() if value is not None}


def engine_for(options: OcrOptions) -> OcrEngine:
    """The engine ``options`` select, on their device, with their settings (see :func:`get_engine`)."""
    name = engine_name(options)
    return get_engine(name, options.device, **engine_kwargs(name, options))


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "EngineNotInstalled",
    "OcrEngine",
    "clear_engines",
    "engine_for",
    "engine_kwargs",
    "engine_name",
    "get_engine",
]
