"""Plain text values and the match keys of seller names and invoice numbers.

:func:`normalise_text` collapses the whitespace of a printed value (addresses
keep their lines); :func:`name_key` and :func:`invoice_number_key` reduce a
seller name and an invoice number to the keys the duplicate check and the
results database match on; :func:`strip_accents` is shared with the date parser.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["invoice_number_key", "name_key", "normalise_text", "strip_accents"]


def strip_accents(text: str) -> str:
    """The text without combining accents (``é`` -> ``e``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalise_text(text: str | None) -> str | None:
    """Collapse whitespace of a printed value; empty becomes None (addresses keep lines)."""
    if text is None:
        return None
    lines = [" ".join(line.split()) for line in str(text).splitlines()]
    value = "\n".join(line for line in lines if line).strip()
    return value or None


_LEGAL_FORMS = {
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ev",
    "co",
    "ltd",
    "limited",
    "plc",
    "llc",
    "inc",
    "corp",
    "sa",
    "sas",
    "sarl",
    "sàrl",
    "ab",
    "as",
    "asa",
    "aps",
    "bv",
    "nv",
    "oy",
    "srl",
    "spa",
}


def name_key(name: str | None) -> str | None:
    """A seller name reduced for matching: casefolded, no punctuation or legal form."""
    if not name:
        return None
    words = re.findall(r"\w+", strip_accents(name.splitlines()[0]).casefold())
    words = [w for w in words if w not in _LEGAL_FORMS]
    key = " ".join(words)
    return key[:255] or None


def invoice_number_key(number: str | None) -> str | None:
    """An invoice number reduced for matching: upper-case letters and digits only."""
    if not number:
        return None
    key = re.sub(r"[^0-9A-Za-z]", "", strip_accents(number)).upper()
    return key[:255] or None
