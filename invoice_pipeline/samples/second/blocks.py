"""Pieces every invoice class of the second generator draws: values, parties, items, totals.

:class:`Printer` formats one document's values (money in its style, dates in
its pattern, labels drawn once per document and key) and records the printed
form of each key field in ``shown``, so tests can look for exactly what the
page says.  :func:`items_table`, :func:`totals_rows`, :func:`party_lines` and
:func:`footer` draw the blocks the layouts in :mod:`.layouts` arrange
differently.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from . import locales
from .content import Document
from .labels import label
from .parties import Company
from .sheet import Sheet

CURRENCY_LABEL = {
    "en": "Currency", "de": "Währung", "fr": "Devise", "sv": "Valuta", "nl": "Valuta",
    "es": "Moneda",
}  # fmt: skip
ITEMS_TOTAL = {
    "en": ("Goods total", "Items total"), "de": ("Warenwert", "Summe Positionen"),
    "fr": ("Total articles", "Total brut HT"), "sv": ("Summa artiklar", "Varuvärde"),
    "nl": ("Totaal artikelen", "Goederenwaarde"), "es": ("Suma artículos", "Importe bruto"),
}  # fmt: skip
PAID = {
    "en": "Amount paid", "de": "Bezahlt", "fr": "Montant réglé", "sv": "Betalt",
    "nl": "Betaald", "es": "Importe pagado",
}  # fmt: skip


@dataclass
class Printer:
    """One document's formatting choices and what it printed for each key field."""

    doc: Document
    rng: random.Random
    chosen: dict[str, str] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    label_seed: str | None = None
    """A vendor's template: each label drawn from this seed and its key, whatever the content."""
    table: str | None = None
    """The items table's style: ``plain``, ``coded`` or ``own`` (coded, under the seller's own
    column headings); None: plain or coded, drawn per seller."""

    def label(self, key: str) -> str:
        """The label for ``key``, the same every time on this document."""
        if key not in self.chosen:
            lang = self.doc.language
            rng = self.rng if self.label_seed is None else random.Random(f"{self.label_seed}:{key}")
            if key == "items_total":
                self.chosen[key] = rng.choice(ITEMS_TOTAL[lang])
            elif key in ("currency", "paid"):
                self.chosen[key] = (CURRENCY_LABEL if key == "currency" else PAID)[lang]
            else:
                self.chosen[key] = label(lang, key, rng)
        return self.chosen[key]

    def money(self, value: Decimal, currency: bool = True) -> str:
        style = self.doc.money_style if currency else "none"
        return locales.money(value, self.doc.locale, style)

    def number(self, value: Decimal) -> str:
        return locales.number(value, self.doc.locale)

    def date(self, value: object) -> str:
        return locales.date(value, self.doc.locale, self.doc.date_variant)  # type: ignore[arg-type]

    def currency_marker(self) -> str:
        """What shows the currency on the page (recorded as the printed currency)."""
        if self.doc.money_style == "symbol":
            return self.doc.locale.symbol
        return self.doc.locale.currency

    def meta(self, *, due: bool = True) -> list[tuple[str, str]]:
        """(label, value) pairs of the header: number, date, due date, references."""
        doc = self.doc
        self.shown["invoice_number"] = doc.number
        self.shown["invoice_date"] = self.date(doc.issued)
        self.shown["currency"] = self.currency_marker()
        rows = [(self.label("number"), doc.number), (self.label("date"), self.date(doc.issued))]
        if due and doc.due:
            rows.append((self.label("due"), self.date(doc.due)))
        if doc.customer_no:
            rows.append((self.label("customer"), doc.customer_no))
        if doc.order_no:
            rows.append((self.label("order"), doc.order_no))
        if doc.money_style == "none":
            rows.append((self.label("currency"), doc.locale.currency))
        return rows


def party_lines(p: Printer, company: Company, *, vat: bool = True) -> list[str]:
    lines = [company.name, *company.lines]
    if vat and company.vat_printed:
        lines.append(f"{p.label('vat_id')}: {company.vat_printed}")
    return lines


def seller_name(p: Printer) -> str:
    p.shown["seller_name"] = p.doc.seller.name
    return p.doc.seller.name


