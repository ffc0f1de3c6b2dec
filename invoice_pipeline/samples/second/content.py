"""What one document of the second generator says: its own data model and how it is drawn.

:func:`make_document` draws a :class:`Document` from a seed, a locale, a class
of document and a totals style: seller and buyer (:mod:`.parties`), line
items, a document-level discount, the tax breakdown per rate, the total, and
what was prepaid or paid.  Invoices are priced net (``subtotal`` is the tax
basis after any discount, ``total`` = ``subtotal`` + ``tax``, the amount due is
``total`` minus what was prepaid or paid: EN 16931's BT-109, BT-112 and
BT-115).  Receipts are priced gross (the tax summary splits each rate's gross
into net and tax) except in the US (net prices, sales tax added under a
subtotal); ``total`` is the printed TOTAL, before any cash rounding.
:meth:`Document.to_record` gives the ground truth as an
:class:`~invoice_pipeline.schema.InvoiceRecord` with only what the page prints.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

from invoice_pipeline.schema import InvoiceRecord, RecordLineItem

from .locales import LOCALES, Locale, cents
from .parties import LANGUAGE, Company, make_company
from .vocab import GROCERIES, PRODUCTS

TOTALS_STYLES: tuple[str, ...] = ("plain", "discount", "prepaid", "paid")
"""plain; a document-level discount; a deposit prepaid; paid in full (balance 0)."""


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True)
class TaxRow:
    rate: Decimal
    base: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.base + self.tax


@dataclass
class Document:
    """Everything a page of the second generator prints."""

    cls: str
    locale: Locale
    number: str
    issued: dt.date
    due: dt.date | None
    seller: Company
    buyer: Company | None
    ship_to: Company | None
    lines: list[Line]
    items_total: Decimal
    """Sum of the line amounts (net on invoices and US receipts, gross on other receipts)."""
    discount: Decimal
    taxes: list[TaxRow]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    totals_style: str
    prepaid: Decimal = Decimal(0)
    """Deposit or payment already received; the amount due is ``total - prepaid``."""
    rounding: Decimal = Decimal(0)
    tendered: Decimal | None = None
    """Receipts paid in cash: what the customer handed over (else paid by card)."""
    customer_no: str | None = None
    order_no: str | None = None
    date_variant: int = 0
    money_style: str = "symbol"
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def language(self) -> str:
        return self.locale.language

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.prepaid

    @property
    def to_pay(self) -> Decimal:
        return self.total + self.rounding

    @property
    def change(self) -> Decimal:
        return (self.tendered or self.to_pay) - self.to_pay

    def check(self) -> None:
        """Raise ``AssertionError`` unless every amount adds up exactly."""
        assert all(cents(x.quantity * x.unit_price) == x.amount for x in self.lines)
        assert sum((x.amount for x in self.lines), Decimal(0)) == self.items_total
        assert sum((t.base for t in self.taxes), Decimal(0)) == self.subtotal
        assert sum((t.tax for t in self.taxes), Decimal(0)) == self.tax
        assert self.subtotal + self.tax == self.total
        if self.cls == "receipt" and self.locale.country != "US":
            assert self.items_total == self.total  # gross prices
        elif self.cls == "receipt":
            assert self.items_total == self.subtotal  # net prices plus sales tax
        else:
            assert self.items_total - self.discount == self.subtotal
            assert all(cents(t.base * t.rate / 100) == t.tax for t in self.taxes)

    def to_record(self, document_id: str, source_file: str | None = None) -> InvoiceRecord:
        """The ground truth (status ``approved``): every field the page prints, no more."""
        receipt = self.cls == "receipt"
        buyer = self.buyer
        return InvoiceRecord(
            document_id=document_id,
            source_file=source_file,
            status="approved",
            quality_score=1.0,
            invoice_number=self.number,
            invoice_date=self.issued.isoformat(),
            due_date=self.due.isoformat() if self.due else None,
            currency=self.locale.currency,
            seller_name=self.seller.name,
            seller_address=self.seller.address,
            seller_vat_id=self.seller.vat_id,
            buyer_name=buyer.name if buyer else None,
            buyer_address=buyer.address if buyer else None,
            buyer_vat_id=buyer.vat_id if buyer else None,
            iban=None if receipt else self.seller.iban,
            purchase_order=self.order_no,
            subtotal=str(self.subtotal),
            tax_amount=str(self.tax),
            total_amount=str(self.total),
            line_items=[
                RecordLineItem(
                    description=x.description,
                    quantity=str(x.quantity.normalize()),
                    unit_price=str(x.unit_price),
                    amount=str(x.amount),
                    tax_rate=str(x.rate.normalize()),
                )
                for x in self.lines
            ],
            extractor="ground-truth:second",
        )


def _number(
    rng: random.Random, issued: dt.date, receipt: bool, pick: random.Random | None = None
) -> str:
    """Invoice numbers, most without letters: ``202303-596``, ``732436``, ``2024/0187``."""
    n = rng.randint(1, 9999)
    if receipt:
        return rng.choice(
            (
                str(rng.randint(100000, 999999)),
                f"{rng.randint(1, 9):02d}-{n:04d}-{rng.randint(1, 999):03d}",
            )
        )
    return (pick or rng).choice(
        (
            f"{issued:%Y%m}-{n % 1000:03d}",
            str(rng.randint(100000, 999999)),
            f"{issued:%Y}/{n:04d}",
            f"{issued:%y}{n:05d}",
            f"INV-{rng.randint(10000, 99999)}",
            f"R{issued:%Y}-{n:04d}",
            f"F{issued:%y}{issued:%m}{n:04d}",
        )
    )


def _invoice_lines(loc: Locale, rng: random.Random, n: int, rates: list[Decimal]) -> list[Line]:
    lines = []
    for description in rng.sample(PRODUCTS[loc.language], n):
        quantity = (
            Decimal(rng.choice((1, 1, 2, 3, 5, 10, 12, 24)))
            if rng.random() < 0.85
            else Decimal(rng.choice(("1.5", "2.5", "0.5", "7.5")))
        )
        price = cents(Decimal(str(round(math.exp(rng.uniform(math.log(2), math.log(1500))), 2))))
        if loc.currency == "SEK":
            price = cents(price * 10)
        lines.append(Line(description, quantity, price, rng.choice(rates), cents(quantity * price)))
    return lines


def _receipt_lines(loc: Locale, rng: random.Random, n: int) -> list[Line]:
    lines = []
    for description in rng.sample(GROCERIES[loc.language], n):
        quantity = Decimal(rng.choice((1, 1, 1, 2, 3)))
        price = cents(Decimal(rng.randint(49, 1299)) / 100) * (10 if loc.currency == "SEK" else 1)
        rate = loc.rates[-1] if rng.random() < 0.7 else loc.rates[0]
        lines.append(Line(description, quantity, price, rate, cents(quantity * price)))
    return lines


def _receipt(
    loc: Locale, rng: random.Random, seller: Company, number: str, issued: dt.date
) -> Document:
    """A till receipt: gross prices split per rate (US: net prices plus sales tax)."""
    lines = _receipt_lines(loc, rng, rng.randint(3, 10))
    if loc.country == "US":  # priced net, one sales-tax rate added under the subtotal
        lines = [
            Line(x.description, x.quantity, x.unit_price, loc.rates[0], x.amount) for x in lines
        ]
        net = sum((x.amount for x in lines), Decimal(0))
        taxes = [TaxRow(loc.rates[0], net, cents(net * loc.rates[0] / 100))]
    else:
        gross: dict[Decimal, Decimal] = {}
        for x in lines:
            gross[x.rate] = gross.get(x.rate, Decimal(0)) + x.amount
        taxes = []
        for r, g in sorted(gross.items()):
            base = cents(g * 100 / (100 + r))
            taxes.append(TaxRow(r, base, g - base))
    subtotal = sum((t.base for t in taxes), Decimal(0))
    tax = sum((t.tax for t in taxes), Decimal(0))
    items_total = sum((x.amount for x in lines), Decimal(0))
    doc = Document(
        "receipt", loc, number, issued, None, seller, None, None, lines, items_total,
        Decimal(0), taxes, subtotal, tax, subtotal + tax, "plain",
    )  # fmt: skip
    if rng.random() < 0.75:  # cash: rounding where the country rounds cash, and change
        step = {"SE": Decimal(1), "NL": Decimal("0.05"), "MY": Decimal("0.05")}.get(loc.country)
        if step:
            doc.rounding = (doc.total / step).quantize(Decimal(1)) * step - doc.total
        note = Decimal(100 if loc.currency == "SEK" else 10)
        doc.tendered = max(
            Decimal(5), (doc.to_pay / note).quantize(Decimal(1), ROUND_CEILING) * note
        )
    doc.extras["till"] = f"{rng.randint(1, 12):02d}"
    doc.extras["time"] = f"{rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}"
    doc.money_style = "none"
    doc.check()
    return doc


def make_document(
    seed: int,
    locale: str,
    cls: str,
    totals_style: str | None = None,
    *,
    vendor: int | None = None,
) -> Document:
    """The content of one document, deterministic in its arguments.

    ``vendor`` fixes the seller, the invoice-number format, the date and money
    formats to one vendor's (drawn from that seed); the content varies with ``seed``.
    """
    loc = LOCALES[locale]
    rng = random.Random(f"second:{seed}:{locale}:{cls}")
    receipt = cls == "receipt"
    style = "plain" if receipt else (totals_style or rng.choice(TOTALS_STYLES))
    issued = dt.date(2022, 1, 3) + dt.timedelta(days=rng.randint(0, 1400))
    seller = make_company(loc.country, loc.language, rng)
    pick = random.Random(f"second-vendor:{vendor}:{locale}:{cls}") if vendor is not None else None
    if pick is not None:
        seller = make_company(loc.country, loc.language, pick)
    number = _number(rng, issued, receipt, pick)
    if receipt:
        return _receipt(loc, rng, seller, number, issued)

    abroad = rng.random() < 0.2
    buyer_country = rng.choice([c for c in LANGUAGE if c != loc.country]) if abroad else loc.country
    if buyer_country == "US" and loc.country != "US":
        buyer_country = "GB"
    buyer = make_company(buyer_country, loc.language, rng, abroad=abroad, vat=rng.random() < 0.5)
    while pick is not None and buyer.name == seller.name:  # a vendor never bills itself
        buyer = make_company(
            buyer_country, loc.language, rng, abroad=abroad, vat=buyer.vat_id is not None
        )
    ship_to = None
    if cls == "bill_ship":
        ship_to = make_company(buyer_country, loc.language, rng, abroad=abroad, vat=False)
        ship_to = Company(buyer.name, buyer.brand, ship_to.lines, buyer_country)
    rates = [loc.rates[0]]
    if style in ("plain", "paid") and loc.country != "US" and rng.random() < 0.4:
        rates.append(rng.choice(loc.rates[1:]))
    lines = _invoice_lines(loc, rng, rng.randint(1, 7), rates)
    items_total = sum((x.amount for x in lines), Decimal(0))
    discount = Decimal(0)
    if style == "discount":
        discount = cents(items_total * Decimal(rng.choice((2, 3, 5, 10, 15))) / 100)
    bases: dict[Decimal, Decimal] = {}
    for x in lines:
        bases[x.rate] = bases.get(x.rate, Decimal(0)) + x.amount
    if discount:
        (only_rate,) = bases  # a discount is only drawn on single-rate invoices
        bases[only_rate] -= discount
    taxes = [TaxRow(r, b, cents(b * r / 100)) for r, b in sorted(bases.items(), reverse=True)]
    subtotal = items_total - discount
    tax = sum((t.tax for t in taxes), Decimal(0))
    days = rng.choice((10, 14, 30, 30, 45, 60))
    doc = Document(
        cls, loc, number, issued, issued + dt.timedelta(days=days), seller, buyer, ship_to,
        lines, items_total, discount, taxes, subtotal, tax, subtotal + tax, style,
        customer_no=str(rng.randint(10000, 99999)) if rng.random() < 0.6 else None,
        order_no=f"PO-{rng.randint(1000, 99999)}" if rng.random() < 0.4 else None,
        date_variant=rng.randrange(3),
        money_style=rng.choice(("symbol", "symbol", "code", "none")),
    )  # fmt: skip
    if pick is not None:
        doc.date_variant = pick.randrange(3)
        doc.money_style = pick.choice(("symbol", "symbol", "code", "none"))
    if style == "prepaid":
        doc.prepaid = cents(doc.total * Decimal(rng.choice((20, 25, 30, 50))) / 100)
    elif style == "paid":
        doc.prepaid = doc.total
    doc.extras["days"] = str(days)
    doc.check()
    return doc
