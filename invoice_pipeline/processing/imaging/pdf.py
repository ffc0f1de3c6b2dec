"""PDF reading with pypdfium2: probe a file, render a page, extract an attachment.

:func:`probe` opens a PDF from bytes and reports what the later stages need to
know without rendering anything: page count and sizes, whether the file is
encrypted, which pages carry a real text layer (enough printable characters,
not whitespace or glyph garbage from a font without a Unicode map, and not a
scanner's one-line watermark over a page image), the names of embedded files
(a Factur-X/ZUGFeRD ``factur-x.xml``) and whether the document carries
JavaScript. Every problem with the file itself is a :class:`PdfError` with a
machine-readable ``reason_code`` (``pdf_corrupt``, ``pdf_truncated``,
``pdf_encrypted``, ``too_many_pages``, ``attachment_missing``,
``page_out_of_range``). PDFium is not thread-safe, so every call here holds
one process-wide lock while it touches the library.
"""

from __future__ import annotations

import math
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pydantic import BaseModel, Field

PDFIUM_LOCK = threading.RLock()
"""Held around every PDFium call of this package (PDFium is not thread-safe)."""

MIN_TEXT_CHARS = 20
"""Alphanumeric characters a page needs before its text layer counts as real."""
MIN_TEXT_CHARS_OVER_IMAGE = 80
"""The same threshold on a page that is mostly one image (a scan with a stamp or watermark)."""
MIN_GOOD_RATIO = 0.85
"""Share of visible characters that must be ordinary printable text, not garbage."""
DEFAULT_MAX_RENDER_PIXELS = 60_000_000
"""A page whose rendering at the asked dpi would exceed this is rendered at a lower dpi."""


class PdfError(Exception):
    """A PDF that cannot be read as asked; ``reason_code`` is machine-readable."""

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = reason_code
        self.message = message


class PdfInfo(BaseModel):
    """What :func:`probe` found in a PDF."""

    page_count: int
    encrypted: bool = False
    text_pages: list[int] = Field(default_factory=list)
    """1-based numbers of the pages with a real text layer."""
    embedded_files: list[str] = Field(default_factory=list)
    has_javascript: bool = False
    page_sizes: list[tuple[float, float]] = Field(default_factory=list)
    """Width and height of each page in PDF points, as displayed (page rotation applied)."""
    version: int | None = None
    """PDF version times ten (17 for PDF 1.7), when the file states it."""


@contextmanager
def open_pdf(data: bytes, password: str | None = None) -> Iterator[pdfium.PdfDocument]:
    """Open ``data`` under the PDFium lock; map PDFium's load errors to :class:`PdfError`."""
    if not data:
        raise PdfError("pdf_corrupt", "the file is empty")
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise PdfError(
                    "pdf_encrypted",
                    "the PDF is encrypted and needs a password"
                    if password is None
                    else "the PDF password is wrong or its encryption is unsupported",
                ) from exc
            raise PdfError("pdf_corrupt", f"PDFium cannot open the file: {exc}") from exc
        try:
            yield doc
        finally:
            doc.close()


def _check_eof(data: bytes) -> None:
    # PDFium silently repairs a file cut short, losing its tail; such a file is an
    # interrupted upload or copy and must not pass as complete.
    if b"%%EOF" not in data[-2048:]:
        raise PdfError("pdf_truncated", "the PDF has no %%EOF marker at its end (cut short?)")


def _is_encrypted(doc: pdfium.PdfDocument) -> bool:
    return int(pdfium_c.FPDF_GetSecurityHandlerRevision(doc)) != -1


def _has_javascript(doc: pdfium.PdfDocument) -> bool:
    return int(pdfium_c.FPDFDoc_GetJavaScriptActionCount(doc)) > 0


def _attachment_names(doc: pdfium.PdfDocument) -> list[str]:
    names = []
    for i in range(doc.count_attachments()):
        try:
            names.append(doc.get_attachment(i).get_name())
        except pdfium.PdfiumError:
            continue
    return names


def _is_good_char(ch: str) -> bool:
    if ch == "\ufffd":
        return False
    return unicodedata.category(ch) not in {"Co", "Cn", "Cc", "Cs"}


def text_layer_quality(text: str) -> tuple[int, float]:
    """Alphanumeric characters in ``text`` and the share of visible characters that are sane.

    Sane means printable (not private-use, unassigned, control or U+FFFD); when fewer
    than half of the visible characters are letters or digits the text is symbol soup
    from a font without a Unicode map and the share is halved.
    """
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0, 0.0
    good = sum(1 for c in visible if _is_good_char(c))
    alnum = sum(1 for c in visible if c.isalnum() and _is_good_char(c))
    ratio = good / len(visible)
    if alnum < 0.5 * len(visible):
        ratio /= 2
    return alnum, ratio


def _unicode_map_errors(textpage: pdfium.PdfTextPage) -> float:
    """Share of characters whose font has no usable Unicode mapping."""
    count = textpage.count_chars()
    if count <= 0:
        return 0.0
    errors = sum(1 for i in range(count) if pdfium_c.FPDFText_HasUnicodeMapError(textpage, i) == 1)
    return errors / count


