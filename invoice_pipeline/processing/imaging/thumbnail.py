"""A small PNG of a document's first page, for the Dagster UI."""

from __future__ import annotations

import base64

import cv2
import numpy as np

from invoice_pipeline.schema import PreprocessedDocument, RawDocument


def _encode(img: np.ndarray, width: int) -> bytes:
    h, w = img.shape[:2]
    scale = width / max(w, 1)
    small = cv2.resize(img, (width, max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", small, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return buf.tobytes() if ok else b""


def thumbnail_png(
    raw: RawDocument, data: bytes | None, pre: PreprocessedDocument, width: int = 160
) -> bytes | None:
    """First page at ``width`` pixels: from the preprocessed image, else rendered from the PDF."""
    for page in pre.pages:
        if page.image is not None:
            return _encode(page.image, width)
    if raw.kind == "pdf" and data and not raw.failed:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        try:
            page = pdf[0]
            scale = width / max(page.get_width(), 1)
            bitmap = page.render(scale=scale, grayscale=True)
            return _encode(bitmap.to_numpy(), width)
        finally:
            pdf.close()
    return None


def thumbnail_markdown(png: bytes | None, alt: str = "page 1") -> str:
    if not png:
        return "(no image)"
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"
