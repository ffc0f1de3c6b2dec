"""Who sold this invoice: a vendor key from a confirmed record, and a lookup on a page.

The key of a seller is its VAT id (``vat:DE123456789``, compacted and checked by
python-stdnum), else its IBAN (``iban:...``, schwifty), else its normalised name
and postcode (``name:acme gmbh|10115``). On a page, every line is compacted
(letters and digits only, upper case) and the known VAT ids and IBANs are
looked for in it; a vendor known by name only matches when its name stands in
the letterhead (the top third of the first page) and the page shows no id of
another vendor. Two sellers that share a layout but differ in name and ids have
two keys, so a profile learned from one never applies to the other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from invoice_pipeline.processing.validate.ids import normalise_iban, normalise_vat_id
from invoice_pipeline.processing.vendors.profile import KeyKind, VendorProfile
from invoice_pipeline.schema import InvoiceRecord, OcrDocument

__all__ = ["VendorMatch", "compact", "identify", "name_key", "postcode", "vendor_identity"]

LETTERHEAD_SHARE = 0.34
"""A name-only match must be in this top share of the first page."""
NAME_MATCH = 92.0

_REGISTRATION = re.compile(
    r"\b(EIN|HRB|HRA|SIRET|SIREN|Org\.?\s?nr\.?|KvK|CIF|NIF|Company\s+No\.?|Reg\.?\s?No\.?)"
    r"[:\s]*([0-9][0-9 .\-/]{4,18}[0-9])",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b(\d{5}|\d{4}|\d{3} \d{2}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b")


def compact(text: str | None) -> str:
    """Letters and digits only, upper case: how ids are compared on a page."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def name_key(name: str | None) -> str:
    """A seller name for comparison: no accents, lower case, words of letters and digits."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def postcode(address: str | None) -> str | None:
    """The postcode of an address (the last one printed), or None."""
    found = _POSTCODE.findall(address or "")
    return found[-1].replace(" ", "") if found else None


@dataclass
class Identity:
    """A seller's key, its kind, its ids and its name as a confirmed record gives them."""

    key: str
    kind: KeyKind
    ids: list[str]
    name_key: str
    postcode: str | None


def vendor_identity(record: InvoiceRecord) -> Identity | None:
    """The seller's identity of a confirmed record; None when it names no seller at all."""
    vat, vat_ok = normalise_vat_id(record.seller_vat_id)
    iban, iban_ok = normalise_iban(record.iban)
    ids = [i for i, ok in ((vat, vat_ok), (iban, iban_ok)) if i and ok]
    name = name_key(record.seller_name)
    code = postcode(record.seller_address)
    if vat and vat_ok:
        return Identity(f"vat:{vat}", "vat", ids, name, code)
    if iban and iban_ok:
        return Identity(f"iban:{iban}", "iban", ids, name, code)
    if not name:
        return None
    return Identity(f"name:{name}|{code or ''}", "name", ids, name, code)


def registration_ids(ocr: OcrDocument, record: InvoiceRecord) -> list[str]:
    """Registration ids (EIN, HRB, SIRET, Org.nr, KvK, ...) printed on a line with the seller's
    name, compact with their label (``EIN669267085``), so a seller without VAT id or IBAN
    still has an id; a buyer's registration is never taken for the seller's."""
    name = name_key(record.seller_name)
    if not name:
        return []
    found = []
    for line in ocr.lines:
        if fuzz.partial_ratio(name, name_key(line.text)) < NAME_MATCH:
            continue
        for m in _REGISTRATION.finditer(line.text):
            found.append(compact(m.group(1) + m.group(2)))
    return list(dict.fromkeys(found))


@dataclass
class VendorMatch:
    """The vendor a page belongs to, and the OCR lines that showed it."""

    profile: VendorProfile
    line_ids: list[str] = field(default_factory=list)
    by: str = "id"


@dataclass
class Lookup:
    """The result of :func:`identify`: a match, or why there is none."""

    match: VendorMatch | None = None
    reason: str | None = None


def identify(ocr: OcrDocument, profiles: Sequence[VendorProfile]) -> Lookup:
    """The vendor whose id (or, for a vendor known by name only, name) the page shows."""
    lines = [(line.id, compact(line.text)) for line in ocr.lines]
    joined = "".join(text for _, text in lines)
    hits: list[VendorMatch] = []
    for profile in profiles:
        seen = [i for i, text in lines if any(known in text for known in profile.ids)]
        if not seen:  # an id wrapped over two lines
            seen = [lines[0][0]] if lines and any(k in joined for k in profile.ids) else []
        if seen:
            hits.append(VendorMatch(profile, seen, "id"))
    if len(hits) > 1:
        names = ", ".join(h.profile.vendor_key for h in hits)
        return Lookup(reason=f"the page shows the ids of several vendors ({names})")
    if hits:
        return Lookup(hits[0])
    if any(p.ids and any(k in joined for k in p.ids) for p in profiles):
        return Lookup()
    first = ocr.pages[0] if ocr.pages else None
    if first is None:
        return Lookup()
    top = [line for line in first.lines if line.box[1] <= first.height * LETTERHEAD_SHARE]
    by_name = []
    for profile in profiles:
        if profile.ids or not profile.name_key:
            continue  # a vendor with ids must show one of them
        size = len(profile.name_key)
        found = [  # the line starts with the name (a return-address line goes on after it)
            line.id
            for line in top
            if fuzz.ratio(name_key(line.text)[: size + 1].strip(), profile.name_key) >= NAME_MATCH
        ]
        if found and (
            profile.postcode is None or profile.postcode in compact(" ".join(lines_text(ocr)))
        ):
            by_name.append(VendorMatch(profile, found, "name"))
    if len(by_name) == 1:
        return Lookup(by_name[0])
    if by_name:
        return Lookup(reason="the letterhead matches several vendors known by name only")
    return Lookup()


def lines_text(ocr: OcrDocument) -> list[str]:
    return [line.text for line in ocr.lines]
