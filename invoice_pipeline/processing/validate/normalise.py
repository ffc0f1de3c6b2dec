"""Normalisation of printed invoice values: amounts, dates, currencies, VAT ids, IBANs, terms.

Every function takes the text as a provider read it from the page and returns a
canonical value (``Decimal``, ``datetime.date``, ISO 4217 code, compact VAT id
or IBAN) or ``None`` when the text cannot be read with confidence; none raises
for bad input. Locale-dependent cases (``03.04.2024`` vs ``04/03/2024``,
``1,234`` vs ``1,23``, ``kr``) are decided by :func:`locale_evidence`, which
weighs the document's VAT prefixes, IBAN country, currency, language and the
unambiguous dates and amounts printed elsewhere in the text. Month names come
from the CLDR data in babel; checksums from python-stdnum and schwifty.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.dates import get_month_names
from babel.numbers import list_currencies
from pydantic import BaseModel, Field
from schwifty import IBAN
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat

__all__ = [
    "LocaleEvidence",
    "amounts_in_text",
    "format_money",
    "format_price",
    "format_quantity",
    "due_date_from_terms",
    "invoice_number_key",
    "locale_evidence",
    "name_key",
    "normalise_currency",
    "normalise_iban",
    "normalise_text",
    "normalise_vat_id",
    "parse_amount",
    "parse_date",
    "parse_percent",
    "vat_country",
]

# ----------------------------------------------------------------------- amounts

_MINUS = "-\u2212\u2012\u2013\u2014"
_MINUS_CLASS = re.escape(_MINUS)  # for use inside [...]
_GROUP_SPACES = " \u00a0\u202f\u2009\u2007"
_APOSTROPHES = "'\u2019\u02bc`\u00b4"
_NUMBER_RE = re.compile(
    r"(?:(?<![\d])[.,](?=\d))?\d+(?:[.," + _GROUP_SPACES + _APOSTROPHES + r"]\d+)*"
)
# "1.234,-" / "12,--": whole units, no cents
_NO_CENTS_RE = re.compile(r"(\d)[.,][" + _MINUS_CLASS + r"]{1,2}(?![\d" + _MINUS_CLASS + r"])")
# what may surround a number: currency symbols, codes and words, colons, stars
_AFFIX_ALLOWED = re.compile(r"[\w€$£¥₹₽₺₩.:*/\s" + _GROUP_SPACES + r"-]*", re.UNICODE)
_CURRENCY_MARK = r"(?:[^\W\d_]{1,3}\.?|[€$£¥₹₽₺₩]|[^\W\d_]{1,2}\$)"
# "-12,50", "EUR -12,50", "-EUR 12,50", "-€12.50"
_PREFIX_MINUS_RE = re.compile(r"([" + _MINUS_CLASS + r"])\s*(?:" + _CURRENCY_MARK + r"\s*)?$")
# "12.50-", "12,50 €-", "12,50- €"
_CREDIT_SUFFIX_RE = re.compile(r"(?<![^\W\d_])(?:CR|Cr)\.?\s*$")
_SUFFIX_MINUS_RE = re.compile(r"^\s*(?:" + _CURRENCY_MARK + r"\s*)?([" + _MINUS_CLASS + r"])")


def _affix_ok(text: str) -> bool:
    return not any(ch.isdigit() for ch in text) and _AFFIX_ALLOWED.fullmatch(text) is not None


def _split_number(core: str, decimal_hint: str | None) -> tuple[str, str] | None:
    """Integer digits and fraction digits of a number as printed, or None if malformed."""
    if core[0] in ".,":  # ".50"
        core = "0" + core
    seps = [ch for ch in core if not ch.isdigit()]
    if not seps:
        return core, ""
    spaced = {ch for ch in seps if ch in _GROUP_SPACES or ch in _APOSTROPHES}
    punct = [ch for ch in seps if ch in ".,"]
    kinds = set(punct)
    decimal: str | None = None
    if len(kinds) == 2:
        decimal = punct[-1]
        if punct.count(decimal) != 1:
            return None
    elif len(kinds) == 1:
        sep = punct[0]
        if len(punct) == 1:
            head, _, frac = core.rpartition(sep)
            head_digits = re.sub(r"\D", "", head)
            if decimal_hint == "":
                decimal = None
            elif len(frac) != 3 or head_digits in {"", "0"} or spaced:
                decimal = sep
            elif decimal_hint in {".", ","}:
                decimal = sep if decimal_hint == sep else None
            else:
                decimal = None  # "1,234" / "1.234": thousands without evidence
    if decimal is not None:
        head, _, frac = core.rpartition(decimal)
        if not frac.isdigit():
            return None
    else:
        head, frac = core, ""
    groupers = {ch for ch in head if not ch.isdigit()}
    if len(groupers) > 1:
        return None
    if groupers:
        groups = re.split(r"\D", head)
        first, rest = groups[0], groups[1:]
        western = 1 <= len(first) <= 3 and all(len(g) == 3 for g in rest)
        indian = (
            groupers == {","}
            and 1 <= len(first) <= 2
            and len(rest) >= 2
            and all(len(g) == 2 for g in rest[:-1])
            and len(rest[-1]) == 3
        )
        if not (western or indian):
            return None
    return re.sub(r"\D", "", head) or "0", frac


def _parse_number(
    text: str | None, decimal_hint: str | None, *, percent: bool = False
) -> Decimal | None:
    if text is None:
        return None
    # NFKC turns no-break and narrow no-break spaces into plain spaces
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if not s:
        return None
    s, whole_units = _NO_CENTS_RE.subn(r"\1", s)
    if whole_units:
        decimal_hint = ""  # every remaining separator groups thousands
    matches = list(_NUMBER_RE.finditer(s))
    if len(matches) != 1:
        return None
    match = matches[0]
    core = match.group(0).rstrip(_GROUP_SPACES + _APOSTROPHES)
    pre, suf = s[: match.start()], s[match.start() + len(core) :]
    negative = False
    if "(" in pre and ")" in suf:
        negative = True
        pre, suf = pre.replace("(", " ", 1), suf.replace(")", " ", 1)
    m = _PREFIX_MINUS_RE.search(pre)
    if m:
        negative = True
        pre = pre[: m.start(1)] + " " + pre[m.end(1) :]
    m = _SUFFIX_MINUS_RE.match(suf)
    if m:
        negative = True
        suf = suf[: m.start(1)] + " " + suf[m.end(1) :]
    m = _CREDIT_SUFFIX_RE.search(suf)
    if m:  # "12,50 CR": a credit in accounting notation
        negative = True
        suf = suf[: m.start()] + " " + suf[m.end() :]
    if percent:
        suf = suf.replace("%", " ", 1)
    if not (_affix_ok(pre) and _affix_ok(suf)):
        return None
    parts = _split_number(core, decimal_hint)
    if parts is None:
        return None
    whole, frac = parts
    try:
        value = Decimal(f"{whole}.{frac}" if frac else whole)
    except InvalidOperation:
        return None
    return -value if negative else value


def parse_amount(text: str | None, *, decimal_hint: str | None = None) -> Decimal | None:
    """Read a printed amount: ``1.234,56``, ``1,234.56``, ``1 234,56``, ``1'234.56`` and more.

    Currency symbols, codes and words around the number are ignored; ``-12,50``,
    ``(12.50)``, ``12.50-`` and ``−12,50`` are negative (credit notes);
    ``1.234,-`` is whole units. A lone separator followed by exactly three digits
    (``1,234``) is a thousands separator unless ``decimal_hint`` (the document's
    decimal separator, ``","`` or ``"."``) names it as the decimal one. Returns
    None when the text holds no number, several numbers or malformed grouping.
    """
    return _parse_number(text, decimal_hint)


def amounts_in_text(text: str, *, decimal_hint: str | None = None) -> set[Decimal]:
    """The absolute values of every amount printed in ``text`` (for cross-checks)."""
    found: set[Decimal] = set()
    for match in _NUMBER_RE.finditer(unicodedata.normalize("NFKC", text or "")):
        token = match.group(0)
        for piece in {token, *token.split()}:
            value = _parse_number(piece, decimal_hint)
            if value is not None:
                found.add(abs(value))
    return found


def parse_percent(text: str | None, *, decimal_hint: str | None = None) -> Decimal | None:
    """Read a printed percentage (``19%``, ``19,0 %``, ``8.1``) as a number of percent."""
    return _parse_number(text, decimal_hint, percent=True)


# ------------------------------------------------------------------------- dates

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


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
                    for variant in {key, _strip_accents(key)}:
                        if names.setdefault(variant, number) != number:
                            clashes.add(variant)  # two languages disagree: never guess
    return {name: number for name, number in names.items() if name not in clashes}


_NUMERIC_DATE_RE = re.compile(
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
    return names.get(key) or names.get(_strip_accents(key))


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
    m = _NUMERIC_DATE_RE.search(s)
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


# ---------------------------------------------------------------------- currency

_COMMON_CODES = (
    "EUR USD GBP CHF SEK NOK DKK ISK PLN CZK HUF RON BGN JPY CNY CAD AUD NZD INR "
    "SGD HKD MXN BRL ZAR TRY RUB KRW"
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


# ------------------------------------------------------------------ VAT and IBAN

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


# ---------------------------------------------------------------------- keys


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
    words = re.findall(r"\w+", _strip_accents(name.splitlines()[0]).casefold())
    words = [w for w in words if w not in _LEGAL_FORMS]
    key = " ".join(words)
    return key[:255] or None


def invoice_number_key(number: str | None) -> str | None:
    """An invoice number reduced for matching: upper-case letters and digits only."""
    if not number:
        return None
    key = re.sub(r"[^0-9A-Za-z]", "", _strip_accents(number)).upper()
    return key[:255] or None


# ---------------------------------------------------------------- locale evidence


class LocaleEvidence(BaseModel):
    """What a document says about its locale, and where each conclusion came from."""

    country: str | None = None
    day_first: bool | None = None
    decimal_separator: str | None = None
    language: str | None = None
    sources: list[str] = Field(default_factory=list)


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
    for m in _NUMERIC_DATE_RE.finditer(text):
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
    without_dates = _NUMERIC_DATE_RE.sub(" ", text)
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


def locale_evidence(
    *,
    language: str | None,
    currency: str | None,
    vat_ids: Sequence[str],
    ibans: Sequence[str],
    text: str,
) -> LocaleEvidence:
    """Decide the document's country, date order and decimal separator from its evidence.

    ``vat_ids`` come seller first. Country: the seller's VAT prefix, else the
    IBAN country, else another VAT prefix, else a national currency (not EUR),
    else the language. Date order: the unambiguous numeric dates in ``text``
    (``15/04/2024`` proves day-first), else the country (US month-first), else a
    non-English language (day-first); else None. Decimal separator: the amounts
    in ``text``, else the country, else the language.
    """
    sources: list[str] = []
    country: str | None = None
    vats = [v for v in vat_ids if v]
    if vats and (c := vat_country(vats[0])):
        country = c
        sources.append(f"country {c} from VAT id prefix")
    if country is None:
        for iban in ibans:
            compact = re.sub(r"[^A-Za-z0-9]", "", iban or "").upper()
            if len(compact) >= 15 and compact[:2].isalpha() and compact[2:4].isdigit():
                country = compact[:2]
                sources.append(f"country {country} from IBAN")
                break
    if country is None:
        for vat in vats[1:]:
            if c := vat_country(vat):
                country = c
                sources.append(f"country {c} from VAT id prefix")
                break
    code = None
    if currency:
        code = normalise_currency(currency)
    if country is None and code in _CURRENCY_COUNTRY:
        country = _CURRENCY_COUNTRY[code]
        sources.append(f"country {country} from currency {code}")
    lang = (language or "").split("-")[0].split("_")[0].strip().casefold() or None
    lang = _LANGUAGE_NAMES.get(lang or "", lang)
    if lang is None and text:
        lang = _text_language(text)
        if lang:
            sources.append(f"language {lang} from keywords")
    if country is None and lang in _LANGUAGE_COUNTRY:
        country = _LANGUAGE_COUNTRY[lang]
        sources.append(f"country {country} from language {lang}")

    day_first = _text_date_order(text) if text else None
    if day_first is not None:
        sources.append("date order from unambiguous dates in the text")
    elif country is not None and country not in _UNDECIDED_ORDER_COUNTRIES:
        day_first = country not in _MONTH_FIRST_COUNTRIES
        sources.append(f"date order from country {country}")
    elif lang is not None and lang != "en":
        day_first = True
        sources.append(f"date order from language {lang}")

    decimal = _text_decimal(text) if text else None
    if decimal is not None:
        sources.append("decimal separator from amounts in the text")
    elif country is not None:
        decimal = "." if country in _DOT_DECIMAL_COUNTRIES else ","
        sources.append(f"decimal separator from country {country}")
    elif lang is not None:
        decimal = "." if lang == "en" else ","
        sources.append(f"decimal separator from language {lang}")
    return LocaleEvidence(
        country=country,
        day_first=day_first,
        decimal_separator=decimal,
        language=lang,
        sources=sources,
    )


# -------------------------------------------------------------------- payment terms

_DAY_WORDS = r"(?:days?|tagen|tage|tag|jours?|j|dagar|dage|dager|dgr|d)"
_DAYS_RE = re.compile(r"(?<![\d.,])(\d{1,3})\s*-?\s*" + _DAY_WORDS + r"(?![^\W\d_])", re.IGNORECASE)
_NET_RE = re.compile(
    r"(?<![^\W\d_])(?:net|netto)\s*:?\s*(\d{1,3})(?![\d.,]\d|\d|\s*%)", re.IGNORECASE
)
_TERMS_KEYWORDS = re.compile(
    r"net|netto|payable|payment|pay\b|due|terms|zahlbar|zahlung|fällig|"
    r"paiement|règlement|reglement|échéance|echeance|conditions|à \d+ ?jours|"
    r"betal|förfall|forfall|villkor|forfald",
    re.IGNORECASE,
)
_IMMEDIATE_RE = re.compile(
    r"due (?:up)?on receipt|payable (?:immediately|on receipt)|sofort (?:zahlbar|fällig)|"
    r"zahlbar sofort|ohne abzug sofort|à réception|dès réception|a reception|"
    r"betalas omgående|omgående",
    re.IGNORECASE,
)
_END_OF_MONTH_RE = re.compile(
    r"fin de mois|end of (?:the )?month|\beom\b|monatsende|ende des monats", re.IGNORECASE
)


def _end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date_from_terms(text: str, invoice_date: dt.date) -> dt.date | None:
    """The due date implied by payment terms in ``text``, counted from ``invoice_date``.

    Reads ``net 30``, ``30 days net``, ``payable within 14 days``, ``zahlbar
    innerhalb 14 Tagen``, ``14 Tage netto``, ``à 30 jours (fin de mois)``,
    ``30 dagar netto`` and "due on receipt" forms, only on lines that speak of
    payment. With a cash discount and a net term (``2% Skonto bei Zahlung
    innerhalb 10 Tagen, 30 Tage netto``) the longest term wins. None when no term
    is found.
    """
    if not text or invoice_date is None:
        return None
    best: dt.date | None = None
    for line in re.split(r"[\n\r]+", text):
        if not _TERMS_KEYWORDS.search(line):
            continue
        days = [int(m.group(1)) for m in _DAYS_RE.finditer(line)]
        days += [int(m.group(1)) for m in _NET_RE.finditer(line)]
        days = [d for d in days if 0 < d <= 365]
        due: dt.date | None = None
        if days:
            due = invoice_date + dt.timedelta(days=max(days))
            if _END_OF_MONTH_RE.search(line):
                due = _end_of_month(due)
        elif _IMMEDIATE_RE.search(line):
            due = invoice_date
        if due is not None and (best is None or due > best):
            best = due
    return best


# -------------------------------------------------------------------- formatting


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_money(value: Decimal | None) -> str | None:
    """Money as a record string: ``"1234.50"`` (two decimals; more are kept as they are)."""
    return format_price(value)


def format_quantity(value: Decimal | None) -> str | None:
    """A quantity or a percentage without padding zeros: ``"2"``, ``"2.5"``, ``"19"``."""
    return None if value is None else _plain(value)


def format_price(value: Decimal | None) -> str | None:
    """A unit price: at least two decimals, more only when printed (``"0.28735"``)."""
    if value is None:
        return None
    plain = _plain(value)
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    return plain if decimals > 2 else format(value.quantize(Decimal("0.01")), "f")
