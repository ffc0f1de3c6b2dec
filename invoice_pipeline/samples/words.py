"""Word lists for the sample invoices: names, streets, cities, banks and line items.

Plain tables that :mod:`.parties` and :mod:`.invoices` draw from: surnames,
sectors and name prefixes per country for company names; streets, second
address lines, postcodes with their cities (and, for the US, the combined
sales-tax rate of the city); real banks (bank code, branch or sort code, name)
whose IBANs schwifty can build; and a catalogue of line items per locale with
unit, price range, quantity kind and tax category.  Every string uses only
characters of the WinAnsi encoding of the PDF base-14 fonts.
"""

from __future__ import annotations

from decimal import Decimal

# fmt: off

SURNAMES: dict[str, tuple[str, ...]] = {
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
           "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause",
           "Lehmann", "Köhler", "Maier", "Vogel", "Jäger", "Brandt"),
    "FR": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
           "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
           "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
           "Bonnet", "Faure", "Chevalier", "Gauthier"),
    "SE": ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
           "Persson", "Svensson", "Gustafsson", "Pettersson", "Lindberg", "Lindqvist", "Berg",
           "Holm", "Sjöberg", "Ström", "Åberg", "Öberg", "Björk", "Engström", "Dahl"),
    "GB": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
           "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
           "Hall", "Wood", "Jackson", "Clarke", "Harrison", "Cooper", "Ward", "Turner"),
    "US": ("Miller", "Davis", "Anderson", "Thomas", "Moore", "Martin", "Jackson", "Harris",
           "Clark", "Lewis", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Baker",
           "Nelson", "Carter", "Mitchell", "Parker", "Collins", "Morgan", "Reed"),
}

SECTORS: dict[str, tuple[str, ...]] = {
    "DE": ("Haustechnik", "Logistik", "Elektrotechnik", "Metallbau", "Software", "Druckerei",
           "Gebäudereinigung", "Bürobedarf", "Consulting", "Maschinenbau", "Medien",
           "Feinkost", "Stahlhandel", "Personalservice", "IT-Systeme", "Bauunternehmung"),
    "FR": ("Informatique", "Bâtiment", "Transports", "Conseil", "Imprimerie", "Nettoyage",
           "Électricité", "Menuiserie", "Distribution", "Services", "Ingénierie", "Traiteur"),
    "SE": ("Bygg", "Elteknik", "Konsult", "Transport", "Data", "Måleri", "VVS", "Städservice",
           "Tryckeri", "Fastighetsservice", "Redovisning", "Verktyg"),
    "GB": ("Consulting", "Logistics", "Engineering", "Print", "Facilities", "Software",
           "Catering", "Building Services", "Electrical", "Marketing", "Joinery", "Analytics"),
    "US": ("Consulting", "Logistics", "Engineering", "Printing", "Facilities", "Software",
           "Supply", "Construction", "Electric", "Marketing", "Analytics", "Solutions"),
}

PREFIXES: dict[str, tuple[str, ...]] = {
    "DE": ("Nordlicht", "Rheinwerk", "Alpenblick", "Elbtal", "Spreeufer", "Westfalen", "Isar"),
    "FR": ("Atlantique", "Provence", "Horizon", "Lumière", "Azur", "Alpes", "Loire"),
    "SE": ("Nordic", "Fjäll", "Skärgårds", "Norrlands", "Mälardalens", "Öresunds", "Vind"),
    "GB": ("Thames", "Pennine", "Cotswold", "Northern", "Highland", "Albion", "Meridian"),
    "US": ("Summit", "Pioneer", "Bluewater", "Redwood", "Granite", "Evergreen", "Keystone"),
}

