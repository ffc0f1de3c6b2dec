"""Render an invoice's data as a born-digital PDF in one of the four layouts.

:func:`render_pdf` draws the layout once to learn the page count (the
"Page n of m" footers need it) and again until it settles; it returns a
:class:`Rendered` with the PDF bytes, the page count and the :class:`Style`
used. :func:`number_as_printed` writes an amount the way the layout prints it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..invoice_data import InvoiceData
from ..locales import (
    format_number,
)
from .classic import Classic
from .compact import Compact
from .layout import Layout
from .minimal import Minimal
from .modern import Modern
from .style import Style, choose_style

LAYOUT_CLASSES: dict[str, Callable[[InvoiceData, Style, int], Layout]] = {
    "classic": Classic,
    "modern": Modern,
    "compact": Compact,
    "minimal": Minimal,
}


@dataclass(frozen=True)
class Rendered:
    """A rendered PDF with its page count and the presentation choices used."""

    pdf: bytes
    pages: int
    style: Style

    def printed_total(self, data: InvoiceData) -> str:
        """The total as the totals block prints it."""
        return self.style.money(data.total, data.spec)


def render_pdf(data: InvoiceData, layout: str, seed: int = 0) -> Rendered:
    """Draw ``data`` in ``layout``; the same data, layout and seed give the same bytes."""
    style = choose_style(data, layout, seed)
    pages = 1
    for _ in range(3):  # the page count is known after one pass; "Page n of m" needs it
        pdf, used = LAYOUT_CLASSES[layout](data, style, pages).render()
        if used == pages:
            return Rendered(pdf, pages, style)
        pages = used
    raise RuntimeError("page count did not settle")  # pragma: no cover


def number_as_printed(value: Decimal, data: InvoiceData, style: Style) -> str:
    """``value`` as the layout prints it without currency (``1.234,56``)."""
    return format_number(value, data.spec, 2, style.group)
