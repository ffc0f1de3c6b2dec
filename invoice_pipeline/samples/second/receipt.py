"""Till receipts: a narrow roll of Courier text with TOTAL, ROUNDING, CASH, CHANGE and a tax summary.

The page is 80 mm wide and as long as its content.  The shop's brand is
printed large at the top, the legal name, address and VAT id below it, then
date, time, till and receipt number, one row per item (``2 x 1,49`` on its own
line for quantities above one, a tax code letter per rate), the TOTAL with the
currency code, the ROUNDING line and CASH/CHANGE for cash payments (or the
card line), and a tax summary (rate, net, tax, gross per rate; US receipts
print SUBTOTAL and TAX above the TOTAL instead).
"""

from __future__ import annotations

from . import locales
from .blocks import Printer
from .labels import LABELS
from .sheet import Sheet

WIDTH = 80.0
COLUMNS = 38
"""Characters per row at the receipt's 8 pt Courier."""


def _row(left: str, right: str, width: int = COLUMNS) -> str:
    return left[: max(1, width - len(right) - 1)].ljust(width - len(right)) + right


def receipt(p: Printer) -> bytes:
    doc = p.doc
    loc = doc.locale
    codes = {t.rate: "ABCD"[i] for i, t in enumerate(doc.taxes)}
    rows: list[tuple[str, float, bool]] = []  # (text, size, bold)
    rows.append((doc.seller.brand.upper(), 16, True))
    rows.append(("", 4, False))
    # a Malaysian till prints the company number after the name: "KIM SENG S/B (81109-A)"
    numbered = loc.country == "MY" and doc.seller.registration
    name_row = f"{doc.seller.name} {doc.seller.registration}" if numbered else doc.seller.name
    rows.append((name_row, 8, False))
    p.shown["seller_name"] = doc.seller.name
    rows += [(line, 8, False) for line in doc.seller.lines]
    if doc.seller.vat_printed:
        rows.append((f"{p.label('vat_id')} {doc.seller.vat_printed}", 8, False))
    elif doc.seller.registration and not numbered:
        rows.append((doc.seller.registration, 8, False))
    rows.append(("-" * COLUMNS, 8, False))
    date = p.date(doc.issued)
    p.shown["invoice_date"] = date
    p.shown["invoice_number"] = doc.number
    rows.append((_row(date, doc.extras["time"]), 8, False))
    rows.append((_row(f"{p.label('cashier')} {doc.extras['till']}",
                      f"{p.label('receipt_number')} {doc.number}"), 8, False))  # fmt: skip
    rows.append(("-" * COLUMNS, 8, False))
    for line in doc.lines:
        rows.append(
            (_row(line.description, f"{p.number(line.amount)} {codes[line.rate]}"), 8, False)
        )
        if line.quantity != 1:
            rows.append((f"  {locales.quantity(line.quantity, loc)} x {p.number(line.unit_price)}",
                         8, False))  # fmt: skip
    rows.append(("=" * COLUMNS, 8, False))
    us = loc.country == "US"
    if us:  # net prices: the subtotal and the sales tax above the total
        rows.append((_row("SUBTOTAL", p.number(doc.subtotal)), 8, False))
        rows.append(
            (_row(f"TAX {locales.rate(doc.taxes[0].rate, loc)}", p.number(doc.tax)), 8, False)
        )
    total = p.number(doc.total)
    p.shown["total_amount"] = total
    p.shown["currency"] = loc.currency
    rows.append((_row(f"{p.label('TOTAL')} {loc.currency}", total, 26), 11, True))
    if doc.tendered is not None:
        rows.append((_row(p.label("ROUNDING"), p.number(doc.rounding)), 8, False))
        rows.append((_row(p.label("CASH"), p.number(doc.tendered)), 8, False))
        rows.append((_row(p.label("CHANGE"), p.number(doc.change)), 8, False))
    else:
        rows.append((_row(p.label("CARD"), p.number(doc.total)), 8, False))
    rows.append(("", 4, False))
    head = () if us else LABELS[doc.language]["tax_summary"]
    if head and loc.country == "MY":  # "GST Summary" over the rates, as Malaysian tills print
        rows.append(("GST Summary", 8, True))
    if head:
        rows.append(("  ".join(f"{h:>8}" for h in head), 8, True))
    for t in doc.taxes if head else ():
        cells = (f"{codes[t.rate]} {locales.rate(t.rate, loc)}", p.number(t.base), p.number(t.tax),
                 p.number(t.gross))  # fmt: skip
        rows.append(("  ".join(f"{c:>8}" for c in cells), 8, False))
    if len(doc.taxes) > 1:  # the sums of the summary: net (the subtotal), tax, gross
        cells = ("", p.number(doc.subtotal), p.number(doc.tax), p.number(doc.total))
        rows.append(("  ".join(f"{c:>8}" for c in cells), 8, True))
    rows.append(("", 4, False))
    rows.append((p.label("thanks"), 8, False))
    height = 12 + sum(size * 0.5 for _, size, _ in rows)
    s = Sheet(WIDTH, height, title=f"{doc.seller.brand} {doc.number}")
    y = 10.0
    for text, size, bold in rows:
        y += size * 0.5
        if text:
            centred = (
                size > 8 and not text.startswith(p.label("TOTAL")) or text == p.label("thanks")
            )
            if (
                centred
                or text in (name_row, *doc.seller.lines)
                or text.startswith(p.label("vat_id"))
            ):
                s.text(WIDTH / 2, y, text, size, bold=bold, family="mono", align="center")
            else:
                s.text(4, y, text, size, bold=bold, family="mono")
    return s.finish()
