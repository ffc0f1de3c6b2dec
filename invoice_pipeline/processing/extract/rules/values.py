"""Finding typed values inside a line of text: amounts, dates, codes, VAT ids, IBANs.

Each finder returns the value *as printed* (a substring of the line), so every
extracted value can be traced to its line; numbers are also parsed, with the
document's decimal separator, for the arithmetic that picks the totals.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from invoice_pipeline.processing.extract.rules.vocabulary import ACCENTED_MONTHS, MONTHS, fold
from invoice_pipeline.processing.validate.amounts import parse_amount
from invoice_pipeline.processing.validate.ids import normalise_iban, normalise_vat_id

_SPACE = "[ \u00a0\u202f]"
_MONTH_NAMES = "|".join(
    sorted((re.escape(m) for m in [*MONTHS, *ACCENTED_MONTHS]), key=len, reverse=True)
)
_YEAR = r"(?:19|20)\d{2}"
"""A year printed in full after a month name ("September 2023", not the "2312" of two
dates the OCR ran together: "13. September 202312. November 2023")."""
DATE_RE = re.compile(
    rf"(?<![\d.])(?:"
    rf"\d{{4}}(?P<s1>[-./])\d{{1,2}}(?P=s1)\d{{1,2}}"  # 2024-04-03
    rf"|\d{{1,2}}(?P<s2>[./-])\d{{1,2}}(?P=s2)(?:\d{{4}}|\d{{2}})"  # 03.04.2024, 04/03/24
    rf"|\d{{1,2}}{_SPACE}+(?:{_MONTH_NAMES})\.?{_SPACE}+\d{{2}}(?![\d:])"  # 28 Mar 18 (a till's)
    rf"|\d{{1,2}}\.?{_SPACE}*(?:de{_SPACE}+)?(?:{_MONTH_NAMES})\.?,?{_SPACE}*(?:de{_SPACE}+)?{_YEAR}"  # 3 April 2024, 3. März 2024, 3 de abril de 2024
    rf"|(?:{_MONTH_NAMES})\.?{_SPACE}*\d{{1,2}}(?:st|nd|rd|th)?{_SPACE}*,?{_SPACE}*{_YEAR}"  # April 3, 2024
    rf"|\d{{1,2}}-(?:{_MONTH_NAMES})-\d{{2,4}}"  # 03-Apr-2024
    # a date the OCR ran into the time after it: "08/02/20173:43:01 PM"
    rf")(?:(?![\d])|(?<=[./-](?:19|20)\d\d)(?=\d{{1,2}}:\d\d))",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")


def _could_be_date(text: str) -> bool:
    """Whether a numeric date's day and month can be read in some order ("21-41-71", a
    product code's digits, cannot)."""
    m = _NUMERIC_DATE.fullmatch(text)
    if m is None:
        return True
    a, b, c = (int(g) for g in m.groups())
    if len(m.group(1)) == 4:  # year first
        return 1 <= b <= 12 and 1 <= c <= 31
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


_CURRENCY = r"(?:[$€£¥₹]|eur|usd|gbp|sek|nok|dkk|chf|pln|inr|jpy|cad|aud|czk|huf|myr|rm|kr\.?|zl|zł|rs\.?|sfr\.?)"
AMOUNT_RE = re.compile(
    rf"(?<![\w.,/])(?P<neg>[-−–]|\()?{_SPACE}?(?P<pre>{_CURRENCY})?{_SPACE}?(?P<neg2>[-−–])?"
    rf"(?P<num>\d{{1,3}}(?:(?:[.,'’]|{_SPACE})\d{{3}})+(?:[.,]\d{{1,2}})?|\d+(?:[.,]\d{{1,2}})?)"
    rf"(?![\d])(?P<post>{_SPACE}?(?:{_CURRENCY}|:-|,-))?(?P<negpost>-|\))?(?P<pct>{_SPACE}?%)?",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"[^\W\d_]{2,}")
"""Two or more letters in a row: a word."""
CURRENCY_TOKEN_RE = re.compile(
    r"(?<![A-Za-z])(EUR|USD|GBP|SEK|NOK|DKK|CHF|PLN|INR|JPY|CAD|AUD|CZK|HUF|NZD|ZAR|MYR|RM)(?![A-Za-z])|([$€£¥₹])|"
    r"(?<![A-Za-z])(kr|SEK|zł|Rs)\.?(?![A-Za-z])"
)
PERCENT_RE = re.compile(r"(\d{1,2}(?:[.,]\d{1,3})?)\s?%")
VAT_RE = re.compile(
    r"(?<![A-Z0-9])((?:ATU|DE|FR|SE|GB|XI|NL|BE|IT|ES|PT|IE|LU|DK|FI|PL|CZ|SK|SI|HU|RO|BG|HR|EE|LV|LT|GR|EL|CY|MT|CHE|NO)"
    r"[ .\-]?[0-9A-Z](?:[ .\-]?[0-9A-Z]){7,13})(?:\s?(?:MWST|TVA|IVA|MVA))?(?![0-9A-Z])"
)
IBAN_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30})(?![A-Z0-9])")
CODE_RE = re.compile(r"[#№]?\s*([A-Za-z0-9][A-Za-z0-9_./\-]*\d[A-Za-z0-9_./\-]*|\d+)")


