"""Currencies as printed (symbol, word or code) turned into ISO 4217 codes.

:func:`normalise_currency` knows the symbols and words of the common
currencies, accepts any ISO 4217 code babel lists, and resolves the ambiguous
marks (``$``, ``kr``, ``¥``) by the document's country.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from babel.numbers import list_currencies

__all__ = ["normalise_currency"]

_COMMON_CODES = (
    "EUR USD GBP CHF SEK NOK DKK ISK PLN CZK HUF RON BGN JPY CNY CAD AUD NZD INR "
    "SGD HKD MXN BRL ZAR TRY RUB KRW MYR"
).split()
# ISO codes that are also common English words: only accepted as the whole text
_WORDLIKE_CODES = {"ALL", "TOP", "CUP", "MOP", "BAM", "SOS", "PEN", "MAD", "TRY", "MVR", "CVE"}
_DOLLAR_BY_COUNTRY = {
    "CA": "CAD",
    "AU": "AUD",
    "NZ": "NZD",
    "SG": "SGD",
    "HK": "HKD",
    "MX": "MXN",
}
_KRONA_BY_COUNTRY = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK", "FO": "DKK", "GL": "DKK"}
# tokens (casefolded) -> ISO code, or a marker resolved by country evidence
_CURRENCY_TOKENS: dict[str, str] = {
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "gbp": "GBP",
    "us$": "USD",
    "u.s. dollars": "USD",
    "us dollars": "USD",
    "us dollar": "USD",
    "dollar": "$",
    "dollars": "$",
    "$": "$",
    "a$": "AUD",
    "au$": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "rm": "MYR",  # ringgit, as Malaysian tills print it ("RM11.40")
    "r$": "BRL",
    "fr.": "CHF",
    "sfr.": "CHF",
    "sfr": "CHF",
    "franken": "CHF",
    "schweizer franken": "CHF",
    "swiss francs": "CHF",
    "swiss franc": "CHF",
    "francs suisses": "CHF",
    "kronor": "SEK",
    "svenska kronor": "SEK",
    "skr": "SEK",
    "nkr": "NOK",
    "dkr": "DKK",
    "kroner": "kr",
    "krone": "kr",
    "kr": "kr",
    "kr.": "kr",
    "¥": "¥",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "₹": "INR",
    "rs": "INR",
    "rs.": "INR",
    "rupee": "INR",
    "rupees": "INR",
    "zł": "PLN",
    "złoty": "PLN",
    "zloty": "PLN",
    "kč": "CZK",
    "ft": "HUF",
    "forint": "HUF",
    "₽": "RUB",
    "₺": "TRY",
    "₩": "KRW",
    "lei": "RON",
}
_TOKEN_RE = re.compile(
    "|".join(
        (r"(?<![^\W\d_])" + re.escape(tok) + r"(?![^\W\d_])")
        if tok[0].isalpha()
        else re.escape(tok)
        for tok in sorted(_CURRENCY_TOKENS, key=len, reverse=True)
    ),
    re.UNICODE,
)
_CODE_RE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")


@lru_cache(maxsize=1)
def _iso_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _resolve_currency_token(token: str, country: str | None) -> str | None:
    if token == "$":
        return _DOLLAR_BY_COUNTRY.get(country or "", "USD")
    if token == "kr":
        return _KRONA_BY_COUNTRY.get(country or "")
    if token == "¥":
        return "CNY" if country == "CN" else "JPY"
    return token


def normalise_currency(text: str | None, *, country: str | None = None) -> str | None:
    """Turn a currency as printed (symbol, word or code) into its ISO 4217 code.

    ``€``/``euro`` -> EUR, ``$`` -> USD (CAD, AUD... by ``country``), ``£`` -> GBP,
    ``CHF``/``Fr.`` -> CHF, ``kronor`` -> SEK; ``kr`` and ``kroner`` need the
    country (SE, NO, DK) and give None without it. The first currency in the text
    wins; None when nothing is recognised.
    """
    if not text:
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if not s:
        return None
    iso = _iso_currencies()
    if s.upper() in iso and len(s) == 3:
        return s.upper()
    found: list[tuple[int, str]] = []
    for m in _CODE_RE.finditer(s):
        code = m.group(1)
        if code in iso and code not in _WORDLIKE_CODES:
            found.append((m.start(), code))
    for m in _TOKEN_RE.finditer(s.casefold()):
        resolved = _resolve_currency_token(_CURRENCY_TOKENS[m.group(0)], country)
        if resolved:
            found.append((m.start(), resolved))
        elif _CURRENCY_TOKENS[m.group(0)] == "kr":
            found.append((m.start(), ""))  # a krona of unknown country blocks guessing
    if not found:
        return None
    found.sort(key=lambda item: (item[0], item[1] not in _COMMON_CODES))
    return found[0][1] or None
