"""The ``classic`` sample layout: seller top left, a label: value meta block top right, Times.

:class:`Classic` draws the seller and the title at the top, the buyer's address
and the meta data below, a ruled item table, totals after the table and a
footer with the payment details and the terms.
"""

from __future__ import annotations

from ..invoice_data import InvoiceData
from .labels import with_colon
from .layout import Col, Layout
from .pen import GREY
from .style import Style


class Classic(Layout):
    """Seller top left, title and a label: value meta block top right, Times."""

    name = "classic"
    table_font_size = 9.5

    def __init__(self, data: InvoiceData, style: Style, pages: int) -> None:
        super().__init__(data, style, pages)
        self.footer_top = self.H - 78

    def columns(self) -> list[Col]:
        cols = [Col("pos", self.L("pos"), 30), Col("description", self.L("description"), 0)]
        cols.append(Col("qty", self.L("qty"), 48, "right"))
        if self.s.show_unit:
            cols.append(Col("unit", self.L("unit"), 44))
        cols.append(Col("unit_price", self.L("unit_price"), 78, "right"))
        if self.s.show_rate_col:
            cols.append(Col("rate", self.L("rate"), 46, "right"))
        cols.append(Col("amount", self.L("amount"), 80, "right"))
        return cols

    def first_header(self) -> float:
        p, d = self.pen, self.d
        title_w = p.width(self.L("title"), 22, bold=True)
        room = self.right - self.left - title_w - 24
        p.text(self.left, 62, d.seller.name, p.fit(d.seller.name, room, 15, True), bold=True)
        y = 80
        for line in d.seller.address_lines:
            p.text(self.left, y, line, 10)
            y += 12.5
        vat = self.vat_line(d.seller.vat_id_printed)
        if vat:
            p.text(self.left, y, vat, 10)
            y += 12.5
        p.text(self.right, 62, self.L("title"), 22, bold=True, align="right")
        my = 92
        for name, value in self.meta_pairs():
            p.text(self.right - 100, my, with_colon(self.spec, name), 10, align="right")
            p.text(self.right, my, value, 10, bold=True, align="right")
            my += 14
        by = max(y + 28, 175)
        p.text(self.left, by, with_colon(self.spec, self.L("bill_to")), 9, color=GREY)
        p.text(self.left, by + 15, d.buyer.name, p.fit(d.buyer.name, 280, 11, True), bold=True)
        by += 29
        for line in d.buyer.address_lines:
            p.text(self.left, by, line, 10)
            by += 12.5
        vat = self.vat_line(d.buyer.vat_id_printed)
        if vat:
            p.text(self.left, by, vat, 10)
            by += 12.5
        return max(by, my) + 26

    def totals_height(self) -> float:
        return 16 * (len(self.d.taxes) + 2) + 80

    def draw_totals(self, y: float) -> None:
        p = self.pen
        lines = self.totals_lines()
        for k, (name, value, strong) in enumerate(lines):
            yy = y + 12 + 16 * k
            if strong:
                p.hline(self.right - 230, self.right, yy - 11, 0.8)
            p.text(self.right - 110, yy, name, 11 if strong else 10, bold=strong, align="right")
            p.text(self.right, yy, value, 11 if strong else 10, bold=strong, align="right")
        yy = y + 12 + 16 * len(lines) + 14
        p.text(self.left, yy, self.terms(), 10)
        p.text(self.left, yy + 14, self.L("thanks"), 10)

    def footer(self, page: int) -> None:
        p, d = self.pen, self.d
        top = self.footer_top
        p.hline(self.left, self.right, top, 0.5, GREY)
        col1 = [d.seller.name, *d.seller.address_lines]
        col2 = [
            f"{self.L('phone')} {d.seller.phone}",
            f"{self.L('email')} {d.seller.email}",
            *([d.seller.registration] if d.seller.registration else []),
        ]
        col3 = [with_colon(self.spec, self.L("bank")), *self.payment_lines(compact=True)]
        width = (self.right - self.left) / 3
        for k, col in enumerate((col1, col2, col3)):
            for j, line in enumerate(col[:5]):
                size = p.fit(line, width - 6, 7)
                p.text(self.left + k * width, top + 11 + 8.5 * j, line, size, color=GREY)
        p.text(self.W / 2, self.H - 18, self.page_label(page), 8, align="center", color=GREY)
