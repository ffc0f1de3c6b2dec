"""The words invoices use, per field and per language (en, de, fr, sv, plus nl, es, it).

Patterns are matched against *folded* text: lower case, accents removed,
``ß`` → ``ss`` (see :func:`fold`), so OCR that drops an accent still matches.
Each label pattern has a weight: specific labels ("invoice date") beat
generic ones ("date"). A label must start its line or follow a separator, and
a pattern never matches inside a longer word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def fold(text: str) -> str:
    """Lower case, no accents, ``ß`` → ``ss``, unified apostrophes and spaces."""
    text = text.replace("ß", "ss").replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass(frozen=True)
class Label:
    field: str
    pattern: re.Pattern[str]
    weight: float
    language: str | None = None


_NO = r"(?:no\b\.?|nr\b\.?|number|num(?:ber|ero)?\b\.?|#|n[°o]\.?|nº|n\.\s?[°o9](?![\d/-])\.?|id\b)"
_SEP = r"(?=$|[\s:#.\-/(]|\d)"  # a label ends at a separator or a digit


def _labels(field: str, weight: float, language: str | None, *patterns: str) -> list[Label]:
    return [
        Label(field, re.compile(rf"(?<![a-z0-9])(?:{p}){_SEP}"), weight, language) for p in patterns
    ]


LABELS: list[Label] = [
    # ---------------------------------------------------------------- invoice number
    *_labels(
        "invoice_number",
        1.0,
        "en",
        rf"invoice\s*{_NO}",
        r"bill\s*(?:no|number|#)",
        rf"inv\.?\s*{_NO}",
    ),
    *_labels(
        "invoice_number",
        1.0,
        "de",
        r"rechnungs?\s*-?\s*(?:nummer|nr\.?|no\.?)",
        r"[a-z]*rechnung(?:\s*\(\d{3}\))?\s*(?:nr\.?|no\.?|nummer|#)",
        r"gutschrift(?:\s*\(\d{3}\))?\s*(?:nr\.?|no\.?|nummer)",
        r"re\.?\s*-\s*nr\.?",
        r"beleg\s*-?\s*(?:nummer|nr\.?)",
    ),
    *_labels(
        "invoice_number",
        1.0,
        "fr",
        rf"{_NO}\s*(?:de\s*(?:la\s*)?)?facture",
        rf"facture\s*{_NO}",
        r"numero\s*de\s*facture",
    ),
    *_labels(
        "invoice_number", 1.0, "sv", r"faktura\s*-?\s*(?:nummer|nr\.?|no\.?)", r"fakturanr\.?"
    ),
    *_labels("invoice_number", 1.0, "nl", r"factuur\s*-?\s*(?:nummer|nr\.?|no\.?)"),
    *_labels(
        "invoice_number",
        1.0,
        "es",
        rf"(?:n[°u]mero\s*de\s*)?factura\s*{_NO}",
        rf"{_NO}\s*(?:de\s*)?factura",
        r"n[°u]mero\s*de\s*factura",
    ),
    *_labels(
        "invoice_number",
        1.0,
        "it",
        r"(?:numero\s*)?fattura\s*(?:n[°o]\.?|num\.?|#)",
        r"numero\s*fattura",
    ),
    *_labels("invoice_number", 0.8, None, rf"(?:document|doc\.?|receipt)\s*{_NO}", r"invoice\s*id"),
    # "Reference" or "Beleg" over a header box's value (the customer's own reference, "Your
    # reference", labels the purchase order below)
    *_labels(
        "invoice_number",
        0.7,
        None,
        r"(?<!your\s)(?<!our\s)(?<!customer\s)reference",
        r"(?<!er\s)(?<!uw\s)referen(?:s|tie)",
        r"(?<!votre\s)reference",
        r"(?<!su\s)referencia",
        r"(?<!uw\s)(?<!ons\s)kenmerk",
        r"beleg",
    ),
    # a receipt's number ("Receipt 847474", "Bon 04-3613-004", "Ticket n° 03-1393-871",
    # "Nº ticket 544228", "Trans # 782787", "Transactie 627029") and a number label alone at the start of its line ("Nr 409885",
    # "N°" over a header box's value)
    *_labels(
        "invoice_number",
        0.6,
        None,
        rf"(?:receipt|quittung|kassenbon|kvitto|bon(?!\s*(?:de|d'))|recu|recibo|ticket)\s*{_NO}?",
        rf"(?:trans(?:action|actie|aktion|accion)?|txn)\.?\s*{_NO}?",
        rf"{_NO}\s*(?:ticket|recibo|bon)",
        rf"^{_NO}",
    ),
    # a document title with its number further on: "Rechnung des Versicherers (575) Nr. 0815"
    *_labels(
        "invoice_number",
        0.85,
        None,
        r"(?:[a-z]*rechnung(?:s?korrektur)?|[a-z]*korrektur|gutschrift|invoice|facture|faktura|factuur|credit\s*note)\b"
        r"[^:]{0,60}?\b(?:nr|no|n[°o]|nummer|number)\.?",
    ),
    # a title that starts its line with the number after it ("Invoice INV/2023/03/0008",
    # "Faktura 447990"): surer than a "Reference" box beside it
    *_labels(
        "invoice_number",
        0.75,
        None,
        r"^(?:invoice|rechnung|facture|faktura|factuur|factura|fattura)(?=\s+[a-z]{0,4}[-/]?\d)",
    ),
    *_labels(
        "invoice_number",
        0.55,
        None,
        r"invoice",
        r"rechnung",
        r"facture",
        r"faktura",
        r"factuur",
        r"factura",
        r"fattura",
    ),
    # a receipt's only reference: a booking or reservation id (hotels, travel), a last resort
    *_labels(
        "invoice_number",
        0.45,
        None,
        rf"(?:booking|reservation|confirmation|buchungs?|reservierungs?|bokning|boekings?)\s*-?\s*{_NO}",
        r"buchungsnummer|reservierungsnummer|bokningsnummer|boekingsnummer",
    ),
    # ------------------------------------------------------------------ invoice date
    *_labels(
        "invoice_date",
        1.0,
        "en",
        r"invoice\s*date",
        r"date\s*of\s*(?:issue|invoice)",
        r"issue\s*date",
        r"date\s*issued",
        r"billing\s*date",
        r"invoice\s*dated",
    ),
    *_labels(
        "invoice_date",
        1.0,
        "de",
        r"rechnungsdatum",
        r"datum\s*der\s*rechnung",
        r"ausstellungsdatum",
        r"belegdatum",
        r"rechnungs-datum",
    ),
    *_labels(
        "invoice_date",
        1.0,
        "fr",
        r"date\s*(?:de\s*(?:la\s*)?)?facture",
        r"date\s*d'?emission",
        r"date\s*de\s*facturation",
        r"facture\s*du",
    ),
    *_labels("invoice_date", 1.0, "sv", r"fakturadatum", r"faktureringsdatum"),
    *_labels("invoice_date", 1.0, "nl", r"factuurdatum"),
    *_labels(
        "invoice_date", 1.0, "es", r"fecha\s*(?:de\s*(?:la\s*)?)?factura", r"fecha\s*de\s*emision"
    ),
    *_labels("invoice_date", 1.0, "it", r"data\s*(?:della\s*)?fattura"),
    # the document title with its date further on: "Rechnung (380) Nr. 1042 vom 03.04.2024",
    # "Facture n°562044387 du 02 Juillet 2015"
    *_labels(
        "invoice_date",
        0.85,
        None,
        r"(?:[a-z]*rechnung\w*|[a-z]*korrektur|gutschrift|invoice|facture|faktura|factuur|credit\s*note)"
        r"\b[^:]{0,80}?\b(?:vom|du|dated|of|fran|van|del)",
    ),
    *_labels("invoice_date", 0.8, None, r"date", r"datum", r"dated"),
    *_labels("invoice_date", 0.6, None, r"fecha", r"data"),
    # ---------------------------------------------------------------------- due date
    *_labels(
        "due_date",
        1.0,
        "en",
        r"due\s*date",
        r"payment\s*due(?:\s*date)?",
        r"date\s*due",
        r"due\s*(?:by|on)",
        r"payable\s*(?:by|until|before)",
        r"pay\s*by",
    ),
    *_labels(
        "due_date",
        1.0,
        "de",
        r"falligkeits?datum",
        r"falligkeit",
        r"fallig\s*(?:am|bis|zum)?",
        r"zahlbar\s*bis(?:\s*zum)?",
        r"zahlungsziel",
        r"zahlungsfrist",
        r"zahlungstermin",
    ),
    *_labels(
        "due_date",
        1.0,
        "fr",
        r"date\s*d'?echeance",
        r"echeance",
        r"a\s*payer\s*avant\s*le",
        r"date\s*limite\s*de\s*(?:paiement|reglement)",
        r"payable\s*avant\s*le",
    ),
    *_labels(
        "due_date",
        1.0,
        "sv",
        r"forfallodatum",
        r"forfallodag",
        r"betalas\s*senast",
        r"forfaller",
        r"sista\s*betalningsdag",
    ),
    *_labels("due_date", 1.0, "nl", r"vervaldatum", r"uiterste\s*betaaldatum"),
    *_labels("due_date", 1.0, "es", r"fecha\s*de\s*vencimiento", r"vencimiento"),
    *_labels("due_date", 1.0, "it", r"(?:data\s*di\s*)?scadenza"),
    *_labels("due_date", 0.6, None, r"due"),
    # ---------------------------------------------------------------- purchase order
    *_labels("purchase_order", 1.0, "en", r"(?:your\s*)?p\.?\s*o\.?(?=\s*:)"),
    *_labels(
        "purchase_order",
        0.8,
        None,
        r"(?:your|ihre?|votre|er|ert)\s*(?:ref(?:erence|erenz|erens)?\.?|zeichen|referens)",
        r"ref(?:erence)?\.?\s*(?:de\s*)?commande",
        r"ert\s*ordernummer",
    ),
    *_labels(
        "purchase_order",
        1.0,
        "en",
        rf"p\.?\s*o\.?\s*{_NO}",
        rf"purchase\s*order(?:\s*{_NO})?",
        rf"(?:your\s*)?order\s*{_NO}",
        r"order\s*ref(?:erence)?",
    ),
    *_labels(
        "purchase_order",
        1.0,
        "de",
        r"bestell\s*-?\s*(?:nummer|nr\.?)",
        r"(?:ihre\s*)?bestellung(?:\s*(?:nr\.?|nummer))?",
        r"auftrags?\s*-?\s*(?:nummer|nr\.?)",
        r"ihr(?:e)?\s*auftrag",
    ),
    *_labels(
        "purchase_order",
        1.0,
        "fr",
        r"bon\s*de\s*commande(?:\s*(?:n[°o]\.?|no))?",
        rf"{_NO}\s*(?:de\s*)?commande",
        rf"commande\s*{_NO}",
        r"reference\s*commande",
        r"votre\s*commande",
    ),
    *_labels(
        "purchase_order",
        1.0,
        "sv",
        r"(?:order|bestallnings|inkops?order)\s*-?\s*(?:nummer|nr\.?)",
        r"inkopsorder",
        r"ordernr\.?",
        r"ordernummer",
    ),
    *_labels(
        "purchase_order",
        1.0,
        "nl",
        r"(?:bestel|order)\s*-?\s*(?:nummer|nr\.?)",
        r"uw\s*(?:order|bestelling|inkooporder|kenmerk|referentie)",
    ),
    *_labels(
        "purchase_order",
        1.0,
        "es",
        rf"{_NO}\s*(?:de\s*)?pedido",
        rf"(?:n[°u]mero\s*de\s*|su\s*)?pedido(?:\s*{_NO})?",
    ),
]

# Totals labels: matched anywhere in a line (not only at its start), most specific first.
TOTAL_LABELS: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "subtotal": [
        (re.compile(p), w)
        for p, w in [
            (r"sub\s*-?\s*total|subtotaal|sous\s*-?\s*total|zwischensumme|delsumma|subtotale", 1.0),
            (r"tota+l\s*(?:excl\.?|excluding|before|ex\.?|w/o|without|net|hors|ht\b|exkl)", 1.0),
            (
                r"\b(?:totale?|totaal)\s*(?:sin|senza|sans|zonder|utan|ohne)\s*(?:iva|tva|btw|moms|mwst|ust|vat)\b"
                r"|\bimporte\s*neto\b|\bbase\s*imponible\b",
                1.0,
            ),
            (r"\b(?:net|netto)\s*(?:amount|total|betrag|summe|belopp|bedrag)\b", 1.0),
            (r"\bsumme?\s*(?:netto|exkl|ohne)|summa\s*(?:exkl|exklusive|netto)|summa\s*exkl", 1.0),
            (r"\bmontant\s*(?:total\s*)?(?:ht|hors\s*taxes?)\b|\btotal\s*ht\b|\bbase\s*ht\b", 1.0),
            (
                r"\bnettobetrag\b|\bwarenwert\b|\bnettosumme\b|\bgesamt\s*netto\b|\bnettobelopp\b",
                1.0,
            ),
            (r"\b(?:amount|belopp|betrag)\s*(?:excl|exkl|ohne|before)", 1.0),
            (
                r"^\W*(?:excl(?:\.|usief|uding|usive)?|exkl(?:\.|usive)?|ohne|hors|sans|utan)\s*"
                r"(?:btw|vat|tax|taxes|mwst|ust|moms|tva|iva)\b",
                0.95,
            ),
            (
                r"(?:rechnungs|gesamt|waren)?(?:summe|betrag)\s*(?:ohne|exkl\.?|vor)\s*(?:ust|mwst|steuer)"
                r"|\bnetto\s*gesamt\b|\bsumme\s*nettobetrage\b|\btotal\s*net\b",
                1.0,
            ),
            (r"\bpositionssumme\b|\bsumme\s*positionen\b|\bitems?\s*total\b", 0.6),
            (r"\btaxable\s*amount\b|\bnet\b|\bnetto\b|\bimponible\b|\bimponibile\b", 0.6),
        ]
    ],
    "tax_amount": [
        (re.compile(p), w)
        for p, w in [
            (
                r"\b(?:total|summe|summa|montant|somme|totale)\s*(?:de\s*la\s*|der\s*)?(?:vat|tax|tva|mwst|ust|moms|btw|iva|taxes)\b",
                1.0,
            ),
            (
                r"\b(?:vat|tax|tva|mwst|ust|moms|btw|iva|gst|sales\s*tax)\b\s*(?:\(?\s*\d|amount|betrag|belopp)",
                1.0,
            ),
            (
                r"\b(?:zzgl\.?|plus|inkl\.?|incl\.?|enthaltene)\s*(?:\d+[.,]?\d*\s*%\s*)?(?:mwst|ust|umsatzsteuer|vat|moms|tva)",
                1.0,
            ),
            (r"\bumsatzsteuer\b|\bmehrwertsteuer\b|\bmervardesskatt\b", 1.0),
            (
                r"\b(?:steuer|ust|mwst|umsatzsteuer|moms|tax|vat)\s*-?\s*(?:betrag|belopp|amount)\b"
                r"|\bsteuerbetrag\b|\bmomsbelopp\b|\bmontant\s*(?:de\s*(?:la\s*)?)?tva\b",
                1.0,
            ),
            (r"\b(?:vat|tax|tva|mwst|ust|moms|btw|iva|gst|taxes)\b", 0.8),
        ]
    ],
    "total_amount": [
        (re.compile(p), w)
        for p, w in [
            (
                r"\b(?:total|amount|balance)\s*(?:due|payable|to\s*pay)\b|\bgrand\s*total\b|\binvoice\s*total\b|\btotal\s*amount\s*due\b",
                1.0,
            ),
            (
                r"\btotal\s*(?:sales\s*)?\(?\s*(?:incl(?:\.|udes?|uding|usive)?|inc\.?|with)\b|\btotal\s*ttc\b|\bmontant\s*ttc\b|\bnet\s*a\s*payer\b|\btotal\s*a\s*payer\b|\bmontant\s*(?:total\s*)?(?:a\s*payer|du)\b",
                1.0,
            ),
            (
                r"\bgesamtbetrag\b|\brechnungsbetrag\b|\bgesamtsumme\b|\bendbetrag\b|\bzu\s*zahlen(?:der\s*betrag)?\b|\bbruttobetrag\b|\bsumme\s*brutto\b|\bgesamt\s*brutto\b|\bzahlbetrag\b"
                r"|\bbruttosumme\b|(?:rechnungs|gesamt)(?:summe|betrag)\s*(?:inkl\.?|mit|brutto)",
                1.0,
            ),
            (
                r"\b(?:summa\s*)?att\s*betala\b|\b(?:total|faktura)belopp\b|\bsumma\s*inkl\.?\s*moms\b|\bbelopp\s*att\s*betala\b",
                1.0,
            ),
            (
                r"\btotaal\s*(?:incl|te\s*betalen)|\bte\s*betalen\b|\bimporte\s*total\b|\btotale\s*(?:fattura|documento)\b"
                r"|\b(?:factuur|totaal)bedrag\b|\btotal\s*(?:de\s*la\s*)?factura\b",
                1.0,
            ),
            (
                r"\btotal\s*amount\b|\bamount\s*total\b|\bmontant\s*total\b|\btotalt\b|\btotaal\b",
                0.85,
            ),
            (r"\btotal\b|\bgesamt\b|\bsumme\b|\bsumma\b|\btotale\b", 0.7),
        ]
    ],
}

# The heading of a tax summary ("GST Summary  Amount (RM)  Tax (RM)"): its "Total" row sums
# the summary's columns (net and tax), it is not the document's total.
TAX_SUMMARY_HEADING = re.compile(
    r"(?<![a-z])(?:(?:gst|sst|vat|tax|mwst|ust|moms|btw|tva|iva)\s*-?\s*(?:summary|analysis|breakdown|"
    r"ubersicht|aufstellung|sammanstallning|specifikation|overzicht|recapitulatif|resumen|riepilogo)"
    r"|(?:summary|analysis)\s*of\s*(?:gst|vat|tax(?:es)?)|recapitulatif\s*(?:de\s*la\s*)?tva)(?![a-z])"
)
# A till's cash rounding line ("Rounding Adj -0.01", "Rundung", "Arrondi").
ROUNDING_LABEL = re.compile(
    r"(?<![a-z])(?:rounding|round(?:ed)?\s*(?:off|adj\w*)|rundung|arrondi\w*|afronding|avrundning|"
    r"redondeo|arrotondamento)(?![a-z])"
)
# A receipt's savings ("Total Savings -3.29", "You saved 2.00"): a discount, never a total.
SAVINGS_LABEL = re.compile(r"(?<![a-z])(?:savings?|you\s*saved?|saved|ersparnis|economie)(?![a-z])")

# Words that make a "tax" label an identifier label (VAT No., USt-IdNr., TVA intracom.).
TAX_ID_MARKERS = re.compile(
    r"(?:vat|tax|tva|mwst|ust|moms|btw|iva)\s*[-.]?\s*(?:id|no\b|nr|num|number|reg|#|registration|identification|intra)"
    r"|ust\s*-?\s*id|steuer\s*-?\s*(?:nr|nummer)|intracom|momsreg|org\.?\s*nr|siret|siren|tax\s*code|ein\b"
)

# A label inside a party block whose value is the party's name ("Name:", "Firma:").
NAME_LABEL = re.compile(
    r"^(?:name|firma|firmenname|company(?:\s*name)?|nom|raison\s*sociale|namn|foretag|naam|bedrijf)\s*:?$"
)

# After a party label, these words make it an identifier label ("Customer No.", "Kundennr.").
PARTY_ID_AFTER = re.compile(r"^\s*(?:no\b|nr\b|number|num|nummer|#|id\b|ref|code|n[°o]\b)")

# Lines that name the buyer or the seller block beneath or beside them.
BUYER_LABELS = re.compile(
    r"^(?:bill(?:ed)?\s*to(?:\s*address)?|invoice\s*to|invoiced\s*to|sold\s*to|customer|client|buyer|recipient|to\s*:|an\s*:|till\s*:|a\s*:|"
    r"rechnungsempfanger|rechnungsadresse|rechnung\s*an|kunde|kundin|auftraggeber|empfanger|"
    r"facture\s*a|facturer\s*a|adresse\s*de\s*facturation|destinataire|acheteur|"
    r"kund|faktureras(?:\s*till)?|fakturaadress|mottagare|kopare|köpare|kaufer|leistungsempfanger|"
    r"factuur\s*aan|factuuradres|gefactureerd\s*aan|klant|cliente|destinatario|"
    r"factura(?:r|do)\s*a|datos\s*de\s*facturacion)(?:\b|(?<=:))"
)
SELLER_LABELS = re.compile(
    r"^(?:from(?=\s*(?::|$))|seller|supplier|vendor|issued\s*by|sold\s*by|sender|"
    r"verkaufer|lieferant|rechnungssteller|absender|"
    r"fournisseur|vendeur|emetteur|expediteur|"
    r"saljare|leverantor|avsandare|fran|von\s*:|leverancier|proveedor|fornitore)(?:\b|(?<=:))"
)
SHIP_LABELS = re.compile(
    r"^(?:ship(?:ped)?\s*to|deliver(?:y|ed)?\s*(?:to|address)|lieferadresse|lieferanschrift|livraison|"
    r"adresse\s*de\s*livraison|leveransadress|afleveradres|leveradres)\b"
)

TITLE_WORDS = re.compile(
    r"^(?:(?:copy|kopie|copie|duplicate|duplikat|duplicata|original)\s*(?:of\s*)?)?(?:tax\s*|commercial\s*|proforma\s*|pro\s*forma\s*|final\s*)?(?:invoice|rechnung|facture|faktura|factuur|factura|fattura|bill|credit\s*note|gutschrift|avoir|kreditfaktura|receipt|quittung)\b"
)

LEGAL_FORMS = re.compile(
    # not after a digit: "25KG", "5 kg" are weights, not a Kommanditgesellschaft
    r"(?<![a-z0-9])(?<!\d\s)(?:gmbh|ag|kg|ohg|gbr|ug\s*\(?haftungsbeschrankt\)?|ug|\(haftungsbeschrankt\)|e\.\s?k\.|mbh|ltd|limited|llc|llp|inc|corp(?:oration)?|plc|co\.|company|"
    r"sarl|s\.a\.r\.l\.|sas|s\.a\.s\.|sa|s\.a\.|sasu|eurl|sci|snc|"
    r"ab|hb|kb|aktiebolag|oy|oyj|as|asa|a/s|aps|"
    r"b\.?v\.?|n\.?v\.?|v\.?o\.?f\.?|s\.?l\.?u\.?|s\.?l\.?|s\.?r\.?l\.?|s\.?p\.?a\.?|sp\.\s?z\s?o\.?o\.?|spolka|s\.?c\.?|"
    r"sdn\.?\s*bhd\.?|bhd\.?|berhad|s/b|pte|pvt|private\s*limited|"  # Malaysia, Singapore, India
    # a Malaysian registered business name ends in Enterprise or Trading ("PETRODELI
    # ENTERPRISE"): a legal form there, at the end of the name only
    r"(?:enterprises?|trading)(?=\s*(?:[(（][^)）]*[)）]?)?\s*$)|"
    r"gesellschaft|partners|group|holding)(?![a-z])"
)

# The company's registration line under its name in a footer ("Siège social", "Sarl au
# capital de", "Registered office", "Amtsgericht", "KvK", "Org.nr").
REGISTRATION_LINE = re.compile(
    r"\b(?:siege\s*social|capital\s*(?:social|de)|rcs|siret|siren|registered\s*(?:office|in)|"
    r"company\s*(?:no|number|reg)|handelsregister|amtsgericht|registergericht|geschaftsfuhrer|"
    r"sitz\s*der\s*gesellschaft|kvk|kamer\s*van\s*koophandel|org\.?\s*nr|styrelsens\s*sate)\b"
)
# "Titulaire du compte : NETPRESSE", "Kontoinhaber: ACME GmbH", "Account holder: ..."
ACCOUNT_HOLDER = re.compile(
    r"\b(?:titulaire\s*(?:du\s*compte)?|kontoinhaber(?:in)?|account\s*(?:holder|name)|"
    r"beneficiary(?:\s*name)?|begunstigter|rekeninghouder|ten\s*name\s*van|kontohavare)\s*:\s*"
)
CONTACT_LINE = re.compile(
    r"(?:\b(?:tel|phone|fon|fax|mobil|mobile|telefon|telefone|tfn|email|e-mail|mail|iban|bic|swift|"
    r"vat|ust|tva|moms|momsreg\w*|org\.?\s*nr|ust-?id\w*|steuer\w*|hrb|amtsgericht|registergericht|"
    r"geschaftsfuhrer|siret|siren|rcs|ape|konto|sort\s*code|bankgiro|plusgiro)\b"
    r"|\b(?:web(?:site)?|bank|account|page|seite)\s*(?::|no\b|nr\b|number|details|name|\d)"
    r"|@|www\.|https?://)"
)

# Column header words of a line-item table.
COLUMN_WORDS: dict[str, re.Pattern[str]] = {
    "description": re.compile(
        r"\b(?:description|item|items|product|products|service|services|article|details|particulars|"
        r"designation|libelle|produit|prestation|beschreibung|bezeichnung|artikel|leistung|produkt|"
        r"artikelbezeichnung|beskrivning|benamning|tjanst|omschrijving|descripcion|concepto|articulo|descrizione)\b"
    ),
    "quantity": re.compile(
        r"\b(?:qty|qte|quantity|quantite|menge|anzahl|anz|antal|ant|aantal|aant|cantidad|cant|uds|quantita|units|hours|hrs|stk|st)\b\.?"
    ),
    "unit_price": re.compile(
        r"(?:unit\s*(?:price|cost)|price\s*(?:per\s*unit|each)|\bprice\b|\brate\b|prix\s*unitaire|\bp\.?\s*u\.?\b|"
        r"prix\s*(?:ht)?|einzelpreis|e-preis|stuckpreis|\bpreis\b|a\s*-?\s*pris|\bpris\b|styckpris|stykpris|"
        r"prijs|stukprijs|\btarief\b|precio|prezzo|\bunitario\b)"
    ),
    "amount": re.compile(
        r"\b(?:amount|line\s*total|total|totalt|montant|betrag|gesamt|gesamtpreis|summe|belopp|summa|bedrag|regeltotaal|importe|"
        r"subtotal\s*linea|importo|netto|net)\b"
    ),
    "tax_rate": re.compile(
        r"(?:\b(?:vat|tax|tva|mwst|ust|moms|btw|iva)\s*(?:%|rate|satz)|%\s*(?:vat|tax|tva|mwst|ust|moms)|"
        r"\b(?:taxes|steuersatz|taux)\b|"
        # a header cell that is only the tax word ("Moms", "MwSt.", "VAT")
        r"^\s*(?:vat|tax|tva|mwst|ust|moms|btw|iva)\s*\.?\s*(?:%|\(%\))?\s*$)"
    ),
    "position": re.compile(r"^(?:pos\.?|#|nr\.?|no\.?|item\s*#|rad)$"),
    # an article code column ("SKU", "Art.-Nr.", "Réf.", "Código") and a unit of measure
    # column ("Einheit", "Unit", "Ud."): their cells are no part of the description
    "code": re.compile(
        r"\b(?:sku|item\s*code|part\s*no|art\.?\s*-?\s*nr|artikelnr|artikelcode|mat\.?\s*-?\s*nr|"
        r"code\s*article|cod\.?\s*articulo|codigo|ref|reference|art\.?\s*no)\b\.?"
    ),
    "unit": re.compile(
        r"\b(?:unit(?!\s*(?:price|cost))|uom|einheit|unite|enhet|eenheid|unidad)\b|"
        r"^(?:me|u\.|enh\.?|eenh\.?|ud\.?)$"
    ),
}

DISCOUNT_LABEL = re.compile(
    r"(?<![a-z])(?:(?:less\s*)?discount|rabatt|nachlass|skonto|remise|escompte|korting(?:sbedrag)?|"
    r"descuento|dto\.?\s*comercial|sconto)(?![a-z])"
)
"""A document-level discount's label ("Less discount", "Avgår rabatt", "Remise")."""