@dataclass(frozen=True)
class Amount:
    text: str
    """The number as printed, without currency."""
    value: Decimal
    start: int
    end: int
    currency: str | None = None


_SEPARATOR_EVIDENCE = [
    (re.compile(r"\d{1,3}(?:\.\d{3})+,\d{2}(?!\d)"), ",", 3),
    (re.compile(r"\d{1,3}(?:,\d{3})+\.\d{2}(?!\d)"), ".", 3),
    (re.compile(r"(?<![\d.,])\d+,\d{2}(?![\d.,])"), ",", 1),
    (re.compile(r"(?<![\d.,])\d+\.\d{2}(?![\d.,])"), ".", 1),
    (re.compile(r"\d[ \u00a0\u202f]\d{3},\d{2}(?!\d)"), ",", 2),
]


def decimal_separator(texts: Iterable[str]) -> str:
    """The document's decimal separator, by a vote over its numbers ("," or ".")."""
    votes: Counter[str] = Counter()
    for text in texts:
        masked = DATE_RE.sub(" ", text)
        for pattern, sep, weight in _SEPARATOR_EVIDENCE:
            votes[sep] += weight * len(pattern.findall(masked))
    if not votes:
        return "."
    return max(votes, key=lambda k: (votes[k], k == "."))


def find_dates(text: str) -> list[re.Match[str]]:
    return [m for m in DATE_RE.finditer(text) if _could_be_date(m.group(0))]


def find_amounts(text: str, decimal_sep: str) -> list[Amount]:
    """Money-like numbers in a line; percentages, dates and long ids are left out."""
    return list(_amounts(text, decimal_sep))


@lru_cache(maxsize=16384)
def _amounts(text: str, decimal_sep: str) -> tuple[Amount, ...]:
    """``find_amounts``, once per line text (the extractor, the scorer and the checks
    read the same lines)."""
    masked = DATE_RE.sub(lambda m: "#" * len(m.group(0)), text)
    out: list[Amount] = []
    for m in AMOUNT_RE.finditer(masked):
        if m.group("pct"):
            continue
        num = m.group("num")
        digits = re.sub(r"\D", "", num)
        if len(digits) > 12:
            continue
        value = parse_amount(num, decimal_hint=decimal_sep)
        if value is None:
            continue
        negative = bool(m.group("neg") or m.group("neg2") or m.group("negpost"))
        if m.group("neg") == "(" and m.group("negpost") != ")":
            negative = False
        if negative:
            value = -value
        cur = m.group("pre") or (m.group("post") or "").strip() or None
        if cur in (":-", ",-"):
            cur = None
        start, end = m.start("num"), m.end("num")
        printed = text[start:end]
        if negative:
            printed = "-" + printed
        out.append(Amount(printed, value, m.start(), m.end(), cur))
    return tuple(out)


def is_money_like(amount: Amount, decimal_sep: str) -> bool:
    """Has decimals or a currency: a bare integer (a quantity, a postcode) is not money."""
    return amount.currency is not None or bool(re.search(r"[.,]\d{2}$", amount.text))


def find_percent(text: str) -> str | None:
    m = PERCENT_RE.search(text)
    return m.group(1) if m else None


def find_vat_ids(text: str) -> list[tuple[str, str]]:
    """(as printed, compact) for each VAT id with a valid checksum in the text."""
    found = []
    for m in VAT_RE.finditer(text.upper()):
        printed = text[m.start(1) : m.end(1)]
        compact, valid = normalise_vat_id(printed)
        if compact and valid:
            found.append((printed, compact))
    return found


def find_ibans(text: str) -> list[tuple[str, str]]:
    """(as printed, compact) for each IBAN with a valid checksum in the text."""
    found = []
    upper = text.upper()
    for m in IBAN_RE.finditer(upper):
        candidate = m.group(1)
        # an IBAN can be followed by a BIC or other words: shrink until it validates
        parts = candidate.split(" ")
        for n in range(len(parts), 0, -1):
            printed = " ".join(parts[:n])
            compact, valid = normalise_iban(printed)
            if compact and valid:
                start = m.start(1)
                found.append((text[start : start + len(printed)], compact))
                break
    return found


def find_currency(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in CURRENCY_TOKEN_RE.finditer(text)]


def clean_code(text: str) -> str | None:
    """An identifier (invoice or order number) from the text after its label."""
    text = text.strip().lstrip(":#.- \t").strip()
    text = re.sub(
        r"^(?:no\.?|nr\.?|n[°ºo]\.?|number|num[ée]ro|nummer)\s*[:.]?\s*", "", text, flags=re.I
    )
    text = text.lstrip(":#.- ").strip()
    if not text:
        return None
    token = text.split()[0].rstrip(".,;:")
    if len(text.split()) > 1 and not re.search(r"\d", token):
        return None
    if not re.search(r"\d", token) and "_" not in token:
        return None
    if re.fullmatch(r"[-+]?\d{1,3}(?:[.,]\d{3})*[.,]\d{2}", token):
        return None  # an amount, not an identifier
    if DATE_RE.fullmatch(token) or len(token) > 40 or len(token) < 2 and not token.isdigit():
        return None
    if fold(token) in {"date", "datum"}:
        return None
    return token
