"""The e-invoice extractor: the fields of a document's e-invoice XML, checked against its print.

:class:`EInvoiceExtractor` is the :class:`~invoice_pipeline.processing.extract.base.Extractor`
of documents that carry an e-invoice (``OcrDocument.xml``, from an embedded
Factur-X / ZUGFeRD / XRechnung attachment or a bare CII or UBL file): it reads
the values from the XML (:func:`~.parse.parse_einvoice`) and, when the
document also has printed text, adds an issue for every key value the print
does not show (:func:`~.print_check.cross_check`).
"""

from __future__ import annotations

from invoice_pipeline.processing.extract.base import ExtractionFailed, Extractor
from invoice_pipeline.processing.extract.einvoice.parse import PROVIDER, parse_einvoice
from invoice_pipeline.processing.extract.einvoice.print_check import cross_check
from invoice_pipeline.schema import ExtractedInvoice, OcrDocument


class EInvoiceExtractor(Extractor):
    """Invoice fields from the document's e-invoice XML; no OCR text is read for them."""

    name = PROVIDER

    def extract(self, ocr: OcrDocument) -> ExtractedInvoice:
        """The XML's fields; ExtractionFailed for a document without e-invoice XML."""
        if ocr.xml is None:
            raise ExtractionFailed(f"{ocr.document_id} carries no e-invoice XML")
        extracted = parse_einvoice(ocr.xml.encode("utf-8"), document_id=ocr.document_id)
        if ocr.lines:
            extracted.issues.extend(cross_check(extracted, ocr.text))
        return extracted
