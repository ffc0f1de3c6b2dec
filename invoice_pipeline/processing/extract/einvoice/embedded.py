"""Finding the e-invoice XML embedded in a PDF (Factur-X, ZUGFeRD, XRechnung).

:func:`find_embedded_xml` reads the PDF's attachments with pypdfium2 and
returns the first that :func:`~invoice_pipeline.processing.extract.einvoice.safe_xml.is_einvoice_xml`
accepts, attachments with a known profile name first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pypdfium2 as pdfium

from invoice_pipeline.processing.extract.einvoice.safe_xml import MAX_XML_BYTES, is_einvoice_xml

KNOWN_ATTACHMENT_NAMES: tuple[str, ...] = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
)
"""Attachment names of the Factur-X / ZUGFeRD / XRechnung profiles (case-insensitive)."""


def _attachments(pdf_data: bytes) -> Iterator[tuple[str, bytes]]:
    try:
        pdf = pdfium.PdfDocument(pdf_data)
    except pdfium.PdfiumError:
        return
    try:
        for index in range(pdf.count_attachments()):
            try:
                attachment = pdf.get_attachment(index)
                name = attachment.get_name()
                data = bytes(attachment.get_data())
            except pdfium.PdfiumError:
                continue
            if data and len(data) <= MAX_XML_BYTES:
                yield name, data
    finally:
        pdf.close()


def find_embedded_xml(pdf_data: bytes) -> tuple[str, bytes] | None:
    """The (attachment name, bytes) of the e-invoice XML embedded in a PDF, or None.

    Attachments with a Factur-X / ZUGFeRD / XRechnung name come first; any
    other attachment counts when its content is a CII or UBL invoice. An
    attachment with a known name but other content is ignored. An unreadable
    or encrypted PDF gives None.
    """
    candidates = list(_attachments(pdf_data))

    def rank(item: tuple[str, bytes]) -> int:
        name = item[0].rsplit("/", 1)[-1].lower()
        if name in KNOWN_ATTACHMENT_NAMES:
            return KNOWN_ATTACHMENT_NAMES.index(name)
        return len(KNOWN_ATTACHMENT_NAMES) + (0 if name.endswith(".xml") else 1)

    for name, data in sorted(candidates, key=rank):
        if is_einvoice_xml(data):
            return name, data
    return None
