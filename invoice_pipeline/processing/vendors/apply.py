"""Reading a document with its vendor's profile: ``VendorMemoryExtractor``.

The wrapper runs the configured extractor first, then identifies the vendor on
the page (:func:`~.identity.identify`). For each field its profile knows it
finds the learned label (rapidfuzz, the occurrence nearest the learned place
first) and reads the value at the learned offset in the learned format; a value
read so replaces the general one and its evidence names the profile and its
version (``FieldValue.source``). The vendor's constants (name, address, VAT id,
IBAN) replace the general ones, the currency only where the page shows it. When
fewer than :data:`MIN_LABEL_SHARE` of the profile's labels are on the page (the
layout changed), every general value is kept and an info issue
``vendor_layout_changed`` says why. Values read through a profile are plain
extracted values: validation and every check of the evaluation still judge them,
so a profile cannot approve what a check refuses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rapidfuzz import fuzz

from invoice_pipeline.processing.extract.base import Extractor
from invoice_pipeline.processing.validate.amounts import format_money
from invoice_pipeline.processing.vendors.identity import VendorMatch, compact, identify, name_key
from invoice_pipeline.processing.vendors.learn import normalised_label
from invoice_pipeline.processing.vendors.page import (
    Span,
    Word,
    page_lines,
    read_amount,
    read_date,
    read_id,
    spans,
    strip_label,
    words_box,
)
from invoice_pipeline.processing.vendors.profile import FieldRule, VendorProfile
from invoice_pipeline.processing.vendors.table import items_sum, read_table
from invoice_pipeline.schema import ExtractedInvoice, FieldValue, Issue, OcrDocument

__all__ = ["MIN_LABEL_SHARE", "VendorMemoryExtractor", "apply_profiles", "read_fields"]

log = logging.getLogger(__name__)

MIN_LABEL_SHARE = 0.6
"""The share of a profile's labels that must be found for the profile to be used."""
LABEL_MATCH = 85.0
TOLERANCE_X = 0.08
TOLERANCE_Y = 0.025
CONFIDENCE = 0.95
"""The most confidence of a value read at its learned label in its learned format (times
the label's match ratio and the OCR line's confidence); a vendor constant gets it as is."""
AGREED = 0.96
"""The least confidence of a profile value the general extractor read the same (plus a
share of the general confidence): agreement is the calibration's strongest signal."""
CURRENCY_MARKS = {"EUR": ("EUR", "€"), "GBP": ("GBP", "£"), "USD": ("USD", "$", "US$"),
                  "SEK": ("SEK", "kr"), "CHF": ("CHF",), "DKK": ("DKK", "kr"),
                  "NOK": ("NOK", "kr")}  # fmt: skip


@dataclass
class LabelHit:
    score: float
    box: tuple[float, float, float, float]
    line: list[Word]
    value_start: int
    """Same-line labels: the index of the first word after the label."""


def _labels(rule: FieldRule, lines: list[list[Word]]) -> list[LabelHit]:
    key = normalised_label(rule.label)
    if not key:
        return []
    n = len(rule.label.split())
    hits: list[LabelHit] = []
    for ws in lines:
        if rule.relation == "same_line":
            for i in range(len(ws)):
                for size in (n - 1, n, n + 1):
                    if size < 1 or i + size > len(ws):
                        continue
                    window = ws[i : i + size]
                    texts = [w.text for w in window]
                    glued, rest = strip_label(texts[-1])
                    start = i + size
                    if glued and rest:
                        texts[-1] = glued
                        start = i + size - 1
                    score = fuzz.ratio(normalised_label(" ".join(texts)), key)
                    if score >= LABEL_MATCH:
                        hits.append(LabelHit(score, words_box(window), ws, start))
        else:
            score = fuzz.ratio(normalised_label(" ".join(w.text for w in ws)), key)
            if score >= LABEL_MATCH:
                hits.append(LabelHit(score, words_box(ws), ws, len(ws)))

    def rank(hit: LabelHit) -> tuple[float, float]:
        page_penalty = 0.0 if hit.line[0].page_from_end == rule.page_from_end else 1.0
        distance = abs(hit.box[0] - rule.label_box[0]) + abs(hit.box[1] - rule.label_box[1])
        return (-hit.score, page_penalty + distance)

    return sorted(hits, key=rank)


def _value(rule: FieldRule, span: Span) -> str | None:
    text = span.text
    if rule.kind == "date":
        found = read_date(text, rule.day_first)
        return found.isoformat() if found else None
    if rule.kind == "amount":
        if span.words[0].text[:1] in ",." or re.match(r"0\d", span.words[0].text):
            return None  # the tail of a grouped number (``033,78`` of ``23 033,78``)
        amount = read_amount(text, rule.decimal_separator)
        return format_money(amount) if amount is not None else None
    if read_id(text, rule.shape) is None:
        return None
    return strip_label(text)[1].replace(" ", "")


