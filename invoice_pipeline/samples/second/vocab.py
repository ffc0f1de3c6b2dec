"""Word lists and printed labels of the second generator (its own vocabulary).

Company name parts, streets, cities with postcodes, products and the labels
printed on each class of document, per country or language.  None of it is
copied from the first generator's ``samples/words.py`` or its renderer's
labels, so the two corpora share no vocabulary by construction; the invoice
number labels include the ones real invoices use and the rules found hard
("Rechnungs-Nr.", "Beleg", "Facture n°", "No.", "Invoice #", "Reference").
"""

from __future__ import annotations

STEMS: dict[str, tuple[str, ...]] = {
    "US": ("Harlow", "Bramwell", "Quincy", "Tidewater", "Redcliff", "Ashgrove", "Kestrel",
           "Summit Ridge", "Blue Heron", "Coppervale", "Lakemont", "Ironbridge"),
    "GB": ("Pennington", "Wexcombe", "Thornbury", "Aldwick", "Marlowe", "Fenwick",
           "Kingsmere", "Holloway", "Brackley", "Stanmoor", "Elverton", "Ravensby"),
    "DE": ("Brunnhuber", "Lindqvist", "Ostermann", "Kesselring", "Falkenau", "Rheinblick",
           "Wendel", "Hagedorn", "Sonnleitner", "Mühlbach", "Eichhorst", "Grünwald"),
    "FR": ("Beaulieu", "Marchetti", "Delacroix", "Rivoire", "Montclair", "Lefranc",
           "Chabert", "Vauclair", "Duplessis", "Roussel", "Bellerive", "Garnier"),
    "SE": ("Björkdal", "Lindholm", "Fjällström", "Sundqvist", "Ekberg", "Norrvik",
           "Åkesson", "Hagström", "Vinterberg", "Strandberg", "Östlund", "Granqvist"),
    "NL": ("Van Rijswijk", "De Wolff", "Bosveld", "Heemskerk", "Van Dalen", "Korteweg",
           "Zeeburg", "Verhoeven", "Brinkman", "Oosterhout", "Lindeboom", "Westerveld"),
    "ES": ("Alcántara", "Montserrat", "Villanueva", "Ibarra", "Castellón", "Robledo",
           "Serrano", "Albufera", "Quintana", "Valdés", "Miralles", "Sotomayor"),
    "MY": ("Seng Hup", "Syarikat Gin Heng", "Perniagaan Tan", "Lian Hing", "Sinar Jaya",
           "Kim Seng", "Mega Mewah", "Harapan Baru", "Sri Murni", "Eng Soon", "Teck Guan",
           "Pasaraya Wawasan"),
}  # fmt: skip

TRADES: dict[str, tuple[str, ...]] = {
    "en": ("Logistics", "Analytics", "Print Works", "Cloud Services", "Engineering",
           "Supply", "Studio", "Hardware", "Catering", "Facility Services"),
    "de": ("Logistik", "Datentechnik", "Druckerei", "Metallbau", "Gebäudeservice",
           "Bürobedarf", "Elektrotechnik", "Verpackung", "Medienhaus", "Holzbau"),
    "fr": ("Logistique", "Informatique", "Imprimerie", "Bâtiment", "Conseil",
           "Fournitures", "Transports", "Menuiserie", "Restauration", "Énergie"),
    "sv": ("Logistik", "Data", "Tryckeri", "Bygg", "Konsult", "Kontorsvaror", "Transport",
           "El & Tele", "Verktyg", "Städservice"),
    "nl": ("Logistiek", "Automatisering", "Drukkerij", "Bouw", "Advies", "Kantoorartikelen",
           "Transport", "Installatietechniek", "Catering", "Schoonmaak"),
    "es": ("Logística", "Informática", "Imprenta", "Construcciones", "Consultoría",
           "Suministros", "Transportes", "Carpintería", "Hostelería", "Energía"),
}  # fmt: skip

LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "US": ("Inc.", "LLC", "Corp.", "Co."),
    "GB": ("Ltd", "Limited", "LLP", "plc"),
    "DE": ("GmbH", "AG", "KG", "GmbH & Co. KG", "OHG"),
    "FR": ("SARL", "SAS", "SA", "EURL"),
    "SE": ("AB", "HB", "Aktiebolag"),
    "NL": ("B.V.", "N.V.", "V.O.F."),
    "ES": ("S.L.", "S.A.", "S.L.U."),
    "MY": ("Sdn Bhd", "Sdn. Bhd.", "S/B", "Bhd", "Enterprise", "Trading"),
}

