"""The ``modern`` sample layout: a coloured header band, labels above values, Helvetica.

:class:`Modern` draws a header band in the accent colour, the meta data in
columns with each label above its value, a zebra-striped item table, a totals
box and a footer with the payment details.
"""

from __future__ import annotations

from reportlab.lib import colors

from ..invoice_data import InvoiceData
from .labels import label
from .layout import Col, Layout, Row
from .pen import GREY, WHITE
from .style import Style


class Modern(Layout):
    """Coloured band, labels above values in columns, zebra table, totals box."""

    name = "modern"
    table_font_size = 8.5

    def __init__(self, data: InvoiceData, style: Style, pages: int) -> None:
        super().__init__(data, style, pages)
        self.accent = colors.HexColor(style.accent)
        self.footer_top = self.H - 45

    def columns(self) -> list[Col]:
        cols = [
            Col("description", self.L("description"), 0),
            Col("qty", self.L("qty"), 52, "right"),
        ]
        cols.append(Col("unit_price", self.L("unit_price"), 86, "right"))
        if self.s.show_rate_col:
            cols.append(Col("rate", self.L("rate"), 50, "right"))
        cols.append(Col("amount", self.L("amount"), 90, "right"))
        return cols

    def first_header(self) -> float:
        p, d = self.pen, self.d
        p.rect(0, 0, self.W, 92, fill=self.accent)
        title_w = p.width(self.L("title").upper(), 24, bold=True)
        room = self.right - self.left - title_w - 24
        size = p.fit(d.seller.name, room, 18, True)
        p.text(self.left, 50, d.seller.name, size, bold=True, color=WHITE)
        p.text(self.left, 68, f"{d.seller.email}  |  {d.seller.phone}", 8.5, color=WHITE)
        p.text(self.right, 56, self.L("title").upper(), 24, bold=True, align="right", color=WHITE)
        pairs = self.meta_pairs()
        colw = (self.right - self.left) / max(len(pairs), 4)
        for k, (name, value) in enumerate(pairs):
            x = self.left + k * colw
            p.text(x, 118, name.upper(), p.fit(name.upper(), colw - 8, 7), color=GREY)
            p.text(x, 132, value, p.fit(value, colw - 8, 10, True), bold=True)
        y = 165
        half = (self.right - self.left) / 2
        blocks = (
            (self.L("from"), d.seller, d.seller.vat_id_printed),
            (self.L("bill_to"), d.buyer, d.buyer.vat_id_printed),
        )
        ends = []
        for k, (title, party, vat) in enumerate(blocks):
            x = self.left + k * half
            p.text(x, y, title.upper(), 7, color=self.accent, bold=True)
            p.text(x, y + 14, party.name, p.fit(party.name, half - 12, 10, True), bold=True)
            yy = y + 27
            for line in party.address_lines:
                p.text(x, yy, line, 9)
                yy += 11.5
            vat_text = self.vat_line(vat)
            if vat_text:
                p.text(x, yy, vat_text, 9)
                yy += 11.5
            ends.append(yy)
        return max(ends) + 20

    def cont_header(self, page: int) -> float:
        p = self.pen
        p.rect(0, 0, self.W, 40, fill=self.accent)
        p.text(self.left, 26, self.d.seller.name, 11, bold=True, color=WHITE)
        title = f"{label(self.spec, 'title', 0)} {self.d.invoice_number} ({self.L('continued')})"
        p.text(self.right, 26, title, 9, align="right", color=WHITE)
        return 60

    def draw_table_header(self, cols: list[Col], y: float) -> float:
        size = self.header_size(cols)
        h = size + 12
        self.pen.rect(self.left, y, self.right - self.left, h, fill=self.accent)
        x = self.left
        for col in cols:
            cx, align = self.cell_x(col, x)
            self.pen.text(cx, y + h - 7, col.title, size, bold=True, align=align, color=WHITE)
            x += col.width
        return y + h

    def draw_row(self, cols: list[Col], row: Row, y: float) -> None:
        if row.index % 2 == 1:
            self.pen.rect(
                self.left, y, self.right - self.left, row.height, fill=colors.HexColor("#f2f4f7")
            )
        super().draw_row(cols, row, y)

    def end_table(self, cols: list[Col], y: float) -> None:
        self.pen.hline(self.left, self.right, y, 0.8, self.accent)

    def totals_height(self) -> float:
        return 15 * (len(self.d.taxes) + 1) + 40 + 14 * (len(self.payment_lines()) + 1) + 30

    def draw_totals(self, y: float) -> None:
        p = self.pen
        x0 = self.right - 250
        lines = self.totals_lines()
        yy = y + 12
        for name, value, strong in lines:
            if strong:
                p.rect(x0, yy - 4, self.right - x0, 22, fill=self.accent)
                p.text(x0 + 8, yy + 11, name.upper(), 10, bold=True, color=WHITE)
                p.text(self.right - 8, yy + 11, value, 12, bold=True, align="right", color=WHITE)
                yy += 30
            else:
                p.text(x0 + 8, yy + 4, name, 9)
                p.text(self.right - 8, yy + 4, value, 9, align="right")
                yy += 15
        # payment details on the left, level with the totals
        py = y + 16
        p.text(self.left, py, self.L("bank").upper(), 7.5, bold=True, color=self.accent)
        for line in self.payment_lines():
            py += 12
            p.text(self.left, py, line, 8.5)
        p.text(self.left, max(py, yy) + 16, self.terms(), 8.5, color=GREY)

    def footer(self, page: int) -> None:
        p, d = self.pen, self.d
        top = self.footer_top
        p.hline(self.left, self.right, top, 0.3, GREY)
        info = " | ".join(x for x in (d.seller.name, d.seller.registration) if x)
        p.text(self.left, top + 14, info, 7, color=GREY)
        p.text(self.right, top + 14, self.page_label(page), 7.5, align="right", color=GREY)