def _read(rule: FieldRule, hit: LabelHit, lines: list[list[Word]]) -> tuple[Span, str] | None:
    if rule.relation == "same_line":
        for start in range(hit.value_start, min(hit.value_start + 3, len(hit.line))):
            found = [
                (len(s.words), s, v)
                for s in spans(hit.line, start)
                if s.words[0].index == start and (v := _value(rule, s)) is not None
            ]
            if found:
                _, span, value = max(found, key=lambda f: f[0])
                return span, value
        return None
    ex0 = hit.box[0] + rule.offset[0]
    ey0 = hit.box[1] + rule.offset[1]
    ex1 = ex0 + (rule.value_box[2] - rule.value_box[0])
    page = hit.line[0].page
    best: tuple[tuple[float, int], Span, str] | None = None
    for ws in lines:
        if ws[0].page != page or ws is hit.line:
            continue
        line_box = words_box(ws)
        if abs(line_box[1] - ey0) > TOLERANCE_Y * 2:
            continue
        for span in spans(ws):
            x0, y0, x1, _ = span.box
            dx = min(abs(x0 - ex0), abs(x1 - ex1))
            dy = abs(y0 - ey0)
            if dx > TOLERANCE_X or dy > TOLERANCE_Y:
                continue
            value = _value(rule, span)
            if value is None:
                continue
            key = (round(dy * 3 + dx, 2), -len(span.words))  # the longest of equally near
            if best is None or key < best[0]:
                best = (key, span, value)
    return (best[1], best[2]) if best else None


def read_fields(
    ocr: OcrDocument, profile: VendorProfile, lines: list[list[Word]] | None = None
) -> tuple[dict[str, FieldValue], int]:
    """The values the profile reads on ``ocr``, and how many of its labels were found."""
    lines = page_lines(ocr) if lines is None else lines
    values: dict[str, FieldValue] = {}
    labels_found = 0
    for name, rule in profile.fields.items():
        hits = _labels(rule, lines)
        if hits:
            labels_found += 1
        for hit in hits[:3]:
            found = _read(rule, hit, lines)
            if found is None:
                continue
            span, value = found
            line = span.line
            page = next(p for p in ocr.pages if p.number == line.page)
            x0, y0, x1, y1 = span.box
            values[name] = FieldValue(
                value=value,
                confidence=round(CONFIDENCE * hit.score / 100 * min(1.0, line.confidence), 4),
                line_ids=[line.id],
                page=line.page,
                box=(x0 * page.width, y0 * page.height, x1 * page.width, y1 * page.height),
                source=profile.source,
            )
            break
    return values, labels_found


def _currency_shown(ocr: OcrDocument, currency: str) -> bool:
    text = ocr.text
    return any(mark in text for mark in CURRENCY_MARKS.get(currency.upper(), (currency,)))


def apply_profiles(
    ocr: OcrDocument, extracted: ExtractedInvoice, profiles: Sequence[VendorProfile]
) -> ExtractedInvoice:
    """``extracted`` with the fields the page's vendor profile reads (a copy)."""
    lookup = identify(ocr, profiles)
    out = extracted.model_copy(deep=True)
    if lookup.match is None:
        if lookup.reason:
            out.issues.append(_info("vendor_ambiguous", lookup.reason))
        return out
    match: VendorMatch = lookup.match
    profile = match.profile
    lines = page_lines(ocr)
    values, labels_found = read_fields(ocr, profile, lines)
    known = len(profile.fields)
    if known and labels_found / known < MIN_LABEL_SHARE:
        out.issues.append(
            _info(
                "vendor_layout_changed",
                f"the page shows the ids of {profile.display_name} ({profile.vendor_key}) but "
                f"only {labels_found} of the {known} labels of its profile v{profile.version}: "
                "the layout changed, the general extractor's values are kept",
            )
        )
        return out
    for name, value in profile.constants.items():
        if name == "currency" and not _currency_shown(ocr, value):
            continue
        values.setdefault(
            name,
            FieldValue(
                value=value,
                confidence=CONFIDENCE,
                line_ids=match.line_ids[:3],
                source=profile.source,
            ),  # fmt: skip
        )
    general_fields = dict(out.fields)
    for name, value in values.items():
        general = out.fields.get(name)
        if name in _SUMS and _general_adds_up(general_fields, name, value):
            # one rate's VAT of several at the learned box, or a neighbouring figure read at
            # a photo's learned place: the general read whose sums hold is kept
            continue
        if general is not None and _same(name, general.value, value.value, profile):
            # the general read agrees: keep its evidence (and the scorer's probability that
            # calibration reads), noting that the profile confirmed it
            agreed = round(AGREED + (0.99 - AGREED) * min(1.0, general.confidence), 4)
            out.fields[name] = general.model_copy(
                update={"source": profile.source, "confidence": agreed}
            )
        else:
            out.fields[name] = value
    _unswap_buyer(out, general_fields, profile)
    if profile.table is not None:
        _apply_table(out, lines, profile)
    out.issues.append(
        _info(
            "vendor_profile_applied",
            f"{profile.display_name} ({profile.vendor_key}) recognised by {match.by}; "
            f"profile v{profile.version} read {', '.join(sorted(values)) or 'nothing'}",
        )
    )
    return out


