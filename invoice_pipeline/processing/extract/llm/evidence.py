"""The document's OCR lines indexed as evidence, to check a model's values against.

:class:`Evidence` tells where a value is printed: in the lines the model cited
(numbers as whole number tokens, text ignoring spacing and punctuation), in
them only up to an OCR slip (rapidfuzz), elsewhere on the page, or nowhere.
Lines that read like instructions to a model
(:func:`invoice_pipeline.processing.extract.injection.looks_like_injection`) are kept apart and
never count as evidence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from invoice_pipeline.processing.extract.injection import looks_like_injection
from invoice_pipeline.schema import OcrDocument, OcrLine

_CURRENCY_SYMBOLS: dict[str, tuple[str, ...]] = {
    "EUR": ("€", "euro"),
    "USD": ("$", "us$", "dollar"),
    "GBP": ("£", "pound"),
    "JPY": ("¥", "yen"),
    "CHF": ("chf", "fr."),
    "INR": ("₹", "rs"),
    "PLN": ("zł", "zl"),
    "SEK": ("kr",),
    "NOK": ("kr",),
    "DKK": ("kr",),
    "CZK": ("kč",),
    "CNY": ("¥", "元", "rmb"),
    "KRW": ("₩",),
    "RUB": ("₽",),
    "TRY": ("₺",),
    "BRL": ("r$",),
}

_NUMBER = re.compile(r"\d(?:[\d.,'’ \u00a0]*\d)?")


def _norm(text: str) -> str:
    """Letters, digits and currency signs only, case-folded: spacing and punctuation never decide."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum() or unicodedata.category(ch) == "Sc")


def _number_tokens(text: str) -> set[str]:
    """The numbers of a text as digit strings: '1.234,56' and '1,234.56' are both '123456'."""
    return {re.sub(r"\D", "", m.group(0)) for m in _NUMBER.finditer(text)}


def _is_numeric(value: str) -> bool:
    """Amounts, quantities, rates, numeric dates: digits with at most a currency code's letters."""
    letters = sum(ch.isalpha() for ch in value)
    return any(ch.isdigit() for ch in value) and letters <= 3


FUZZY_MIN_SCORE = 80.0
"""rapidfuzz partial_ratio from which a text value counts as printed with an OCR slip or two."""


def _fuzzy_in(value: str, text: str) -> bool:
    """The value occurs in the text up to a few characters (an OCR slip the model corrected).

    The text must be about as long as the value at least: partial_ratio aligns the
    shorter string inside the longer, so a line "2" would otherwise "hold" any value
    with a 2 in it (an invented IBAN, say).
    """
    return (
        len(value) >= 6
        and len(text) >= 0.8 * len(value)
        and fuzz.partial_ratio(value, text) >= FUZZY_MIN_SCORE
    )


class Evidence:
    """The document's lines, indexed for checking values against them.

    Lines that read like instructions to a model are kept apart: they are
    never evidence for a value.
    """

    def __init__(self, ocr: OcrDocument) -> None:
        self.lines: dict[str, OcrLine] = {}
        for line in ocr.lines:
            self.lines.setdefault(line.id, line)
        self.suspicious = [line for line in ocr.lines if looks_like_injection(line.text)]
        self.suspicious_ids = {line.id for line in self.suspicious}
        self.trusted = [line for line in ocr.lines if line.id not in self.suspicious_ids]
        self.norm = {line.id: _norm(line.text) for line in ocr.lines}
        self.tokens = {line.id: _number_tokens(line.text) for line in ocr.lines}
        self.all_norm = "".join(self.norm[line.id] for line in self.trusted)
        self.all_tokens: set[str] = set().union(*(self.tokens[line.id] for line in self.trusted))
        self.digit_bags = {"".join(sorted(t)) for t in self.all_tokens}

    def known(self, ids: Iterable[str]) -> tuple[list[str], list[str]]:
        """The cited ids the OCR has (instruction-like lines left out), and the unknown ones."""
        kept: list[str] = []
        dropped: list[str] = []
        for line_id in ids:
            if line_id not in self.lines:
                dropped.append(line_id)
            elif line_id not in kept and line_id not in self.suspicious_ids:
                kept.append(line_id)
        return kept, dropped

    @staticmethod
    def _variants(name: str, value: str) -> list[str]:
        variants = [_norm(value)]
        if name == "currency":
            code = value.strip().upper()
            variants += [_norm(symbol) for symbol in _CURRENCY_SYMBOLS.get(code, ())]
            for iso, symbols in _CURRENCY_SYMBOLS.items():
                if _norm(value) in {_norm(symbol) for symbol in symbols}:
                    variants.append(_norm(iso))
        return [v for v in variants if v]

    def _holds(self, name: str, value: str, ids: Sequence[str]) -> bool:
        """Whether the lines (taken together) contain the value."""
        if not ids:
            return False
        if _is_numeric(value) and name != "currency":
            wanted = _number_tokens(value)
            have: set[str] = set().union(*(self.tokens[i] for i in ids))
            return bool(wanted) and wanted <= have
        text = "".join(self.norm[i] for i in ids)
        return any(v in text for v in self._variants(name, value))

    def locate(self, name: str, value: str, cited: Sequence[str]) -> tuple[str, str | None]:
        """Where the value is: 'cited'; 'close' (in the cited lines up to an OCR slip); 'page'
        (elsewhere, with the id of the line that holds it when one does); or 'missing'."""
        if not self._variants(name, value):
            return "cited", None  # punctuation only: nothing to check
        if self._holds(name, value, cited):
            return "cited", None
        for line in self.trusted:
            if self._holds(name, value, [line.id]):
                return "page", line.id
        if _is_numeric(value) and name != "currency":
            wanted = _number_tokens(value)
            if wanted and wanted <= self.all_tokens:
                return "page", None
            digits = "".join(sorted(re.sub(r"\D", "", value)))
            if len(digits) >= 4 and digits in self.digit_bags:
                return "page", None  # the same digits in another order: a reformatted date
            return "missing", None
        variants = self._variants(name, value)
        if any(v in self.all_norm for v in variants):
            return "page", None  # spread over lines the model did not cite
        if _fuzzy_in(variants[0], "".join(self.norm[i] for i in cited)):
            return "close", None
        for line in self.trusted:
            if _fuzzy_in(variants[0], self.norm[line.id]):
                return "page", line.id
        return "missing", None
