"""The default OCR engine: RapidOCR (PP-OCR models in ONNX on onnxruntime).

It uses only the models inside the ``rapidocr`` wheel (PP-OCRv6 small
detection and recognition, multilingual Latin), so nothing is downloaded. The
settings are tuned for document pages: no text-line angle classifier (pages are
turned upright by preprocessing), detection on an image whose longer side is
limited to :data:`DET_LIMIT_SIDE_LEN` (``limit_type="max"``) and RapidOCR's own
resize cap lifted so recognition crops come from the full-resolution page. The
engine returns lines with their boxes in page pixels, confidences, and word
boxes when ``word_boxes`` is on. RapidOCR's logger is kept at WARNING.

The same ONNX models run on one of two inference runtimes (``backend``, from OCR_BACKEND):
OpenVINO on the CPU (``auto`` picks it when installed: in fp32 about 20% faster than
onnxruntime; on a CPU with AVX-512 BF16, where OpenVINO infers in bf16 by default, about
twice as fast, with the same text on the benchmark pages) or onnxruntime (the CUDA
provider with ``device="gpu"``, from onnxruntime-gpu).
"""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from invoice_pipeline.processing.ocr.base import EngineNotInstalled, OcrEngine
from invoice_pipeline.processing.ocr.layout import estimate_skew, order_lines, polygon_angle
from invoice_pipeline.schema import OcrLine, OcrPage, OcrWord

BACKENDS = ("auto", "openvino", "onnxruntime")

DET_LIMIT_SIDE_LEN = 960
"""Longer side of the image the detector sees (pixels)."""
MAX_SIDE_LEN = 4000
"""Pages larger than this are shrunk by RapidOCR before detection and cropping."""


def _quiet_rapidocr_logging() -> None:
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)


class RapidOcrEngine(OcrEngine):
    """RapidOCR with the wheel's bundled models; one instance serves every page."""

    name = "rapidocr"

    def __init__(
        self,
        device: str = "cpu",
        *,
        det_limit_side_len: int = DET_LIMIT_SIDE_LEN,
        word_boxes: bool = True,
        text_score: float = 0.5,
        threads: int | None = None,
        backend: str = "auto",
        params: dict[str, Any] | None = None,
    ) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - rapidocr is a core dependency
            raise EngineNotInstalled(
                "the rapidocr engine needs the 'rapidocr' and 'onnxruntime' packages: "
                "pip install invoice-pipeline"
            ) from exc
        _quiet_rapidocr_logging()
        config: dict[str, Any] = {
            "Global.use_cls": False,
            "Global.log_level": "warning",
            "Global.text_score": text_score,
            "Global.max_side_len": MAX_SIDE_LEN,
            "Global.return_word_box": word_boxes,
            "Det.limit_type": "max",
            "Det.limit_side_len": det_limit_side_len,
        }
        self.backend = resolve_backend(backend, device)
        if self.backend == "openvino":
            from rapidocr import EngineType

            config["Det.engine_type"] = EngineType.OPENVINO
            config["Rec.engine_type"] = EngineType.OPENVINO
            if threads:
                config["EngineConfig.openvino.inference_num_threads"] = threads
                # pinned threads of engines in two processes land on the same cores
                config["EngineConfig.openvino.enable_cpu_pinning"] = False
        else:
            if device == "gpu":
                config["EngineConfig.onnxruntime.use_cuda"] = True
            if threads:
                config["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        config.update(params or {})
        self.device = device
        self.word_boxes = word_boxes
        self._ocr = RapidOCR(params=config)
        _quiet_rapidocr_logging()

    @staticmethod
    def model_files() -> list[Path]:
        """The ONNX files the engine loads (inside the rapidocr wheel)."""
        import rapidocr

        return sorted((Path(rapidocr.__file__).parent / "models").glob("*.onnx"))

    def cpu_threads(self) -> tuple[int, bool] | None:
        """(threads, pinned to cores) of the OpenVINO detection model, once it has read a
        page (rapidocr compiles on first use); None on other runtimes or before."""
        if self.backend != "openvino":
            return None
        try:
            compiled = self._ocr.text_det.session.session.get_compiled_model()
            threads = int(compiled.get_property("INFERENCE_NUM_THREADS"))
            return threads, bool(compiled.get_property("ENABLE_CPU_PINNING"))
        except (AttributeError, RuntimeError):
            return None

    def read(self, image: np.ndarray, page_number: int) -> OcrPage:
        started = time.perf_counter()
        if image.ndim == 2:
            height, width = image.shape
            import cv2

            bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        else:
            height, width = image.shape[:2]
            bgr = image
        result = self._ocr(bgr)
        lines: list[OcrLine] = []
        angles: list[float | None] = []
        weights: list[float] = []
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        if boxes is not None and texts is not None and len(texts) > 0:
            scores = result.scores
            word_results = getattr(result, "word_results", ()) or ()
            # word_results only keeps lines that got word boxes; align by count
            aligned_words = len(word_results) == len(texts)
            for i, (poly, text, score) in enumerate(zip(boxes, texts, scores, strict=False)):
                text = str(text).strip()
                if not text:
                    continue
                pts = np.asarray(poly, dtype=np.float32).reshape(-1, 2)
                angles.append(polygon_angle(pts.tolist()))
                weights.append(float(np.ptp(pts[:, 0])) ** 2)
                words: list[OcrWord] = []
                if self.word_boxes and aligned_words:
                    words = _words(word_results[i])
                lines.append(
                    OcrLine(
                        id="",
                        page=page_number,
                        text=text,
                        box=_clip_box(pts, width, height),
                        confidence=round(float(score), 4),
                        words=words,
                    )
                )
        ordered = order_lines(lines, skew_degrees=estimate_skew(angles, weights))
        return OcrPage(
            number=page_number,
            width=float(width),
            height=float(height),
            unit="px",
            engine=self.name,
            lines=ordered,
            seconds=round(time.perf_counter() - started, 3),
        )


def resolve_backend(backend: str, device: str) -> str:
    """``openvino`` or ``onnxruntime`` for a requested backend (``auto`` picks by device)."""
    backend = backend.lower().strip()
    if backend not in BACKENDS:
        raise ValueError(f"OCR_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "auto":
        if device == "gpu":
            return "onnxruntime"
        return "openvino" if importlib.util.find_spec("openvino") else "onnxruntime"
    if backend == "openvino" and not importlib.util.find_spec("openvino"):
        raise EngineNotInstalled(
            "OCR_BACKEND=openvino needs the 'openvino' package: pip install openvino"
        )
    return backend


def _clip_box(pts: np.ndarray, width: int, height: int) -> tuple[float, float, float, float]:
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return (
        round(float(max(x0, 0)), 1),
        round(float(max(y0, 0)), 1),
        round(float(min(x1, width)), 1),
        round(float(min(y1, height)), 1),
    )


def _words(items: Any) -> list[OcrWord]:
    """RapidOCR's (text, score, box) word tuples as OcrWords, spaces dropped."""
    words: list[OcrWord] = []
    for item in items or ():
        try:
            text, score, box = item
        except (TypeError, ValueError):
            continue
        text = str(text).strip()
        if not text or box is None:
            continue
        pts = np.asarray(box, dtype=np.float32).reshape(-1, 2)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        words.append(
            OcrWord(
                text=text,
                box=(
                    round(float(x0), 1),
                    round(float(y0), 1),
                    round(float(x1), 1),
                    round(float(y1), 1),
                ),
                confidence=round(float(score), 4),
            )
        )
    return words


__all__ = ["RapidOcrEngine"]