# postcode, city
CITIES: dict[str, tuple[tuple[str, str], ...]] = {
    "DE": (("10115", "Berlin"), ("10969", "Berlin"), ("80331", "München"), ("81379", "München"),
           ("20095", "Hamburg"), ("22767", "Hamburg"), ("50667", "Köln"),
           ("60311", "Frankfurt am Main"), ("70173", "Stuttgart"), ("40213", "Düsseldorf"),
           ("04109", "Leipzig"), ("01067", "Dresden"), ("30159", "Hannover"), ("90402", "Nürnberg"),
           ("28195", "Bremen"), ("44135", "Dortmund"), ("45127", "Essen"), ("68161", "Mannheim")),
    "FR": (("75008", "Paris"), ("75011", "Paris"), ("69002", "Lyon"), ("13001", "Marseille"),
           ("31000", "Toulouse"), ("44000", "Nantes"), ("33000", "Bordeaux"), ("59000", "Lille"),
           ("67000", "Strasbourg"), ("34000", "Montpellier"), ("35000", "Rennes"),
           ("06000", "Nice"), ("21000", "Dijon"), ("37000", "Tours"), ("38000", "Grenoble")),
    "SE": (("111 52", "Stockholm"), ("114 34", "Stockholm"), ("411 06", "Göteborg"),
           ("211 20", "Malmö"), ("753 20", "Uppsala"), ("722 15", "Västerås"),
           ("702 10", "Örebro"), ("582 24", "Linköping"), ("222 21", "Lund"), ("903 26", "Umeå"),
           ("553 16", "Jönköping"), ("252 21", "Helsingborg")),
    "GB": (("EC1A 1BB", "London"), ("SE1 7PB", "London"), ("M1 1AE", "Manchester"),
           ("B1 1AA", "Birmingham"), ("LS1 4DY", "Leeds"), ("BS1 4DJ", "Bristol"),
           ("EH1 1YZ", "Edinburgh"), ("G1 1XQ", "Glasgow"), ("CF10 1EP", "Cardiff"),
           ("NE1 7RU", "Newcastle upon Tyne"), ("L1 8JQ", "Liverpool"), ("NG1 5FS", "Nottingham"),
           ("CB2 1TN", "Cambridge"), ("OX1 1BX", "Oxford")),
}

# city, state, ZIP code, combined sales-tax rate in percent
US_CITIES: tuple[tuple[str, str, str, Decimal], ...] = (
    ("New York", "NY", "10001", Decimal("8.875")), ("Brooklyn", "NY", "11201", Decimal("8.875")),
    ("Chicago", "IL", "60601", Decimal("10.25")), ("Austin", "TX", "78701", Decimal("8.25")),
    ("Houston", "TX", "77002", Decimal("8.25")), ("San Francisco", "CA", "94105", Decimal("8.625")),
    ("Los Angeles", "CA", "90012", Decimal("9.5")), ("Seattle", "WA", "98101", Decimal("10.25")),
    ("Boston", "MA", "02108", Decimal("6.25")), ("Denver", "CO", "80202", Decimal("8.81")),
    ("Atlanta", "GA", "30303", Decimal("8.9")), ("Portland", "OR", "97204", Decimal("0")),
    ("Phoenix", "AZ", "85004", Decimal("8.6")), ("Miami", "FL", "33131", Decimal("7")),
)

STREETS: dict[str, tuple[str, ...]] = {
    "DE": ("Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Bergstraße",
           "Lindenstraße", "Kirchstraße", "Industriestraße", "Am Markt", "Goethestraße",
           "Schillerstraße", "Friedrichstraße", "Mozartweg", "Gewerbering", "Rosenweg",
           "Kaiserallee", "Hafenstraße", "Lessingstraße"),
    "FR": ("rue de la République", "avenue Victor Hugo", "boulevard Jean Jaurès", "rue de la Gare",
           "avenue du Général de Gaulle", "rue Pasteur", "allée des Lilas", "rue Gambetta",
           "avenue Foch", "boulevard Voltaire", "rue du Commerce", "place de la Mairie",
           "chemin des Vignes", "rue Nationale"),
    "SE": ("Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Industrivägen",
           "Skolgatan", "Järnvägsgatan", "Sveavägen", "Hamngatan", "Nygatan", "Åsgatan",
           "Parkvägen", "Östra Hamngatan", "Företagsvägen"),
    "GB": ("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue",
           "Mill Lane", "King Street", "Queen Street", "London Road", "Market Place",
           "George Street", "Albert Road"),
    "US": ("Main Street", "Oak Avenue", "Maple Drive", "Cedar Lane", "Pine Street", "Elm Street",
           "Washington Avenue", "Lake Shore Drive", "Market Street", "Park Boulevard",
           "Broadway", "Commerce Way"),
}

