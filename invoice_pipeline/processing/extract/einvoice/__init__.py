"""Structured e-invoices: read the fields from the XML, not from the pixels.

A Factur-X / ZUGFeRD / XRechnung PDF carries the invoice as an embedded XML
file (EN 16931 in UN/CEFACT CII syntax, or ZUGFeRD 1.0's older CII), and an
XRechnung or Peppol invoice may arrive as a bare UBL 2.1 ``Invoice`` /
``CreditNote`` file. :func:`find_embedded_xml` (:mod:`.embedded`) picks the
e-invoice attachment out of a PDF with pypdfium2, :func:`is_einvoice_xml`
(:mod:`.safe_xml`) recognises one safely, :func:`parse_einvoice`
(:mod:`.parse`, with the readers :mod:`.cii` and :mod:`.ubl`) turns it into an
:class:`ExtractedInvoice` with exact values (plain decimal strings, ISO dates,
confidence 1.0), and :func:`cross_check` (:mod:`.print_check`) reports where
the human-readable print of the same document disagrees with the XML;
:class:`EInvoiceExtractor` (:mod:`.extractor`) does both for a document. All
XML is parsed with lxml without DTD loading, entity expansion or network
access; a document that declares a DTD or entities is refused outright, so
XXE and entity-expansion payloads never get expanded.
"""

from __future__ import annotations

from invoice_pipeline.processing.extract.einvoice.embedded import find_embedded_xml
from invoice_pipeline.processing.extract.einvoice.extractor import EInvoiceExtractor
from invoice_pipeline.processing.extract.einvoice.parse import PROVIDER, parse_einvoice
from invoice_pipeline.processing.extract.einvoice.print_check import MISMATCH_CODE, cross_check
from invoice_pipeline.processing.extract.einvoice.safe_xml import (
    EInvoiceError,
    UnsafeXmlError,
    is_einvoice_xml,
)

__all__ = [
    "MISMATCH_CODE",
    "PROVIDER",
    "EInvoiceError",
    "EInvoiceExtractor",
    "UnsafeXmlError",
    "cross_check",
    "find_embedded_xml",
    "is_einvoice_xml",
    "parse_einvoice",
]
