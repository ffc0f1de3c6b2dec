"""The invoice's money: amounts read the document's way, rounded, derived and itemised.

:func:`read_totals` parses subtotal, tax, total and tax rate with the
document's decimal separator (an amount the locale cannot decide is flagged
``amount_ambiguous``) and rounds money to the cent; :func:`derive_totals`
computes what is missing from the others (subtotal, tax or total from the other
two, both from the total and the rate, the rate from tax and subtotal) and
lists each derived field; :func:`read_line_items` parses the line items and
derives a line amount from quantity and unit price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from invoice_pipeline.processing.validate.amounts import parse_amount, parse_percent
from invoice_pipeline.processing.validate.evidence import derived_evidence
from invoice_pipeline.processing.validate.issues import issue
from invoice_pipeline.processing.validate.locale import LocaleEvidence
from invoice_pipeline.processing.validate.text import normalise_text
from invoice_pipeline.schema import MONEY_FIELDS, Evidence, ExtractedLineItem, Issue, LineItem

__all__ = [
    "ADJUSTMENT_FIELDS",
    "CENT",
    "Totals",
    "derive_totals",
    "read_adjustments",
    "read_line_items",
    "read_totals",
]

CENT = Decimal("0.01")


@dataclass
class Totals:
    """Subtotal, tax, total and tax rate of one invoice (None where unknown)."""

    subtotal: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    rate: Decimal | None


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _money(value: Decimal, field: str, issues: list[Issue]) -> Decimal:
    """Money to the cent; more decimals are rounded half up, with a warning."""
    if _decimals(value) > 2:
        rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
        issues.append(
            issue(
                "amount_rounded",
                f"{field} {value} has more than two decimals; rounded to {rounded}",
                field,
                "warning",
            )
        )
        return rounded
    return value.quantize(CENT)


def _amount(
    raw: str | None, field: str, locale: LocaleEvidence, issues: list[Issue]
) -> Decimal | None:
    """Parse one amount; flag unparseable text and readings the locale cannot decide."""
    if raw is None or not raw.strip():
        return None
    value = parse_amount(raw, decimal_hint=locale.decimal_separator)
    if value is None:
        issues.append(issue("amount_unparseable", f"{field} {raw!r} is not an amount", field))
        return None
    if locale.decimal_separator is None:
        as_dot = parse_amount(raw, decimal_hint=".")
        as_comma = parse_amount(raw, decimal_hint=",")
        if as_dot != as_comma:
            issues.append(
                issue(
                    "amount_ambiguous",
                    f"{field} {raw!r} reads as {as_dot} or {as_comma}; "
                    "the document gives no evidence of its decimal separator",
                    field,
                )
            )
    return value


def read_totals(raw: dict[str, str | None], locale: LocaleEvidence, issues: list[Issue]) -> Totals:
    """The printed subtotal, tax, total (to the cent) and tax rate; problems become issues."""
    money: dict[str, Decimal | None] = {}
    for name in MONEY_FIELDS:
        value = _amount(raw.get(name), name, locale, issues)
        money[name] = _money(value, name, issues) if value is not None else None
    rate = None
    if raw.get("tax_rate"):
        rate = parse_percent(raw["tax_rate"], decimal_hint=locale.decimal_separator)
        if rate is None:
            issues.append(
                issue(
                    "tax_rate_unparseable",
                    f"tax_rate {raw['tax_rate']!r} is not a percentage",
                    "tax_rate",
                    "warning",
                )
            )
    return Totals(money["subtotal"], money["tax_amount"], money["total_amount"], rate)


ADJUSTMENT_FIELDS = ("allowance_total", "charge_total", "prepaid_amount")
"""Document-level allowances and charges and the prepaid amount (e-invoice BT-107/108/113)."""


def read_adjustments(
    raw: dict[str, str | None], locale: LocaleEvidence, issues: list[Issue]
) -> dict[str, Decimal | None]:
    """The document-level allowances, charges and prepaid amount, where stated."""
    found: dict[str, Decimal | None] = {}
    for name in ADJUSTMENT_FIELDS:
        value = _amount(raw.get(name), name, locale, issues)
        found[name] = value.quantize(CENT) if value is not None and _decimals(value) <= 2 else value
    return found


def derive_totals(totals: Totals, evidence: dict[str, Evidence], derived: list[str]) -> None:
    """Fill in what the other amounts determine; list it in ``derived``, give it evidence."""
    subtotal, tax, total, rate = totals.subtotal, totals.tax, totals.total, totals.rate
    if total is None and subtotal is not None and tax is not None:
        total = subtotal + tax
        derived.append("total_amount")
        evidence["total_amount"] = derived_evidence(evidence, ("subtotal", "tax_amount"))
    elif tax is None and subtotal is not None and total is not None:
        tax = total - subtotal
        derived.append("tax_amount")
        evidence["tax_amount"] = derived_evidence(evidence, ("subtotal", "total_amount"))
    elif subtotal is None and tax is not None and total is not None:
        subtotal = total - tax
        derived.append("subtotal")
        evidence["subtotal"] = derived_evidence(evidence, ("tax_amount", "total_amount"))
    elif subtotal is None and tax is None and total is not None and rate is not None:
        subtotal = (total * 100 / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
        tax = total - subtotal
        derived.extend(["subtotal", "tax_amount"])
        for name in ("subtotal", "tax_amount"):
            evidence[name] = derived_evidence(evidence, ("total_amount", "tax_rate"))
    if rate is None and subtotal is not None and tax is not None and subtotal != 0:
        rate = (tax * 100 / subtotal).quantize(CENT, ROUND_HALF_UP)
        derived.append("tax_rate")
    totals.subtotal, totals.tax, totals.total, totals.rate = subtotal, tax, total, rate


def read_line_items(
    items: list[ExtractedLineItem],
    locale: LocaleEvidence,
    issues: list[Issue],
    derived: list[str],
) -> list[LineItem]:
    """The line items with numbers parsed; an amount missing is derived from quantity and price."""
    hint = locale.decimal_separator
    result: list[LineItem] = []
    for item in items:
        position = len(result)
        values: dict[str, Decimal | None] = {}
        for name in ("quantity", "unit_price", "amount", "tax_rate"):
            raw = getattr(item, name)
            if raw is None or not str(raw).strip():
                values[name] = None
                continue
            parser = parse_percent if name == "tax_rate" else parse_amount
            values[name] = parser(raw, decimal_hint=hint)
            if values[name] is None:
                issues.append(
                    issue(
                        "line_item_unparseable",
                        f"line item {position + 1}: {name} {raw!r} is not a number",
                        f"line_items[{position}].{name}",
                        "warning",
                    )
                )
        description = normalise_text(item.description)
        if description is None and all(v is None for v in values.values()):
            continue
        amount = values["amount"]
        if amount is None and values["quantity"] is not None and values["unit_price"] is not None:
            amount = (values["quantity"] * values["unit_price"]).quantize(CENT, ROUND_HALF_UP)
            derived.append(f"line_items[{position}].amount")
        elif amount is not None and _decimals(amount) <= 2:
            amount = amount.quantize(CENT)
        result.append(
            LineItem(
                description=description,
                quantity=values["quantity"],
                unit_price=values["unit_price"],
                amount=amount,
                tax_rate=values["tax_rate"],
            )
        )
    return result
