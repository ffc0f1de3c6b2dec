"""The printed wording of every label of a sample invoice, per language and layout.

:data:`LABELS` gives each key (``title``, ``invoice_no``, ``subtotal``, ...) four
wordings per language; the layout's index picks one, so the same invoice reads
differently in each layout. :data:`OVERRIDES` replaces wordings for one
regional locale (en-US, en-GB). :func:`label` looks a wording up and fills in
its placeholders; :func:`with_colon` adds the colon the way the language
writes it (``Total :`` in French). This module is a data table.
"""

from __future__ import annotations

from ..locales import (
    LocaleSpec,
)

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
