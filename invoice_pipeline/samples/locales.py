"""The locales of the sample invoices and how each writes numbers, money and dates.

:data:`LOCALES` are the locales a caller asks for (``en`` becomes en-US or
en-GB by seed), :data:`LOCALE_SPECS` the five regional conventions
(:class:`LocaleSpec`: currency and symbol, decimal and thousands separators,
date patterns, page size, legal tax rates) and :func:`resolve_locale` picks
one.  :func:`format_number`, :func:`format_money`, :func:`format_quantity`,
:func:`format_rate` and :func:`format_date` write values the way the locale
prints them, and :func:`quantize` rounds money half-up to cents, so the ground
truth and the printed text come from one place.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date as babel_format_date

CENT = Decimal("0.01")

LOCALES: tuple[str, ...] = ("en", "de", "fr", "sv")
"""The locales a caller asks for; ``en`` becomes en-US or en-GB by seed."""

VARIANTS: tuple[str, ...] = ("en-US", "en-GB", "de", "fr", "sv")


@dataclass(frozen=True)
class LocaleSpec:
    """How one locale writes numbers, money and dates, and what it taxes."""

    code: str
    language: str
    country: str
    currency: str
    symbol: str
    decimal: str
    groups: tuple[str, ...]
    """Thousands separators in use (the first is the usual one)."""
    symbol_before: bool
    date_patterns: tuple[str, ...]
    babel_locale: str
    rates: dict[str, Decimal]
    """Tax category -> rate in percent (``std``, ``red``, ``red2``, ``zero``)."""
    page_size: str = "A4"


LOCALE_SPECS: dict[str, LocaleSpec] = {
    "de": LocaleSpec(
        "de",
        "de",
        "DE",
        "EUR",
        "€",
        ",",
        (".",),
        False,
        ("dd.MM.yyyy", "dd.MM.yyyy", "d. MMMM yyyy"),
        "de_DE",
        {"std": Decimal("19"), "red": Decimal("7")},
    ),
    "fr": LocaleSpec(
        "fr",
        "fr",
        "FR",
        "EUR",
        "€",
        ",",
        (" ", "\u00a0"),
        False,
        ("dd/MM/yyyy", "dd/MM/yyyy", "d MMMM yyyy"),
        "fr_FR",
        {"std": Decimal("20"), "red": Decimal("10"), "red2": Decimal("5.5")},
    ),
    "sv": LocaleSpec(
        "sv",
        "sv",
        "SE",
        "SEK",
        "kr",
        ",",
        (" ", ""),
        False,
        ("yyyy-MM-dd", "yyyy-MM-dd", "d MMMM yyyy"),
        "sv_SE",
        {"std": Decimal("25"), "red": Decimal("12"), "red2": Decimal("6")},
    ),
    "en-GB": LocaleSpec(
        "en-GB",
        "en",
        "GB",
        "GBP",
        "£",
        ".",
        (",",),
        True,
        ("dd/MM/yyyy", "d MMMM yyyy", "dd/MM/yyyy"),
        "en_GB",
        {"std": Decimal("20"), "zero": Decimal("0")},
    ),
    "en-US": LocaleSpec(
        "en-US",
        "en",
        "US",
        "USD",
        "$",
        ".",
        (",",),
        True,
        ("MM/dd/yyyy", "MMMM d, yyyy", "MM/dd/yyyy"),
        "en_US",
        {},  # sales tax depends on the buyer's city, see US_CITIES
        page_size="letter",
    ),
}


def resolve_locale(locale: str, rng: random.Random | None = None) -> LocaleSpec:
    """The :class:`LocaleSpec` for ``en``/``en-US``/``en-GB``/``de``/``fr``/``sv``."""
    key = locale.replace("_", "-")
    if key == "en":
        key = (rng or random.Random(0)).choice(("en-US", "en-GB"))
    if key not in LOCALE_SPECS:
        raise ValueError(f"unknown locale {locale!r}; use one of {LOCALES + VARIANTS}")
    return LOCALE_SPECS[key]


# ----------------------------------------------------------------- formatting


def quantize(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def decimal_str(value: Decimal) -> str:
    """A plain decimal string without exponent or trailing zeros: ``2.5``, ``19``."""
    text = format(value.normalize(), "f")
    return text


def format_number(
    value: Decimal, spec: LocaleSpec, places: int = 2, group: str | None = None
) -> str:
    """``1234.5`` -> ``1.234,50`` (de), ``1 234,50`` (fr, sv), ``1,234.50`` (en)."""
    sep = spec.groups[0] if group is None else group
    q = quantize(value, Decimal(1).scaleb(-places)) if places else quantize(value, Decimal(1))
    sign = "-" if q < 0 else ""
    text = format(abs(q), "f")
    whole, _, frac = text.partition(".")
    parts = []
    while len(whole) > 3:
        parts.insert(0, whole[-3:])
        whole = whole[:-3]
    parts.insert(0, whole)
    out = sep.join(parts)
    if places:
        out += spec.decimal + frac
    return sign + out


def format_quantity(value: Decimal, spec: LocaleSpec, fixed: bool = False) -> str:
    """A quantity as printed: ``2,5`` or ``2`` (``2,00`` with ``fixed``)."""
    if fixed:
        return format_number(value, spec, 2)
    places = max(0, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return format_number(value, spec, places)


def format_money(
    value: Decimal, spec: LocaleSpec, style: str = "symbol", group: str | None = None
) -> str:
    """Money the way the locale writes it: ``12,50 €``, ``€12.50``, ``12,50 kr``, ``EUR 12.50``.

    ``style`` is ``symbol``, ``code`` or ``none`` (the bare number).
    """
    number = format_number(value, spec, 2, group)
    if style == "none":
        return number
    if style == "code":
        return f"{spec.currency} {number}" if spec.symbol_before else f"{number} {spec.currency}"
    nbsp = "\u00a0" if group == "\u00a0" else " "
    return f"{spec.symbol}{number}" if spec.symbol_before else f"{number}{nbsp}{spec.symbol}"


def format_rate(rate: Decimal, spec: LocaleSpec, space: bool = True) -> str:
    """A tax rate with its percent sign: ``19 %``, ``5,5 %``, ``8.875%``."""
    text = decimal_str(rate).replace(".", spec.decimal)
    return f"{text} %" if space and spec.language != "en" else f"{text}%"


def format_date(value: dt.date, spec: LocaleSpec, variant: int = 0) -> str:
    """A date in one of the locale's usual patterns (numeric or with the month name)."""
    pattern = spec.date_patterns[variant % len(spec.date_patterns)]
    return babel_format_date(value, pattern.replace("yyyy", "y"), locale=spec.babel_locale)
