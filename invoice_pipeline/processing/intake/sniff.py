"""What a file is, decided by its bytes, never its name: PDF, image, XML e-invoice or unsupported.

:func:`sniff` looks at the magic bytes of a file's head (``filetype`` for
images and other binary formats) and, for XML, asks the e-invoice reader
whether it is an e-invoice it knows. The drop-folder scanner calls it on the
first 64 KiB of every stable file; ``ingest_document`` calls it on the whole
archived document.
"""

from __future__ import annotations

import filetype

from invoice_pipeline.schema import DocumentKind

IMAGE_TYPES = {"image/png", "image/jpeg", "image/tiff", "image/webp", "image/bmp"}


def _looks_like_html(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))


def _looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<?xml") or (head.startswith(b"<") and not _looks_like_html(data))


def sniff(data: bytes) -> tuple[str | None, DocumentKind]:
    """The media type and kind of a file, decided by its bytes, never its name."""
    if not data:
        return None, "unsupported"
    if b"%PDF-" in data[:1024]:
        return "application/pdf", "pdf"
    guess = filetype.guess(data[:8192])
    if guess is not None:
        if guess.mime in IMAGE_TYPES:
            return guess.mime, "image"
        return guess.mime, "unsupported"
    if _looks_like_xml(data):
        from invoice_pipeline.processing.extract.einvoice import is_einvoice_xml

        if is_einvoice_xml(data):
            return "application/xml", "xml"
        return "application/xml", "unsupported"
    if _looks_like_html(data):
        return "text/html", "unsupported"
    return None, "unsupported"
