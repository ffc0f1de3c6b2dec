"""Born-digital invoice PDFs drawn with reportlab in four visibly different layouts.

:func:`render_pdf` draws an :class:`~.data.InvoiceData` as ``classic`` (seller
top left, a label: value meta block top right, Times), ``modern`` (a coloured
header band, labels above values in columns, zebra table, Helvetica),
``compact`` (DIN-style window address with the buyer on the left, meta data in
a bordered two-column table, a gridded item table with article numbers and a
four-column footer) or ``minimal`` (everything left-aligned in Courier,
quantity first in the item table or no quantity column at all, totals
right-aligned at the bottom of the last page).  Labels, number, money and date
formats follow the locale, and the wording of the labels changes between
layouts.  Long item lists continue over further pages with the table header
repeated, totals on the last page and "Page n of m" footers.  Only the PDF
base-14 fonts are used, and only characters of their WinAnsi encoding, so the
text layer reads back exactly.  Output is byte-for-byte reproducible
(reportlab's ``invariant`` mode).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .data import (
    InvoiceData,
    Item,
    LocaleSpec,
    format_date,
    format_money,
    format_number,
    format_quantity,
    format_rate,
)

LAYOUTS: tuple[str, ...] = ("classic", "modern", "compact", "minimal")

# --------------------------------------------------------------------- labels
# Each key has four wordings; the layout's index picks one, so the same invoice
# reads differently in each layout.

# fmt: off
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "de": {
        "title": ("Rechnung", "RECHNUNG", "Rechnung", "RECHNUNG"),
        "invoice_no": ("Rechnungsnummer", "Rechnungs-Nr.", "Rechnung Nr.", "Rechnungsnr."),
        "invoice_date": ("Rechnungsdatum", "Datum", "Rechnungsdatum", "Datum"),
        "due_date": ("Fällig am", "Zahlungsziel", "Fälligkeitsdatum", "Zahlbar bis"),
        "po": ("Bestellnummer", "Ihre Bestellung", "Bestell-Nr.", "Ihre Bestellnr."),
        "customer_no": ("Kundennummer", "Kunden-Nr.", "Kd.-Nr.", "Kundennr."),
        "delivery_date": ("Leistungsdatum", "Lieferdatum", "Leistungsdatum", "Lieferdatum"),
        "vat_id": ("USt-IdNr.", "USt-ID", "USt-IdNr.", "USt-IdNr"),
        "bill_to": ("Rechnungsempfänger", "Rechnung an", "Kunde", "An"),
        "from": ("Von", "Von", "Absender", "Von"),
        "pos": ("Pos.", "Pos", "Pos.", "Nr."),
        "article": ("Art.-Nr.", "Artikel", "Art.-Nr.", "Art."),
        "description": ("Beschreibung", "Leistung", "Bezeichnung", "Artikel"),
        "qty": ("Menge", "Anzahl", "Menge", "Menge"),
        "unit": ("Einheit", "Einh.", "ME", "Einheit"),
        "unit_price": ("Einzelpreis", "Preis/Einheit", "E-Preis", "Einzelpreis"),
        "rate": ("MwSt.", "USt.", "USt. %", "MwSt."),
        "amount": ("Betrag", "Gesamt", "Gesamtpreis", "Betrag"),
        "subtotal": ("Zwischensumme", "Nettobetrag", "Summe netto", "Netto"),
        "tax": ("MwSt. {rate}", "USt. {rate}", "zzgl. {rate} USt.", "MwSt. {rate}"),
        "tax_base": ("{tax} auf {base}",) * 4,
        "total": ("Gesamtbetrag", "Rechnungsbetrag", "Gesamtbetrag brutto", "Zu zahlen"),
        "bank": ("Bankverbindung", "Zahlungsinformationen", "Bankverbindung", "Bank"),
        "page": ("Seite {n} von {m}", "Seite {n} von {m}", "Seite {n}/{m}", "Seite {n} von {m}"),
        "continued": ("Fortsetzung",) * 4,
        "terms": (
            "Zahlbar innerhalb von {days} Tagen ohne Abzug.",
            "Bitte überweisen Sie den Betrag innerhalb von {days} Tagen.",
            "Zahlungsbedingungen: {days} Tage netto.",
            "Zahlbar in {days} Tagen ohne Abzug.",
        ),
        "greeting": ("Sehr geehrte Damen und Herren,",) * 4,
        "intro": ("für unsere Leistungen stellen wir Ihnen Folgendes in Rechnung:",) * 4,
        "thanks": ("Vielen Dank für Ihren Auftrag!",) * 4,
        "phone": ("Tel.",) * 4,
        "email": ("E-Mail",) * 4,
    },
    "fr": {
        "title": ("Facture", "FACTURE", "Facture", "FACTURE"),
        "invoice_no": ("N° de facture", "Facture n°", "Numéro de facture", "N° facture"),
        "invoice_date": ("Date de facture", "Date", "Date d'émission", "Date"),
        "due_date": ("Date d'échéance", "Échéance", "Date limite de paiement", "À régler avant le"),
        "po": ("Bon de commande", "Réf. commande", "N° de commande", "Votre commande"),
        "customer_no": ("N° client", "Code client", "Réf. client", "Client n°"),
        "delivery_date": (
            "Date de livraison",
            "Date de prestation",
            "Date de livraison",
            "Livraison",
        ),
        "vat_id": ("N° TVA intracommunautaire", "TVA intracom.", "N° TVA intracom.", "N° TVA"),
        "bill_to": ("Facturé à", "Client", "Adresse de facturation", "Destinataire"),
        "from": ("Émetteur", "De", "Émetteur", "De"),
        "pos": ("N°", "#", "Ligne", "N°"),
        "article": ("Réf.", "Référence", "Réf.", "Réf."),
        "description": ("Désignation", "Description", "Désignation", "Libellé"),
        "qty": ("Qté", "Quantité", "Qté", "Qté"),
        "unit": ("Unité", "U.", "Unité", "Unité"),
        "unit_price": ("Prix unitaire HT", "P.U. HT", "PU HT", "Prix unit. HT"),
        "rate": ("TVA", "TVA %", "Taux TVA", "TVA"),
        "amount": ("Montant HT", "Total HT", "Montant HT", "Montant"),
        "subtotal": ("Total HT", "Montant HT", "Total hors taxes", "Sous-total HT"),
        "tax": ("TVA {rate}", "TVA ({rate})", "TVA à {rate}", "TVA {rate}"),
        "tax_base": ("{tax} sur {base}",) * 4,
        "total": ("Total TTC", "Net à payer", "Montant TTC", "Total TTC"),
        "bank": ("Coordonnées bancaires", "Règlement par virement", "RIB", "Paiement"),
        "page": ("Page {n} sur {m}", "Page {n}/{m}", "Page {n} sur {m}", "Page {n}/{m}"),
        "continued": ("suite",) * 4,
        "terms": (
            "Paiement à {days} jours net.",
            "Conditions de règlement : {days} jours net.",
            "Paiement à {days} jours date de facture.",
            "Règlement à {days} jours.",
        ),
        "penalties": (
            "En cas de retard de paiement, pénalités au taux de trois fois le taux d'intérêt "
            "légal et indemnité forfaitaire pour frais de recouvrement de 40 euros.",
        ) * 4,
        "greeting": ("Madame, Monsieur,",) * 4,
        "intro": ("Veuillez trouver ci-dessous le détail de notre facturation :",) * 4,
        "thanks": ("Merci de votre confiance.",) * 4,
        "phone": ("Tél.",) * 4,
        "email": ("E-mail",) * 4,
    },
    "sv": {
        "title": ("Faktura", "FAKTURA", "Faktura", "FAKTURA"),
        "invoice_no": ("Fakturanummer", "Fakturanr", "Faktura nr", "Fakturanummer"),
        "invoice_date": ("Fakturadatum", "Datum", "Fakturadatum", "Datum"),
        "due_date": ("Förfallodatum", "Förfallodag", "Att betala senast", "Förfaller"),
        "po": ("Er referens", "Ordernummer", "Ert ordernr", "Beställningsnr"),
        "customer_no": ("Kundnummer", "Kundnr", "Kundnr", "Kundnummer"),
        "delivery_date": ("Leveransdatum",) * 4,
        "vat_id": ("Momsreg.nr", "Momsregistreringsnr", "VAT-nr", "Momsreg.nr"),
        "bill_to": ("Fakturaadress", "Kund", "Faktureras till", "Till"),
        "from": ("Från", "Från", "Avsändare", "Från"),
        "pos": ("Rad", "Nr", "Pos", "Rad"),
        "article": ("Art.nr", "Artikel", "Art.nr", "Art.nr"),
        "description": ("Beskrivning", "Benämning", "Artikel", "Beskrivning"),
        "qty": ("Antal", "Antal", "Ant.", "Antal"),
        "unit": ("Enhet", "Enh", "Enh", "Enhet"),
        "unit_price": ("À-pris", "Pris/st", "Á-pris", "À-pris"),
        "rate": ("Moms", "Moms %", "Moms", "Moms"),
        "amount": ("Belopp", "Summa", "Belopp", "Belopp"),
        "subtotal": ("Summa exkl. moms", "Netto", "Belopp exkl. moms", "Summa"),
        "tax": ("Moms {rate}", "Moms {rate}", "Moms ({rate})", "Moms {rate}"),
        "tax_base": ("{tax} på {base}",) * 4,
        "total": ("Att betala", "Totalt att betala", "Summa att betala", "Att betala"),
        "bank": ("Betalningsinformation", "Betalning", "Bank", "Betalning"),
        "page": ("Sida {n} av {m}", "Sida {n} av {m}", "Sida {n} ({m})", "Sida {n} av {m}"),
        "continued": ("forts.",) * 4,
        "terms": (
            "Betalningsvillkor: {days} dagar netto.",
            "Betalningsvillkor {days} dagar. Dröjsmålsränta enligt räntelagen.",
            "Betalningsvillkor: {days} dagar netto.",
            "Betalas inom {days} dagar.",
        ),
        "greeting": ("",) * 4,
        "intro": ("Vi tackar för ert förtroende och fakturerar enligt nedan:",) * 4,
        "thanks": ("Tack för ert köp!",) * 4,
        "phone": ("Tel",) * 4,
        "email": ("E-post",) * 4,
    },
    "en": {
        "title": ("Invoice", "INVOICE", "Invoice", "INVOICE"),
        "invoice_no": ("Invoice No.", "Invoice #", "Invoice Number", "Invoice no"),
        "invoice_date": ("Invoice Date", "Date", "Date of Issue", "Date"),
        "due_date": ("Due Date", "Payment Due", "Due", "Due date"),
        "po": ("PO Number", "P.O. No.", "Purchase Order", "Your PO"),
        "customer_no": ("Customer ID", "Account No.", "Customer No.", "Client ref"),
        "delivery_date": ("Delivery Date", "Supply Date", "Tax Point", "Delivered"),
        "vat_id": ("VAT No.", "VAT Reg. No.", "VAT Registration No.", "VAT no"),
        "bill_to": ("Bill To", "Billed To", "Invoice To", "To"),
        "from": ("From", "From", "Supplier", "From"),
        "pos": ("#", "Item", "#", "No."),
        "article": ("SKU", "Item", "Code", "SKU"),
        "description": ("Description", "Item Description", "Description", "Description"),
        "qty": ("Qty", "Quantity", "Qty", "Qty"),
        "unit": ("Unit", "Unit", "UoM", "Unit"),
        "unit_price": ("Unit Price", "Rate", "Price", "Unit price"),
        "rate": ("VAT %", "Tax", "VAT", "Tax %"),
        "amount": ("Amount", "Amount", "Line Total", "Amount"),
        "subtotal": ("Subtotal", "Subtotal", "Net Total", "Subtotal"),
        "tax": ("VAT {rate}", "VAT @ {rate}", "VAT ({rate})", "VAT {rate}"),
        "tax_base": ("{tax} on {base}",) * 4,
        "total": ("Total", "Amount Due", "Total Due", "Balance Due"),
        "bank": ("Bank Details", "Payment Details", "Remittance", "Payment"),
        "page": ("Page {n} of {m}", "Page {n} of {m}", "Page {n} of {m}", "Page {n}/{m}"),
        "continued": ("continued",) * 4,
        "terms": (
            "Payment terms: {days} days net.",
            "Please pay within {days} days of the invoice date.",
            "Terms: {days} days.",
            "Payment due within {days} days.",
        ),
        "greeting": ("",) * 4,
        "intro": ("Thank you for your order. Please find the details below.",) * 4,
        "thanks": ("Thank you for your business!",) * 4,
        "phone": ("Tel",) * 4,
        "email": ("Email",) * 4,
    },
}

OVERRIDES: dict[str, dict[str, tuple[str, ...]]] = {
    "en-US": {
        "rate": ("Tax %", "Tax", "Tax %", "Tax"),
        "tax": ("Sales Tax ({rate})", "Tax ({rate})", "Sales Tax {rate}", "Sales tax {rate}"),
        "total": ("Total", "Amount Due", "Total Due", "Balance Due"),
        "terms": (
            "Terms: Net {days}",
            "Payment terms: Net {days}",
            "Net {days}",
            "Terms: Net {days}",
        ),
        "unit_price": ("Unit Price", "Rate", "Price", "Unit price"),
    },
    "en-GB": {
        "title": ("Invoice", "VAT INVOICE", "Tax Invoice", "INVOICE"),
    },
}
# fmt: on


def label(spec: LocaleSpec, key: str, variant: int, **fmt: str) -> str:
    """The wording of ``key`` in ``spec``'s language for layout ``variant``."""
    options = OVERRIDES.get(spec.code, {}).get(key) or LABELS[spec.language][key]
    text = options[variant % len(options)]
    return text.format(**fmt) if fmt else text