UNITS = {
    "en": ("pcs", "h", "ea"), "de": ("Stk", "Std.", "Psch."), "fr": ("pce", "h", "forfait"),
    "sv": ("st", "tim", "st"), "nl": ("st", "uur", "st"), "es": ("ud.", "h", "ud."),
}  # fmt: skip
CODE_SHAPES = ("9999-999", "A99999", "AAA-9999", "99.999.99")
OWN_HEADINGS = {
    "en": ("Goods", "Pieces", "Per piece", "Value", "Levy"),
    "de": ("Posten", "Stückzahl", "Satz", "Wert", "Steuer"),
    "fr": ("Objet", "Nombre", "Tarif", "Valeur", "Taxe"),
    "sv": ("Vara", "Mängd", "Taxa", "Värde", "Skatt"),
    "nl": ("Goederen", "Hoeveelheid", "Per stuk", "Waarde", "Heffing"),
    "es": ("Mercancía", "Bultos", "Tarifa", "Valor", "Impuesto"),
}
"""Column headings of a seller's own (``table="own"``): words no vocabulary lists, so only a
learned table reads them."""
CODED_SHARE = 0.35
"""The share of sellers whose table starts with an article code and has a unit column."""


def table_style(p: Printer) -> tuple[bool, str]:
    """Whether the items table is *coded* (article code column first, a unit column after the
    quantity) and the codes' shape: a seller's choice, drawn from its own generator so the
    rest of the document is the same either way."""
    rng = random.Random(f"{p.label_seed or p.doc.number + p.doc.seller.name}:table")
    coded = rng.random() < CODED_SHARE
    return (coded if p.table is None else p.table in ("coded", "own")), rng.choice(CODE_SHAPES)


def _code(shape: str, rng: random.Random) -> str:
    return "".join(
        rng.choice("ABCDEFGHKLMNPRSTUVWXZ") if c == "A" else str(rng.randint(0, 9)) if c == "9"
        else c
        for c in shape
    )  # fmt: skip


def items_table(
    s: Sheet, p: Printer, x0: float, x1: float, y: float, *, style: str = "lines",
    accent: str = "#333333", size: float = 8.5,
) -> float:  # fmt: skip
    """The line items from baseline ``y``; ``style`` lines, grid or zebra. Returns the next y.

    A *coded* table (:func:`table_style`) prints an article code before each description
    and the unit after each quantity."""
    doc = p.doc
    show_rate = len({x.rate for x in doc.lines}) > 1 or p.rng.random() < 0.4
    coded, shape = table_style(p)
    heading = {k: p.label(k) for k in ("description", "qty", "price", "amount", "rate")}
    if p.table == "own":
        heading = dict(zip(heading, OWN_HEADINGS[doc.language], strict=True))
    cols = []
    if coded:
        cols.append((p.label("code"), x0 + 2, "left"))
        size = min(size, 8.0)
    cols.append((heading["description"], x0 + (24 if coded else 2), "left"))
    right = x1 - 2
    amount_x, rate_x = right, right - 28
    price_x = (rate_x - 18) if show_rate else (right - 30)
    qty_x = price_x - (40 if coded else 28)
    cols += [(heading["qty"], qty_x, "right")]
    if coded:
        cols.append((p.label("unit"), qty_x + 3, "left"))
    cols.append((heading["price"], price_x, "right"))
    if show_rate:
        cols.append((heading["rate"], rate_x, "right"))
    cols.append((heading["amount"], amount_x, "right"))
    head_h = 6.5
    if style == "grid":
        s.rect(x0, y - 4.5, x1 - x0, head_h, fill="#e8e8e8", stroke="#555555")
    elif style == "zebra":
        s.rect(x0, y - 4.5, x1 - x0, head_h, fill=accent, stroke=None)
    else:
        s.rule(x0, y + 2, x1, y + 2, color=accent, width=1)
    head_color = "#ffffff" if style == "zebra" else "#111111"
    for text, x, align in cols:
        s.text(x, y, text, size, bold=True, align=align, color=head_color)
    y += head_h + 1
    units = UNITS[doc.language]
    for i, line in enumerate(doc.lines):
        if style == "zebra" and i % 2:
            s.rect(x0, y - 4.3, x1 - x0, 6, fill="#f0f0f0", stroke=None)
        values = []
        if coded:
            values.append(_code(shape, random.Random(f"{doc.number}:{i}:code")))
        values += [line.description, locales.quantity(line.quantity, doc.locale)]
        if coded:
            values.append(units[1] if line.quantity != line.quantity.to_integral() else units[0])
        values.append(p.number(line.unit_price))
        if show_rate:
            values.append(locales.rate(line.rate, doc.locale))
        values.append(p.number(line.amount))
        for (_, x, align), value in zip(cols, values, strict=True):
            s.text(x, y, value, size, align=align)
        if style == "grid":
            s.rect(x0, y - 4.3, x1 - x0, 6, stroke="#999999", width=0.3)
        y += 6
    if style != "grid":
        s.rule(x0, y - 3.5, x1, y - 3.5, color=accent, width=0.6)
    return y + 3


