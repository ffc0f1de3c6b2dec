"""Locale evidence: what a document says about its country, date order and decimal separator.

:func:`locale_evidence` weighs the document's VAT prefixes, IBAN country,
currency, language and the unambiguous dates and amounts printed in its text,
and returns a :class:`LocaleEvidence` that lists where each conclusion came
from; the date and amount parsers take its ``day_first`` and
``decimal_separator`` to read ``03.04.2024`` or ``1,234`` the document's way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from invoice_pipeline.processing.validate.currency import normalise_currency
from invoice_pipeline.processing.validate.dates import NUMERIC_DATE_RE
from invoice_pipeline.processing.validate.ids import vat_country

__all__ = ["LocaleEvidence", "locale_evidence"]


class LocaleEvidence(BaseModel):
    """What a document says about its locale, and where each conclusion came from."""

    country: str | None = None
    day_first: bool | None = None
    decimal_separator: str | None = None
    language: str | None = None
    sources: list[str] = Field(default_factory=list)


_SHARED_SYMBOLS = {"$", "kr", "kr.", "¥"}
"""Currency signs several countries print ("$": the US, Canada, Australia, Singapore, ...):
no country, so no date order, follows from them."""
_US_ADDRESS = re.compile(
    r"\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|"
    r"NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)\s+\d{5}(?:-\d{4})?\b"
)
"""A US state and ZIP code ("Austin, TX 78701"): the country of a "$" invoice."""
_CURRENCY_COUNTRY = {
    "USD": "US",
    "GBP": "GB",
    "CHF": "CH",
    "SEK": "SE",
    "NOK": "NO",
    "DKK": "DK",
    "ISK": "IS",
    "PLN": "PL",
    "CZK": "CZ",
    "HUF": "HU",
    "RON": "RO",
    "BGN": "BG",
    "CAD": "CA",
    "AUD": "AU",
    "NZD": "NZ",
    "JPY": "JP",
    "INR": "IN",
    "MYR": "MY",
    "SGD": "SG",
}
_LANGUAGE_COUNTRY = {
    "de": "DE",
    "fr": "FR",
    "sv": "SE",
    "nb": "NO",
    "nn": "NO",
    "no": "NO",
    "da": "DK",
    "nl": "NL",
    "it": "IT",
    "es": "ES",
    "pl": "PL",
    "fi": "FI",
    "pt": "PT",
    "cs": "CZ",
}
_LANGUAGE_NAMES = {
    "english": "en",
    "german": "de",
    "deutsch": "de",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "swedish": "sv",
    "svenska": "sv",
    "norwegian": "nb",
    "danish": "da",
    "dutch": "nl",
    "italian": "it",
    "spanish": "es",
}
_MONTH_FIRST_COUNTRIES = {"US", "PH", "FM", "MH", "PW"}
_UNDECIDED_ORDER_COUNTRIES = {"CA"}
_DOT_DECIMAL_COUNTRIES = {
    "GB",
    "IE",
    "MT",
    "CH",
    "LI",
    "US",
    "CA",
    "AU",
    "NZ",
    "JP",
    "CN",
    "IN",
    "SG",
    "HK",
    "MX",
    "IL",
    "TH",
}
_KEYWORDS = {
    "de": ("rechnung", "mwst", "ust", "netto", "brutto", "betrag", "zahlbar", "summe", "datum"),
    "fr": ("facture", "tva", "montant", "échéance", "total ttc", "total ht", "paiement"),
    "sv": ("faktura", "moms", "att betala", "förfallodatum", "belopp", "fakturadatum"),
    "en": ("invoice", "amount due", "total due", "vat", "tax", "subtotal", "bill to"),
}
_TEXT_AMOUNT_RE = re.compile(
    r"(?<![\d.,])\d{1,3}(?:([.,\u00a0\u202f ']|)\d{3})*([.,])(\d{2})(?![\d.,]\d|\d)"
)


def _text_language(text: str) -> str | None:
    lowered = text.casefold()
    scores = {
        lang: sum(
            len(re.findall(r"(?<!\w)" + re.escape(word) + r"(?!\w)", lowered)) for word in words
        )
        for lang, words in _KEYWORDS.items()
    }
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] >= 2 and ranked[0] >= 2 * ranked[1]:
        return best
    return None


def _text_date_order(text: str) -> bool | None:
    """True/False when the text's unambiguous numeric dates prove day- or month-first."""
    day_first = month_first = 0
    for m in NUMERIC_DATE_RE.finditer(text):
        a, b = m.group(1), m.group(3)
        if len(a) == 4:
            continue
        first, second = int(a), int(b)
        if 12 < first <= 31 and 1 <= second <= 12:
            day_first += 1
        elif 12 < second <= 31 and 1 <= first <= 12:
            month_first += 1
    if day_first and not month_first:
        return True
    if month_first and not day_first:
        return False
    return None


