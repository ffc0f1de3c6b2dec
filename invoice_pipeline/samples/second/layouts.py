"""The six invoice classes of the second generator, each a different page arrangement.

- ``boxes``: a grid of boxed cells, each label above its value (header and totals);
- ``seller_right``: logo text on the left, the letterhead right-aligned on the right;
- ``window``: a DIN 5008 letter, the buyer in the address window under a small
  sender line, an information block beside it and a subject line;
- ``columns``: a multi-column header (seller | contact and ids | invoice data);
- ``logo``: a big stylised brand (initials or short name) at the top and the legal
  name only in the footer;
- ``bill_ship``: "Bill to" and "Ship to" blocks side by side and the invoice data
  as a row of labelled columns.

Each function draws one A4 page with :class:`~.sheet.Sheet` and the blocks of
:mod:`.blocks`; the totals block follows the document's totals style (discount,
prepaid, paid in full).
"""

from __future__ import annotations

from collections.abc import Callable

from .blocks import (
    Printer,
    draw_totals,
    footer,
    items_table,
    party_lines,
    payment_lines,
    seller_name,
    terms_line,
    totals_rows,
)
from .sheet import Sheet

ACCENTS = ("#1b4d89", "#8a2b2b", "#2e6b3f", "#5b3a8c", "#9a6a00", "#26616b", "#222222")


def _title(p: Printer) -> str:
    return p.label("invoice")