STREETS: dict[str, tuple[str, ...]] = {
    "US": ("Maple Avenue", "Harbor Drive", "W 39th Street", "Industrial Parkway",
           "Old Mill Road", "Commerce Blvd", "Juniper Lane"),
    "GB": ("Chapel Lane", "Victoria Road", "Albion Street", "Mill Hill", "Station Approach",
           "Queens Parade", "Ferry Road"),
    "DE": ("Lindenallee", "Hafenstraße", "Am Mühlgraben", "Gewerbering", "Schillerplatz",
           "Bergstraße", "Kanalweg"),
    "FR": ("rue des Tanneurs", "avenue Jean Jaurès", "boulevard Voltaire", "chemin des Vignes",
           "place du Marché", "rue de la Gare", "allée des Tilleuls"),
    "SE": ("Storgatan", "Hamnvägen", "Kvarnbacken", "Industrivägen", "Sjögatan",
           "Björkallén", "Järnvägsgatan"),
    "NL": ("Keizersgracht", "Stationsweg", "Molenstraat", "Industrieweg", "Havenkade",
           "Lindelaan", "Dorpsstraat"),
    "ES": ("Calle Mayor", "Avenida de la Constitución", "Calle del Carmen", "Paseo del Prado",
           "Calle de Alcalá", "Ronda de Poniente", "Plaza de España"),
    "MY": ("Jalan Ampang", "Jalan Tun Razak", "Jalan Kuching", "Jalan SS 2/24", "Jalan Ipoh",
           "Lorong Bunus 6", "Jln Klang Lama", "Jalan Besar"),
}  # fmt: skip

# (postcode, city[, state]) as printed in the country's address order
CITIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "US": (("97205", "Portland", "OR"), ("60611", "Chicago", "IL"), ("78701", "Austin", "TX"),
           ("02110", "Boston", "MA"), ("80202", "Denver", "CO"), ("30303", "Atlanta", "GA")),
    "GB": (("LS1 4DY", "Leeds"), ("BS1 6QH", "Bristol"), ("M2 3WS", "Manchester"),
           ("EH2 4AD", "Edinburgh"), ("NG1 5FS", "Nottingham"), ("CB2 1TN", "Cambridge")),
    "DE": (("04109", "Leipzig"), ("28195", "Bremen"), ("90402", "Nürnberg"),
           ("50667", "Köln"), ("24103", "Kiel"), ("79098", "Freiburg im Breisgau")),
    "FR": (("69002", "Lyon"), ("31000", "Toulouse"), ("44000", "Nantes"),
           ("67000", "Strasbourg"), ("33000", "Bordeaux"), ("59800", "Lille")),
    "SE": (("411 19", "Göteborg"), ("211 22", "Malmö"), ("753 20", "Uppsala"),
           ("582 24", "Linköping"), ("903 26", "Umeå"), ("702 10", "Örebro")),
    "NL": (("3511 LX", "Utrecht"), ("2511 CV", "Den Haag"), ("9711 LM", "Groningen"),
           ("5611 EM", "Eindhoven"), ("6811 KJ", "Arnhem"), ("2312 HA", "Leiden")),
    "ES": (("46001", "Valencia"), ("41004", "Sevilla"), ("50003", "Zaragoza"),
           ("29015", "Málaga"), ("48001", "Bilbao"), ("15003", "A Coruña")),
    "MY": (("50450", "Kuala Lumpur"), ("47400", "Petaling Jaya"), ("41150", "Klang"),
           ("10200", "George Town"), ("80000", "Johor Bahru"), ("31400", "Ipoh")),
}  # fmt: skip

TAMAN = ("Taman Sri Muda", "Taman Maluri", "Taman Desa", "Taman Bukit Indah", "Taman Melawati")
"""Malaysian housing estates, printed as an address line under the street."""

COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "en": {"US": "USA", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
           "SE": "Sweden", "NL": "Netherlands", "ES": "Spain", "MY": "Malaysia"},
    "de": {"US": "USA", "GB": "Vereinigtes Königreich", "DE": "Deutschland",
           "FR": "Frankreich", "SE": "Schweden", "NL": "Niederlande", "ES": "Spanien", "MY": "Malaysia"},
    "fr": {"US": "États-Unis", "GB": "Royaume-Uni", "DE": "Allemagne", "FR": "France",
           "SE": "Suède", "NL": "Pays-Bas", "ES": "Espagne", "MY": "Malaisie"},
    "sv": {"US": "USA", "GB": "Storbritannien", "DE": "Tyskland", "FR": "Frankrike",
           "SE": "Sverige", "NL": "Nederländerna", "ES": "Spanien", "MY": "Malaysia"},
    "nl": {"US": "Verenigde Staten", "GB": "Verenigd Koninkrijk", "DE": "Duitsland",
           "FR": "Frankrijk", "SE": "Zweden", "NL": "Nederland", "ES": "Spanje", "MY": "Maleisië"},
    "es": {"US": "EE. UU.", "GB": "Reino Unido", "DE": "Alemania", "FR": "Francia",
           "SE": "Suecia", "NL": "Países Bajos", "ES": "España", "MY": "Malasia"},
}  # fmt: skip