SECOND_LINES: dict[str, tuple[str, ...]] = {
    "DE": ("Gebäude B", "2. OG", "Haus 3", "Hinterhaus"),
    "FR": ("Bâtiment C", "Zone industrielle Nord", "3e étage", "Parc d'activités du Moulin"),
    "SE": ("Plan 3", "Hus B", "Uppgång 2"),
    "GB": ("Unit 4 Riverside Park", "Suite 12", "Second Floor", "Unit 7 Enterprise Court"),
    "US": ("Suite 200", "Suite 1450", "Floor 3", "Unit 5B"),
}

# real banks: bank code, branch code (FR) or sort code (GB), name; schwifty adds the BIC
BANKS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "DE": (("37040044", "", "Commerzbank"), ("10070000", "", "Deutsche Bank"),
           ("50010517", "", "ING-DiBa"), ("20050550", "", "Hamburger Sparkasse"),
           ("70150000", "", "Stadtsparkasse München"), ("12030000", "", "Deutsche Kreditbank"),
           ("43060967", "", "GLS Gemeinschaftsbank"), ("60050101", "", "BW-Bank")),
    "FR": (("30004", "00823", "BNP Paribas"), ("30003", "01234", "Société Générale"),
           ("30006", "00001", "Crédit Agricole"), ("20041", "01005", "La Banque Postale"),
           ("30002", "00550", "LCL Crédit Lyonnais"), ("10278", "06000", "Crédit Mutuel")),
    "SE": (("500", "", "SEB"), ("600", "", "Handelsbanken"), ("800", "", "Swedbank"),
           ("300", "", "Nordea")),
    "GB": (("NWBK", "601613", "NatWest"), ("BARC", "200000", "Barclays Bank"),
           ("HBUK", "400515", "HSBC UK"), ("LOYD", "309634", "Lloyds Bank")),
}

# name, ABA routing number (valid per stdnum.us.rtn)
US_BANKS: tuple[tuple[str, str], ...] = (
    ("JPMorgan Chase Bank", "021000021"), ("Bank of America", "026009593"),
    ("Wells Fargo Bank", "121000248"), ("Citibank", "021000089"),
)