def with_colon(spec: LocaleSpec, text: str) -> str:
    return f"{text} :" if spec.language == "fr" else f"{text}:"


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


# ------------------------------------------------------------------- drawing

GREY = colors.HexColor("#666666")
LIGHT = colors.HexColor("#eeeeee")
BLACK = colors.black
WHITE = colors.white


class Pen:
    """A reportlab canvas with top-left coordinates (``y`` grows downwards)."""

    def __init__(self, pagesize: tuple[float, float], style: Style, title: str) -> None:
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=pagesize, invariant=1, pageCompression=1)
        self.c.setTitle(title)
        self.c.setAuthor("invoice-pipeline samples")
        self.c.setCreator("invoice-pipeline samples")
        self.W, self.H = pagesize
        self.style = style

    def font(self, bold: bool = False, font: str | None = None) -> str:
        return font or (self.style.bold if bold else self.style.font)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = 9,
        bold: bool = False,
        align: str = "left",
        color: colors.Color = BLACK,
        font: str | None = None,
    ) -> None:
        """Draw ``s`` with its baseline at ``y`` from the top."""
        if not s:
            return
        self.c.setFillColor(color)
        self.c.setFont(self.font(bold, font), size)
        yy = self.H - y
        if align == "right":
            self.c.drawRightString(x, yy, s)
        elif align == "center":
            self.c.drawCentredString(x, yy, s)
        else:
            self.c.drawString(x, yy, s)

    def width(self, s: str, size: float = 9, bold: bool = False) -> float:
        return stringWidth(s, self.font(bold), size)

    def fit(self, s: str, max_width: float, size: float, bold: bool = False) -> float:
        """The largest font size up to ``size`` (at least 5) at which ``s`` fits."""
        while size > 5 and self.width(s, size, bold) > max_width:
            size -= 0.25
        return size

    def wrap(self, s: str, width: float, size: float = 9, bold: bool = False) -> list[str]:
        return simpleSplit(s, self.font(bold), size, width) or [""]

    def hline(
        self, x1: float, x2: float, y: float, w: float = 0.5, color: colors.Color = BLACK
    ) -> None:
        self.c.setStrokeColor(color)
        self.c.setLineWidth(w)
        self.c.line(x1, self.H - y, x2, self.H - y)

    def vline(
        self, x: float, y1: float, y2: float, w: float = 0.5, color: colors.Color = BLACK
    ) -> None:
        self.c.setStrokeColor(color)
        self.c.setLineWidth(w)
        self.c.line(x, self.H - y1, x, self.H - y2)

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: colors.Color | None = None,
        stroke: colors.Color | None = None,
        lw: float = 0.5,
    ) -> None:
        if fill is not None:
            self.c.setFillColor(fill)
        if stroke is not None:
            self.c.setStrokeColor(stroke)
            self.c.setLineWidth(lw)
        self.c.rect(
            x, self.H - y - h, w, h, stroke=int(stroke is not None), fill=int(fill is not None)
        )

    def new_page(self) -> None:
        self.c.showPage()

    def finish(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


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

    def date(self, value) -> str:  # type: ignore[no-untyped-def]
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
