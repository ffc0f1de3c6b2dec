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
from decimal import Decimal

from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.processing.extract.base import ExtractionFailed, Extractor
from invoice_pipeline.processing.intake.documents import Limits
from invoice_pipeline.processing.ocr.options import OcrOptions
from invoice_pipeline.schema import (
    Evaluation,
    ExtractedInvoice,
    Invoice,
    InvoiceRecord,
    Issue,
    OcrDocument,
    OcrPage,
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
    from invoice_pipeline.processing.imaging.load import ImageError
    from invoice_pipeline.processing.imaging.preprocess import preprocess_document

    limits = limits or Limits()
    try:
        pre = preprocess_document(raw, data, dpi=dpi, max_pixels=limits.max_image_pixels)
    except (ImageError, ValueError, OSError) as exc:
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
    options: OcrOptions | None = None,
    image_pages: dict[int, OcrPage] | None = None,
) -> OcrDocument:
    """Text with boxes: the PDF text layer where there is one, OCR elsewhere, e-invoice XML.

    ``options`` choose the OCR engine, device and time limit per page (None: defaults);
    ``image_pages``: pages the engine already read (``ocr.pages.read_image_pages``).
    """
    if pre.failed or data is None:
        return OcrDocument(
            document_id=raw.document_id,
            engine="none",
            failed=True,
            issues=list(pre.issues),
            source_file=raw.source_file,
        )
    xml: str | None = None
    if raw.kind == "xml":
        xml = data.decode("utf-8", errors="replace")
        ocr = OcrDocument(document_id=raw.document_id, engine="einvoice_xml")
    else:
        from invoice_pipeline.processing.ocr.pages import read_document

        ocr = read_document(
            pre,
            options=options,
            pdf_bytes=data if raw.kind == "pdf" else None,
            image_pages=image_pages,
        )
        if raw.embedded_xml:
            from invoice_pipeline.processing.imaging import pdf

            xml = pdf.embedded_file(data, raw.embedded_xml).decode("utf-8", errors="replace")
    ocr.xml = xml
    ocr.source_file = raw.source_file
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
        from invoice_pipeline.processing.extract.einvoice import EInvoiceExtractor

        extracted = EInvoiceExtractor().extract(ocr)
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
        if not any(i.code == "prompt_injection_suspected" for i in extracted.issues):
            extracted.issues.extend(_injection_issues(ocr))
    extracted.issues = [*ocr.issues, *extracted.issues]
    return extracted


def _injection_issues(ocr: OcrDocument) -> list[Issue]:
    """A warning for lines that read like instructions to a model, whatever the extractor.

    The LLM providers flag them while checking an answer; the rules extractor
    never obeys text, but a page that tries to is still one a person should see.
    """
    from invoice_pipeline.processing.extract.injection import looks_like_injection

    ids = [line.id for line in ocr.lines if looks_like_injection(line.text)]
    if not ids:
        return []
    return [
        Issue(
            code="prompt_injection_suspected",
            severity="warning",
            stage="llm_fields",
            message=f"{len(ids)} line(s) read like instructions to a model ({', '.join(ids[:5])}); "
            "they were read as data only",
        )
    ]


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


def validate(extracted: ExtractedInvoice, ocr: OcrDocument) -> Invoice:
    """Normalised values, derived totals and every schema problem as an issue.

    The invoice also carries what the decision needs from earlier stages (which
    extractor and OCR engine read it, and how confidently), so ``evaluation``
    depends on ``validated`` alone.
    """
    if extracted.failed:
        invoice = Invoice(
            document_id=extracted.document_id,
            source_file=ocr.source_file,
            failed=True,
            issues=list(extracted.issues),
        )
    else:
        from invoice_pipeline.processing import validate as validation

        invoice = validation.validate(extracted, source_file=ocr.source_file, ocr=ocr)
    invoice.extractor = extracted.provider
    invoice.ocr_engine = ocr.engine
    invoice.ocr_confidence = ocr.mean_confidence if ocr.lines else None
    invoice.printed_rates = printed_rates(ocr)
    return invoice


def printed_rates(ocr: OcrDocument) -> list[Decimal]:
    """The distinct percentages below 100 printed on the document, smallest first."""
    from invoice_pipeline.processing.extract.rules.values import PERCENT_RE

    found: set[Decimal] = set()
    for line in ocr.lines:
        for m in PERCENT_RE.finditer(line.text):
            try:
                found.add(Decimal(m.group(1).replace(",", ".")))
            except ArithmeticError:
                continue
    return sorted(r for r in found if 0 < r < 100)


def evaluate(
    invoice: Invoice,
    *,
    earlier: Sequence[InvoiceRecord] = (),
    thresholds: Thresholds | None = None,
) -> Evaluation:
    """The decision approved | manual_review | failed, with checks, score and record."""
    from invoice_pipeline.processing import evaluate as evaluation

    return evaluation.evaluate(
        invoice,
        ocr_confidence=invoice.ocr_confidence,
        earlier=earlier,
        extractor=invoice.extractor,
        ocr_engine=invoice.ocr_engine,
        thresholds=thresholds,
    )
