"""What the page and the JSON API show of a document, built from the store and the pages.

:func:`document_view` joins a :class:`ReviewedDocument` (the record with and
without its review, version, audit trail) with its pages (sizes, image URLs,
e-invoice XML values) and lists each editable field with its value, the value
extracted, its confidence, its evidence (page, box, line ids) and the reasons
that concern it: the failed checks of the ``evaluation`` value where the storage
has it, else the reasons and issues of the record that name the field. The
same :class:`DocumentView` is the JSON of ``GET /api/documents/{id}`` and the
context of the HTML template.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel
from upath import UPath

from invoice_pipeline.processing.intake.store import safe_name
from invoice_pipeline.processing.results.review_store import AuditEntry, Review, ReviewedDocument
from invoice_pipeline.review.corrections import EDITABLE_FIELDS
from invoice_pipeline.review.pages import PageSource
from invoice_pipeline.schema import Box, InvoiceRecord, Issue

__all__ = ["DocumentView", "FieldView", "PageView", "document_view", "field_of_reason"]

_ALIASES = [
    ("iban", "iban"),
    ("due date", "due_date"),
    ("invoice date", "invoice_date"),
    ("line items", "line_items"),
    ("tax rate", "tax_amount"),
    ("subtotal", "total_amount"),
    ("total", "total_amount"),
    ("seller", "seller_name"),
    ("duplicate", "invoice_number"),
]


def field_of_reason(reason: str) -> str | None:
    """The field a reason sentence concerns: a field name in it, else a word for one."""
    text = reason.lower()
    for name in EDITABLE_FIELDS:
        if re.search(rf"\b{name}\b", text):
            return name
    for word, name in _ALIASES:
        if word in text:
            return name
    return None


class FieldView(BaseModel):
    """One editable field: values, confidence, evidence and the reasons beside it."""

    name: str
    value: str | None
    extracted_value: str | None
    corrected: bool
    confidence: float | None = None
    page: int | None = None
    box: Box | None = None
    line_ids: list[str] = []
    printed: str | None = None
    reasons: list[str] = []


class PageView(BaseModel):
    number: int
    width: float
    height: float
    unit: str
    image_url: str | None


class DocumentView(BaseModel):
    """A document as the review page and ``GET /api/documents/{id}`` show it."""

    document_id: str
    version: int
    status: str
    record: InvoiceRecord
    extracted: InvoiceRecord
    fields: list[FieldView]
    pages: list[PageView]
    reasons: list[str]
    """Reasons that concern no one field (the document as a whole)."""
    issues: list[Issue]
    xml_values: dict[str, str]
    review: Review | None
    audit: list[AuditEntry]
    dagster_url: str | None = None


def _failed_checks(storage_root: str, document_id: str) -> list[dict[str, Any]] | None:
    """The failed checks of the stored ``evaluation`` value (None when it is not there)."""
    if safe_name(document_id) != document_id:
        return None
    path = UPath(storage_root) / "assets" / "evaluation" / f"{document_id}.json"
    if not path.exists():
        return None
    value = json.loads(path.read_text()).get("value") or {}
    return [c for c in value.get("checks", []) if not c.get("passed") and c.get("blocking", True)]


def dagster_partition_url(base: str | None, document_id: str) -> str | None:
    """The Dagster UI page of this document's ``evaluation`` partition."""
    if not base:
        return None
    return f"{base}/assets/evaluation?view=partitions&partition={quote(document_id, safe='')}"


def document_view(
    doc: ReviewedDocument,
    pages: PageSource,
    storage_root: str,
    *,
    dagster_ui_url: str | None = None,
) -> DocumentView:
    """The view of one document (record, fields with boxes and reasons, pages, audit)."""
    record, extracted = doc.record, doc.extracted
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    checks = _failed_checks(storage_root, record.document_id)
    if record.status == "manual_review" and checks is not None:
        for check in checks:
            field = check.get("field") or field_of_reason(check.get("message", ""))
            target = by_field.setdefault(field, []) if field in EDITABLE_FIELDS else general
            target.append(check.get("message") or check.get("name", ""))
        listed = {m for ms in by_field.values() for m in ms} | set(general)
        general += [r for r in record.reasons if r not in listed]
    else:
        for reason in record.reasons:
            field = field_of_reason(reason)
            (by_field.setdefault(field, []) if field in EDITABLE_FIELDS else general).append(reason)
    for issue in record.issues:
        if issue.field in EDITABLE_FIELDS and issue.severity != "info":
            by_field.setdefault(issue.field, []).append(f"{issue.code}: {issue.message}")
    fields = []
    for name in EDITABLE_FIELDS:
        evidence = record.fields.get(name)
        fields.append(
            FieldView(
                name=name,
                value=getattr(record, name),
                extracted_value=getattr(extracted, name),
                corrected=getattr(record, name) != getattr(extracted, name),
                confidence=evidence.confidence if evidence else None,
                page=evidence.page if evidence else None,
                box=evidence.box if evidence else None,
                line_ids=list(evidence.line_ids) if evidence else [],
                printed=evidence.text if evidence else None,
                reasons=list(dict.fromkeys(by_field.get(name, []))),
            )
        )
    info = pages.pages(record.document_id)
    quoted = quote(record.document_id, safe="")
    return DocumentView(
        document_id=record.document_id,
        version=doc.version,
        status=record.status,
        record=record,
        extracted=extracted,
        fields=fields,
        pages=[
            PageView(
                number=p.number,
                width=p.width,
                height=p.height,
                unit=p.unit,
                image_url=f"/documents/{quoted}/pages/{p.number}.png" if p.image else None,
            )
            for p in info.pages
        ],
        reasons=list(dict.fromkeys(general)),
        issues=list(record.issues),
        xml_values=info.xml_values,
        review=doc.review,
        audit=doc.audit,
        dagster_url=dagster_partition_url(dagster_ui_url, record.document_id),
    )
