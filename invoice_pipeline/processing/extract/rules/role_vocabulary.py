"""The words that tell what role a value plays on an invoice, per language (en, de, fr, sv, nl, es, it).

Matched against folded text (:func:`~invoice_pipeline.processing.extract.rules.vocabulary.fold`).
:data:`LABEL_WORDS` are words of field labels and headings ("Company and Billing
Information", "Émise le"): a name made only of them is a label, not a party.
:data:`STREET` finds street lines and post boxes; :data:`CUSTOMER_NUMBER_LABEL`
the labels of customer, account and order numbers; :data:`OTHER_DATE_LABEL` the
labels of due, delivery, service, order and print dates; :data:`AMOUNT_DUE_LABEL`
and :data:`AMOUNT_PAID_LABEL` the amount due and the amount paid;
:data:`PRE_DISCOUNT_LABEL` an amount before a discount. Used by the role checks of
:mod:`invoice_pipeline.processing.extract.rules.roles` and
:mod:`invoice_pipeline.processing.validate.roles`.
"""

from __future__ import annotations

import re

__all__ = [
    "AMOUNT_DUE_LABEL",
    "AMOUNT_PAID_LABEL",
    "CUSTOMER_NUMBER_LABEL",
    "INVOICE_DATE_LABEL",
    "LABEL_WORDS",
    "OTHER_DATE_LABEL",
    "PHONE",
    "PRE_DISCOUNT_LABEL",
    "STREET",
]

LABEL_WORDS: frozenset[str] = frozenset(
    """
    a an and the of for to from by on at in with your our my this page
    company companies business billing bill billed invoice invoices information info details detail
    contact contacts customer client account address addresses payment payments summary description
    date dated issued issue due number no nr amount total subtotal tax vat order reference ref
    seller buyer supplier vendor recipient sender shipping ship delivery deliver sold name
    terms note notes remarks period service services item items quantity price currency balance
    statement receipt copy original tel phone fax email mail web website
    iban bic swift gtin ean vat ust mwst tva moms btw iva uid id code reference bank
    und der die das des von fur am an zu im mit ihre ihr unsere rechnung rechnungs datum nummer
    kunde kunden firma angaben informationen rechnungsinformationen adresse anschrift zahlung
    betrag summe steuer lieferung leistung ausgestellt erstellt seite bestellung auftrag
    le la les de du des et pour par au aux a sur votre notre facture factures date emise emis
    emission client societe informations coordonnees adresse paiement montant numero commande
    livraison fournisseur page
    och av for till fran den det pa med er var faktura fakturadatum datum kund foretag uppgifter
    betalning belopp summa nummer adress sida order leverans
    en van het voor aan op met uw ons factuur datum klant bedrijf gegevens adres betaling bedrag
    nummer bestelling pagina
    el los las del y para por con su nuestra factura fecha cliente empresa datos direccion pago
    importe numero pedido pagina il lo gli della di e per con sua nostra fattura data cliente
    azienda dati indirizzo pagamento importo numero ordine pagina
    """.split()
)
"""Words of labels and headings; a seller name made only of them is a label."""

STREET = re.compile(
    r"(?:\b\d+[a-z]?\s+[a-z][a-z .'-]*\b(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|"
    r"place|pl|court|ct|square|sq|highway|hwy|parkway|pkwy|suite|ste)\b\.?"
    r"|(?:strasse|str\.|gasse|weg|allee|platz|ring|damm|ufer|chaussee|steig|gatan|vagen|gata|vag|"
    r"straat|laan|plein|gracht|kade)\s*\d+[a-z]?\b"
    r"|\b(?:rue|avenue|boulevard|bd|chemin|impasse|allee|place|route|quai|cours|via|viale|piazza|calle|"
    r"avenida|plaza|paseo|carrer)\s+(?:de\s+|du\s+|des\s+|la\s+|del\s+)?[a-z]"
    r"|^\d+[a-z]?,?\s+(?:rue|avenue|boulevard|bd|chemin|impasse|allee|place|route|quai|cours)\b"
    # Malaysia: "LOT P.T. 2811, JALAN ANGSA", "NO 290, JALAN AIR PANAS", "TAMAN BERKELEY"
    r"|\b(?:jalan|jln|lorong|lrg|persiaran|lebuh|lebuhraya|taman|tmn|seksyen|kampung)\.?\s+[a-z0-9]"
    r"|^(?:lot|no)\.?\s*(?:[a-z]\.?\s*)*\d+[a-z]?\s*,"
    r"|\b(?:p\.?\s?o\.?\s*box|postfach|boite\s*postale|\bbp\s*\d|box\s*\d|postbus|apartado|casella\s*postale)\b)"
)
"""A street line or a post box (folded text)."""

