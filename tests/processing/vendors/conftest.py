"""Vendor invoices from the sample generators, read through the real stages (text layer)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from invoice_pipeline.processing import stages
from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from invoice_pipeline.processing.intake.documents import describe
from invoice_pipeline.samples import build_invoice
from invoice_pipeline.samples.second import build_document
from invoice_pipeline.schema import ExtractedInvoice, InvoiceRecord, OcrDocument, RawDocument


@dataclass
class Read:
    """One generated invoice: its truth, its OCR and what the rules extractor read."""

    truth: InvoiceRecord
    ocr: OcrDocument
    extracted: ExtractedInvoice


def read(content: bytes, document_id: str, suffix: str) -> OcrDocument:
    raw = RawDocument(
        document_id=document_id,
        source_file=document_id + suffix,
        file_name=document_id + suffix,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
    )
    raw = describe(raw, content)
    return stages.read_text(raw, stages.preprocess(raw, content), content)


def invoice(
    vendor: int, i: int, *, layout: str = "classic", locale: str = "de", kind: str = "pdf"
) -> Read:
    """Invoice ``i`` of ``vendor`` from the project's generator."""
    document_id = f"v{vendor}-{layout}-{kind}-{i}"
    built = build_invoice(vendor * 1000 + i, locale, layout, kind, vendor=vendor)
    ocr = read(built.content, document_id, built.suffix)
    return Read(built.truth(document_id), ocr, RulesExtractor().extract(ocr))


def second_invoice(vendor: int, i: int, *, layout: str, locale: str) -> Read:
    """Invoice ``i`` of ``vendor`` from the second generator."""
    document_id = f"s{vendor}-{layout}-{i}"
    built = build_document(vendor * 1000 + i, locale, layout, "pdf", totals_style="plain",
                           vendor=vendor)  # fmt: skip
    ocr = read(built.content, document_id, built.suffix)
    return Read(built.doc.to_record(document_id, document_id), ocr, RulesExtractor().extract(ocr))