PRODUCTS: dict[str, tuple[str, ...]] = {
    "en": ("Pallet wrap 500 mm", "Cable ties, black (pack)", "Annual support plan",
           "Site survey, half day", "Safety gloves size L", "Toner cartridge 26X",
           "Data migration service", "LED panel 60x60", "Shipping carton 40x30x30",
           "Consulting hours", "Label printer ribbon", "Hosting, monthly"),
    "de": ("Stretchfolie 500 mm", "Kabelbinder schwarz (Pack)", "Wartungsvertrag jährlich",
           "Vor-Ort-Termin halbtags", "Arbeitshandschuhe Gr. 9", "Tonerkartusche schwarz",
           "Datenübernahme", "LED-Panel 62x62", "Versandkarton 40x30x30",
           "Beratungsstunden", "Etikettenrolle 100 x 50", "Webhosting monatlich"),
    "fr": ("Film étirable 500 mm", "Colliers de serrage (lot)", "Contrat de maintenance",
           "Intervention sur site", "Gants de protection T9", "Cartouche de toner",
           "Reprise de données", "Dalle LED 60x60", "Carton d'expédition",
           "Heures de conseil", "Rouleau d'étiquettes", "Hébergement mensuel"),
    "sv": ("Sträckfilm 500 mm", "Buntband svart (förp.)", "Serviceavtal år",
           "Platsbesök halvdag", "Skyddshandskar stl 9", "Tonerkassett svart",
           "Datamigrering", "LED-panel 60x60", "Wellpapplåda 40x30x30",
           "Konsulttimmar", "Etikettrulle 100x50", "Webbhotell månad"),
    "nl": ("Stretchfolie 500 mm", "Kabelbinders zwart (pak)", "Onderhoudscontract jaar",
           "Locatiebezoek halve dag", "Werkhandschoenen mt 9", "Tonercartridge zwart",
           "Datamigratie", "LED-paneel 60x60", "Verzenddoos 40x30x30",
           "Adviesuren", "Etiketrol 100x50", "Webhosting per maand"),
    "es": ("Film estirable 500 mm", "Bridas negras (paquete)", "Contrato de mantenimiento",
           "Visita técnica media jornada", "Guantes de trabajo T9", "Cartucho de tóner",
           "Migración de datos", "Panel LED 60x60", "Caja de envío 40x30x30",
           "Horas de consultoría", "Rollo de etiquetas", "Alojamiento web mensual"),
}  # fmt: skip

GROCERIES: dict[str, tuple[str, ...]] = {
    "en": ("MILK 2L", "SOURDOUGH", "BANANAS", "COFFEE BEANS", "EGGS 12", "CHEDDAR",
           "APPLES", "ORANGE JUICE", "PASTA", "TOMATOES", "DISH SOAP", "BATTERIES AA"),
    "de": ("VOLLMILCH 1L", "BAUERNBROT", "BANANEN", "KAFFEE BOHNEN", "EIER 10ST",
           "GOUDA", "ÄPFEL", "ORANGENSAFT", "SPAGHETTI", "TOMATEN", "SPÜLMITTEL",
           "BATTERIEN AA"),
    "fr": ("LAIT 1L", "BAGUETTE", "BANANES", "CAFE GRAINS", "OEUFS X12", "COMTE",
           "POMMES", "JUS D'ORANGE", "PATES", "TOMATES", "LIQUIDE VAISSELLE", "PILES AA"),
    "sv": ("MJÖLK 1,5L", "SURDEGSBRÖD", "BANANER", "KAFFE", "ÄGG 12P", "PRÄSTOST",
           "ÄPPLEN", "APELSINJUICE", "PASTA", "TOMATER", "DISKMEDEL", "BATTERI AA"),
    "nl": ("MELK 1L", "VOLKORENBROOD", "BANANEN", "KOFFIEBONEN", "EIEREN 10",
           "GOUDSE KAAS", "APPELS", "JUS D'ORANGE", "PASTA", "TOMATEN", "AFWASMIDDEL",
           "BATTERIJEN AA"),
    "es": ("LECHE 1L", "PAN DE PUEBLO", "PLATANOS", "CAFE EN GRANO", "HUEVOS 12",
           "QUESO MANCHEGO", "MANZANAS", "ZUMO NARANJA", "MACARRONES", "TOMATES",
           "LAVAVAJILLAS", "PILAS AA"),
}  # fmt: skip

PERSON_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Dana Whitfield", "Marcus Ode", "Priya Nandakumar", "Owen Gallagher"),
    "de": ("Sabine Kröger", "Jonas Albrecht", "Elif Demir", "Matthias Pohl"),
    "fr": ("Camille Roux", "Hugo Lemaire", "Inès Bouchard", "Théo Marchand"),
    "sv": ("Karin Dahl", "Erik Nyström", "Sara Lund", "Johan Berglöf"),
    "nl": ("Sanne de Boer", "Ruben Smit", "Fleur Jansen", "Daan Visser"),
    "es": ("Lucía Moreno", "Javier Prieto", "Marta Cabello", "Pablo Herrera"),
}
