"""The content of one sample invoice: parties, bank, line items, taxes and totals.

:class:`InvoiceData` holds everything the renderer prints (a
:class:`Party` for seller and buyer, the :class:`Bank` to pay, the
:class:`Item` rows and one :class:`TaxLine` per rate) with money as
:class:`~decimal.Decimal`; :meth:`InvoiceData.check` verifies that every
amount adds up exactly and :meth:`InvoiceData.to_record` turns it into the
ground truth as the pipeline's flat
:class:`~invoice_pipeline.schema.InvoiceRecord`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from schwifty import IBAN

from invoice_pipeline.schema import InvoiceRecord, RecordLineItem

from .locales import LocaleSpec, decimal_str, quantize

# ----------------------------------------------------------------- the data


@dataclass(frozen=True)
class Party:
    """A company as printed: name, address lines (no name), VAT id and registry numbers."""

    name: str
    address_lines: tuple[str, ...]
    country: str
    vat_id: str | None = None
    """Compact form with the country prefix, e.g. ``DE136695976``."""
    vat_id_printed: str | None = None
    """The VAT id as printed (spacing varies)."""
    registration: str | None = None
    """A registry id as printed, e.g. ``Org.nr 556677-8899`` or ``SIRET ...``."""
    phone: str | None = None
    email: str | None = None

    @property
    def address(self) -> str:
        return ", ".join(self.address_lines)


@dataclass(frozen=True)
class Bank:
    """Where to pay: an IBAN (EU, GB) or a routing and account number (US)."""

    name: str
    iban: str | None = None
    bic: str | None = None
    routing: str | None = None
    account: str | None = None
    sort_code: str | None = None
    bankgiro: str | None = None

    @property
    def iban_formatted(self) -> str | None:
        return IBAN(self.iban).formatted if self.iban else None


@dataclass(frozen=True)
class Item:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    article: str


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass
class InvoiceData:
    """One invoice's content: everything the renderer prints, and the truth."""

    spec: LocaleSpec
    invoice_number: str
    invoice_date: dt.date
    due_date: dt.date
    payment_days: int
    delivery_date: dt.date
    purchase_order: str | None
    customer_number: str | None
    seller: Party
    buyer: Party
    bank: Bank
    items: list[Item]
    taxes: list[TaxLine]
    subtotal: Decimal
    tax_amount: Decimal
    total: Decimal
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def locale(self) -> str:
        return self.spec.code

    @property
    def currency(self) -> str:
        return self.spec.currency

    def check(self) -> None:
        """Raise ``AssertionError`` unless every amount adds up exactly."""
        assert all(quantize(i.quantity * i.unit_price) == i.amount for i in self.items)
        assert sum((i.amount for i in self.items), Decimal(0)) == self.subtotal
        assert sum((t.base for t in self.taxes), Decimal(0)) == self.subtotal
        assert all(quantize(t.base * t.rate / 100) == t.tax for t in self.taxes)
        assert sum((t.tax for t in self.taxes), Decimal(0)) == self.tax_amount
        assert self.subtotal + self.tax_amount == self.total

    def to_record(self, document_id: str, source_file: str | None = None) -> InvoiceRecord:
        """The ground truth as the pipeline's flat record (status ``approved``)."""
        return InvoiceRecord(
            document_id=document_id,
            source_file=source_file,
            status="approved",
            quality_score=1.0,
            invoice_number=self.invoice_number,
            invoice_date=self.invoice_date.isoformat(),
            due_date=self.due_date.isoformat(),
            currency=self.currency,
            seller_name=self.seller.name,
            seller_address=self.seller.address,
            seller_vat_id=self.seller.vat_id,
            buyer_name=self.buyer.name,
            buyer_address=self.buyer.address,
            buyer_vat_id=self.buyer.vat_id,
            iban=self.bank.iban,
            purchase_order=self.purchase_order,
            subtotal=str(self.subtotal),
            tax_amount=str(self.tax_amount),
            total_amount=str(self.total),
            line_items=[
                RecordLineItem(
                    description=i.description,
                    quantity=decimal_str(i.quantity),
                    unit_price=str(i.unit_price),
                    amount=str(i.amount),
                    tax_rate=decimal_str(i.tax_rate),
                )
                for i in self.items
            ],
            extractor="ground-truth",
        )