PAGE_NOISE = re.compile(
    r"\b(?:page|seite|sida|pagina)\s*\d+\s*(?:/|of|von|sur|av|de|di)\s*\d+\b|\b(?:carried\s*forward|ubertrag|report|a\s*reporter)\b"
)

# Language evidence: words typical of invoices in each language.
LANGUAGE_WORDS: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"\b(?:invoice|amount|total|quantity|price|due|date|description|payment|tax|bill|subtotal|thank you)\b"
    ),
    "de": re.compile(
        r"\b(?:rechnung|datum|menge|betrag|mwst|ust|summe|gesamt|zahlbar|bitte|netto|brutto|einzelpreis|beschreibung|steuer|bankverbindung)\b"
    ),
    "fr": re.compile(
        r"\b(?:facture|montant|tva|ttc|ht|date|quantite|prix|echeance|paiement|designation|total|reglement|merci)\b"
    ),
    "sv": re.compile(
        r"\b(?:faktura|moms|belopp|antal|summa|att betala|forfallodatum|beskrivning|pris|betalning|datum|org\.?nr|momsreg)\b"
    ),
    "nl": re.compile(r"\b(?:factuur|bedrag|btw|totaal|aantal|prijs|omschrijving|datum|betaling)\b"),
}

ACCENTED_MONTHS = ["märz", "février", "août", "décembre", "mär"]
"""Month names whose printed form differs from the folded one (for the date pattern)."""

MONTHS: dict[str, int] = {}
for _lang_months in (
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    [
        "januar",
        "februar",
        "marz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ],
    [
        "janvier",
        "fevrier",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "aout",
        "septembre",
        "octobre",
        "novembre",
        "decembre",
    ],
    [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ],
):
    for _i, _name in enumerate(_lang_months, start=1):
        MONTHS.setdefault(_name, _i)
        MONTHS.setdefault(_name[:3], _i)
MONTHS.update(
    {
        "sept": 9,
        "jan.": 1,
        "okt": 10,
        "dez": 12,
        "mrz": 3,
        "juil": 7,
        "janv": 1,
        "fevr": 2,
        "avr": 4,
        "setiembre": 9,
    }
)