CUSTOMER_NUMBER_LABEL = re.compile(
    r"(?<![a-z])(?:(?:customer|client|account|member|debtor|contract|kunden|kd|debitoren|vertrags|konto|"
    r"kund|klant|cliente|abonne|abonnement|mandats?|order|bestell|auftrags|commande|ordre|pedido|ordine)"
    r"\s*[-.]?\s*(?:no\b|nr\b|number|nummer|num|n[°o]\b|#|id\b|code|ref(?:erence)?)"
    r"|kundennummer|kundennr|kundnummer|kundnr|klantnummer|kontonummer|vertragsnummer|auftragsnummer|"
    r"bestellnummer|ordernummer|numero\s*(?:de\s*)?client|n[°o]\s*client|code\s*client|ref(?:erence)?\s*client|"
    r"customer\s*id|account\s*id)"
)
"""Labels of numbers that are not the invoice number: customer, account, contract, order."""

INVOICE_DATE_LABEL = re.compile(
    r"(?<![a-z])(?:invoice\s*date|date\s*of\s*(?:issue|invoice)|issue\s*date|date\s*issued|billing\s*date|"
    r"rechnungsdatum|ausstellungsdatum|belegdatum|datum\s*der\s*rechnung|date\s*(?:de\s*(?:la\s*)?)?facture|"
    r"date\s*d'?emission|emise?\s*le|facture\s*du|fakturadatum|factuurdatum|fecha\s*(?:de\s*)?(?:factura|emision)|"
    r"data\s*(?:della\s*)?fattura|rechnung\s*vom)"
)
"""Labels that name the date of issue."""

OTHER_DATE_LABEL = re.compile(
    r"(?<![a-z])(?:due\s*(?:date|on|by)|payment\s*due|date\s*due|pay(?:able)?\s*by|"
    r"falligkeit\w*|fallig\s*(?:am|bis|zum)?|zahlbar\s*bis|zahlungsziel|echeance|date\s*d'?echeance|"
    r"a\s*payer\s*avant|forfallo\w*|betalas\s*senast|vervaldatum|vencimiento|scadenza|"
    r"deliver(?:y|ed)\s*(?:date|on)|ship(?:ping|ped)?\s*date|dispatch\s*date|service\s*(?:date|period)|"
    r"lieferdatum|liefertermin|leistungsdatum|leistungszeitraum|versanddatum|date\s*de\s*livraison|"
    r"livre\s*le|leveransdatum|leverdatum|fecha\s*de\s*entrega|data\s*di\s*consegna|"
    r"order\s*date|bestelldatum|auftragsdatum|date\s*de\s*commande|orderdatum|"
    r"print(?:ed)?\s*(?:on|date)|druckdatum|gedruckt\s*am|date\s*d'?impression|imprime\s*le|utskrifts?datum|"
    r"period|zeitraum|periode)"
)
"""Labels of dates that are not the invoice date: due, delivery, service, order, print."""

AMOUNT_DUE_LABEL = re.compile(
    r"(?<![a-z])(?:(?:amount|balance|total)\s*(?:due|payable|to\s*pay|owing)|grand\s*total|invoice\s*total|"
    r"payable\s*amount|"
    r"total\s*(?:incl\w*|inc\.?|ttc)|zu\s*zahlen\w*|zahlbetrag|rechnungsbetrag|gesamtbetrag|endbetrag|"
    r"bruttobetrag|offener\s*betrag|restbetrag|net\s*a\s*payer|montant\s*(?:total\s*)?(?:ttc|a\s*payer|du)|"
    r"total\s*a\s*payer|reste\s*a\s*payer|att\s*betala|belopp\s*att\s*betala|te\s*betalen|"
    r"importe\s*total|totale\s*(?:fattura|documento|da\s*pagare))"
)
"""Labels of the amount the buyer owes (the total or what is left of it)."""

AMOUNT_PAID_LABEL = re.compile(
    r"(?<![a-z])(?:amount\s*paid|paid\s*(?:amount|on|with|by)?|payment\s*(?:received|made)|total\s*paid|"
    r"bezahlt|gezahlt|bereits\s*(?:bezahlt|gezahlt)|anzahlung|montant\s*(?:paye|regle)|paye|regle|acompte|"
    r"betalt|inbetalt|betaald|pagado|pagato)(?![a-z])"
)
"""Labels of an amount already paid."""

PRE_DISCOUNT_LABEL = re.compile(
    r"(?<![a-z])(?:before\s*discount|pre\s*-?\s*discount|gross\s*amount|list\s*price\s*total|"
    r"vor\s*(?:abzug|rabatt|skonto)|ohne\s*rabatt|avant\s*(?:remise|escompte)|fore\s*rabatt|"
    r"voor\s*korting|antes\s*de\s*descuento|prima\s*dello\s*sconto)"
)
"""Labels of an amount before a discount."""

PHONE = re.compile(
    r"^(?:\+|00)\d[\d ()./-]{6,}$|^\(?0\d{1,5}\)?\s*[ /-]\s*\d[\d ./-]{4,}$|^\d{3}[ .-]\d{3}[ .-]\d{4}$"
)
"""A telephone number: international prefix, a trunk 0 with an area code, or 3-3-4 digits."""
