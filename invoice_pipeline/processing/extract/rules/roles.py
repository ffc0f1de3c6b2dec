"""Does a value fit its role? A seller name that is a name, an invoice number that is an id.

:func:`name_problem` says why a text is not an organisation or person name (a
postcode, a street line, an id, a date, an amount, a label phrase such as
"Company and Billing Information" or "Émise le", a sentence) or returns None;
:func:`number_problem` says why a text is not an invoice number (a date, an
amount, a postcode, a phone number). Both are plain text tests with the
multilingual vocabularies of
:mod:`~invoice_pipeline.processing.extract.rules.role_vocabulary`; the rules
extractor uses them to drop candidates and the validation stage to flag a value
any extractor read (:mod:`invoice_pipeline.processing.validate.roles`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from invoice_pipeline.processing.extract.rules.role_vocabulary import LABEL_WORDS, PHONE, STREET
from invoice_pipeline.processing.extract.rules.values import (
    AMOUNT_RE,
    DATE_RE,
    IBAN_RE,
    VAT_RE,
    WORD_RE,
)
from invoice_pipeline.processing.extract.rules.vocabulary import (
    LABELS,
    LEGAL_FORMS,
    REGISTRATION_LINE,
    TOTAL_LABELS,
    fold,
)

__all__ = ["POSTCODE_LINE", "name_problem", "number_problem"]

POSTCODE_LINE = re.compile(
    r"^(?:[a-z]{1,2}[- ])?\d{4,5}(?:-\d{4})?,?\s+[^\W\d_]"  # 10115 Berlin, F-75001 Paris, 53200, KL
    r"|^\d{3}\s\d{2}\s+[^\W\d_]"  # 114 55 Stockholm
    r"|^[a-z]{1,2}\d[a-z\d]?\s?\d[a-z]{2}\b"  # SW1A 1AA (London)
    r"|,\s*[a-z]{2}\s+\d{5}(?:-\d{4})?$"  # Springfield, IL 62704
    r"|^(?:[a-z]{1,2}[- ])?\d{4,5}(?:-\d{4})?$"  # a bare postcode
)
"""A postcode line (folded): a postcode and a town, or a postcode alone."""

_MAX_NAME_WORDS = 7


def _only_digits_and_marks(text: str) -> bool:
    return not any(ch.isalpha() for ch in text)


def _is_field_label(folded: str) -> bool:
    """The whole text is a field label of the vocabulary ("Rechnungsdatum", "Invoice No.")."""
    for label in LABELS:
        m = label.pattern.match(folded)
        if m is not None and m.end() >= len(folded.rstrip(" .:#")) - 1:
            return True
    return False


def _is_amount_label(folded: str) -> bool:
    """The text is a subtotal, tax or total label, one more word at most ("Gesamtbetrag
    brutto", "Zwischensumme netto", "Montant TTC")."""
    for kind in ("subtotal", "tax_amount", "total_amount"):
        for pattern, weight in TOTAL_LABELS[kind]:
            m = pattern.search(folded) if weight >= 0.85 else None
            if m is not None and len(WORD_RE.findall(folded[: m.start()] + folded[m.end() :])) <= 1:
                return True
    return False


def name_words(text: str) -> frozenset[str]:
    """The words of four letters or more of a name, folded (accents off, lower case)."""
    return frozenset(re.findall(r"[a-z]{4,}", fold(text)))


def ends_in_legal_form(value: str) -> bool:
    """Whether a name ends in a legal form ("Hagedorn AG"; not "AS ALBUFERA")."""
    folded = fold(value).rstrip(" ,")
    end = len(folded.rstrip(".")) - 1  # "Jackson Marketing Co.": the dot is the form's
    return any(m.end() >= end for m in LEGAL_FORMS.finditer(folded))


_PROSE_START = re.compile(
    r"(?:the|a|an|if|of|to|for|and|or|is|are|was|not|we|our|your|you|this|that|these|please|"
    r"with|by|on|in|at|be|may|will|shall|must|it|its|all|any|no|der|die|das|ein|eine|und|oder|"
    r"bitte|wir|nous|vous|veuillez|wij|att)\s",
)
"""A lower-case function word opening the text: prose, never the start of a name."""
_PROSE_WORDS = re.compile(
    r"\b(?:thank\s*you|you|your|are|is|not|please|welcome|powered\s+by|returnable|"
    r"refundable|allowed|within|vielen\s+dank|danke|merci|gracias|tack|bedankt)\b"
)
"""Words of a receipt's footer ("THANK YOU", "GOODS SOLD ARE NOT RETURNABLE", "EXCHANGE ARE
ALLOWED WITHIN 7 DAYS", "Powered by ..."): text to the customer, not a company's name."""
_SENTENCE_BREAK = re.compile(r"[a-z]{3,}[.!?]\s+(?:If|The|This|We|Please|You|It|In|For)\b")
"""A sentence ending and the next one starting ("… of purchase. If the request")."""


@lru_cache(maxsize=8192)
def name_problem(text: str | None) -> str | None:
    """Why ``text`` is not an organisation or person name, or None when it may be one."""
    if text is None or not text.strip():
        return None
    raw = " ".join(text.split())
    folded = fold(raw).strip(" .,:;")
    words = WORD_RE.findall(folded)
    legal = LEGAL_FORMS.search(folded)
    if PHONE.match(raw.strip()):
        return "a phone number"
    if _only_digits_and_marks(folded) or (not words and sum(ch.isdigit() for ch in raw) >= 3):
        if DATE_RE.fullmatch(raw.strip()):
            return "a date"
        if AMOUNT_RE.fullmatch(raw.strip()):
            return "an amount"
        return "a number, not a name"
    if DATE_RE.search(raw) and len(DATE_RE.sub("", raw).strip(" ,.:-")) < 4:
        return "a date"
    if AMOUNT_RE.fullmatch(raw.strip()) or (
        AMOUNT_RE.match(raw.strip()) and not any(ch.isalpha() for ch in AMOUNT_RE.sub("", raw))
    ):
        return "an amount"
    if POSTCODE_LINE.search(folded):
        return "a postcode and town"
    if STREET.search(folded) and not legal:
        return "a street address"
    ids = [*VAT_RE.findall(raw.upper()), *IBAN_RE.findall(raw.upper())]
    if any(sum(ch.isdigit() for ch in i) >= 5 for i in ids) and len(words) <= 1:
        return "an id"  # digits make the id: "SERRANO S.L.U" only looks like one
    tokens = raw.split()
    if len(tokens) == 1 and ("#" in raw or "_" in raw or sum(ch.isdigit() for ch in raw) >= 3):
        return "an id"
    if re.search(r"\d{6,}", re.sub(r"[ .-]", "", raw)) or re.search(r"\d{5,}", raw):
        return "an id"
    if re.search(r"\w\s*:\s*\w", raw):
        return "a label and its value"
    if legal and not LEGAL_FORMS.sub(" ", folded).strip(" .,&-"):
        return "a legal form alone"
    if "@" in raw or re.search(r"(?i)\bwww\.|https?://", raw):
        return "a web or e-mail address"
    if REGISTRATION_LINE.match(folded) and len(words) <= 4:
        return "a label"  # "Company Reg No.", "Registered office"
    if (words and all(w in LABEL_WORDS for w in words)) or _is_field_label(folded):
        return "a label"  # "Company and Billing Information": "company" is no legal form here
    if not legal and _is_amount_label(folded):
        return "a label"  # "Gesamtbetrag brutto"
    if len(words) > _MAX_NAME_WORDS and not LEGAL_FORMS.search(" ".join(words[-2:])):
        return "a sentence"
    prose = _PROSE_WORDS.search(folded) and not ends_in_legal_form(raw)  # not "You & Me GmbH"
    if _PROSE_START.match(raw) or _SENTENCE_BREAK.search(raw) or prose:
        return "a sentence"  # "the date of purchase. If the request" (a receipt's fine print)
    if raw.rstrip().endswith(":"):
        return "a label"
    return None


def number_problem(text: str | None, postcodes: set[str] | None = None) -> str | None:
    """Why ``text`` is not an invoice number (a date, amount, postcode, phone), or None.

    ``postcodes`` are the postcodes printed in the document's addresses.
    """
    if text is None or not text.strip():
        return None
    value = text.strip().lstrip("#№ ").strip()
    if DATE_RE.fullmatch(value):
        return "a date"
    if re.fullmatch(r"[-+]?\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}|[-+]?\d+[.,]\d{2}", value):
        return "an amount"
    if re.search(r"[$€£¥₹]", value):
        return "an amount"
    if PHONE.match(value) and not re.fullmatch(r"\d+", value):
        return "a phone number"
    compact = re.sub(r"\s", "", value)
    if postcodes and compact in postcodes and re.fullmatch(r"[A-Za-z]{0,2}-?\d{4,5}", compact):
        return "a postcode"
    if not any(ch.isalnum() for ch in value):
        return "no letters or digits"
    return None
