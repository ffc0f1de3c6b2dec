"""VAT ids and IBANs compacted and checked.

:func:`normalise_vat_id` compacts a VAT id and checks it with python-stdnum
(EU, GB, CH, NO), :func:`vat_country` gives the country of its prefix, and
:func:`normalise_iban` compacts an IBAN and checks length, BBAN format and
checksum with schwifty. None of them raises for bad input.
"""

from __future__ import annotations

import re
import unicodedata

from schwifty import IBAN
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat

__all__ = ["normalise_iban", "normalise_vat_id", "vat_country"]

_VAT_COUNTRY = {"EL": "GR", "XI": "GB", "CHE": "CH"}
_VAT_SUFFIX_RE = re.compile(r"(MWST|TVA|IVA|TPV|MVA)$")


def vat_country(vat_id: str | None) -> str | None:
    """ISO 3166 country of a VAT id from its prefix (``EL`` -> GR, ``CHE`` -> CH)."""
    if not vat_id:
        return None
    compact = re.sub(r"[^A-Za-z0-9]", "", _strip_vat_label(vat_id)).upper()
    if compact.startswith("CHE"):
        return "CH"
    prefix = compact[:2]
    if len(prefix) == 2 and prefix.isalpha():
        return _VAT_COUNTRY.get(prefix, prefix)
    return None


def _strip_vat_label(text: str) -> str:
    """Drop a label such as ``VAT:``, ``USt-IdNr.:`` or ``TVA`` printed before the id."""
    s = unicodedata.normalize("NFKC", text).strip()
    m = re.search(r"(?<![A-Za-z])(?:CHE|ATU|[A-Za-z]{2})[\s.\-]?[0-9][0-9A-Za-z\s.\-]{5,}", s)
    return s[m.start() :] if m else s


def normalise_vat_id(text: str | None) -> tuple[str | None, bool]:
    """Compact a VAT id and check it: ``(compact_with_country_prefix, valid)``.

    EU ids go through ``stdnum.eu.vat``; GB, CH (``CHE-123.456.789 MWST`` ->
    ``CHE123456789``) and NO (``NO 123 456 789 MVA`` -> ``NO123456789MVA``)
    through their stdnum modules. An id without a country prefix cannot be
    checked and comes back invalid. Empty text gives ``(None, False)``.
    """
    if not text or not str(text).strip():
        return None, False
    s = _strip_vat_label(str(text))
    compact = re.sub(r"[^A-Za-z0-9]", "", s).upper()
    if not compact:
        return None, False
    try:
        if compact.startswith("CHE"):
            uid = _VAT_SUFFIX_RE.sub("", compact)
            module = get_cc_module("ch", "uid")
            return uid, bool(module and module.is_valid(uid))
        if compact.startswith("NO"):
            number = _VAT_SUFFIX_RE.sub("", compact[2:])
            module = get_cc_module("no", "orgnr")
            return f"NO{number}MVA", bool(module and module.is_valid(number))
        if compact.startswith("GB") or compact.startswith("XI"):
            module = get_cc_module("gb", "vat")
            return compact, bool(module and module.is_valid(compact[2:]))
        if compact[:2].isalpha():
            value = eu_vat.compact(compact)
            return value, bool(eu_vat.is_valid(value))
    except Exception:  # stdnum raises on odd input; an odd id is simply invalid
        return compact, False
    return compact, False


def normalise_iban(text: str | None) -> tuple[str | None, bool]:
    """Compact an IBAN and check length, BBAN format and checksum (schwifty)."""
    if not text or not str(text).strip():
        return None, False
    s = unicodedata.normalize("NFKC", str(text)).strip()
    m = re.search(r"[A-Za-z]{2}\s?\d{2}[\sA-Za-z0-9]{8,}", s)
    candidate = m.group(0) if m else s
    compact = re.sub(r"[^A-Za-z0-9]", "", candidate).upper()
    if not compact:
        return None, False
    # the text may run on into a BIC or other words: the one length that validates wins
    for length in range(min(len(compact), 34), 14, -1):
        try:
            return IBAN(compact[:length]).compact, True
        except (ValueError, TypeError):
            continue
    return compact, False
