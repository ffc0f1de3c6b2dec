"""The ``minimal`` sample layout: everything left-aligned in Courier.

:class:`Minimal` prints quantity first in the item table (or no quantity column
at all) and the totals right-aligned at the bottom of the last page.
"""

from __future__ import annotations

from ..invoice_data import InvoiceData
from .labels import with_colon
from .layout import Col, Layout
from .style import Style


class Minimal(Layout):
    """Everything left-aligned in Courier; quantity first; totals at the bottom right."""

    name = "minimal"
    anchor_totals_bottom = True
    table_font_size = 8.5

    def __init__(self, data: InvoiceData, style: Style, pages: int) -> None:
        super().__init__(data, style, pages)
        self.footer_top = self.H - 40
        self.no_qty = all(i.quantity == 1 for i in data.items)

    def columns(self) -> list[Col]:
        cols = []
        if not self.no_qty:
            cols.append(Col("qty", self.L("qty"), 44, "right"))
        cols.append(Col("description", self.L("description"), 0))
        if not self.no_qty:
            cols.append(Col("unit_price", self.L("unit_price"), 82, "right"))
        cols.append(Col("amount", self.L("amount"), 86, "right"))
        if self.s.show_rate_col:
            cols.append(Col("rate", self.L("rate"), 52, "right"))
        return cols

    def first_header(self) -> float:
        p, d = self.pen, self.d
        y = 55
        p.text(self.left, y, d.seller.name, 12, bold=True)
        for line in d.seller.address_lines:
            y += 11
            p.text(self.left, y, line, 9)
        vat = self.vat_line(d.seller.vat_id_printed)
        if vat:
            y += 11
            p.text(self.left, y, vat, 9)
        y += 30
        p.text(self.left, y, self.L("title"), 16, bold=True)
        y += 8
        pairs = self.meta_pairs()
        width = max(p.width(with_colon(self.spec, n), 9) for n, _ in pairs) + 10
        for name, value in pairs:
            y += 12
            p.text(self.left, y, with_colon(self.spec, name), 9)
            p.text(self.left + width, y, value, 9, bold=True)
        y += 24
        p.text(self.left, y, with_colon(self.spec, self.L("bill_to")), 9)
        y += 12
        p.text(self.left, y, d.buyer.name, 9, bold=True)
        for line in d.buyer.address_lines:
            y += 11
            p.text(self.left, y, line, 9)
        vat = self.vat_line(d.buyer.vat_id_printed)
        if vat:
            y += 11
            p.text(self.left, y, vat, 9)
        return y + 24

    def totals_height(self) -> float:
        lines = len(self.d.taxes) + 2
        return max(13 * lines + 6, 11 * (len(self.payment_lines()) + 2)) + 24

    def draw_totals(self, y: float) -> None:
        p = self.pen
        yy = y + 10
        for name, value, strong in self.totals_lines():
            yy += 13
            p.text(self.right - 100, yy, with_colon(self.spec, name), 9, bold=strong, align="right")
            p.text(self.right, yy, value, 9, bold=strong, align="right")
        py = y + 10
        for line in [self.terms(), *self.payment_lines(compact=True)]:
            py += 11
            p.text(self.left, py, line, 8)

    def footer(self, page: int) -> None:
        if self.pages > 1:
            self.pen.text(self.right, self.H - 22, self.page_label(page), 8, align="right")
