"""What the four sample layouts share: texts, the item table and the pagination.

:class:`Layout` formats the invoice's labels, dates, money, tax and totals
lines and payment details in the locale, builds the item table's rows
(:class:`Col`, :class:`Row`, descriptions wrapped to the column width) and
renders page after page: the table header repeated on continuation pages,
totals after the table or anchored at the bottom of the last page. Subclasses
(one module per layout) draw the first-page header, the totals and the footer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4, LETTER

from ..invoice_data import InvoiceData, Item
from ..locales import (
    format_date,
    format_quantity,
    format_rate,
)
from .labels import label, with_colon
from .pen import GREY, Pen
from .style import Style


@dataclass
class Col:
    key: str
    title: str
    width: float
    align: str = "left"


@dataclass
class Row:
    cells: dict[str, list[str]]
    height: float
    index: int


class Layout:
    """Shared machinery: texts, the item table, pagination; subclasses draw the rest."""

    name = "base"
    size = 9.0
    leading = 11.0
    row_pad = 5.0
    margin = 50.0
    anchor_totals_bottom = False
    table_font_size = 8.5

    def __init__(self, data: InvoiceData, style: Style, pages: int) -> None:
        self.d = data
        self.s = style
        self.spec = data.spec
        self.pages = pages
        pagesize = LETTER if self.spec.page_size == "letter" else A4
        self.pen = Pen(pagesize, style, f"{self.L('title')} {data.invoice_number}")
        self.W, self.H = self.pen.W, self.pen.H
        self.left = self.margin
        self.right = self.W - self.margin
        self.footer_top = self.H - 60

    # ---------------------------------------------------------------- texts

    def L(self, key: str, **fmt: str) -> str:  # noqa: N802 - reads like a label lookup
        return label(self.spec, key, self.s.variant, **fmt)

    def date(self, value: dt.date) -> str:
        return format_date(value, self.spec, self.s.date_variant)

    def money(self, value: Decimal, currency: bool = True) -> str:
        return self.s.money(value, self.spec, currency)

    def rate(self, value: Decimal) -> str:
        return format_rate(value, self.spec)

    def meta_pairs(self) -> list[tuple[str, str]]:
        d = self.d
        pairs = [
            (self.L("invoice_no"), d.invoice_number),
            (self.L("invoice_date"), self.date(d.invoice_date)),
        ]
        if self.s.show_delivery_date:
            pairs.append((self.L("delivery_date"), self.date(d.delivery_date)))
        pairs.append((self.L("due_date"), self.date(d.due_date)))
        if self.s.show_customer_no and d.customer_number:
            pairs.append((self.L("customer_no"), d.customer_number))
        if d.purchase_order:
            pairs.append((self.L("po"), d.purchase_order))
        return pairs

    def tax_lines(self, with_base: bool = False) -> list[tuple[str, str]]:
        out = []
        for t in self.d.taxes:
            text = self.L("tax", rate=self.rate(t.rate))
            if with_base:
                text = self.L("tax_base", tax=text, base=self.money(t.base, currency=False))
            out.append((text, self.money(t.tax)))
        return out

    def totals_lines(self, with_base: bool = False) -> list[tuple[str, str, bool]]:
        lines = [(self.L("subtotal"), self.money(self.d.subtotal), False)]
        lines += [(a, b, False) for a, b in self.tax_lines(with_base)]
        lines.append((self.L("total"), self.money(self.d.total), True))
        return lines

    def vat_line(self, party_vat: str | None) -> str | None:
        return f"{with_colon(self.spec, self.L('vat_id'))} {party_vat}" if party_vat else None

    def payment_lines(self, compact: bool = False) -> list[str]:
        b = self.d.bank
        sp = self.spec
        c = lambda t: with_colon(sp, t)  # noqa: E731
        if sp.country == "US":
            lines = [
                f"{c('Bank')} {b.name}",
                f"{c('Routing (ABA)')} {b.routing}",
                f"{c('Account No.')} {b.account}",
            ]
            if not compact:
                lines.append(f"Please make checks payable to {self.d.seller.name.rstrip('.')}.")
            return lines
        lines = []
        if sp.country == "SE" and b.bankgiro:
            lines.append(f"{c('Bankgiro')} {b.bankgiro}")
        bank = "Banque" if sp.language == "fr" else "Bank"
        if sp.country == "GB":
            lines.append(f"{c('Bank')} {b.name}")
            lines.append(f"{c('Sort code')} {b.sort_code}   {c('Account')} {b.account}")
        else:
            lines.append(f"{c(bank)} {b.name}")
        lines.append(f"{c('IBAN')} {b.iban_formatted}")
        if b.bic:
            lines.append(f"{c('BIC')} {b.bic}")
        return lines

    def terms(self) -> str:
        return self.L("terms", days=str(self.d.payment_days))

    def page_label(self, page: int) -> str:
        return self.L("page", n=str(page), m=str(self.pages))

    # ---------------------------------------------------------------- table

    def columns(self) -> list[Col]:
        raise NotImplementedError

    def fit_columns(self, cols: list[Col]) -> list[Col]:
        """Give the description column whatever width the others leave."""
        fixed = sum(c.width for c in cols if c.key != "description")
        for c in cols:
            if c.key == "description":
                c.width = (self.right - self.left) - fixed
        return cols

    def cell_text(self, key: str, item: Item, index: int) -> str:
        spec = self.spec
        if key == "pos":
            return str(index + 1)
        if key == "article":
            return item.article
        if key == "description":
            return item.description
        if key == "qty":
            return format_quantity(item.quantity, spec, self.s.fixed_qty)
        if key == "unit":
            return item.unit
        if key == "unit_price":
            return self.money(item.unit_price, self.s.row_money)
        if key == "rate":
            return self.rate(item.tax_rate)
        if key == "amount":
            return self.money(item.amount, self.s.row_money)
        raise KeyError(key)

    def build_rows(self, cols: list[Col]) -> list[Row]:
        rows = []
        size = self.table_font_size
        for k, item in enumerate(self.d.items):
            cells: dict[str, list[str]] = {}
            for col in cols:
                text = self.cell_text(col.key, item, k)
                if col.key == "description":
                    cells[col.key] = self.pen.wrap(text, col.width - 8, size)
                else:
                    cells[col.key] = [text]
            n = max(len(v) for v in cells.values())
            rows.append(Row(cells, n * (size + 2.5) + self.row_pad * 2 - 2.5, k))
        return rows

    def header_size(self, cols: list[Col], bold: bool = True) -> float:
        size = self.table_font_size
        while size > 6 and any(self.pen.width(c.title, size, bold) > c.width - 6 for c in cols):
            size -= 0.25
        return size

    def cell_x(self, col: Col, x: float) -> tuple[float, str]:
        if col.align == "right":
            return x + col.width - 4, "right"
        if col.align == "center":
            return x + col.width / 2, "center"
        return x + 4, "left"

    def draw_table_header(self, cols: list[Col], y: float) -> float:
        size = self.header_size(cols)
        h = size + 10
        self.pen.hline(self.left, self.right, y, 0.8)
        x = self.left
        for col in cols:
            cx, align = self.cell_x(col, x)
            self.pen.text(cx, y + h - 6, col.title, size, bold=True, align=align)
            x += col.width
        self.pen.hline(self.left, self.right, y + h, 0.5)
        return y + h

    def draw_row(self, cols: list[Col], row: Row, y: float) -> None:
        size = self.table_font_size
        x = self.left
        for col in cols:
            cx, align = self.cell_x(col, x)
            for k, line in enumerate(row.cells[col.key]):
                self.pen.text(
                    cx, y + self.row_pad + size - 1 + k * (size + 2.5), line, size, align=align
                )
            x += col.width

    def end_table(self, cols: list[Col], y: float) -> None:
        self.pen.hline(self.left, self.right, y, 0.5)

    # ---------------------------------------------------------------- hooks

    def first_header(self) -> float:
        raise NotImplementedError

    def cont_header(self, page: int) -> float:
        self.pen.text(self.left, 50, self.d.seller.name, 9, bold=True)
        title = f"{label(self.spec, 'title', 0)} {self.d.invoice_number} ({self.L('continued')})"
        self.pen.text(self.right, 50, title, 9, align="right")
        self.pen.hline(self.left, self.right, 58, 0.3, GREY)
        return 75

    def footer(self, page: int) -> None:
        raise NotImplementedError

    def totals_height(self) -> float:
        raise NotImplementedError

    def draw_totals(self, y: float) -> None:
        raise NotImplementedError

    # ---------------------------------------------------------------- engine

    def render(self) -> tuple[bytes, int]:
        cols = self.fit_columns(self.columns())
        rows = self.build_rows(cols)
        page = 1
        y = self.draw_table_header(cols, self.first_header())
        limit = self.footer_top - 8
        for row in rows:
            if y + row.height > limit:
                self.end_table(cols, y)
                self.footer(page)
                self.pen.new_page()
                page += 1
                y = self.draw_table_header(cols, self.cont_header(page))
            self.draw_row(cols, row, y)
            y += row.height
        self.end_table(cols, y)
        need = self.totals_height()
        if self.anchor_totals_bottom:
            ty = limit - need
            if y + 12 > ty:
                self.footer(page)
                self.pen.new_page()
                page += 1
                self.cont_header(page)
        else:
            ty = y + 14
            if ty + need > limit:
                self.footer(page)
                self.pen.new_page()
                page += 1
                ty = self.cont_header(page) + 10
        self.draw_totals(ty)
        self.footer(page)
        return self.pen.finish(), page