def _same(name: str, general: str | None, read: str | None, profile: VendorProfile) -> bool:
    """Whether the general extractor's printed value is the value the profile read."""
    if not general or not read:
        return False
    rule = profile.fields.get(name)
    kind = rule.kind if rule is not None else None
    if kind == "date":
        found = read_date(general, rule.day_first if rule else None)
        return found is not None and found.isoformat() == read
    if kind == "amount":
        amount = read_amount(general, None)
        return amount is not None and format_money(amount) == read
    if name in ("seller_name", "seller_address"):
        return name_key(general) == name_key(read)
    return compact(general) == compact(read)


def _amount(field: FieldValue | None) -> Decimal | None:
    return read_amount(field.value, None) if field is not None and field.value else None


_SUMS = ("subtotal", "tax_amount", "total_amount")


def _general_adds_up(general: dict[str, FieldValue], name: str, read: FieldValue) -> bool:
    """Whether the general read's subtotal + tax = total holds and stops holding with the
    profile's value for ``name`` in place of the general one."""
    amounts = {n: _amount(general.get(n)) for n in _SUMS}
    profile_value = _amount(read)
    if None in amounts.values() or profile_value is None:
        return False
    cent = Decimal("0.01")

    def gap(values: dict[str, Decimal | None]) -> Decimal:
        return abs(values["subtotal"] + values["tax_amount"] - values["total_amount"])  # type: ignore[operator]

    return gap(amounts) <= cent < gap({**amounts, name: profile_value})


def _items_target(fields: dict[str, FieldValue]) -> Decimal | None:
    """What the line items must sum to: the subtotal, else the total less tax."""
    subtotal = _amount(fields.get("subtotal"))
    if subtotal is not None:
        return subtotal
    total, tax = _amount(fields.get("total_amount")), _amount(fields.get("tax_amount"))
    if total is None:
        return None
    return total - tax if tax is not None else total


def _apply_table(out: ExtractedInvoice, lines: list[list[Word]], profile: VendorProfile) -> None:
    """The items read in the vendor's learned columns replace the general read's when they
    sum to the invoice's subtotal and the general ones do not; otherwise the general items
    stay (a profile never trades items that add up for items that do not)."""
    table = profile.table
    assert table is not None
    target = _items_target(out.fields)
    if target is None:
        return
    read = read_table(lines, table)
    if not read or items_sum(read, table.decimal_separator) != target:
        return
    general = items_sum(out.line_items, table.decimal_separator)
    if general is not None and general == target and len(out.line_items) == len(read):
        return
    was = f"{len(out.line_items)} summing to {general}" if out.line_items else "none"
    out.line_items = read
    out.issues.append(
        _info(
            "vendor_items_read",
            f"{profile.display_name}'s table (profile v{profile.version}) read {len(read)} line "
            f"items summing to {format_money(target)}; the general read had {was}",
        )
    )


def _unswap_buyer(
    out: ExtractedInvoice, general: dict[str, FieldValue], profile: VendorProfile
) -> None:
    """The general read took the buyer as the seller and the seller as the buyer: with the
    vendor's name known, the buyer is the general read's seller (name, address, VAT id)."""
    seller, buyer = general.get("seller_name"), general.get("buyer_name")
    known = profile.constants.get("seller_name")
    if seller is None or buyer is None or not known or not seller.value or not buyer.value:
        return
    if name_key(buyer.value) != name_key(known) or name_key(seller.value) == name_key(known):
        return
    for part in ("name", "address", "vat_id"):
        moved = general.get(f"seller_{part}")
        if moved is not None and moved.value:
            out.fields[f"buyer_{part}"] = moved
        else:
            out.fields.pop(f"buyer_{part}", None)
    out.issues.append(
        _info(
            "vendor_parties_swapped",
            f"the general read took {buyer.value!r}, the vendor {profile.display_name}, as the "
            f"buyer and {seller.value!r} as the seller: {seller.value!r} is the buyer",
        )
    )


def _info(code: str, message: str) -> Issue:
    return Issue(code=code, message=message, severity="info", stage="llm_fields")


class VendorMemoryExtractor(Extractor):
    """The configured extractor, then the fields the vendor's learned profile reads."""

    def __init__(self, inner: Extractor, profiles: Callable[[], Sequence[VendorProfile]]) -> None:
        self.inner = inner
        self.profiles = profiles
        self.name = inner.name
        self.model = inner.model

    def extract(self, ocr: OcrDocument) -> ExtractedInvoice:
        extracted = self.inner.extract(ocr)
        if extracted.failed or ocr.xml is not None or not ocr.lines:
            return extracted
        try:
            known = list(self.profiles())
        except Exception as exc:  # the results database is down: general values only
            log.warning("vendor profiles unavailable: %s", exc)
            extracted.issues.append(
                _info("vendor_memory_unavailable", f"vendor profiles could not be read: {exc}")
            )
            return extracted
        if not known:
            return extracted
        try:
            return apply_profiles(ocr, extracted, known)
        except Exception as exc:  # the memory must never cost a document its general read
            log.exception("applying vendor profiles to %s failed", ocr.document_id)
            extracted.issues.append(
                _info("vendor_memory_failed", f"vendor profiles were not applied: {exc}")
            )
            return extracted
