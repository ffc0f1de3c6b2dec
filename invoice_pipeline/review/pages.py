"""The pages of a document as the review page shows them: image, size and e-invoice XML.

The pipeline's asset values lie under ``<storage>/assets/<asset>/<document_id>.json``
(``resources/io_manager.py``): ``ocr_text`` gives each page's size in the unit
its boxes use (``pt`` for a PDF text layer, ``px`` for an OCR'd image) and the
e-invoice XML when there is one; ``preprocessed`` keeps the cleaned-up page
image the OCR read as ``<document_id>.pages/page-NNNN.png``. A page with a text
layer has no stored image: it is rendered on demand from the archived original
(``processing/intake/store.py``) with pypdfium2, through the imaging stage's
``render_page`` (which holds the PDFium lock: PDFium is not thread-safe). Every
path is built from a document id that the results database knows and that is a
safe file name, and a page number; nothing from a request becomes a path.
"""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from typing import Any

from PIL import Image
from pydantic import BaseModel
from upath import UPath

from invoice_pipeline.processing.extract.einvoice import parse_einvoice
from invoice_pipeline.processing.imaging.pdf import PdfError, render_page
from invoice_pipeline.processing.intake.store import DocumentStore, safe_name

__all__ = ["DocumentPages", "PageInfo", "PageSource"]

RENDER_DPI = 144
"""A text-layer page is rendered at 144 dpi (its boxes are in points; the SVG scales)."""


class PageInfo(BaseModel):
    """One page: its number, its size in the unit of its boxes, whether an image exists."""

    number: int
    width: float
    height: float
    unit: str = "px"
    image: bool = True


class DocumentPages(BaseModel):
    """A document's pages and, for an e-invoice, the values its XML states."""

    pages: list[PageInfo]
    xml_values: dict[str, str] = {}


class PageSource:
    """Reads page sizes and images of known documents under one storage root.

    Rendered and read PNGs are kept in a small in-memory LRU cache.
    """

    def __init__(self, storage_root: str, cache_pages: int = 32) -> None:
        self.root = UPath(storage_root)
        self.documents = DocumentStore(storage_root)
        self._cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._cache_pages = cache_pages
        self._lock = threading.Lock()

    def _asset(self, asset: str, document_id: str) -> dict[str, Any] | None:
        if safe_name(document_id) != document_id:
            return None
        path = self.root / "assets" / asset / f"{document_id}.json"
        if not path.exists():
            return None
        return json.loads(path.read_text()).get("value")

    def pages(self, document_id: str) -> DocumentPages:
        """The pages of a document (none when its values are not in this storage)."""
        ocr = self._asset("ocr_text", document_id) or {}
        pre = {
            p["page_number"]: p
            for p in (self._asset("preprocessed", document_id) or {}).get("pages", [])
        }
        pages = []
        for page in ocr.get("pages", []):
            number = int(page["number"])
            stored = self._png_path(document_id, number)
            renderable = page.get("unit") == "pt" or (pre.get(number) or {}).get("has_text_layer")
            pages.append(
                PageInfo(
                    number=number,
                    width=float(page["width"]),
                    height=float(page["height"]),
                    unit=page.get("unit", "px"),
                    image=bool(renderable or (stored is not None and stored.exists())),
                )
            )
        xml_values: dict[str, str] = {}
        if ocr.get("xml"):
            try:
                parsed = parse_einvoice(ocr["xml"].encode(), document_id=document_id)
                xml_values = {k: v.value for k, v in parsed.fields.items() if v.value}
            except Exception as exc:  # the page shows the problem instead of failing
                xml_values = {"error": f"{type(exc).__name__}: {exc}"}
        return DocumentPages(pages=pages, xml_values=xml_values)

    def _png_path(self, document_id: str, number: int) -> UPath | None:
        if safe_name(document_id) != document_id:
            return None
        folder = self.root / "assets" / "preprocessed" / f"{document_id}.pages"
        return folder / f"page-{number:04d}.png"

    def image(self, document_id: str, number: int) -> bytes | None:
        """The PNG of one page: the stored page, else the original rendered; None if neither."""
        key = (document_id, number)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = self._read_or_render(document_id, number)
        if data is not None:
            with self._lock:
                self._cache[key] = data
                while len(self._cache) > self._cache_pages:
                    self._cache.popitem(last=False)
        return data

    def _read_or_render(self, document_id: str, number: int) -> bytes | None:
        stored = self._png_path(document_id, number)
        if stored is not None and stored.exists():
            return stored.read_bytes()
        raw = self._asset("raw", document_id)
        if not raw or raw.get("kind") != "pdf" or not raw.get("sha256"):
            return None
        if not self.documents.has_archive(raw["sha256"]):
            return None
        try:  # the imaging stage's renderer: it holds the PDFium lock (not thread-safe)
            pixels = render_page(self.documents.read_archive(raw["sha256"]), number, RENDER_DPI)
        except PdfError:
            return None
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG")
        return buffer.getvalue()
