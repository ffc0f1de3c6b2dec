"""E-invoice values as the extraction reports them: plain decimals, ISO dates, addresses, line items.

Shared by the CII and UBL readers: amounts become plain decimal strings as
stated in the XML (:func:`plain_decimal`, :func:`amount_in` for the amount in
the invoice currency), dates ISO strings, address parts one comma-joined line,
and a line item's price stated per base quantity is divided down to a price
per unit (:func:`line_item`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from invoice_pipeline.processing.extract.einvoice.tree import node_text
from invoice_pipeline.schema import ExtractedLineItem, VatBreakdown


def plain_decimal(text: str | None) -> str | None:
    """The decimal as a plain string (no exponent), None when it is not a finite number."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return format(value, "f")


def iso_date(text: str | None) -> str | None:
    """The ISO date a text starts with, or None."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10]).isoformat()
    except ValueError:
        return None


def join_address(
    *parts: str | None, postcode: str | None, city: str | None, country: str | None
) -> str | None:
    """Address lines, postcode and city, and country joined with ', '; None when all are empty."""
    town = " ".join(p for p in (postcode, city) if p)
    pieces = [p for p in (*parts, town, country) if p]
    return ", ".join(pieces) or None


def amount_in(nodes: Iterable[etree._Element], currency: str | None) -> str | None:
    """The amount among ``nodes`` stated in ``currency`` (or without a currencyID)."""
    nodes = [n for n in nodes if node_text(n)]
    for wanted in (currency, None):
        for node in nodes:
            if node.get("currencyID") == wanted:
                return plain_decimal(node_text(node))
    return plain_decimal(node_text(nodes[0])) if nodes else None


def _per_unit(price: Decimal, basis: Decimal) -> Decimal:
    per_unit = price / basis
    if per_unit != per_unit.quantize(Decimal("1e-8")):
        per_unit = per_unit.quantize(Decimal("1e-8"), rounding=ROUND_HALF_UP)
    return per_unit.normalize()


def _unit_price(
    price: str | None, basis: str | None, quantity: str | None, amount: str | None
) -> str | None:
    """Price per unit: a price stated per ``basis`` units (BT-149) is divided down.

    Some generators write the line quantity as the base quantity while stating
    the price per single unit; when quantity x price matches the line amount
    and quantity x (price / basis) does not, the price is taken as per unit.
    """
    value = plain_decimal(price)
    base = plain_decimal(basis)
    if value is None or base is None or Decimal(base) in (0, 1):
        return value
    per_unit = _per_unit(Decimal(value), Decimal(base))
    qty, total = plain_decimal(quantity), plain_decimal(amount)
    if qty is not None and total is not None:
        tolerance = Decimal("0.01") + abs(Decimal(qty)) * Decimal("0.005")

        def fits(unit: Decimal) -> bool:
            return abs(Decimal(qty) * unit - Decimal(total)) <= tolerance

        if fits(Decimal(value)) and not fits(per_unit):
            return value
    return format(per_unit, "f")


def line_item(
    description: str | None,
    quantity: str | None,
    price: str | None,
    basis: str | None,
    amount: str | None,
    tax_rate: str | None,
) -> ExtractedLineItem | None:
    """One line item, or None for a display-only line (no quantity and no amount)."""
    qty, total = plain_decimal(quantity), plain_decimal(amount)
    if not Decimal(qty or 0) and not Decimal(total or 0) and not Decimal(plain_decimal(price) or 0):
        return None
    return ExtractedLineItem(
        description=description,
        quantity=qty,
        unit_price=_unit_price(price, basis, qty, total),
        amount=total,
        tax_rate=plain_decimal(tax_rate),
        confidence=1.0,
    )


def breakdown(rate: str | None, basis: str | None, tax: str | None) -> VatBreakdown:
    """One row of a VAT breakdown with its numbers parsed (None where unreadable)."""
    values = [plain_decimal(v) for v in (rate, basis, tax)]
    r, b, t = (Decimal(v) if v is not None else None for v in values)
    return VatBreakdown(rate=r, basis=b, tax=t)
