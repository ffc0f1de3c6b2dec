"""The born-digital text layer of a PDF, read with pypdfium2, as OCR output.

For each asked page the characters and their boxes come from PDFium's text
page; characters are grouped into words (split on spaces, on jumps backwards or
to another baseline, and on visible gaps without a space character) and words
into lines by geometry, not by content-stream order: words whose vertical
extents overlap form a band, and a band is cut into separate lines wherever the
horizontal gap between two words exceeds :data:`LINE_GAP_EM` times the text
height, so a label at the left margin and its value at the right margin are two
lines (which :func:`~invoice_pipeline.processing.ocr.layout.order_lines` then
puts in one ``row``). Coordinates are PDF points with the origin at the top
left of the page as displayed (crop box and ``/Rotate`` applied), so they match
a rendering of the page scaled by ``dpi / 72``. Confidence is 1.0.
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from invoice_pipeline.processing.imaging.pdf import PdfError, open_pdf
from invoice_pipeline.processing.ocr.layout import order_lines
from invoice_pipeline.schema import OcrLine, OcrPage, OcrWord

ENGINE = "text_layer"

LINE_GAP_EM = 1.15
"""A horizontal gap wider than this many text heights splits a visual line in two.

The text height is the loose character box (font ascent to descent, about 0.9 to
1.15 em). On the 86 real PDFs of ``shared/data`` the gaps between neighbouring
words on one baseline fall in two groups: word spaces up to 0.75 heights (wide
fonts and justified text reach 0.7) and column gaps from 1.6 up, with a few
cases between ("1 von 2" at 1.03, "Leistungsdatum :" at 1.1, two amounts in
adjacent columns at 1.2). 1.15 heights, about two average character widths,
keeps the first two together and splits the columns.
"""
WORD_GAP_EM = 0.25
"""A gap wider than this (in text heights) between two characters with no space is a word break."""
JOIN_GAP_EM = 0.08
"""Two words closer than this (in text heights) are one word drawn in two pieces."""


@dataclass(slots=True)
class _Char:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Word:
    """Characters of one word; its box grows as characters are added (read very often)."""

    chars: list[_Char] = field(default_factory=list)
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def add(self, c: _Char) -> None:
        """One more character (the common case of :meth:`extend`)."""
        if self.chars:
            bx0, by0, bx1, by1 = self.box
            self.box = (
                c.x0 if c.x0 < bx0 else bx0,
                c.y0 if c.y0 < by0 else by0,
                c.x1 if c.x1 > bx1 else bx1,
                c.y1 if c.y1 > by1 else by1,
            )
        else:
            self.box = (c.x0, c.y0, c.x1, c.y1)
        self.chars.append(c)

    def extend(self, chars: list[_Char]) -> None:
        if not chars:
            return
        x0 = min(c.x0 for c in chars)
        y0 = min(c.y0 for c in chars)
        x1 = max(c.x1 for c in chars)
        y1 = max(c.y1 for c in chars)
        if self.chars:
            bx0, by0, bx1, by1 = self.box
            x0, y0, x1, y1 = min(x0, bx0), min(y0, by0), max(x1, bx1), max(y1, by1)
        self.chars.extend(chars)
        self.box = (x0, y0, x1, y1)

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def height(self) -> float:
        return max(self.box[3] - self.box[1], 1e-3)


class _Transform:
    """PDF user space to displayed page space: crop box offset, y flipped, /Rotate applied."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        left, bottom, right, top = page.get_bbox()
        self.left, self.top = left, top
        self.w, self.h = right - left, top - bottom
        self.rotation = page.get_rotation() % 360

    @property
    def size(self) -> tuple[float, float]:
        return (self.h, self.w) if self.rotation in (90, 270) else (self.w, self.h)

    def point(self, x: float, y: float) -> tuple[float, float]:
        u, v = x - self.left, self.top - y
        if self.rotation == 90:
            return self.h - v, u
        if self.rotation == 180:
            return self.w - u, self.h - v
        if self.rotation == 270:
            return v, self.w - u
        return u, v

    def box(self, left: float, bottom: float, right: float, top: float) -> _Char:
        ax, ay = self.point(left, bottom)
        bx, by = self.point(right, top)
        return _Char("", min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))

    def boxer(self) -> Callable[[float, float, float, float], _Char]:
        """:meth:`box`, without the rotation's branches on an unrotated page (most pages)."""
        if self.rotation:
            return self.box
        x, y = self.left, self.top

        def box(left: float, bottom: float, right: float, top: float) -> _Char:
            x0, x1 = left - x, right - x
            y0, y1 = y - top, y - bottom
            return _Char(
                "",
                x0 if x0 < x1 else x1,
                y0 if y0 < y1 else y1,
                x1 if x1 > x0 else x0,
                y1 if y1 > y0 else y0,
            )

        return box


def _chars(textpage: pdfium.PdfTextPage, transform: _Transform) -> list[_Char | None]:
    """Every character of the page; None stands for a separator (space, line break).

    PDFium's functions are called directly on the raw text page with one reused box
    (pypdfium2's helpers convert their arguments and allocate on every call, and a
    page has thousands of characters)."""
    raw = textpage.raw
    unicode_of = pdfium_c.FPDFText_GetUnicode
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    box_of = transform.boxer()
    out: list[_Char | None] = []
    for index in range(textpage.count_chars()):
        code = unicode_of(raw, index)
        if code < 33 or code >= 0x110000 or code == 0xFFFE:
            out.append(None)
            continue
        text = chr(code)
        if text.isspace():
            out.append(None)
            continue
        if not loose_box(raw, index, rect_ref):
            out.append(None)
            continue
        box = (rect.left, rect.bottom, rect.right, rect.top)
        if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
            try:
                box = textpage.get_charbox(index)
            except pdfium.PdfiumError:
                out.append(None)
                continue
        char = box_of(*box)
        if char.x1 - char.x0 <= 0 and char.y1 - char.y0 <= 0:
            out.append(None)
            continue
        char.text = text
        out.append(char)
    return out