# description, unit key, price low, price high, quantity kind, tax category
CATALOG: dict[str, tuple[tuple[str, str, int, int, str, str], ...]] = {
    "de": (
        ("Beratungsleistung Projektmanagement", "h", 85, 160, "hours", "std"),
        ("Softwareentwicklung Backend", "h", 70, 135, "hours", "std"),
        ("Wartungsvertrag Server (monatlich)", "month", 120, 480, "months", "std"),
        ("Installation Netzwerkkomponenten", "h", 55, 95, "hours", "std"),
        ("Bürostuhl ergonomisch, Modell Ergo 300", "pc", 189, 449, "few", "std"),
        ("Toner schwarz für Laserdrucker", "pc", 59, 139, "few", "std"),
        ("Kopierpapier A4, 80 g/m², 500 Blatt", "pc", 4, 9, "many", "std"),
        ("Monitor 27 Zoll, WQHD", "pc", 219, 389, "few", "std"),
        ("Unterhaltsreinigung Büroflächen", "h", 24, 38, "hours", "std"),
        ("Fahrtkostenpauschale", "flat", 25, 90, "one", "std"),
        ("Versandkosten", "flat", 5, 25, "one", "std"),
        ("Elektroinstallation, Kleinmaterial", "flat", 40, 320, "one", "std"),
        ("Lizenz Projektsoftware, 12 Monate", "lic", 180, 990, "few", "std"),
        ("Schulung Mitarbeiter (Tagessatz)", "day", 650, 1250, "days", "std"),
        ("Kabelkanal 60 x 40 mm, weiß", "m", 6, 18, "length", "std"),
        ("Montagearbeiten vor Ort", "h", 48, 85, "hours", "std"),
        ("Webhosting Business-Paket", "month", 9, 49, "months", "std"),
        ("Entsorgung Altgeräte", "flat", 35, 150, "one", "std"),
        ("Druck Visitenkarten, 4/4-farbig", "pc", 1, 3, "many", "std"),
        ("Wartung Heizungsanlage", "flat", 120, 380, "one", "std"),
        ("Fachbuch: Praxishandbuch Steuerrecht", "pc", 29, 89, "few", "red"),
        ("Kaffeebohnen Espresso, 1 kg", "pc", 14, 29, "few", "red"),
        ("Mineralwasser, Kiste 12 x 0,75 l", "pc", 5, 9, "many", "red"),
        ("Catering: belegte Brötchen", "pc", 2, 5, "many", "red"),
        ("Obstkorb für Büro", "pc", 19, 39, "few", "red"),
        ("Zeitschriften-Abonnement", "month", 8, 25, "months", "red"),
    ),
    "fr": (
        ("Prestation de conseil", "h", 80, 150, "hours", "std"),
        ("Développement logiciel", "day", 450, 850, "days", "std"),
        ("Maintenance informatique mensuelle", "month", 120, 450, "months", "std"),
        ("Installation électrique", "h", 45, 80, "hours", "std"),
        ("Fourniture de câbles électriques", "m", 2, 9, "length", "std"),
        ("Nettoyage des locaux", "flat", 150, 900, "one", "std"),
        ("Impression de brochures A4", "pc", 1, 4, "many", "std"),
        ("Location de matériel", "day", 60, 250, "days", "std"),
        ("Frais de déplacement", "flat", 30, 120, "one", "std"),
        ("Cartouche d'encre noire", "pc", 29, 89, "few", "std"),
        ("Ramette papier A4 80 g", "pc", 4, 8, "many", "std"),
        ("Formation du personnel", "day", 700, 1400, "days", "std"),
        ("Licence logicielle annuelle", "lic", 150, 900, "few", "std"),
        ("Frais de port", "flat", 6, 25, "one", "std"),
        ("Travaux de peinture", "h", 35, 60, "hours", "std"),
        ("Hébergement site web (mensuel)", "month", 15, 60, "months", "std"),
        ("Travaux de rénovation (logement)", "h", 40, 70, "hours", "red"),
        ("Repas d'affaires", "pc", 18, 45, "few", "red"),
        ("Plateau-repas traiteur", "pc", 12, 28, "many", "red"),
        ("Livres techniques", "pc", 25, 75, "few", "red2"),
        ("Eau minérale (pack de 6)", "pc", 3, 7, "many", "red2"),
        ("Café en grains 1 kg", "pc", 12, 26, "few", "red2"),
    ),
    "sv": (
        ("Konsulttjänster", "h", 850, 1450, "hours", "std"),
        ("Systemutveckling", "h", 750, 1300, "hours", "std"),
        ("Installation av nätverk", "h", 550, 900, "hours", "std"),
        ("Månadsavgift support", "month", 990, 4900, "months", "std"),
        ("Städning kontor", "flat", 1500, 8000, "one", "std"),
        ("Kontorsstol ergonomisk", "pc", 1900, 4500, "few", "std"),
        ("Tonerkassett svart", "pc", 590, 1390, "few", "std"),
        ("Kopieringspapper A4, 500 ark", "pc", 45, 95, "many", "std"),
        ("Frakt", "flat", 79, 390, "one", "std"),
        ("Elinstallation, material", "flat", 400, 3200, "one", "std"),
        ("Målning av lokal", "h", 450, 700, "hours", "std"),
        ("Licens programvara (12 mån)", "lic", 1200, 9000, "few", "std"),
        ("Kabelstege 300 mm", "m", 95, 240, "length", "std"),
        ("Service värmepump", "flat", 1200, 3900, "one", "std"),
        ("Lunchbuffé", "pc", 125, 245, "many", "red"),
        ("Hotellövernattning", "day", 990, 1890, "days", "red"),
        ("Facklitteratur", "pc", 250, 690, "few", "red2"),
        ("Persontransport (taxi)", "pc", 180, 650, "few", "red2"),
    ),
    "en-GB": (
        ("Consultancy services", "h", 65, 150, "hours", "std"),
        ("Software development", "h", 55, 120, "hours", "std"),
        ("Website maintenance (monthly)", "month", 95, 450, "months", "std"),
        ("Network installation", "h", 45, 85, "hours", "std"),
        ("Office chair, ergonomic", "pc", 149, 399, "few", "std"),
        ("Printer toner cartridge, black", "pc", 45, 119, "few", "std"),
        ("Copy paper A4, box of 5 reams", "pc", 18, 32, "many", "std"),
        ("Delivery charge", "flat", 5, 25, "one", "std"),
        ("Office cleaning", "flat", 120, 850, "one", "std"),
        ("Electrical sundries", "flat", 30, 260, "one", "std"),
        ("Training workshop (full day)", "day", 550, 1200, "days", "std"),
        ("Annual software licence", "lic", 150, 950, "few", "std"),
        ("Cable tray 60 x 40 mm", "m", 5, 16, "length", "std"),
        ("Catering: sandwich platters", "pc", 25, 60, "few", "std"),
        ("Printed leaflets A5", "pc", 1, 3, "many", "zero"),
        ("Technical handbook (printed)", "pc", 25, 80, "few", "zero"),
        ("Children's books, assorted", "pc", 6, 15, "many", "zero"),
    ),
    "en-US": (
        ("Consulting services", "h", 90, 220, "hours", "std"),
        ("Software development", "h", 85, 180, "hours", "std"),
        ("Website maintenance (monthly)", "month", 150, 650, "months", "std"),
        ("Network installation", "h", 65, 125, "hours", "std"),
        ("Office chair, ergonomic", "pc", 179, 499, "few", "std"),
        ("Toner cartridge, black", "pc", 49, 139, "few", "std"),
        ("Copy paper, letter size (case)", "pc", 35, 65, "many", "std"),
        ("Shipping and handling", "flat", 8, 45, "one", "std"),
        ("Janitorial services", "flat", 150, 1100, "one", "std"),
        ("Electrical supplies", "flat", 40, 380, "one", "std"),
        ("On-site training (full day)", "day", 800, 1800, "days", "std"),
        ("Annual software license", "lic", 199, 1200, "few", "std"),
        ("Cat6 Ethernet cable, 100 ft", "pc", 19, 49, "few", "std"),
        ("Conference room catering", "flat", 120, 650, "one", "std"),
        ("Labor - HVAC service call", "h", 75, 140, "hours", "std"),
    ),
}

UNITS: dict[str, dict[str, str]] = {
    "de": {"h": "Std.", "pc": "Stk.", "m": "m", "month": "Monat", "flat": "pausch.",
           "lic": "Lizenz", "day": "Tag"},
    "fr": {"h": "h", "pc": "u.", "m": "m", "month": "mois", "flat": "forfait", "lic": "u.",
           "day": "jour"},
    "sv": {"h": "tim", "pc": "st", "m": "m", "month": "mån", "flat": "st", "lic": "st",
           "day": "dag"},
    "en": {"h": "hrs", "pc": "pcs", "m": "m", "month": "month", "flat": "each", "lic": "each",
           "day": "day"},
}

# fmt: on