def totals_rows(p: Printer) -> list[tuple[str, str, bool]]:
    """(label, value, bold) rows of the totals block, the total recorded in ``shown``."""
    doc = p.doc
    rows: list[tuple[str, str, bool]] = []
    if doc.discount:
        rows.append((p.label("items_total"), p.number(doc.items_total), False))
        rows.append((p.label("discount"), p.number(-doc.discount), False))
    rows.append((p.label("subtotal"), p.money(doc.subtotal), False))
    for t in doc.taxes:
        rows.append((f"{p.label('tax')} {locales.rate(t.rate, doc.locale)}", p.money(t.tax), False))
    total = p.money(doc.total)
    p.shown["total_amount"] = total
    rows.append((p.label("total"), total, doc.totals_style in ("plain", "discount")))
    if doc.totals_style == "prepaid":
        rows.append((p.label("prepaid"), p.money(-doc.prepaid), False))
        rows.append((p.label("due_amount"), p.money(doc.amount_due), True))
    elif doc.totals_style == "paid":
        rows.append((p.label("paid"), p.money(doc.prepaid), False))
        rows.append((p.label("due_amount"), p.money(doc.amount_due), True))
    return rows


def draw_totals(s: Sheet, p: Printer, x_label: float, x_value: float, y: float,
                size: float = 9) -> float:  # fmt: skip
    for text, value, bold in totals_rows(p):
        s.text(x_label, y, text, size, bold=bold)
        s.text(x_value, y, value, size, bold=bold, align="right")
        y += 5.2
    return y


def payment_lines(p: Printer) -> list[str]:
    seller = p.doc.seller
    lines = [f"{p.label('bank')}: {seller.bank}"]
    if seller.iban_printed:
        lines.append(f"IBAN {seller.iban_printed}")
    elif seller.us_account:
        lines.append(seller.us_account)
    return lines


def terms_line(p: Printer) -> str:
    return p.label("terms").format(days=p.doc.extras.get("days", "30"))


def footer(s: Sheet, p: Printer, y: float = 268, *, columns: int = 3, size: float = 7) -> None:
    """Legal name, address, contact, VAT and registry ids and bank details at the bottom."""
    seller = p.doc.seller
    s.rule(15, y - 4, s.width - 15, y - 4, color="#999999", width=0.4)
    ids = [x for x in (
        f"{p.label('vat_id')}: {seller.vat_printed}" if seller.vat_printed else None,
        seller.registration,
    ) if x]  # fmt: skip
    blocks = [
        [seller_name(p), *seller.lines],
        [seller.phone or "", seller.email or "", *ids],
        payment_lines(p),
    ]
    if columns == 1:  # one centred run of parts, wrapped between parts
        row: list[str] = []
        for part in [b for block in blocks for b in block if b]:
            if row and s.width_of(" · ".join([*row, part]), size) > s.width - 30:
                s.text(s.width / 2, y, " · ".join(row), size, align="center", color="#333333")
                y, row = y + 3.4, []
            row.append(part)
        s.text(s.width / 2, y, " · ".join(row), size, align="center", color="#333333")
        return
    width = (s.width - 30) / 3
    for i, block in enumerate(blocks):
        s.lines(15 + i * width, y, [b for b in block if b], size, leading=3.3, color="#333333")
