"""Tesseract through pytesseract: words with boxes and confidences, grouped into lines.

``image_to_data`` gives every word with its block, paragraph and line number;
words of one Tesseract line become one :class:`~invoice_pipeline.schema.OcrLine`,
cut in two where the gap between neighbouring words is wider than
:data:`LINE_GAP` times the line height (a label and a value far apart are two
lines of one row, as with the text layer). Languages and the page
segmentation mode are constructor arguments (default ``eng+deu+fra+swe`` and
3; the settings take them from TESSERACT_LANGS and TESSERACT_PSM); a missing
binary, Python package or language pack raises :class:`EngineNotInstalled`
naming what to install.
"""

from __future__ import annotations

import time
from statistics import median
from typing import Any

import numpy as np

from invoice_pipeline.processing.ocr.base import EngineNotInstalled, OcrEngine
from invoice_pipeline.processing.ocr.layout import order_lines
from invoice_pipeline.schema import OcrLine, OcrPage, OcrWord

DEFAULT_LANGUAGES = "eng+deu+fra+swe"
"""The language packs Tesseract reads with (Debian tesseract-ocr-<lang>)."""
DEFAULT_PSM = 3
"""Tesseract's page segmentation mode (3: automatic page layout)."""
LINE_GAP = 1.0
"""A gap between two words wider than this many line heights starts a new line."""
INSTALL_HINT = (
    "pip install 'invoice-pipeline[tesseract]' and apt-get install tesseract-ocr "
    "(plus tesseract-ocr-<lang> for each language)"
)


class TesseractEngine(OcrEngine):
    """Tesseract 4/5 (LSTM) on one page image; one instance per language set."""

    name = "tesseract"

    def __init__(
        self,
        device: str = "cpu",
        *,
        languages: str | None = None,
        psm: int | None = None,
        config: str = "",
        timeout: float = 120.0,
    ) -> None:
        try:
            import pytesseract
        except ImportError as exc:
            raise EngineNotInstalled(
                f"the tesseract engine needs pytesseract: {INSTALL_HINT}"
            ) from exc
        try:
            self.version = str(pytesseract.get_tesseract_version())
            available = set(pytesseract.get_languages(config=""))
        except (pytesseract.TesseractNotFoundError, OSError) as exc:
            raise EngineNotInstalled(
                f"the tesseract binary is not installed or not on PATH: {INSTALL_HINT}"
            ) from exc
        languages = languages or DEFAULT_LANGUAGES
        psm = psm if psm is not None else DEFAULT_PSM
        wanted = [lang for lang in languages.split("+") if lang]
        missing = [lang for lang in wanted if lang not in available]
        if missing:
            packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
            raise EngineNotInstalled(
                f"tesseract language data missing for {', '.join(missing)}: "
                f"apt-get install {packages}"
            )
        self._tesseract = pytesseract
        self.device = device  # Tesseract runs on the CPU whatever is asked
        self.languages = "+".join(wanted)
        self.config = f"--oem 1 --psm {psm} {config}".strip()
        self.timeout = timeout

    def read(self, image: np.ndarray, page_number: int) -> OcrPage:
        started = time.perf_counter()
        height, width = image.shape[:2]
        if image.ndim == 3:
            import cv2

            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        data = self._tesseract.image_to_data(
            image,
            lang=self.languages,
            config=self.config,
            output_type=self._tesseract.Output.DICT,
            timeout=self.timeout,
        )
        lines = _lines_from_data(data, page_number)
        return OcrPage(
            number=page_number,
            width=float(width),
            height=float(height),
            unit="px",
            engine=self.name,
            lines=order_lines(lines),
            seconds=round(time.perf_counter() - started, 3),
        )


def _lines_from_data(data: dict[str, list[Any]], page_number: int) -> list[OcrLine]:
    groups: dict[tuple[int, int, int], list[OcrWord]] = {}
    for i, text in enumerate(data.get("text", [])):
        text = str(text).strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        x, y, w, h = (int(data[k][i]) for k in ("left", "top", "width", "height"))
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        groups.setdefault(key, []).append(
            OcrWord(
                text=text,
                box=(float(x), float(y), float(x + w), float(y + h)),
                confidence=round(conf / 100.0, 4),
            )
        )
    lines: list[OcrLine] = []
    for words in groups.values():
        for part in split_on_gaps(words, LINE_GAP):
            box = (
                min(w.box[0] for w in part),
                min(w.box[1] for w in part),
                max(w.box[2] for w in part),
                max(w.box[3] for w in part),
            )
            lines.append(
                OcrLine(
                    id="",
                    page=page_number,
                    text=" ".join(w.text for w in part),
                    box=box,
                    confidence=round(sum(w.confidence for w in part) / len(part), 4),
                    words=part,
                )
            )
    return lines


def split_on_gaps(words: list[OcrWord], factor: float) -> list[list[OcrWord]]:
    """Cut a line's words (any order) where a gap exceeds ``factor`` times the line height."""
    ordered = sorted(words, key=lambda w: w.box[0])
    if not ordered:
        return []
    height = median(w.box[3] - w.box[1] for w in ordered)
    parts: list[list[OcrWord]] = [[ordered[0]]]
    for word in ordered[1:]:
        if word.box[0] - parts[-1][-1].box[2] > factor * height:
            parts.append([word])
        else:
            parts[-1].append(word)
    return parts


__all__ = ["DEFAULT_LANGUAGES", "TesseractEngine", "split_on_gaps"]
