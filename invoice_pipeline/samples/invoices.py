"""Random but realistic invoice data with exact ground truth, one seed at a time.

:func:`make_invoice` draws a complete
:class:`~invoice_pipeline.samples.invoice_data.InvoiceData` for a locale
(``en`` split into en-US/USD and en-GB/GBP, ``de``/EUR, ``fr``/EUR,
``sv``/SEK) from a seeded :class:`random.Random`: seller and buyer
(:mod:`.parties`), invoice and order numbers in varied formats, dates and
payment terms, and 1 to 25 line items taxed at rates that are legal in the
country.  Money is rounded half-up to cents per line and per tax rate, so the
line amounts add up to the subtotal and subtotal plus tax is the total, exactly.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from .invoice_data import InvoiceData, Item, TaxLine
from .locales import LocaleSpec, quantize, resolve_locale
from .parties import make_bank, make_party
from .words import (
    CATALOG,
    UNITS,
)

# ------------------------------------------------------------------ line items


def _quantity(kind: str, rng: random.Random) -> Decimal:
    if kind == "hours":
        return (
            Decimal(rng.randint(1, 120)) * Decimal("0.25")
            if rng.random() < 0.6
            else Decimal(rng.randint(1, 40))
        )
    if kind == "days":
        return (
            Decimal(rng.choice((1, 1, 2, 3, 5)))
            if rng.random() < 0.8
            else Decimal("0.5") * rng.randint(1, 9)
        )
    if kind == "months":
        return Decimal(rng.choice((1, 1, 1, 3, 6, 12)))
    if kind == "length":
        return (
            Decimal(rng.randint(10, 600)) / 10
            if rng.random() < 0.5
            else Decimal(rng.randint(1, 120))
        )
    if kind == "many":
        return Decimal(rng.choice((5, 10, 12, 20, 24, 25, 50, 100, 150, 200, 500)))
    if kind == "few":
        return Decimal(rng.randint(1, 8))
    return Decimal(1)


def _unit_price(lo: int, hi: int, rng: random.Random) -> Decimal:
    whole = rng.randint(lo, max(lo, hi - 1))
    cents = rng.choice((0, 0, 0, 50, 90, 95, 99, rng.randint(0, 99)))
    return quantize(Decimal(whole) + Decimal(cents) / 100)


def _item_count(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.35:
        return rng.randint(1, 3)
    if r < 0.7:
        return rng.randint(4, 8)
    if r < 0.9:
        return rng.randint(9, 15)
    return rng.randint(16, 25)


def _invoice_number(
    spec: LocaleSpec, year: int, rng: random.Random, pick: random.Random | None = None
) -> str:
    n = rng.randint(1, 9999)
    big = rng.randint(10000, 99999)
    formats = {
        "de": (
            f"RE-{big}",
            f"RE{year}-{n:05d}",
            f"{year}-{n:04d}",
            f"R{year}{n:04d}",
            f"RG-{year}/{n:04d}",
        ),
        "fr": (
            f"F{year}/{n:03d}",
            f"FAC-{year}-{n:04d}",
            f"FA{big}",
            f"{year}{n:05d}",
            f"F-{year % 100:02d}-{n:04d}",
        ),
        "sv": (f"{big}", f"F{year}-{n:04d}", f"{year}{n:04d}", f"{n + 1000}"),
        "en-GB": (
            f"INV-{year}-{n:04d}",
            f"INV{big}",
            f"{year}-{n:04d}",
            f"SI-{big}",
            f"INV/{year % 100:02d}/{n:04d}",
        ),
        "en-US": (f"INV-{year}-{n:04d}", f"{big}", f"INV{n:06d}", f"{year}-{n:04d}", f"US-{big}"),
    }[spec.code]
    return (pick or rng).choice(formats)


def _purchase_order(spec: LocaleSpec, year: int, rng: random.Random) -> str:
    n = rng.randint(100, 99999)
    formats = {
        "de": (f"4500{rng.randint(100000, 999999)}", f"BE-{n:05d}", f"B{year}-{n % 1000:03d}"),
        "fr": (f"BC-{year}-{n % 10000:04d}", f"CMD{n:05d}", f"4500{rng.randint(100000, 999999)}"),
        "sv": (f"ORD-{n:05d}", f"{rng.randint(100000, 999999)}", f"IO{n:05d}"),
        "en-GB": (f"PO-{n:05d}", f"PO{year}-{n % 1000:03d}", f"4500{rng.randint(100000, 999999)}"),
        "en-US": (f"PO-{n:05d}", f"P{n:06d}", f"{year}-PO-{n % 1000:03d}"),
    }[spec.code]
    return rng.choice(formats)


def make_invoice(
    seed: int, locale: str, *, items: int | None = None, vendor: int | None = None
) -> InvoiceData:
    """Draw one invoice for ``locale`` from ``seed``; the same seed gives the same invoice.

    ``vendor`` fixes the seller, its bank account and its invoice-number format
    (drawn from the vendor seed instead), so the invoices of one vendor differ in
    content only.
    """
    rng = random.Random(f"invoice-data:{seed}:{locale}")
    spec = resolve_locale(locale, rng)
    lang_key = spec.code if spec.language == "en" else spec.language
    seller, _ = make_party(spec, rng, with_vat=True)
    buyer, buyer_us_rate = make_party(spec, rng, with_vat=rng.random() < 0.5)
    while buyer.name == seller.name:
        buyer, buyer_us_rate = make_party(spec, rng, with_vat=buyer.vat_id is not None)
    bank = make_bank(spec.country, rng)
    pick: random.Random | None = None
    if vendor is not None:
        pick = random.Random(f"vendor:{vendor}:{spec.code}")
        seller, _ = make_party(spec, pick, with_vat=True)
        bank = make_bank(spec.country, pick)
        while buyer.name == seller.name:
            buyer, buyer_us_rate = make_party(spec, rng, with_vat=buyer.vat_id is not None)

    invoice_date = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 4 * 365))
    payment_days = rng.choice((14, 30, 30))
    due_date = invoice_date + dt.timedelta(days=payment_days)
    delivery_date = invoice_date - dt.timedelta(days=rng.randint(0, 12))
    year = invoice_date.year
    number = _invoice_number(spec, year, rng, pick)
    po = _purchase_order(spec, year, rng) if rng.random() < 0.6 else None
    customer_no = str(rng.randint(10000, 99999)) if rng.random() < 0.5 else None

    # tax rates: one (the standard rate) or two (standard + one reduced)
    if spec.country == "US":
        rate = buyer_us_rate if buyer_us_rate is not None else Decimal(0)
        if rng.random() < 0.25:
            rate = Decimal(0)
        categories = {"std": rate}
        use = ["std"]
    else:
        categories = dict(spec.rates)
        reduced = [c for c in categories if c != "std"]
        use = ["std"] if rng.random() < 0.65 else ["std", rng.choice(reduced)]

    catalog = CATALOG[lang_key]
    count = items if items is not None else _item_count(rng)
    if count < 1:
        raise ValueError("an invoice needs at least one line item")
    pools = {c: [e for e in catalog if e[5] == c] for c in use}
    unit_names = UNITS[spec.language]
    line_items: list[Item] = []
    unused: dict[str, list[tuple[str, str, int, int, str, str]]] = {}
    for k in range(count):
        # the first item is always standard-rated; with two rates the second is reduced
        category = use[0] if k == 0 else (use[1] if k == 1 and len(use) > 1 else rng.choice(use))
        # draw without replacement until the category's pool runs dry, then start over
        if not unused.get(category):
            unused[category] = list(pools[category])
        entry = unused[category].pop(rng.randrange(len(unused[category])))
        desc, unit, lo, hi, qkind, _ = entry
        qty = _quantity(qkind, rng)
        price = _unit_price(lo, hi, rng)
        line_items.append(
            Item(
                description=desc,
                quantity=qty,
                unit=unit_names[unit],
                unit_price=price,
                tax_rate=categories[category],
                amount=quantize(qty * price),
                article=f"{rng.choice('ABCKMS')}{rng.randint(100, 9999)}",
            )
        )

    rates_in_use = sorted({i.tax_rate for i in line_items}, reverse=True)
    taxes = []
    for r in rates_in_use:
        base = sum((i.amount for i in line_items if i.tax_rate == r), Decimal(0))
        taxes.append(TaxLine(rate=r, base=base, tax=quantize(base * r / 100)))
    subtotal = sum((i.amount for i in line_items), Decimal(0))
    tax_amount = sum((t.tax for t in taxes), Decimal(0))
    data = InvoiceData(
        spec=spec,
        invoice_number=number,
        invoice_date=invoice_date,
        due_date=due_date,
        payment_days=payment_days,
        delivery_date=delivery_date,
        purchase_order=po,
        customer_number=customer_no,
        seller=seller,
        buyer=buyer,
        bank=bank,
        items=line_items,
        taxes=taxes,
        subtotal=subtotal,
        tax_amount=tax_amount,
        total=subtotal + tax_amount,
    )
    data.check()
    return data
