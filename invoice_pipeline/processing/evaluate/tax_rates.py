"""Legal VAT rates by country and the check that an invoice's tax rate is one of them.

:data:`LEGAL_VAT_RATES` lists the standard and reduced rates of the EU, GB, CH,
LI and NO (current and of recent years); :func:`seller_country` finds the
seller's country from the VAT prefix, IBAN, currency or language; and
:func:`tax_rate_check` accepts the effective rate of tax over subtotal when it
is a legal rate there, or when mixed rates explain it (the stated VAT breakdown
of an e-invoice, every line item at a legal rate, or two legal rates printed on
the page around it).
"""

from __future__ import annotations

from decimal import Decimal

from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.processing.validate.ids import vat_country
from invoice_pipeline.processing.validate.locale import locale_evidence
from invoice_pipeline.schema import Check, Invoice

__all__ = ["ANY_RATE_COUNTRIES", "LEGAL_VAT_RATES", "seller_country", "tax_rate_check"]

CENT = Decimal("0.01")


def _rates(*values: str) -> frozenset[Decimal]:
    return frozenset(Decimal(v) for v in ("0", *values))


LEGAL_VAT_RATES: dict[str, frozenset[Decimal]] = {
    # standard and reduced VAT rates in percent, current and of recent years (a
    # document may be a few years old); 0 stands for exempt, export and reverse charge
    "AT": _rates("20", "13", "10", "5"),
    "BE": _rates("21", "12", "6"),
    "BG": _rates("20", "9"),
    "CY": _rates("19", "9", "5", "3"),
    "CZ": _rates("21", "15", "12", "10"),
    "DE": _rates("19", "16", "7", "5"),
    "DK": _rates("25"),
    "EE": _rates("24", "22", "20", "13", "9", "5"),
    "ES": _rates("21", "10", "5", "4", "2"),
    "FI": _rates("25.5", "24", "14", "13.5", "10"),
    "FR": _rates("20", "10", "5.5", "2.1"),
    "GR": _rates("24", "17", "13", "9", "6", "4"),
    "HR": _rates("25", "13", "5"),
    "HU": _rates("27", "18", "5"),
    "IE": _rates("23", "13.5", "9", "4.8"),
    "IT": _rates("22", "10", "5", "4"),
    "LT": _rates("21", "9", "5"),
    "LU": _rates("17", "16", "14", "13", "8", "7", "3"),
    "LV": _rates("21", "12", "5"),
    "MT": _rates("18", "12", "7", "5"),
    "NL": _rates("21", "9", "6"),
    "PL": _rates("23", "8", "5"),
    "PT": _rates("23", "22", "16", "13", "12", "9", "6", "5", "4"),
    "RO": _rates("21", "19", "11", "9", "5"),
    "SE": _rates("25", "12", "6"),
    "SI": _rates("22", "9.5", "5"),
    "SK": _rates("23", "20", "19", "10", "5"),
    "GB": _rates("20", "5"),
    "CH": _rates("8.1", "7.7", "3.8", "3.7", "2.6", "2.5"),
    "LI": _rates("8.1", "7.7", "3.8", "3.7", "2.6", "2.5"),
    "NO": _rates("25", "15", "12", "11.11", "6"),
    # GST (Malaysia 6% until 2018, Singapore 7-9%) and Malaysia's sales and service tax
    "MY": _rates("6", "10", "8", "5"),
    "SG": _rates("9", "8", "7"),
}
"""Legal VAT, GST and sales tax rates by seller country; the US (sales tax, any rate) is
not listed."""

ANY_RATE_COUNTRIES = frozenset({"US"})
_ALL_RATES = frozenset().union(*LEGAL_VAT_RATES.values())


def seller_country(invoice: Invoice) -> str | None:
    """The seller's country: VAT prefix, else IBAN, else currency or language evidence."""
    return (
        vat_country(invoice.seller_vat_id)
        or locale_evidence(
            language=invoice.language,
            currency=invoice.currency,
            vat_ids=[invoice.seller_vat_id] if invoice.seller_vat_id else [],
            ibans=[invoice.iban] if invoice.iban else [],
            text="",
        ).country
    )


