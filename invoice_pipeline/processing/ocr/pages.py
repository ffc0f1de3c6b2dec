"""The page loop of the OCR stage: every page of a document read into an OcrDocument.

:func:`read_document` reads every page: with ``engine="auto"`` pages that have
a real text layer are read from the PDF (no OCR), the others by rapidocr; with
a named engine, that engine reads every page that has pixels and text-layer
pages without pixels still come from the text layer. A page that cannot be
read becomes an empty :class:`OcrPage` with ``error`` and an issue, never an
exception; the document is ``failed`` only when no page could be read.
Each OCR call has a time limit (``OcrOptions.page_timeout_seconds``, from
OCR_PAGE_TIMEOUT_SECONDS, default 120; None turns it off): the engine reads the
page in a worker thread, and a page not done in time becomes an empty page with
``ocr_timeout``. Python cannot stop a thread, so the late worker is abandoned,
not killed: it finishes in the background (using a core until then) and its
result is dropped; the engines read pages without shared mutable state per call
(onnxruntime sessions are thread-safe, tesseract runs in its own process), so
the next page can start meanwhile. A MemoryError is not a page problem but the
worker's: it propagates, so the step's retry policy can run it again.
:func:`read_image_pages` is the engine's part alone (no PDF touched), for the
background OCR thread of :mod:`.prefetch`; :func:`read_document` takes its result
as ``image_pages``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from invoice_pipeline.processing.ocr.base import OcrEngine
from invoice_pipeline.processing.ocr.options import OcrOptions
from invoice_pipeline.processing.ocr.registry import DEFAULT_ENGINE, ENGINE_NAMES, engine_for
from invoice_pipeline.schema import Issue, OcrDocument, OcrPage, PreprocessedDocument


class OcrPageTimeout(Exception):
    """The engine did not finish a page within the time limit (the page is left empty)."""


def read_page_with_time_limit(
    engine: OcrEngine, image: np.ndarray, number: int, limit: float | None
) -> OcrPage:
    """``engine.read(image, number)``, abandoned with :class:`OcrPageTimeout` after ``limit`` s."""
    if limit is None:
        return engine.read(image, number)
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["page"] = engine.read(image, number)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"ocr-page-{number}", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise OcrPageTimeout(
            f"the engine took longer than {limit:g}s (OCR_PAGE_TIMEOUT_SECONDS); "
            "the page was abandoned"
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["page"]


def _error_page(
    number: int, engine: str, error: str, width: float = 0, height: float = 0
) -> OcrPage:
    return OcrPage(number=number, width=width, height=height, unit="px", engine=engine, error=error)


def _names(options: OcrOptions) -> tuple[str, str]:
    """(engine as asked, lower case; the OCR engine that reads pixels)."""
    engine_name = (options.engine or "auto").lower()
    ocr_name = DEFAULT_ENGINE if engine_name == "auto" else engine_name
    if ocr_name not in ENGINE_NAMES:
        raise ValueError(
            f"unknown OCR engine {options.engine!r}; choose auto or one of {ENGINE_NAMES}"
        )
    return engine_name, ocr_name


def _text_pages(pre: PreprocessedDocument, engine_name: str) -> list[int]:
    return [
        p.page_number
        for p in pre.pages
        if p.error is None and p.has_text_layer and (engine_name == "auto" or p.image is None)
    ]


def read_document(
    pre: PreprocessedDocument,
    *,
    options: OcrOptions | None = None,
    pdf_bytes: bytes | None = None,
    image_pages: dict[int, OcrPage] | None = None,
) -> OcrDocument:
    """OCR (or read the text layer of) every page of ``pre`` into an :class:`OcrDocument`.

    ``options`` choose the engine, its device and settings and the time limit per page
    (None: :class:`OcrOptions` defaults). ``pdf_bytes`` is the original PDF, needed
    for pages marked ``has_text_layer``. ``image_pages`` are pages already read by
    :func:`read_image_pages` with the same options (OCR started ahead on another
    thread); the rest is read here. Engine start-up errors (a missing package)
    propagate; per-page errors are recorded on the page and as issues.
    """
    options = options or OcrOptions()
    engine_name, ocr_name = _names(options)
    results = _read_text_layer(_text_pages(pre, engine_name), pdf_bytes)
    for number, page in (image_pages or {}).items():
        results.setdefault(number, page)
    _read_images(pre, results, options, ocr_name)
    return _document(pre, [results[p.page_number] for p in pre.pages], ocr_name)


def read_image_pages(
    pre: PreprocessedDocument, *, options: OcrOptions | None = None
) -> dict[int, OcrPage]:
    """The pages of ``pre`` that :func:`read_document` reads with the OCR engine, by number.

    Touches no PDF (PDFium is not thread-safe), only page arrays and the engine, so it
    can run on a background thread while the main thread renders the next document;
    hand the result to :func:`read_document` as ``image_pages``.
    """
    options = options or OcrOptions()
    engine_name, ocr_name = _names(options)
    skip = set(_text_pages(pre, engine_name))
    results: dict[int, OcrPage] = {}
    _read_images(pre, results, options, ocr_name, skip=skip)
    return results


def _read_text_layer(text_pages: list[int], pdf_bytes: bytes | None) -> dict[int, OcrPage]:
    """The pages ``text_pages`` read from the PDF's text layer (error pages where it fails)."""
    from invoice_pipeline.processing.ocr.text_layer import ENGINE as TEXT_LAYER
    from invoice_pipeline.processing.ocr.text_layer import read_text_layer

    results: dict[int, OcrPage] = {}
    if not text_pages:
        return results
    if pdf_bytes is None:
        for number in text_pages:
            results[number] = _error_page(
                number, TEXT_LAYER, "text_layer_unavailable: the PDF bytes were not given"
            )
        return results
    try:
        for page in read_text_layer(pdf_bytes, text_pages):
            results[page.number] = page
    except Exception as exc:  # a PdfError or a PDFium failure: record, go on
        for number in text_pages:
            results[number] = _error_page(number, TEXT_LAYER, f"text_layer_failed: {exc}")
    return results


