"""Locales of the second generator: country, currency, tax rates and Babel formatting.

Each :class:`Locale` names a CLDR locale (``en-US``, ``en-GB``, ``de-DE``,
``fr-FR``, ``sv-SE``, ``nl-NL``, ``es-ES``, ``en-MY``), its currency and its legal tax
rates.  Numbers, money and dates are formatted by Babel (CLDR data), not by
hand, so this module shares no formatting code with the first generator's
``samples/locales.py``.  Babel's narrow and non-breaking spaces are printed as
plain spaces (the way most invoice software writes them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_currency_symbol

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Locale:
    """A locale an invoice is printed in."""

    code: str
    """BCP 47 tag, e.g. ``de-DE``."""
    country: str
    currency: str
    language: str
    """Key of the label and word lists: en, de, fr, sv, nl, es."""
    rates: tuple[Decimal, ...]
    """Legal tax rates in percent, the standard rate first."""
    date_formats: tuple[str, ...]
    """CLDR date patterns this locale's invoices use."""

    @property
    def babel(self) -> str:
        return self.code.replace("-", "_")

    @property
    def symbol(self) -> str:
        return get_currency_symbol(self.currency, self.babel)


def _rates(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


LOCALES: dict[str, Locale] = {
    loc.code: loc
    for loc in (
        Locale(
            "en-US", "US", "USD", "en", _rates("8.25", "7", "6.5"),
            ("MM/dd/yyyy", "MMM d, yyyy", "MMMM d, yyyy"),
        ),
        Locale(
            "en-GB", "GB", "GBP", "en", _rates("20", "5"),
            ("dd/MM/yyyy", "d MMM yyyy", "d MMMM yyyy"),
        ),
        Locale(
            "de-DE", "DE", "EUR", "de", _rates("19", "7"),
            ("dd.MM.yyyy", "d. MMMM yyyy", "dd.MM.yy"),
        ),
        Locale(
            "fr-FR", "FR", "EUR", "fr", _rates("20", "10", "5.5"),
            ("dd/MM/yyyy", "d MMMM yyyy", "dd.MM.yyyy"),
        ),
        Locale(
            "sv-SE", "SE", "SEK", "sv", _rates("25", "12", "6"),
            ("yyyy-MM-dd", "d MMMM yyyy", "yyyy-MM-dd"),
        ),
        Locale(
            "nl-NL", "NL", "EUR", "nl", _rates("21", "9"),
            ("dd-MM-yyyy", "d MMMM yyyy", "d-M-yyyy"),
        ),
        Locale(
            "es-ES", "ES", "EUR", "es", _rates("21", "10", "4"),
            ("dd/MM/yyyy", "d 'de' MMMM 'de' yyyy", "dd-MM-yyyy"),
        ),
        # Malaysian tills and invoices in English: ringgit (RM), GST 6% and zero-rated goods
        Locale(
            "en-MY", "MY", "MYR", "en", _rates("6", "0"),
            ("dd/MM/yyyy", "dd-MM-yy", "d MMM yy"),
        ),
    )
}  # fmt: skip


def plain_spaces(text: str) -> str:
    """Babel's narrow and non-breaking spaces and its minus sign as plain ASCII."""
    return text.replace("\u202f", " ").replace("\xa0", " ").replace("\u2212", "-")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def number(value: Decimal, loc: Locale, places: int = 2, grouping: bool = True) -> str:
    """``value`` with the locale's decimal and group separators, ``places`` decimals."""
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * places if places else "")
    return plain_spaces(format_decimal(value, format=pattern, locale=loc.babel))


def quantity(value: Decimal, loc: Locale) -> str:
    """A quantity without padding zeros (``2``, ``1,5``)."""
    places = max(0, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return number(value, loc, places, grouping=False)


def money(value: Decimal, loc: Locale, style: str = "symbol") -> str:
    """Money as printed: ``symbol`` (Babel's CLDR pattern: ``$1,234.50``, ``1.234,50 €``),
    ``code`` (``1.234,50 EUR``) or ``none`` (the number alone)."""
    if style == "symbol":
        return plain_spaces(format_currency(value, loc.currency, locale=loc.babel))
    text = number(value, loc)
    return text if style == "none" else f"{text} {loc.currency}"


def rate(value: Decimal, loc: Locale) -> str:
    """A tax rate: ``8.25%`` in English, ``19 %`` elsewhere."""
    return quantity(value, loc) + ("%" if loc.language == "en" else " %")


def date(value: dt.date, loc: Locale, variant: int = 0) -> str:
    """``value`` in one of the locale's date patterns (CLDR month names by Babel)."""
    pattern = loc.date_formats[variant % len(loc.date_formats)]
    return plain_spaces(format_date(value, pattern, locale=loc.babel))
