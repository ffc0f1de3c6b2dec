"""Cross-checking an e-invoice's XML against the printed (or OCR'd) text of the same document.

:func:`cross_check` looks for the XML's invoice number, total, tax amount and
issue date in the printed text, in every common rendering (grouping and
decimal separators, date formats and month names of several locales), and
reports each one that does not appear as ``einvoice_print_mismatch``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.dates import format_date

from invoice_pipeline.schema import ExtractedInvoice, Issue

MISMATCH_CODE = "einvoice_print_mismatch"
CROSS_CHECK_FIELDS: tuple[str, ...] = (
    "invoice_number",
    "total_amount",
    "tax_amount",
    "invoice_date",
)

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2009]+")
_THOUSANDS_SEPS = ("", ".", ",", " ", "'", "\u2019")


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text)


def _amount_renderings(value: Decimal) -> set[str]:
    """Ways ``value`` may be printed: 2 and native decimals, any grouping, . or , decimals.

    A whole amount is also accepted as ``1.209,-``, and without decimals at all
    from 100 up (smaller bare integers would match quantities and VAT rates).
    """
    value = abs(value)
    texts = {
        format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f"),
        format(value, "f"),
    }
    whole_only = value == value.to_integral_value()
    out: set[str] = set()
    for text in texts:
        whole, _, frac = text.partition(".")
        for sep in _THOUSANDS_SEPS:
            grouped = f"{int(whole):,}".replace(",", sep) if sep else whole
            if whole_only:
                out.update({f"{grouped},-", f"{grouped}.-"})
                if value >= 100:
                    out.add(grouped)
            for point in (".", ","):
                if point != sep and frac:
                    out.add(f"{grouped}{point}{frac}")
    return out


def _amount_printed(value: str, text: str) -> bool:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return False
    for rendering in _amount_renderings(number):
        pattern = r"(?<!\d)(?<!\d[.,'\u2019])" + re.escape(rendering) + r"(?!\d|[.,'\u2019]\d)"
        if re.search(pattern, text):
            return True
    return False


_DATE_PATTERNS = (
    "y-MM-dd",
    "dd.MM.y",
    "d.M.y",
    "dd.MM.yy",
    "dd/MM/y",
    "d/M/y",
    "MM/dd/y",
    "M/d/y",
    "dd/MM/yy",
    "MM/dd/yy",
    "dd-MM-y",
    "y/MM/dd",
    "yyyyMMdd",
    "d MMMM y",
    "dd MMMM y",
    "d. MMMM y",
    "dd. MMMM y",
    "MMMM d, y",
    "MMMM dd, y",
    "d MMM y",
    "dd MMM y",
    "d. MMM y",
    "dd. MMM y",
    "MMM d, y",
    "d-MMM-y",
    "dd-MMM-y",
)
_DATE_LOCALES = ("en", "de", "fr", "it", "es", "nl")


@lru_cache(maxsize=256)
def _date_renderings(iso: str) -> frozenset[str]:
    day = dt.date.fromisoformat(iso)
    out: set[str] = set()
    for locale in _DATE_LOCALES:
        for pattern in _DATE_PATTERNS:
            out.add(format_date(day, pattern, locale=locale))
        for style in ("short", "medium", "long"):
            out.add(format_date(day, style, locale=locale))
    return frozenset(_SPACES.sub("", r).lower() for r in out)


def _date_printed(value: str, text: str) -> bool:
    try:
        renderings = _date_renderings(dt.date.fromisoformat(value).isoformat())
    except ValueError:
        return False
    hay = _SPACES.sub("", text).lower()
    return any(re.search(r"(?<!\d)" + re.escape(r) + r"(?!\d)", hay) for r in renderings)


def _token_printed(value: str, text: str) -> bool:
    needle = _squash(value).strip().lower()
    if not needle:
        return False
    hay = text.lower()
    if re.search(r"(?<![0-9a-z])" + re.escape(needle) + r"(?![0-9a-z])", hay):
        return True
    # Spacing may differ ("RE 2024 0042" printed for "RE 20240042"): compare without
    # spaces, and then only require that a leading/trailing digit (or letter) of
    # the number is not glued to another digit (or letter) in the text.
    compact = _SPACES.sub("", needle)
    before = r"(?<!\d)" if compact[0].isdigit() else r"(?<![a-z])" if compact[0].isalpha() else ""
    after = r"(?!\d)" if compact[-1].isdigit() else r"(?![a-z])" if compact[-1].isalpha() else ""
    return re.search(before + re.escape(compact) + after, _SPACES.sub("", hay)) is not None


def cross_check(extracted_from_xml: ExtractedInvoice, printed_text: str) -> list[Issue]:
    """Compare the XML's invoice number, total, tax and date with the printed text.

    A value that appears in no common rendering (amounts: 1234.56, 1.234,56,
    1,234.56, 1 234,56, 1'234.56, rounded to 2 decimals; dates: 2024-04-03,
    03.04.2024, 04/03/2024, 3 April 2024, 3. April 2024, ...; the number
    case- and space-insensitively) gives a warning ``einvoice_print_mismatch``
    for that field. An empty print gives one info issue instead.
    """
    text = _squash(printed_text or "")
    if not text.strip():
        return [
            Issue(
                code="einvoice_print_unchecked",
                message="the document has no printed text to cross-check the e-invoice XML against",
                severity="info",
            )
        ]
    checks = {
        "invoice_number": _token_printed,
        "total_amount": _amount_printed,
        "tax_amount": _amount_printed,
        "invoice_date": _date_printed,
    }
    issues = []
    for name in CROSS_CHECK_FIELDS:
        value = extracted_from_xml.get(name)
        if value is None or checks[name](value, text):
            continue
        issues.append(
            Issue(
                code=MISMATCH_CODE,
                field=name,
                message=f"{name} {value!r} from the e-invoice XML does not appear in the printed document",
                severity="warning",
            )
        )
    return issues
