"""The ``compact`` sample layout: a DIN-style window address and a gridded item table.

:class:`Compact` draws the buyer in a window-envelope address field on the left,
the meta data in a bordered two-column table, a gridded item table with
article numbers and a four-column footer (address, contact, bank, registry).
"""

from __future__ import annotations

from ..invoice_data import InvoiceData
from .labels import with_colon
from .layout import Col, Layout, Row
from .pen import BLACK, GREY, LIGHT
from .style import Style


class Compact(Layout):
    """Window address with the buyer on the left, meta data in a bordered table, grid."""

    name = "compact"
    table_font_size = 8.0
    row_pad = 4.0

    def __init__(self, data: InvoiceData, style: Style, pages: int) -> None:
        super().__init__(data, style, pages)
        self.footer_top = self.H - 72
        self.left = 56
        self.right = self.W - 42

    def columns(self) -> list[Col]:
        cols = [
            Col("pos", self.L("pos"), 28, "center"),
            Col("article", self.L("article"), 48),
            Col("description", self.L("description"), 0),
            Col("qty", self.L("qty"), 42, "right"),
        ]
        if self.s.show_unit:
            cols.append(Col("unit", self.L("unit"), 40))
        cols.append(Col("unit_price", self.L("unit_price"), 66, "right"))
        if self.s.show_rate_col:
            cols.append(Col("rate", self.L("rate"), 42, "right"))
        cols.append(Col("amount", self.L("amount"), 72, "right"))
        return cols

    def first_header(self) -> float:
        p, d = self.pen, self.d
        block = (*d.seller.address_lines, d.seller.phone or "", d.seller.email or "")
        y = 40
        for line in block:
            p.text(self.right, y, line, 8, align="right", color=GREY)
            y += 10
        room = self.right - self.left - max(p.width(x, 8) for x in block) - 24
        p.text(self.left, 55, d.seller.name, p.fit(d.seller.name, room, 14, True), bold=True)
        # window envelope: sender line, then the recipient
        sender = " · ".join((d.seller.name, *d.seller.address_lines))
        sender_size = 6.5
        while p.width(sender, sender_size) > 250 and sender_size > 4.5:
            sender_size -= 0.25
        p.text(self.left, 130, sender, sender_size, color=GREY)
        p.hline(self.left, self.left + min(250, p.width(sender, sender_size)), 132, 0.3, GREY)
        by = 148
        room = self.right - 240 - self.left
        p.text(self.left, by, d.buyer.name, p.fit(d.buyer.name, room, 10, True), bold=True)
        for line in d.buyer.address_lines:
            by += 12
            p.text(self.left, by, line, 10)
        vat = self.vat_line(d.buyer.vat_id_printed)
        if vat:
            by += 12
            p.text(self.left, by, vat, 9)
        # meta table
        pairs = self.meta_pairs()
        if d.seller.vat_id_printed:
            pairs.append((self.L("vat_id"), d.seller.vat_id_printed))
        x0, x1, x2 = self.right - 230, self.right - 118, self.right
        ty = 118
        rh = 15
        for k, (name, value) in enumerate(pairs):
            yy = ty + k * rh
            p.rect(x0, yy, x1 - x0, rh, fill=LIGHT, stroke=GREY)
            p.rect(x1, yy, x2 - x1, rh, stroke=GREY)
            p.text(x0 + 4, yy + 10.5, name, 8)
            p.text(x1 + 4, yy + 10.5, value, 8, bold=True)
        y = max(by, ty + len(pairs) * rh) + 32
        p.text(self.left, y, self.L("title"), 15, bold=True)
        y += 18
        greeting = self.L("greeting")
        if greeting:
            p.text(self.left, y, greeting, 9)
            y += 12
        p.text(self.left, y, self.L("intro"), 9)
        return y + 12

    def draw_table_header(self, cols: list[Col], y: float) -> float:
        size = self.header_size(cols)
        h = size + 9
        x = self.left
        for col in cols:
            self.pen.rect(x, y, col.width, h, fill=LIGHT, stroke=BLACK)
            cx, align = self.cell_x(col, x)
            self.pen.text(cx, y + h - 5.5, col.title, size, bold=True, align=align)
            x += col.width
        return y + h

    def draw_row(self, cols: list[Col], row: Row, y: float) -> None:
        x = self.left
        for col in cols:
            self.pen.rect(x, y, col.width, row.height, stroke=BLACK, lw=0.4)
            x += col.width
        super().draw_row(cols, row, y)

    def end_table(self, cols: list[Col], y: float) -> None:
        pass

    def totals_height(self) -> float:
        return 15 * (len(self.d.taxes) + 2) + 50

    def draw_totals(self, y: float) -> None:
        p = self.pen
        two = len(self.d.taxes) > 1
        lines = self.totals_lines(with_base=two)
        x1 = self.right - 86
        x0 = self.right - 300
        yy = y - 14  # directly below the grid
        for name, value, strong in lines:
            p.rect(x0, yy, x1 - x0, 15, stroke=BLACK, lw=0.4, fill=LIGHT if strong else None)
            p.rect(
                x1, yy, self.right - x1, 15, stroke=BLACK, lw=0.4, fill=LIGHT if strong else None
            )
            p.text(x1 - 4, yy + 10.5, name, 8.5, bold=strong, align="right")
            p.text(self.right - 4, yy + 10.5, value, 8.5, bold=strong, align="right")
            yy += 15
        p.text(self.left, yy + 18, self.terms(), 8.5)
        if self.spec.language == "fr":
            for k, line in enumerate(p.wrap(self.L("penalties"), self.right - self.left, 7)):
                p.text(self.left, yy + 30 + 9 * k, line, 7, color=GREY)

    def footer(self, page: int) -> None:
        p, d, sp = self.pen, self.d, self.spec
        top = self.footer_top
        p.hline(self.left, self.right, top, 0.4)
        cols = [
            [d.seller.name, *d.seller.address_lines],
            [f"{self.L('phone')} {d.seller.phone}", f"{self.L('email')} {d.seller.email}"],
            [
                *([d.seller.registration] if d.seller.registration else []),
                *(
                    [f"{with_colon(sp, self.L('vat_id'))} {d.seller.vat_id_printed}"]
                    if d.seller.vat_id_printed
                    else []
                ),
                *(["Godkänd för F-skatt"] if sp.country == "SE" else []),
            ],
            self.payment_lines(compact=True),
        ]
        x = self.left
        for k, (share, col) in enumerate(zip((0.22, 0.2, 0.26, 0.32), cols, strict=True)):
            width = (self.right - self.left) * share
            if k == 0:  # a long company name wraps rather than shrinking to nothing
                col = [part for line in col for part in p.wrap(line, width - 4, 6.5)]
            for j, line in enumerate(col[:6]):
                p.text(x, top + 10 + 8 * j, line, p.fit(line, width - 4, 6.5))
            x += width
        p.text(self.right, self.H - 14, self.page_label(page), 7, align="right")