def _words(chars: list[_Char | None]) -> list[_Word]:
    words: list[_Word] = []
    current = _Word()
    for char in chars:
        if char is None:
            if current.chars:
                words.append(current)
                current = _Word()
            continue
        if current.chars:
            prev = current.chars[-1]
            h = max(prev.height, char.height, 1e-3)
            other_line = not (prev.y0 <= char.cy <= prev.y1 or char.y0 <= prev.cy <= char.y1)
            backwards = char.x0 < prev.x1 - 0.5 * h
            gap = char.x0 - prev.x1 > WORD_GAP_EM * h
            if other_line or backwards or gap:
                words.append(current)
                current = _Word()
        current.add(char)
    if current.chars:
        words.append(current)
    return words


def _bands(words: list[_Word]) -> list[list[_Word]]:
    """Group words whose vertical extents overlap by half the smaller height."""
    bands: list[tuple[float, float, list[_Word]]] = []
    for word in sorted(words, key=lambda w: (w.box[1] + w.box[3]) / 2):
        _, y0, _, y1 = word.box
        for i in range(len(bands) - 1, max(len(bands) - 4, -1), -1):
            top, bottom, members = bands[i]
            overlap = min(bottom, y1) - max(top, y0)
            if overlap >= 0.5 * min(y1 - y0, bottom - top):
                members.append(word)
                break
        else:
            bands.append((y0, y1, [word]))
    return [members for _, _, members in bands]


def _lines(band: list[_Word]) -> list[list[_Word]]:
    ordered = sorted(band, key=lambda w: w.box[0])
    lines: list[list[_Word]] = []
    for word in ordered:
        if lines:
            prev = lines[-1][-1]
            h = max(min(prev.height, word.height), 1e-3)
            gap = word.box[0] - prev.box[2]
            if gap <= LINE_GAP_EM * h:
                if gap <= JOIN_GAP_EM * h:
                    prev.extend(word.chars)
                else:
                    lines[-1].append(word)
                continue
        lines.append([word])
    return lines


def _page_lines(words: list[_Word], page_number: int) -> list[OcrLine]:
    """The OCR lines of a page's words. Built with ``model_construct``: every value is a
    float or a string made here, and validating thousands of words per page costs more
    than reading them."""
    result: list[OcrLine] = []
    for band in _bands(words):
        for members in _lines(band):
            ocr_words = [
                OcrWord.model_construct(
                    text=w.text,
                    box=(
                        round(w.box[0], 2),
                        round(w.box[1], 2),
                        round(w.box[2], 2),
                        round(w.box[3], 2),
                    ),
                    confidence=1.0,
                )
                for w in members
            ]
            boxes = [w.box for w in ocr_words]
            box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            result.append(
                OcrLine.model_construct(
                    id="",
                    page=page_number,
                    text=" ".join(w.text for w in ocr_words),
                    box=box,
                    confidence=1.0,
                    words=ocr_words,
                )
            )
    return result


def read_page(doc: pdfium.PdfDocument, page_number: int) -> OcrPage:
    """The text layer of one page (1-based) of an open document."""
    started = time.perf_counter()
    page = doc[page_number - 1]
    try:
        transform = _Transform(page)
        textpage = page.get_textpage()
        try:
            words = _words(_chars(textpage, transform))
        finally:
            textpage.close()
    finally:
        page.close()
    width, height = transform.size
    lines = order_lines(_page_lines(words, page_number))
    return OcrPage(
        number=page_number,
        width=round(width, 2),
        height=round(height, 2),
        unit="pt",
        engine=ENGINE,
        lines=lines,
        seconds=round(time.perf_counter() - started, 4),
    )


def read_text_layer(
    data: bytes, pages: Sequence[int], *, password: str | None = None
) -> list[OcrPage]:
    """The text layer of ``pages`` (1-based) as OCR pages in PDF points, origin top left.

    A page that cannot be read becomes an empty :class:`OcrPage` with ``error`` set;
    a file that cannot be opened raises :class:`~invoice_pipeline.processing.imaging.pdf.PdfError`.
    """
    result: list[OcrPage] = []
    with open_pdf(data, password) as doc:
        count = len(doc)
        for number in pages:
            if not 1 <= number <= count:
                result.append(
                    OcrPage(
                        number=number,
                        width=0,
                        height=0,
                        unit="pt",
                        engine=ENGINE,
                        error=f"page_out_of_range: the PDF has {count} pages",
                    )
                )
                continue
            try:
                result.append(read_page(doc, number))
            except (pdfium.PdfiumError, PdfError, ValueError) as exc:
                result.append(
                    OcrPage(
                        number=number,
                        width=0,
                        height=0,
                        unit="pt",
                        engine=ENGINE,
                        error=f"text_layer_failed: {exc}",
                    )
                )
    return result


__all__ = ["ENGINE", "LINE_GAP_EM", "read_page", "read_text_layer"]