def _read_images(
    pre: PreprocessedDocument,
    results: dict[int, OcrPage],
    options: OcrOptions,
    ocr_name: str,
    skip: set[int] | None = None,
) -> None:
    """OCR every page of ``pre`` not in ``results`` (nor ``skip``) into ``results``, one at
    a time."""
    ocr_engine: OcrEngine | None = None
    time_limit = options.page_timeout_seconds
    for page in pre.pages:
        number = page.page_number
        if number in results or (skip is not None and number in skip):
            continue
        if page.error is not None:
            results[number] = _error_page(
                number, ocr_name, f"preprocess_failed: {page.error}", page.width, page.height
            )
            continue
        if page.image is None:
            results[number] = _error_page(
                number, ocr_name, "no_image: the page has neither pixels nor a text layer"
            )
            continue
        if ocr_engine is None:
            ocr_engine = engine_for(options)  # start-up errors propagate
        height, width = page.image.shape[:2]
        try:
            results[number] = read_page_with_time_limit(ocr_engine, page.image, number, time_limit)
        except MemoryError:
            raise  # the worker is short of memory, not the page broken: let the step retry
        except OcrPageTimeout as exc:
            results[number] = _error_page(number, ocr_name, f"ocr_timeout: {exc}", width, height)
        except Exception as exc:  # one unreadable page must not sink the document
            results[number] = _error_page(
                number, ocr_name, f"ocr_failed: {type(exc).__name__}: {exc}", width, height
            )


def _document(pre: PreprocessedDocument, pages: list[OcrPage], ocr_name: str) -> OcrDocument:
    """The OcrDocument of ``pages``: an issue per page error, failed when none was read."""
    issues: list[Issue] = list()
    for page in pages:
        if page.error:
            issues.append(
                Issue(
                    code=page.error.split(":", 1)[0],
                    message=f"page {page.number}: {page.error}",
                    severity="warning",
                    stage="ocr_text",
                )
            )
    used = []
    for page in pages:
        if page.error is None and page.engine not in used:
            used.append(page.engine)
    if not pages and pre.kind == "xml":
        # an e-invoice XML has no pages: nothing to read is not a failure here
        return OcrDocument(document_id=pre.document_id, engine="none", issues=issues)
    failed = not pages or all(page.error is not None for page in pages)
    if pre.failed and not pages:
        issues.extend(pre.issues)
    if failed:
        issues.append(
            Issue(
                code="ocr_no_page_read",
                message="no page of the document could be read",
                severity="error",
                stage="ocr_text",
            )
        )
    return OcrDocument(
        document_id=pre.document_id,
        engine="+".join(used) if used else ocr_name,
        pages=pages,
        issues=issues,
        failed=failed,
    )


__all__ = ["OcrPageTimeout", "read_document", "read_image_pages", "read_page_with_time_limit"]
