"""Printed dates read as ``datetime.date``, with the day/month order left to the caller.

:func:`parse_date` reads ISO, compact, numeric (``03.04.2024``, ``4/3/24``) and
month-name dates in English, German, French, Swedish and a few more languages
(month names from the CLDR data in babel), and says when a numeric date reads
both ways; :data:`NUMERIC_DATE_RE` is shared with the locale evidence, which
counts the unambiguous dates of a text.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from babel.dates import get_month_names

from invoice_pipeline.processing.validate.text import strip_accents

__all__ = ["NUMERIC_DATE_RE", "parse_date"]

_DATE_LANGUAGES = ("en", "de", "fr", "sv", "da", "nb", "nl", "es", "it")
_EXTRA_MONTHS = {
    "sept": 9,
    "mrz": 3,
    "maerz": 3,
    "marz": 3,
    "janv": 1,
    "fevr": 2,
    "juil": 7,
}


@lru_cache(maxsize=1)
def _month_names() -> dict[str, int]:
    """Month names and abbreviations of the supported languages (CLDR via babel)."""
    names: dict[str, int] = dict(_EXTRA_MONTHS)
    clashes: set[str] = set()
    for lang in _DATE_LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context=context, locale=lang).items():
                    key = name.casefold().rstrip(".")
                    for variant in {key, strip_accents(key)}:
                        if names.setdefault(variant, number) != number:
                            clashes.add(variant)  # two languages disagree: never guess
    return {name: number for name, number in names.items() if name not in clashes}


NUMERIC_DATE_RE = re.compile(
    r"(?<![\d.,/-])(\d{1,4})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{2,4})(?![\d/-]|[.,]\d)"
)
_COMPACT_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_WORD = r"([^\W\d_]{3,}\.?)"
_DAY_MONTH_YEAR_RE = re.compile(
    r"(?<!\d)(\d{1,2})(?:er|st|nd|rd|th|e|:e|a)?\.?\s*(?:de\s+|-|/)?\s*"
    + _WORD
    + r",?\s*(?:de\s+|-|/)?\s*(\d{4}|\d{2})(?!\d)",
    re.UNICODE,
)
_MONTH_DAY_YEAR_RE = re.compile(
    _WORD + r"\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(\d{4})(?!\d)",
    re.UNICODE,
)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        pivot = (dt.date.today().year + 20) % 100
        year += 2000 if year <= pivot else 1900
    return year


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_number(word: str) -> int | None:
    key = word.casefold().rstrip(".")
    names = _month_names()
    return names.get(key) or names.get(strip_accents(key))


def parse_date(text: str | None, *, day_first: bool | None = None) -> tuple[dt.date | None, bool]:
    """Read a printed date; return ``(date, ambiguous)``.

    Handles ISO (``2024-04-03``), compact ``20240403``, numeric ``03.04.2024``,
    ``4/3/24``, ``03-04-2024`` and month names in English, German, French,
    Swedish and a few more (``3 April 2024``, ``April 3, 2024``, ``3. April
    2024``, ``3 avril 2024``, ``1er mars 2024``, ``3-Apr-24``). When a numeric
    date reads both ways and ``day_first`` is None the result is the day-first
    reading with ``ambiguous=True``; a date that fits only one reading is never
    ambiguous. Unreadable text gives ``(None, False)``.
    """
    if not text:
        return None, False
    s = unicodedata.normalize("NFKC", str(text)).strip()
    m = NUMERIC_DATE_RE.search(s)
    if m:
        a, b, c = m.group(1), m.group(3), m.group(4)
        if len(a) == 4:  # year first: 2024-04-03, 2024/04/03, 2024.04.03
            return _make_date(int(a), int(b), int(c)), False
        if len(a) <= 2:
            first, second, year = int(a), int(b), _year(c)
            dmy = _make_date(year, second, first)
            mdy = _make_date(year, first, second)
            if dmy and mdy and dmy != mdy:
                if day_first is None:
                    return dmy, True
                return (dmy if day_first else mdy), False
            if dmy or mdy:
                return dmy or mdy, False
            return None, False
    for m in _DAY_MONTH_YEAR_RE.finditer(s):
        if month := _month_number(m.group(2)):
            return _make_date(_year(m.group(3)), month, int(m.group(1))), False
    for m in _MONTH_DAY_YEAR_RE.finditer(s):
        if month := _month_number(m.group(1)):
            return _make_date(int(m.group(3)), month, int(m.group(2))), False
    m = _COMPACT_DATE_RE.search(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3))), False
    return None, False
