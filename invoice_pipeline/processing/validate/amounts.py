"""Printed amounts and percentages read as ``Decimal``, and money formatted for records.

:func:`parse_amount` reads ``1.234,56``, ``1,234.56``, ``1 234,56``, ``1'234.56``
and Indian grouping, ignores the currency marks around the number and reads
credit notes (``-12,50``, ``(12.50)``, ``12.50-``, ``12,50 CR``) as negative; a
lone separator before exactly three digits is decided by the document's decimal
separator (see :mod:`invoice_pipeline.processing.validate.locale`).
:func:`amounts_in_text` lists every amount of a text for cross-checks, and
:func:`format_money`, :func:`format_price` and :func:`format_quantity` turn the
values back into the record's exact strings. None of them raises for bad input.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = [
    "amounts_in_text",
    "format_money",
    "format_price",
    "format_quantity",
    "parse_amount",
    "parse_percent",
]

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


_SAME_MARKS_RE = re.compile(r"\d{1,3}(?P<mark>[.,])\d{3}(?:(?P=mark)\d{3})*(?P=mark)\d{2}")


def _one_mark_for_both(core: str) -> tuple[str, str] | None:
    """A scan's ``3.572.85`` or ``1,190,95``: the OCR read the decimal mark as the grouping
    one. Groups of three and then two last digits can only be cents."""
    if not _SAME_MARKS_RE.fullmatch(core):
        return None
    return re.sub(r"\D", "", core[:-3]), core[-2:]


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
    parts = _split_number(core, decimal_hint) or _one_mark_for_both(core)
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
