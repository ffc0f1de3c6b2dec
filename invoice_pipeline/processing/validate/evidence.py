"""Evidence of the validated fields: where each value came from, and values the text lacks.

:func:`field_evidence` gives every extracted field its confidence, page, box
and OCR lines (page and box filled from the lines when the extractor gave
none); :func:`derived_evidence` gives a computed field the weakest confidence
of its inputs; :func:`values_not_in_text` reports key values the document text
does not show (a provider may invent or misplace them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from invoice_pipeline.processing.validate.amounts import amounts_in_text
from invoice_pipeline.processing.validate.issues import issue
from invoice_pipeline.processing.validate.locale import LocaleEvidence
from invoice_pipeline.schema import Evidence, ExtractedInvoice, Issue, OcrDocument

__all__ = ["derived_evidence", "field_evidence", "glued_values", "values_not_in_text"]

GLUED_FIELDS = ("invoice_date", "total_amount")
"""Key values whose digits an OCR engine may lose where it runs them into a word before them."""


def _union_box(
    boxes: Iterable[tuple[float, float, float, float]],
) -> tuple[float, float, float, float]:
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def field_evidence(extracted: ExtractedInvoice, ocr: OcrDocument | None) -> dict[str, Evidence]:
    """Evidence per extracted field; page and box filled from the OCR lines when missing."""
    lines = {line.id: line for line in ocr.lines} if ocr is not None else {}
    evidence: dict[str, Evidence] = {}
    for name, fv in extracted.fields.items():
        if fv.value is None or not str(fv.value).strip():
            continue
        page, box = fv.page, fv.box
        found = [lines[i] for i in fv.line_ids if i in lines]
        if found and (page is None or box is None):
            page = page if page is not None else found[0].page
            on_page = [line.box for line in found if line.page == page]
            if box is None and on_page:
                box = _union_box(on_page)
        evidence[name] = Evidence(
            confidence=fv.confidence,
            page=page,
            box=box,
            line_ids=list(fv.line_ids),
            text=fv.value,
            score=fv.score,
            source=fv.source,
        )
    return evidence


def derived_evidence(evidence: dict[str, Evidence], sources: Iterable[str]) -> Evidence:
    """Evidence of a computed field: the weakest confidence of its inputs, their lines."""
    inputs = [evidence[s] for s in sources if s in evidence]
    line_ids: list[str] = []
    for ev in inputs:
        line_ids.extend(i for i in ev.line_ids if i not in line_ids)
    return Evidence(
        confidence=min((ev.confidence for ev in inputs), default=0.0),
        line_ids=line_ids,
    )


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


def _not_in_text(
    text: str,
    values: dict[str, str | None],
    total: Decimal | None,
    locale: LocaleEvidence,
) -> list[Issue]:
    """Key values the document text does not show (a provider may invent or misplace them)."""
    issues: list[Issue] = []
    squashed = _squash(text)
    for name, value in values.items():
        if value and _squash(value) and _squash(value) not in squashed:
            issues.append(
                issue("value_not_in_text", f"{name} {value!r} does not appear in the text", name)
            )
    if total is not None:
        printed = amounts_in_text(text, decimal_hint=locale.decimal_separator)
        if abs(total) not in printed:
            issues.append(
                issue(
                    "value_not_in_text",
                    f"total_amount {total} does not appear in the text",
                    "total_amount",
                )
            )
    return issues


def values_not_in_text(
    ocr: OcrDocument | None,
    values: dict[str, str | None],
    total: Decimal | None,
    locale: LocaleEvidence,
) -> list[Issue]:
    """Issues for ``values`` and ``total`` missing from the OCR text and XML; none without text."""
    haystack = "\n".join(part for part in (ocr.text if ocr else "", ocr.xml if ocr else "") if part)
    if not haystack.strip():
        return []
    return _not_in_text(haystack, values, total, locale)


def glued_values(extracted: ExtractedInvoice, ocr: OcrDocument | None) -> list[Issue]:
    """Warnings for key values an OCR engine printed run into a word before them, and for an
    invoice date read from a line where the OCR merged dates and lost part of one.

    "Rechnungsdatud8. September 2025" for "Rechnungsdatum 18. September 2025", "Fecha5 de
    diciembre" for "Fecha 25 de diciembre": where the engine merges a label and a value it
    may drop the characters between them, so the value read is suspect. Only for pages read
    from pixels; a text layer prints what the PDF holds.
    """
    if ocr is None:
        return []
    pixels = {p.number for p in ocr.pages if p.unit == "px"}
    lines = {line.id: line for line in ocr.lines if line.page in pixels}
    out = []
    for name in GLUED_FIELDS:
        fv = extracted.fields.get(name)
        value = str(fv.value).strip() if fv is not None and fv.value else ""
        if not value or not value[0].isdigit():
            continue
        for line_id in fv.line_ids:  # type: ignore[union-attr]
            line = lines.get(line_id)
            if line is None:
                continue
            at = line.text.find(value)
            if at > 0 and line.text[at - 1].isalpha():
                word = line.text[:at].split()[-1] + value.split()[0]
                why = f"run into the word before it ({word!r})"
            elif name == "invoice_date" and _broken_dates(line.text):
                why = f"from a line with a broken date beside it ({line.text!r})"
            else:
                continue
            out.append(
                issue(
                    "value_glued_to_text",
                    f"the {name.replace('_', ' ')} {value!r} is read {why}: the OCR may have "
                    "run values together and lost characters between them",
                    name,
                    severity="warning",
                )
            )
            break
    return out


def _broken_dates(text: str) -> bool:
    """More month names than whole dates on the line: "26 de noviembre de 2 diciembre de
    2022", an OCR's merge of two dates side by side that lost the middle of them."""
    # imported here: the rules' value parsers import this stage's amount parser
    from invoice_pipeline.processing.extract.rules.values import find_dates
    from invoice_pipeline.processing.extract.rules.vocabulary import MONTHS, fold

    months = sum(
        1 for word in re.findall(r"[^\W\d_]{4,}", fold(text)) if MONTHS.get(word) is not None
    )
    return months > len(find_dates(text))