def _image_coverage(page: pdfium.PdfPage, page_area: float) -> float:
    """Largest share of the page area covered by one image object (0 when none)."""
    best = 0.0
    if page_area <= 0:
        return 0.0
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        try:
            left, bottom, right, top = obj.get_bounds()
        except pdfium.PdfiumError:
            continue
        best = max(best, abs(right - left) * abs(top - bottom) / page_area)
    return best


def _page_has_text_layer(page: pdfium.PdfPage) -> bool:
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        alnum, ratio = text_layer_quality(text)
        if alnum < MIN_TEXT_CHARS or ratio < MIN_GOOD_RATIO:
            return False
        if _unicode_map_errors(textpage) > 1 - MIN_GOOD_RATIO:
            return False
    finally:
        textpage.close()
    if alnum < MIN_TEXT_CHARS_OVER_IMAGE:
        width, height = page.get_size()
        if _image_coverage(page, width * height) > 0.5:
            return False
    return True


def probe(data: bytes, *, max_pages: int | None = None, password: str | None = None) -> PdfInfo:
    """Describe a PDF without rendering it; raise :class:`PdfError` when it cannot be read.

    ``max_pages`` refuses longer documents with ``too_many_pages`` before any page is
    parsed. ``password`` opens an encrypted file (an owner-password-only file opens
    without one and is reported with ``encrypted=True``).
    """
    if not data:
        raise PdfError("pdf_corrupt", "the file is empty")
    _check_eof(data)
    with open_pdf(data, password) as doc:
        page_count = len(doc)
        if page_count == 0:
            raise PdfError("pdf_corrupt", "the PDF has no pages")
        if max_pages is not None and page_count > max_pages:
            raise PdfError(
                "too_many_pages", f"the PDF has {page_count} pages, more than {max_pages}"
            )
        text_pages: list[int] = []
        sizes: list[tuple[float, float]] = []
        for index in range(page_count):
            try:
                page = doc[index]
            except pdfium.PdfiumError as exc:
                raise PdfError("pdf_corrupt", f"page {index + 1} cannot be loaded: {exc}") from exc
            try:
                width, height = page.get_size()  # as displayed: /Rotate already applied
                sizes.append((float(width), float(height)))
                if _page_has_text_layer(page):
                    text_pages.append(index + 1)
            finally:
                page.close()
        version = doc.get_version()
        return PdfInfo(
            page_count=page_count,
            encrypted=_is_encrypted(doc),
            text_pages=text_pages,
            embedded_files=_attachment_names(doc),
            has_javascript=_has_javascript(doc),
            page_sizes=sizes,
            version=version,
        )


def render_page(
    data: bytes,
    page_number: int,
    dpi: int = 200,
    *,
    password: str | None = None,
    max_pixels: int = DEFAULT_MAX_RENDER_PIXELS,
) -> np.ndarray:
    """Render one page (1-based) to a grayscale uint8 array at ``dpi``.

    A page so large that the result would exceed ``max_pixels`` is rendered at the
    highest dpi that fits instead.
    """
    with open_pdf(data, password) as doc:
        if not 1 <= page_number <= len(doc):
            raise PdfError(
                "page_out_of_range", f"page {page_number} asked, the PDF has {len(doc)} pages"
            )
        try:
            page = doc[page_number - 1]
        except pdfium.PdfiumError as exc:
            raise PdfError("pdf_corrupt", f"page {page_number} cannot be loaded: {exc}") from exc
        try:
            width, height = page.get_size()
            scale = dpi / 72.0
            # PDFium rounds the bitmap size up
            while math.ceil(width * scale) * math.ceil(height * scale) > max_pixels:
                scale = min(scale * 0.995, (max_pixels / (width * height)) ** 0.5)
            bitmap = page.render(scale=scale, grayscale=True, fill_color=(255, 255, 255, 255))
            try:
                array = bitmap.to_numpy()
                if array.ndim == 3:
                    array = array[..., 0]
                return np.ascontiguousarray(array, dtype=np.uint8).copy()
            finally:
                bitmap.close()
        finally:
            page.close()


def embedded_file(data: bytes, name: str, *, password: str | None = None) -> bytes:
    """The bytes of the attachment called ``name`` (case-insensitive match as a fallback)."""
    with open_pdf(data, password) as doc:
        candidates = []
        for i in range(doc.count_attachments()):
            attachment = doc.get_attachment(i)
            try:
                attachment_name = attachment.get_name()
            except pdfium.PdfiumError:
                continue
            if attachment_name == name:
                return bytes(attachment.get_data())
            if attachment_name.lower() == name.lower():
                candidates.append(attachment)
        if candidates:
            return bytes(candidates[0].get_data())
    raise PdfError("attachment_missing", f"the PDF has no embedded file named {name!r}")


def page_count(data: bytes, *, password: str | None = None) -> int:
    """Number of pages, opening the file only (cheaper than :func:`probe`)."""
    with open_pdf(data, password) as doc:
        return len(doc)


__all__ = [
    "PDFIUM_LOCK",
    "PdfError",
    "PdfInfo",
    "embedded_file",
    "open_pdf",
    "page_count",
    "probe",
    "render_page",
    "text_layer_quality",
]