def boxes(s: Sheet, p: Printer) -> None:
    doc, accent = p.doc, p.rng.choice(ACCENTS)
    s.text(15, 22, seller_name(p), 13, bold=True, color=accent)
    s.lines(15, 28, list(doc.seller.lines), 8.5, leading=3.9)
    s.text(195, 22, _title(p), 18, bold=True, align="right", color=accent)
    buyer = doc.buyer
    assert buyer is not None
    s.text(15, 52, p.label("bill_to"), 7, color="#666666")
    s.lines(15, 57, party_lines(p, buyer), 9, leading=4.3)
    cells = p.meta()
    cols, w, h = 3, 33, 11
    x0 = 195 - cols * w
    for i, (lab, value) in enumerate(cells):
        x, y = x0 + (i % cols) * w, 48 + (i // cols) * h
        s.rect(x, y, w, h, stroke="#777777", width=0.5)
        s.text(x + 1.5, y + 3.4, lab, 6.5, color="#555555")
        # a long value ("26 de septiembre de 2024") is set smaller to stay in its box
        size = min(9.0, 9.0 * (w - 3) / max(s.width_of(value, 9, bold=i == 0), 0.1))
        s.text(x + 1.5, y + 8.6, value, size, bold=i == 0)
    y = items_table(s, p, 15, 195, 95, style="grid", accent=accent)
    rows = totals_rows(p)
    w = min(36.0, 180 / len(rows))
    x = 195 - w * len(rows)
    for i, (lab, value, bold) in enumerate(rows):
        s.rect(x + i * w, y, w, 12, stroke="#777777", fill="#f4f4f4" if bold else None)
        s.text(x + i * w + 1.5, y + 3.6, lab, 6.3, color="#555555")
        s.text(x + (i + 1) * w - 1.5, y + 9.3, value, 8, bold=bold, align="right")
    s.text(15, y + 22, terms_line(p), 8)
    footer(s, p, 270, columns=3)


def seller_right(s: Sheet, p: Printer) -> None:
    doc, accent = p.doc, p.rng.choice(ACCENTS)
    seller = doc.seller
    s.text(15, 27, seller.brand, 26, bold=True, family="sans-italic", color=accent)
    right = [seller_name(p), *seller.lines, seller.phone or "", seller.email or ""]
    s.text(195, 18, right[0], 10, bold=True, align="right")
    s.lines(195, 22.5, [r for r in right[1:] if r], 8, leading=3.7, align="right")
    buyer = doc.buyer
    assert buyer is not None
    s.lines(15, 60, party_lines(p, buyer), 9.5, leading=4.5)
    s.text(195, 58, _title(p), 15, bold=True, align="right", color=accent)
    y = 65
    for lab, value in p.meta():
        # the label ends left of its value ("Fecha de emisión:" before "8 de diciembre de 2024")
        end = min(160.0, 195 - s.width_of(value, 8.5) - 2.5)
        s.text(end, y, f"{lab}:", 8.5, align="right", color="#444444")
        s.text(195, y, value, 8.5, align="right")
        y += 4.6
    y = items_table(s, p, 15, 195, max(y, 88) + 8, style="lines", accent=accent)
    y = draw_totals(s, p, 120, 195, y + 3)
    s.lines(15, y + 6, [terms_line(p), *payment_lines(p)], 8, leading=4)
    if seller.vat_printed or seller.registration:
        ids = [f"{p.label('vat_id')} {seller.vat_printed}" if seller.vat_printed else "",
               seller.registration or ""]  # fmt: skip
        s.text(105, 285, "   ".join(i for i in ids if i), 7, align="center", color="#555555")


def window(s: Sheet, p: Printer) -> None:
    doc, accent = p.doc, p.rng.choice(ACCENTS)
    seller, buyer = doc.seller, doc.buyer
    assert buyer is not None
    if p.rng.random() < 0.5:
        s.text(195, 25, seller.brand, 22, bold=True, align="right", color=accent)
    else:
        s.text(195, 25, seller.name, 14, bold=True, align="right", color=accent)
    sender = " · ".join([seller.name, *seller.lines])
    s.text(25, 48, sender, 6.5 if len(sender) < 90 else 5.5, color="#444444")
    s.rule(25, 49.2, 25 + s.width_of(sender, 6.5 if len(sender) < 90 else 5.5), 49.2, width=0.3)
    s.lines(25, 56, party_lines(p, buyer, vat=False), 10, leading=4.6)
    y = 52
    for lab, value in p.meta(due=False):
        s.text(125, y, lab, 7.5, color="#555555")
        s.text(195, y, value, 8.5, align="right")
        y += 4.8
    s.text(25, 103, f"{_title(p)} {doc.number}", 12, bold=True)
    greeting = {"de": "Sehr geehrte Damen und Herren,", "fr": "Madame, Monsieur,",
                "sv": "Hej,", "nl": "Geachte heer/mevrouw,", "es": "Estimados señores:",
                "en": "Dear Sir or Madam,"}[doc.language]  # fmt: skip
    s.text(25, 111, greeting, 9)
    y = items_table(s, p, 25, 190, 121, style="lines", accent="#333333", size=8.5)
    y = draw_totals(s, p, 120, 190, y + 3)
    due = f"{p.label('due')}: {p.date(doc.due)}" if doc.due else ""
    s.lines(25, y + 5, [terms_line(p), due], 9, leading=4.5)
    if buyer.vat_printed:
        s.text(25, y + 15, f"{p.label('vat_id')} ({p.label('bill_to')}): {buyer.vat_printed}", 8)
    footer(s, p, 272, columns=3, size=6.8)


def columns(s: Sheet, p: Printer) -> None:
    doc, accent = p.doc, p.rng.choice(ACCENTS)
    seller, buyer = doc.seller, doc.buyer
    assert buyer is not None
    s.rect(0, 0, 210, 8, fill=accent, stroke=None)
    name = seller_name(p)
    s.text(15, 20, name, 11, bold=True)
    s.lines(15, 25, list(seller.lines), 8, leading=3.8)
    ids = [seller.phone or "", seller.email or ""]
    if seller.vat_printed:
        ids.append(f"{p.label('vat_id')}: {seller.vat_printed}")
    ids.append(seller.registration or "")
    # the contact column starts after a long name ends: printed text never overlaps
    x_ids = max(80.0, 15 + s.width_of(name, 11, bold=True) + 4)
    s.lines(x_ids, 20, [i for i in ids if i], 8, leading=3.8, color="#333333")
    s.text(145, 20, _title(p), 13, bold=True, color=accent)
    y = 26
    for lab, value in p.meta():
        # the label starts far enough left to end before its value
        x = min(145.0, 195 - s.width_of(value, 8) - s.width_of(lab, 7.5) - 2.5)
        s.text(x, y, lab, 7.5, color="#555555")
        s.text(195, y, value, 8, align="right")
        y += 4.2
    s.rule(15, 55, 195, 55, color=accent)
    s.text(15, 61, p.label("bill_to"), 7.5, bold=True, color=accent)
    y = s.lines(15, 66, party_lines(p, buyer), 9, leading=4.2)
    s.text(110, 61, p.label("bank"), 7.5, bold=True, color=accent)
    s.lines(110, 66, [*payment_lines(p)[1:], terms_line(p)], 8.5, leading=4.2)
    y = items_table(s, p, 15, 195, max(96, y + 8), style="zebra", accent=accent)
    draw_totals(s, p, 125, 195, y + 3)
    s.text(105, 288, p.label("thanks"), 8, align="center", color="#555555")


def logo(s: Sheet, p: Printer) -> None:
    doc, accent = p.doc, p.rng.choice(ACCENTS)
    buyer = doc.buyer
    assert buyer is not None
    brand = doc.seller.brand
    if len(brand.replace(" ", "")) <= 3:
        s.rect(15, 12, 22, 22, fill=accent, stroke=None)
        s.text(26, 27, brand, 17, bold=True, align="center", color="#ffffff")
    else:
        s.text(15, 28, brand, 30, bold=True, color=accent)
    s.text(195, 22, _title(p), 20, bold=True, align="right", color="#333333")
    y = 30
    for lab, value in p.meta():
        s.text(150, y, lab, 8, color="#555555", align="right")
        s.text(195, y, value, 8.5, bold=True, align="right")
        y += 4.6
    s.text(15, 52, p.label("bill_to").upper(), 7, bold=True, color=accent)
    s.lines(15, 57, party_lines(p, buyer), 9.5, leading=4.4)
    y = items_table(s, p, 15, 195, max(y, 82) + 8, style="lines", accent=accent, size=9)
    y = draw_totals(s, p, 120, 195, y + 4, size=9.5)
    s.text(15, y + 6, p.label("thanks"), 9, family="sans-italic")
    footer(s, p, 268, columns=1, size=7.2)


def bill_ship(s: Sheet, p: Printer) -> None:
    doc, accent = p.doc, p.rng.choice(ACCENTS)
    seller, buyer, ship = doc.seller, doc.buyer, doc.ship_to
    assert buyer is not None and ship is not None
    s.text(15, 20, seller_name(p), 12, bold=True)
    contact = [*seller.lines, seller.email or ""]
    if seller.vat_printed:
        contact.append(f"{p.label('vat_id')} {seller.vat_printed}")
    s.lines(15, 25, contact, 8, leading=3.8)
    s.text(195, 24, _title(p), 22, bold=True, align="right", color=accent)
    meta = p.meta()
    w = 180 / len(meta)
    for i, (lab, value) in enumerate(meta):
        x = 15 + i * w
        s.rect(x, 52, w, 6, fill=accent, stroke=None)
        s.text(x + w / 2, 56.2, lab, 7, bold=True, align="center", color="#ffffff")
        s.text(x + w / 2, 63, value, 8.5, align="center")
    s.rule(15, 66, 195, 66, color=accent, width=0.4)
    y = 79.0
    for x, key, lines in (
        (15, "bill_to", party_lines(p, buyer)),
        (110, "ship_to", [ship.name, *ship.lines]),
    ):
        s.text(x, 74, p.label(key), 8, bold=True, color=accent)
        y = max(y, s.lines(x, 79, lines, 9, leading=4.3))
    y = items_table(s, p, 15, 195, y + 8, style="grid", accent=accent)
    y = draw_totals(s, p, 125, 195, y + 3)
    s.lines(15, y + 6, [*payment_lines(p), terms_line(p)], 8, leading=4)
    if seller.registration:
        s.text(105, 287, seller.registration, 7, align="center", color="#555555")


LAYOUTS: dict[str, Callable[[Sheet, Printer], None]] = {
    "boxes": boxes,
    "seller_right": seller_right,
    "window": window,
    "columns": columns,
    "logo": logo,
    "bill_ship": bill_ship,
}
