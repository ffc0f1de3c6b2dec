"""Payment terms: the due date that ``net 30`` or ``zahlbar innerhalb 14 Tagen`` implies.

:func:`due_date_from_terms` reads day counts, ``net`` terms, end-of-month and
"due on receipt" forms in English, German, French and the Scandinavian
languages, only on lines that speak of payment.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["due_date_from_terms"]

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
