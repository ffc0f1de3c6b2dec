"""The presentation choices of one sample rendering, drawn from the seed.

:data:`LAYOUTS` names the four layouts; :func:`choose_style` draws a
:class:`Style` for an invoice in one of them: how money shows its currency,
which thousands separator and date pattern are used, which optional columns and
meta fields appear, the accent colour and the base-14 font pair.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from ..invoice_data import InvoiceData
from ..locales import (
    LocaleSpec,
    format_money,
)

LAYOUTS: tuple[str, ...] = ("classic", "modern", "compact", "minimal")

# --------------------------------------------------------------------- style


@dataclass(frozen=True)
class Style:
    """The presentation choices of one rendering, drawn from the seed."""

    layout: str
    variant: int
    money_style: str
    """How totals show the currency: ``symbol`` or ``code``."""
    row_money: bool
    """Whether item rows repeat the currency too."""
    group: str
    date_variant: int
    fixed_qty: bool
    show_unit: bool
    show_rate_col: bool
    show_customer_no: bool
    show_delivery_date: bool
    accent: str
    font: str
    bold: str

    def money(self, value: Decimal, spec: LocaleSpec, currency: bool = True) -> str:
        return format_money(value, spec, self.money_style if currency else "none", self.group)


ACCENTS = ("#1f3a5f", "#0f5e5a", "#5a1f4a", "#2f4f2f", "#7a3e0c", "#333f7a")
FONTS = {
    "classic": ("Times-Roman", "Times-Bold"),
    "modern": ("Helvetica", "Helvetica-Bold"),
    "compact": ("Helvetica", "Helvetica-Bold"),
    "minimal": ("Courier", "Courier-Bold"),
}


def choose_style(data: InvoiceData, layout: str, seed: int) -> Style:
    """Seeded presentation choices for ``data`` in ``layout``."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; use one of {LAYOUTS}")
    rng = random.Random(f"style:{seed}:{data.locale}:{layout}")
    spec = data.spec
    two_rates = len({i.tax_rate for i in data.items}) > 1
    font, bold = FONTS[layout]
    return Style(
        layout=layout,
        variant=LAYOUTS.index(layout),
        money_style="symbol" if rng.random() < 0.65 else "code",
        row_money=layout == "modern" and rng.random() < 0.5,
        group=rng.choice(spec.groups)
        if len(spec.groups) > 1 and rng.random() < 0.5
        else spec.groups[0],
        date_variant=rng.randrange(len(spec.date_patterns)),
        fixed_qty=rng.random() < 0.3,
        show_unit=layout in ("classic", "compact") and spec.language != "en" and rng.random() < 0.7,
        show_rate_col=two_rates or layout == "compact" or rng.random() < 0.3,
        show_customer_no=data.customer_number is not None and layout != "minimal",
        show_delivery_date=spec.country == "DE" and layout in ("classic", "compact"),
        accent=rng.choice(ACCENTS),
        font=font,
        bold=bold,
    )