def _rate_fits(subtotal: Decimal, tax: Decimal, rate: Decimal, tolerance: Decimal) -> bool:
    return abs(subtotal * rate / 100 - tax) <= tolerance


def _breakdown_fits(
    invoice: Invoice, candidates: frozenset[Decimal], tax: Decimal, tolerance: Decimal
) -> tuple[bool, list[Decimal]]:
    """The stated VAT breakdown explains the tax: every rate legal, each row's tax its
    rate of its basis, and the rows adding up to the tax amount (and the net)."""
    rows = invoice.vat_breakdown
    if any(r.rate is None or r.basis is None or r.tax is None for r in rows):
        return False, []
    rates = sorted({r.rate for r in rows if r.rate is not None})
    if not all(rate in candidates for rate in rates):
        return False, rates
    row_tolerance = Decimal("0.01") + tolerance
    each = all(
        abs(r.basis * r.rate / 100 - r.tax) <= row_tolerance
        for r in rows
        if r.basis is not None and r.rate is not None and r.tax is not None
    )
    tax_sum = sum((r.tax for r in rows if r.tax is not None), Decimal(0))
    basis_sum = sum((r.basis for r in rows if r.basis is not None), Decimal(0))
    subtotal = invoice.subtotal or Decimal(0)
    adds_up = abs(tax_sum - tax) <= tolerance and abs(basis_sum - subtotal) <= tolerance
    return each and adds_up, rates


def tax_rate_check(invoice: Invoice, t: Thresholds) -> Check | None:
    """Tax over subtotal is a legal VAT rate of the seller's country (None without both)."""
    subtotal, tax = invoice.subtotal, invoice.tax_amount
    if subtotal is None or tax is None or subtotal == 0:
        return None
    country = seller_country(invoice)
    effective = (tax * 100 / subtotal).quantize(CENT)
    if country in ANY_RATE_COUNTRIES:
        return Check(
            name="tax_rate_legal",
            passed=True,
            blocking=False,
            field="tax_amount",
            message=f"tax rate {effective}%: any sales tax rate is possible in {country}",
        )
    rates = LEGAL_VAT_RATES.get(country or "")
    candidates = rates if rates is not None else _ALL_RATES
    tolerance = t.tolerance + Decimal("0.005") * max(1, len(invoice.line_items))
    fitting = sorted(r for r in candidates if _rate_fits(subtotal, tax, r, tolerance))
    passed = bool(fitting)
    where_from = ""
    if not passed and invoice.line_items:
        # mixed rates: every line at a legal rate and the line taxes adding up
        pairs = [
            (i.amount, i.tax_rate)
            for i in invoice.line_items
            if i.amount is not None and i.tax_rate is not None
        ]
        if len(pairs) == len(invoice.line_items):
            line_tax = sum((amount * rate / 100 for amount, rate in pairs), Decimal(0))
            passed = (
                all(rate in candidates for _, rate in pairs) and abs(line_tax - tax) <= tolerance
            )
            fitting = sorted({rate for _, rate in pairs})
    if not passed and invoice.vat_breakdown:
        passed, fitting = _breakdown_fits(invoice, candidates, tax, tolerance)
        if passed:
            rows = ", ".join(f"{r.rate}% on {r.basis}" for r in invoice.vat_breakdown)
            where_from = f" (the VAT breakdown {rows} adds up to the tax)"
    if not passed:
        # mixed rates without a full line-item breakdown: two legal rates printed on the
        # page (a VAT summary "7 % ... 19 %") and the effective rate between them
        printed = sorted(r for r in invoice.printed_rates if r in candidates and r > 0)
        if len(printed) >= 2 and printed[0] < effective < printed[-1]:
            passed, fitting = True, printed
    where = f"in {country}" if rates is not None else "in any known country"
    if passed:
        message = f"tax rate {effective}% matches the legal rate(s) {', '.join(map(str, fitting))}% {where}{where_from}"
    else:
        message = (
            f"tax rate {effective}% (tax {tax} on {subtotal}) is not a legal VAT rate {where}"
            + (f" ({', '.join(map(str, sorted(rates)))}%)" if rates is not None else "")
        )
    return Check(
        name="tax_rate_legal",
        passed=passed,
        blocking=rates is not None,
        field="tax_amount",
        message=message,
    )