def _text_decimal(text: str) -> str | None:
    without_dates = NUMERIC_DATE_RE.sub(" ", text)
    counts = {".": 0, ",": 0}
    for m in _TEXT_AMOUNT_RE.finditer(without_dates):
        grouping, decimal = m.group(1), m.group(2)
        if grouping and grouping == decimal:
            continue
        counts[decimal] += 1
    if counts[","] >= 2 and counts[","] >= 3 * counts["."]:
        return ","
    if counts["."] >= 2 and counts["."] >= 3 * counts[","]:
        return "."
    return None


def _seller_country(seller_vat: str | None, ibans: Sequence[str], sources: list[str]) -> str | None:
    """The seller's VAT prefix, else the country of the IBAN (the seller's bank)."""
    if seller_vat and (c := vat_country(seller_vat)):
        sources.append(f"country {c} from the seller's VAT id prefix")
        return c
    for iban in ibans:
        compact = re.sub(r"[^A-Za-z0-9]", "", iban or "").upper()
        if len(compact) >= 15 and compact[:2].isalpha() and compact[2:4].isdigit():
            sources.append(f"country {compact[:2]} from IBAN")
            return compact[:2]
    return None


def _other_party_country(vats: Sequence[str | None], sources: list[str]) -> str | None:
    """The VAT prefix of another party (the buyer): the last resort before the language."""
    for vat in vats:
        if vat and (c := vat_country(vat)):
            sources.append(f"country {c} from another party's VAT id prefix")
            return c
    return None


def _language(language: str | None, text: str, sources: list[str]) -> str | None:
    """The declared language (a name or a code), else the one the text's keywords show."""
    lang = (language or "").split("-")[0].split("_")[0].strip().casefold() or None
    lang = _LANGUAGE_NAMES.get(lang or "", lang)
    if lang is None and text:
        lang = _text_language(text)
        if lang:
            sources.append(f"language {lang} from keywords")
    return lang


def _day_first(text: str, country: str | None, lang: str | None, sources: list[str]) -> bool | None:
    """The date order from the text's unambiguous dates, else the country, else the language."""
    day_first = _text_date_order(text) if text else None
    if day_first is not None:
        sources.append("date order from unambiguous dates in the text")
    elif country is not None and country not in _UNDECIDED_ORDER_COUNTRIES:
        day_first = country not in _MONTH_FIRST_COUNTRIES
        sources.append(f"date order from country {country}")
    elif lang is not None and lang != "en":
        day_first = True
        sources.append(f"date order from language {lang}")
    return day_first


def _decimal_separator(
    text: str, country: str | None, lang: str | None, sources: list[str]
) -> str | None:
    """The decimal separator from the text's amounts, else the country, else the language."""
    decimal = _text_decimal(text) if text else None
    if decimal is not None:
        sources.append("decimal separator from amounts in the text")
    elif country is not None:
        decimal = "." if country in _DOT_DECIMAL_COUNTRIES else ","
        sources.append(f"decimal separator from country {country}")
    elif lang is not None:
        decimal = "." if lang == "en" else ","
        sources.append(f"decimal separator from language {lang}")
    return decimal


def locale_evidence(
    *,
    language: str | None,
    currency: str | None,
    vat_ids: Sequence[str | None],
    ibans: Sequence[str],
    text: str,
) -> LocaleEvidence:
    """Decide the document's country, date order and decimal separator from its evidence.

    ``vat_ids`` come seller first (None where the seller has none). Country: the
    seller's VAT prefix, else the IBAN country, else a national currency (not EUR; USD
    with a US state and ZIP code), else another party's VAT prefix, else the language:
    the document follows its issuer's conventions, not its addressee's. Date order: the unambiguous numeric dates in ``text``
    (``15/04/2024`` proves day-first), else the country (US month-first), else a
    non-English language (day-first); else None. Decimal separator: the amounts
    in ``text``, else the country, else the language.
    """
    sources: list[str] = []
    country = _seller_country(vat_ids[0] if vat_ids else None, ibans, sources)
    code = None
    if currency:
        code = normalise_currency(currency)
    shared = (currency or "").strip().lower() in _SHARED_SYMBOLS
    if country is None and code in _CURRENCY_COUNTRY and not shared:
        country = _CURRENCY_COUNTRY[code]
        sources.append(f"country {country} from currency {code}")
    elif country is None and code == "USD" and _US_ADDRESS.search(text or ""):
        country = "US"
        sources.append("country US from a state and ZIP code beside a $ amount")
    if country is None:
        country = _other_party_country(vat_ids[1:], sources)
    lang = _language(language, text, sources)
    if country is None and lang in _LANGUAGE_COUNTRY:
        country = _LANGUAGE_COUNTRY[lang]
        sources.append(f"country {country} from language {lang}")
    return LocaleEvidence(
        country=country,
        day_first=_day_first(text, country, lang, sources),
        decimal_separator=_decimal_separator(text, country, lang, sources),
        language=lang,
        sources=sources,
    )
