"""The printed VAT summary: one row per rate with its net amount and its tax.

Invoices with several VAT rates print a summary ("19 % 926,50 176,04 1.102,54",
"MwSt 7 % auf 73,50 5,15"). :func:`vat_summary` finds the rows that print one
rate and amounts that agree with it (net x rate = tax to the cent, and net + tax
= gross where a gross is printed) and returns them as
:class:`~invoice_pipeline.schema.VatBreakdown` rows, the printed counterpart of
an e-invoice's BG-23 that the tax rate check takes as the truth when the rows
add up to the invoice's net and tax. A row that does not check itself is left
out, so a stray percentage never makes a breakdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import permutations

from invoice_pipeline.processing.extract.rules.geometry import Ln, row_of
from invoice_pipeline.processing.extract.rules.values import (
    PERCENT_RE,
    find_amounts,
    is_money_like,
)
from invoice_pipeline.schema import VatBreakdown

__all__ = ["vat_summary"]

_CENT = Decimal("0.011")


def _rate_of(row: Sequence[Ln]) -> Decimal | None:
    """The one percentage printed on the row (None for none or several)."""
    rates = {
        Decimal(m.group(1).replace(",", "."))
        for cell in row
        for m in PERCENT_RE.finditer(cell.text)
    }
    rates = {r for r in rates if 0 < r < 100}
    return rates.pop() if len(rates) == 1 else None


def _row_breakdown(rate: Decimal, amounts: list[Decimal]) -> VatBreakdown | None:
    """(net, tax) among the row's amounts that fit the rate; a gross must agree if printed."""
    best: VatBreakdown | None = None
    for net, tax in permutations(amounts, 2):
        if net <= 0 or tax <= 0 or tax >= net:
            continue
        if abs(net * rate / 100 - tax) > _CENT:
            continue
        others = [a for a in amounts if a not in (net, tax)]
        if others and not any(abs(net + tax - g) <= _CENT for g in others):
            continue
        if best is None or (best.basis is not None and net > best.basis):
            best = VatBreakdown(rate=rate, basis=net, tax=tax)
    return best


def vat_summary(lines: Sequence[Ln], skip: set[int], sep: str) -> list[VatBreakdown]:
    """The VAT summary rows of the page (outside the line-item table), one per rate."""
    usable = [ln for ln in lines if ln.index not in skip]
    seen: set[frozenset[int]] = set()
    found: dict[Decimal, VatBreakdown] = {}
    for ln in usable:
        row = row_of(ln, usable) or [ln]
        key = frozenset(b.index for b in row)
        if key in seen:
            continue
        seen.add(key)
        rate = _rate_of(row)
        if rate is None:
            continue
        amounts = [
            a.value for cell in row for a in find_amounts(cell.text, sep) if is_money_like(a, sep)
        ]
        if len(amounts) < 2 or len(amounts) > 4:
            continue
        row_found = _row_breakdown(rate, amounts)
        if row_found is not None and rate not in found:
            found[rate] = row_found
    return [found[r] for r in sorted(found)]
