"""One function per pipeline stage: what each asset calls.

Each stage takes the upstream values of one document and returns the next
contract of ``schema.py``. A document that failed upstream flows on as a
failed value carrying its issues, so a batch never stops for one bad file and
every document ends with a record. Only transient trouble (an LLM provider
that is down, a database that restarts) raises, so that Dagster's retry
policy can run the step again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from invoice_pipeline.processing.documents import Limits
from invoice_pipeline.processing.llm.base import ExtractionFailed, Extractor
from invoice_pipeline.schema import (
    Evaluation,
    ExtractedInvoice,
    Invoice,
    InvoiceRecord,
    Issue,
    OcrDocument,
    PreprocessedDocument,
    RawDocument,
)

log = logging.getLogger(__name__)


def preprocess(
    raw: RawDocument, data: bytes | None, *, dpi: int = 200, limits: Limits | None = None
) -> PreprocessedDocument:
    """Render PDF pages without a text layer and clean up images for OCR."""
    if raw.failed or data is None:
        return PreprocessedDocument(
            document_id=raw.document_id, kind=raw.kind, failed=True, issues=list(raw.issues)
        )
    if raw.kind == "xml":
        return PreprocessedDocument(document_id=raw.document_id, kind="xml")
    from invoice_pipeline.processing import image

    limits = limits or Limits()
    try:
        pre = image.preprocess_document(raw, data, dpi=dpi, max_pixels=limits.max_image_pixels)
    except (image.ImageError, ValueError, OSError) as exc:
        code = getattr(exc, "reason_code", "preprocess_failed")
        return PreprocessedDocument(
            document_id=raw.document_id,
            kind=raw.kind,
            failed=True,
            issues=[*raw.issues, Issue(code=code, message=str(exc), stage="preprocessed")],
        )
    pre.issues = [*raw.issues, *pre.issues]
    return pre


def read_text(
    raw: RawDocument,
    pre: PreprocessedDocument,
    data: bytes | None,
    *,
    engine: str = "auto",
    device: str = "cpu",
) -> OcrDocument:
    """Text with boxes: the PDF text layer where there is one, OCR elsewhere, e-invoice XML."""
    if pre.failed or data is None:
        return OcrDocument(
            document_id=raw.document_id, engine="none", failed=True, issues=list(pre.issues)
        )
    xml: str | None = None
    if raw.kind == "xml":
        xml = data.decode("utf-8", errors="replace")
        ocr = OcrDocument(document_id=raw.document_id, engine="einvoice_xml")
    else:
        from invoice_pipeline.processing import ocr as ocr_engines

        ocr = ocr_engines.read_document(
            pre, engine=engine, device=device, pdf_bytes=data if raw.kind == "pdf" else None
        )
        if raw.embedded_xml:
            from invoice_pipeline.processing import pdf

            xml = pdf.embedded_file(data, raw.embedded_xml).decode("utf-8", errors="replace")
    ocr.xml = xml
    ocr.issues = [*pre.issues, *ocr.issues]
    if not ocr.lines and xml is None:
        ocr.issues.append(
            Issue(
                code="no_text",
                message="no text was found on any page",
                severity="warning",
                stage="ocr_text",
            )
        )
    return ocr


def extract(ocr: OcrDocument, extractor: Extractor) -> ExtractedInvoice:
    """Fields from the e-invoice XML when there is one, else from the configured extractor."""
    if ocr.failed:
        return ExtractedInvoice(
            document_id=ocr.document_id, provider="none", failed=True, issues=list(ocr.issues)
        )
    if ocr.xml is not None:
        from invoice_pipeline.processing import einvoice

        extracted = einvoice.parse_einvoice(ocr.xml.encode("utf-8"), document_id=ocr.document_id)
        if ocr.lines:
            extracted.issues.extend(einvoice.cross_check(extracted, ocr.text))
    else:
        try:
            extracted = extractor.extract(ocr)
        except ExtractionFailed as exc:
            extracted = ExtractedInvoice(
                document_id=ocr.document_id,
                provider=extractor.name,
                model=extractor.model,
                issues=[Issue(code="extraction_failed", message=str(exc), stage="llm_fields")],
            )
    extracted.issues = [*ocr.issues, *extracted.issues]
    return extracted


def unextracted(ocr: OcrDocument, provider: str, reason: str) -> ExtractedInvoice:
    """The value of a document whose provider stayed unavailable: a person must read it."""
    return ExtractedInvoice(
        document_id=ocr.document_id,
        provider=provider,
        issues=[
            *ocr.issues,
            Issue(code="provider_unavailable", message=reason, stage="llm_fields"),
        ],
    )


def validate(extracted: ExtractedInvoice, raw: RawDocument, ocr: OcrDocument | None) -> Invoice:
    """Normalised values, derived totals and every schema problem as an issue."""
    if extracted.failed:
        return Invoice(
            document_id=extracted.document_id,
            source_file=raw.source_file,
            failed=True,
            issues=list(extracted.issues),
        )
    from invoice_pipeline.processing import validate as validation

    return validation.validate(extracted, source_file=raw.source_file, ocr=ocr)


def evaluate(
    invoice: Invoice,
    ocr: OcrDocument | None,
    *,
    earlier: Sequence[InvoiceRecord] = (),
    provider: str | None = None,
) -> Evaluation:
    """The decision approved | manual_review | failed, with checks, score and record."""
    from invoice_pipeline.processing import evaluate as evaluation

    ocr_confidence = ocr.mean_confidence if ocr is not None and ocr.lines else None
    return evaluation.evaluate(
        invoice,
        ocr_confidence=ocr_confidence,
        earlier=earlier,
        extractor=provider,
        ocr_engine=ocr.engine if ocr is not None else None,
    )
