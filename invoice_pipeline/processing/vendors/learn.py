"""Learning a vendor profile from a confirmed record and the OCR of its document.

For each located field of the record (:data:`~.profile.LOCATED_FIELDS`) the
true value is looked for on the document's words, compared after
normalisation (a date in any print format, an amount with either separator, an
id without spaces). Where it is found, the label is the text next to it: the
words before it on its line, else the nearest line left of it on the same row,
else the nearest line above it in the same column. The rule keeps the label,
the value's offset from it in page fractions, the page region and the printed
format. Among several places of one value, a place with a label that occurs
once on the page wins, then one on the label's own row, then the place the
extractor read it from. The vendor's constants (name, address, VAT id, IBAN,
currency) are the record's. A new confirmation makes a new version: the rules it
could learn replace the earlier ones (a correction wins), the others are kept.
The line-item table's columns (:mod:`.table`) are learned from the confirmed
items when they sum to the subtotal (else to the total less tax).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

from invoice_pipeline.processing.extract.rules.role_vocabulary import (
    INVOICE_DATE_LABEL,
    OTHER_DATE_LABEL,
)
from invoice_pipeline.processing.extract.rules.vocabulary import fold
from invoice_pipeline.processing.validate.currency import normalise_currency
from invoice_pipeline.processing.vendors.identity import (
    name_key,
    registration_ids,
    vendor_identity,
)
from invoice_pipeline.processing.vendors.page import (
    Span,
    Word,
    decimal_separator,
    has_letters,
    page_lines,
    read_amount,
    read_date,
    read_id,
    region,
    shape_of,
    spans,
    strip_label,
)
from invoice_pipeline.processing.vendors.profile import (
    CONSTANT_FIELDS,
    LOCATED_FIELDS,
    FieldRule,
    Relation,
    VendorProfile,
)
from invoice_pipeline.processing.vendors.table import items_sum, learn_table
from invoice_pipeline.schema import Evidence, InvoiceRecord, OcrDocument

__all__ = ["learn_profile", "normalised_label"]

ABOVE_GAP = 0.05
"""The furthest a label above its value may be, in page heights."""
CELL_GAP = 0.15
"""The widest space between a box's label and the value right-aligned under it, in page
widths."""


def normalised_label(text: str) -> str:
    return " ".join(text.lower().replace(":", " ").replace("#", " ").split())


def _truth(kind: str, value: str) -> object | None:
    try:
        if kind == "date":
            return dt.date.fromisoformat(value[:10])
        if kind == "amount":
            return Decimal(value)
    except (ValueError, InvalidOperation):
        return None
    return read_id(value, None)


def _misread(read: str, truth: str) -> bool:
    """One character of an id misread by OCR ("P-24-6443" for "F-24-6443"): same length,
    at least five characters, one place differs."""
    return (
        len(read) == len(truth) >= 5 and sum(a != b for a, b in zip(read, truth, strict=True)) == 1
    )


def _matches(
    kind: str, span: Span, truth: object, *, misread: bool = False
) -> dict[str, object] | None:
    """The format details when ``span`` reads as ``truth``, else None; ``misread``: an id
    may differ from the truth by one misread character (its shape is the truth's)."""
    text = span.text
    if kind == "date":
        first, second = read_date(text, True), read_date(text, False)
        if truth not in (first, second):
            return None
        day_first: bool | None = None
        if first != second:
            day_first = first == truth
        return {"day_first": day_first}
    if kind == "amount":
        if read_amount(text, None) != truth:
            return None
        separator = decimal_separator(strip_label(text)[1])
        if separator is None or span.words[0].text[:1] in ",.":
            return None
        return {"decimal_separator": separator}
    read = read_id(text, None)
    if read == truth:
        return {"shape": shape_of(strip_label(text)[1])}
    if misread and read is not None and isinstance(truth, str) and _misread(read, truth):
        return {"shape": shape_of(truth)}
    return None


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


_RATE = re.compile(r"(?<![\d.,])\d{1,2}(?:[.,]\d{1,2})?\s*%?(?![\d.,]*\d)")


def _is_label(text: str, parties: list[str], *, rate: bool = False) -> bool:
    """Label-like text: letters, no digits (a date or a number differs per invoice), no
    party; ``rate``: a tax rate may be part of it ("TVA 20 :", "MwSt. 19 %")."""
    if rate:
        text = _RATE.sub(" ", text)
    if not has_letters(text) or any(c.isdigit() for c in text):
        return False
    key = name_key(text)
    return not any(key and fuzz.ratio(key, party) >= 85 for party in parties)


def _filler(text: str) -> bool:
    """A word printed between a label and its value that is not part of the label: a
    currency (``EUR``, ``€``, ``kr``), a rate (``19%``, ``(7 %)``) or punctuation; the
    reader skips up to two of them (``apply._read``)."""
    word = text.strip()
    if not word or "%" in word or not any(c.isalnum() for c in word):
        return True
    return len(word) <= 4 and normalise_currency(word, country="SE") is not None


def _label(
    span: Span, line: list[Word], lines: list[list[Word]], parties: list[str], *, rate: bool = False
) -> tuple[str, tuple[float, float, float, float], Relation] | None:
    """The label of a value: its line's words before it, else the nearest of the line left
    of it on its row and the line above it in its column (vertical gaps count double); a
    value right-aligned in a box under its label ("Nettobetrag" over a "261,26" that starts
    right of it) has the label whose box it sits in. ``rate``: the label may carry a tax
    rate."""
    glued, _ = strip_label(span.text)
    start = span.words[0].index
    left: list[Word] = []
    before = list(reversed(line[:start]))
    skipped = 0
    while skipped < 2 and before and not glued and _filler(before[0].text):
        before.pop(0)  # "Sales Tax 19% EUR 12.00": the label is "Sales Tax"
        skipped += 1
    for word in before:
        digits = any(c.isdigit() for c in word.text)
        if digits and not (rate and _RATE.fullmatch(word.text)) or len(left) >= 4:
            break
        left.insert(0, word)
    text = " ".join([*(w.text for w in left), glued]).strip()
    if text and _is_label(text, parties, rate=rate):
        boxes = [w.box for w in left] or [span.words[0].box]
        return text, _union(boxes), "same_line"
    box = span.box
    page = span.words[0].page
    same_page = [ws for ws in lines if ws[0].page == page and ws[0].line is not span.line]
    found: list[tuple[float, str, tuple[float, float, float, float], Relation]] = []
    row, above, cells = [], [], []
    for ws in same_page:
        b = _union([w.box for w in ws])
        overlap = min(b[3], box[3]) - max(b[1], box[1])
        if overlap >= 0.5 * min(b[3] - b[1], box[3] - box[1]) and b[2] <= box[0] + 0.005:
            row.append((box[0] - b[2], ws, b))
        gap = box[1] - b[3]
        horizontal = min(b[2], box[2]) - max(b[0], box[0]) > 0 or abs(b[0] - box[0]) < 0.03
        if -0.003 <= gap <= ABOVE_GAP and horizontal:
            above.append((gap, ws, b))
        elif -0.003 <= gap <= ABOVE_GAP and b[0] <= box[0] and box[0] - b[2] <= CELL_GAP:
            cells.append((gap, ws, b))
    nearest = min((c[0] for c in cells), default=None)
    if nearest is not None and (not above or nearest < min(a[0] for a in above)):
        # the value's box: on the nearest row above, the line that starts closest left of it
        above = [max((c for c in cells if c[0] - nearest < 0.005), key=lambda c: c[2][0])]
    if row:
        gap, ws, b = min(row, key=lambda r: r[0])
        text = " ".join(w.text for w in ws)
        if _is_label(text, parties, rate=rate):
            found.append((gap, text, b, "right"))
    if above:
        gap, ws, b = min(above, key=lambda r: r[0])
        text = " ".join(w.text for w in ws)
        if _is_label(text, parties, rate=rate):
            found.append((2 * gap, text, b, "below"))
    if not found:
        return None
    _, text, b, relation = min(found, key=lambda f: f[0])
    return text, b, relation


def role_fits(name: str, label: str) -> bool:
    """Whether ``label`` may name ``name``: the invoice date is never learned at a due,
    delivery or print date's label, nor the due date at the invoice date's (a first invoice
    whose due date is its issue date matches both)."""
    folded = fold(label)
    if name == "invoice_date":
        return not OTHER_DATE_LABEL.search(folded) or bool(INVOICE_DATE_LABEL.search(folded))
    if name == "due_date":
        return not INVOICE_DATE_LABEL.search(folded)
    return True


def _locate(
    name: str,
    kind: str,
    truth: object,
    lines: list[list[Word]],
    record: InvoiceRecord,
    document_id: str,
) -> FieldRule | None:
    evidence = record.fields.get(name)
    parties = [
        name_key(v)
        for v in (
            record.seller_name,
            record.buyer_name,
            record.seller_address,
            record.buyer_address,
        )
        if v
    ]
    all_labels = [normalised_label(" ".join(w.text for w in ws)) for ws in lines]
    ranked = _ranked(name, kind, truth, lines, parties, all_labels, evidence, document_id)
    if not ranked and kind == "id":
        # the reviewer corrected an OCR misread of the number: learn where it is printed
        ranked = _ranked(
            name, kind, truth, lines, parties, all_labels, evidence, document_id, misread=True
        )
    if not ranked:
        return None
    return max(ranked, key=lambda r: (r[0], r[1]))[2]


def _ranked(
    name: str,
    kind: str,
    truth: object,
    lines: list[list[Word]],
    parties: list[str],
    all_labels: list[str],
    evidence: Evidence | None,
    document_id: str,
    *,
    misread: bool = False,
) -> list[tuple[tuple[bool, bool, bool, float], int, FieldRule]]:
    """Each place the value is printed with a label, and its rank (higher is better)."""
    ranked = []
    for ws in lines:
        for span in spans(ws):
            details = _matches(kind, span, truth, misread=misread)
            if details is None:
                continue
            found = _label(span, ws, lines, parties, rate=name == "tax_amount")
            if found is None:
                continue
            label, label_box, relation = found
            if not role_fits(name, label):
                continue
            key = normalised_label(label)
            unique = sum(1 for text in all_labels if key and key in text) <= 1
            box = span.box
            at_evidence = False
            if (
                evidence is not None
                and evidence.box is not None
                and evidence.page == span.words[0].page
            ):
                line_box = span.line.box
                e = evidence.box
                at_evidence = min(e[2], line_box[2]) > max(e[0], line_box[0]) and min(
                    e[3], line_box[3]
                ) > max(e[1], line_box[1])
            rule = FieldRule(
                field=name,
                kind=kind,  # type: ignore[arg-type]
                label=label,
                relation=relation,
                label_box=label_box,
                value_box=box,
                offset=(box[0] - label_box[0], box[1] - label_box[1]),
                region=region(box),
                page_from_end=span.words[0].page_from_end,
                words=len(span.words),
                learned_from=document_id,
                **details,  # type: ignore[arg-type]
            )
            rank = (
                unique,
                relation != "below",
                at_evidence,
                box[1] if kind == "amount" else -box[1],
            )
            ranked.append((rank, -len(span.words), rule))
    return ranked


def _items_add_up(record: InvoiceRecord) -> bool:
    """Whether the confirmed items sum to the subtotal (else the total less tax, else the
    total): only items that add up teach the table."""
    if not record.line_items:
        return False
    total = items_sum(record.line_items, None)
    if total is None:
        return False
    amounts = {
        n: _truth("amount", str(v)) if (v := getattr(record, n)) not in (None, "") else None
        for n in ("subtotal", "tax_amount", "total_amount")
    }
    subtotal, tax, grand = amounts["subtotal"], amounts["tax_amount"], amounts["total_amount"]
    if subtotal is not None:
        target = subtotal
    elif grand is not None:
        target = grand - tax if tax is not None else grand  # type: ignore[operator]
    else:
        return False
    return abs(total - target) < Decimal("0.005")  # type: ignore[operator]


def learn_profile(
    ocr: OcrDocument,
    record: InvoiceRecord,
    *,
    previous: VendorProfile | None = None,
) -> VendorProfile | None:
    """The vendor profile taught by one confirmed record (None when it names no seller).

    ``previous`` is the vendor's current profile: the new one is its next version.
    """
    identity = vendor_identity(record)
    if identity is None:
        return None
    lines = page_lines(ocr)
    rules = dict(previous.fields) if previous is not None else {}
    for name, kind in LOCATED_FIELDS.items():
        value = getattr(record, name)
        if value in (None, ""):
            continue
        truth = _truth(kind, str(value))
        if truth is None:
            continue
        rule = _locate(name, kind, truth, lines, record, record.document_id)
        if rule is not None:
            rules[name] = rule
    table = previous.table if previous is not None else None
    if _items_add_up(record):
        table = learn_table(lines, record.line_items, record.document_id) or table
    constants = {
        name: str(getattr(record, name))
        for name in CONSTANT_FIELDS
        if getattr(record, name) not in (None, "")
    }
    registered = registration_ids(ocr, record)
    if identity.kind == "name" and registered:
        identity.key, identity.kind = f"reg:{registered[0]}", "reg"
    ids = sorted(set(identity.ids) | set(registered) | set(previous.ids if previous else []))
    learned = [*(previous.learned_from if previous else []), record.document_id]
    return VendorProfile(
        vendor_key=identity.key,
        key_kind=identity.kind,
        display_name=record.seller_name or identity.name_key,
        ids=ids,
        name_key=identity.name_key,
        postcode=identity.postcode,
        constants=constants,
        fields=rules,
        table=table,
        version=(previous.version if previous else 0) + 1,
        learned_from=list(dict.fromkeys(learned)),
    )
