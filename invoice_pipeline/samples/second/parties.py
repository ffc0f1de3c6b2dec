"""Companies of the second generator: legal name, logo text, address, VAT id and IBAN.

:func:`make_company` draws a company of a country from the word lists in
:mod:`.vocab`: a legal name with its legal form, a *brand* (the logo text: the
name's initials or its first word in capitals, never the legal name), address
lines in the country's order, a VAT id whose check digits python-stdnum
accepts (found by drawing candidates until ``stdnum.<cc>.vat.is_valid`` holds;
US companies print an EIN instead), and an IBAN built by schwifty from a BBAN
with the national check digits (France's RIB key, Spain's CCC digits) and
checked with ``stdnum.iban``.  Everything comes from the ``random.Random``
passed in, so it is deterministic per seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import stdnum.es.ccc
import stdnum.iban
from schwifty import IBAN
from stdnum.util import get_cc_module

from .vocab import CITIES, COUNTRY_NAMES, LEGAL_FORMS, STEMS, STREETS, TAMAN, TRADES

LANGUAGE = {
    "US": "en", "GB": "en", "DE": "de", "FR": "fr", "SE": "sv", "NL": "nl", "ES": "es", "MY": "en",
}  # fmt: skip
DIAL = {
    "US": "1", "GB": "44", "DE": "49", "FR": "33", "SE": "46", "NL": "31", "ES": "34", "MY": "60",
}  # fmt: skip
NO_VAT_ID = frozenset({"US", "MY"})
"""Countries whose companies print no EU-style VAT id and have no IBAN (the US prints an
EIN, Malaysia its company number)."""
BANKS = {
    "US": ("First Prairie Bank", "Lakeshore Federal Credit Union"),
    "GB": ("Northgate Bank", "Thames Mutual"),
    "DE": ("Sparkasse Mittelelbe", "Volksbank Kraichgau-Süd"),
    "FR": ("Crédit Rhodanien", "Banque Populaire du Littoral"),
    "SE": ("Norrlandsbanken", "Sparbanken Väst"),
    "NL": ("Rabobank Utrecht", "Friesche Spaarbank"),
    "ES": ("Caja Rural del Turia", "Banco de Levante"),
    "MY": ("Bank Bumi Makmur Berhad", "Perdana Bank Berhad"),
}


@dataclass(frozen=True)
class Company:
    """One party as printed."""

    name: str
    """The legal name (the truth's seller or buyer name)."""
    brand: str
    """Logo text: initials or a stylised short name, never the legal name."""
    lines: tuple[str, ...]
    """Address lines without the name, in the country's order."""
    country: str
    vat_id: str | None = None
    """Compact, with the country prefix (``NL123456782B01``); None in the US."""
    vat_printed: str | None = None
    registration: str | None = None
    iban: str | None = None
    bank: str | None = None
    us_account: str | None = None
    """A payment line without IBAN (US routing and account, a Malaysian account number),
    printed where an IBAN would be."""
    email: str | None = None
    phone: str | None = None

    @property
    def address(self) -> str:
        return ", ".join(self.lines)

    @property
    def iban_printed(self) -> str | None:
        return IBAN(self.iban).formatted if self.iban else None


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def _vat_candidate(country: str, rng: random.Random) -> str:
    if country == "NL":
        return f"NL{_digits(rng, 9)}B0{rng.randint(1, 9)}"
    if country == "SE":
        return f"SE{_digits(rng, 10)}01"
    if country == "ES":
        return f"ES{rng.choice('ABH')}{_digits(rng, 8)}"
    if country == "FR":
        return f"FR{rng.randint(0, 99):02d}{_digits(rng, 9)}"
    return f"{country}{_digits(rng, 9)}"


def make_vat_id(country: str, rng: random.Random) -> tuple[str, str]:
    """(compact, printed) VAT id of ``country`` that stdnum's checksum accepts."""
    module = get_cc_module(country.lower(), "vat")
    for _ in range(20_000):
        candidate = _vat_candidate(country, rng)
        if module.is_valid(candidate):
            break
    else:  # pragma: no cover - the loop finds one within a few hundred draws
        raise RuntimeError(f"no valid {country} VAT id drawn")
    body = candidate[2:]
    printed = rng.choice(
        (
            candidate,
            f"{country} {body}",
            f"{country} {' '.join(body[i : i + 3] for i in range(0, len(body), 3))}",
        )  # noqa: E501
        if country in ("DE", "GB")
        else (candidate, f"{country} {body}")
    )
    return candidate, printed


def _bban(country: str, rng: random.Random) -> str:
    d = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if country == "FR":
        bank, branch, account = d(5), d(5), d(11)
        key = 97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97)
        return f"{bank}{branch}{account}{key:02d}"
    if country == "ES":
        bank, branch, account = d(4), d(4), d(10)
        return (
            bank
            + branch
            + stdnum.es.ccc.calc_check_digits(bank + branch + "00" + account)
            + account
        )
    return {
        "DE": lambda: d(18),
        "GB": lambda: rng.choice(("NWBK", "MIDL", "BARC")) + d(14),
        "SE": lambda: rng.choice(("500", "800", "600")) + d(17),
        "NL": lambda: rng.choice(("RABO", "INGB", "ABNA")) + d(10),
    }[country]()


def make_iban(country: str, rng: random.Random) -> str:
    """A compact IBAN of ``country`` with valid national and IBAN check digits."""
    for _ in range(1000):
        iban = str(IBAN.from_bban(country, _bban(country, rng)).compact)
        if stdnum.iban.is_valid(iban):
            return iban
    raise RuntimeError(f"no valid {country} IBAN drawn")  # pragma: no cover


def _address(country: str, lang: str, rng: random.Random, abroad: bool) -> tuple[str, ...]:
    street, number = rng.choice(STREETS[country]), rng.randint(1, 180)
    city = rng.choice(CITIES[country])
    if country == "US":
        lines = [f"{number * 10 + rng.randint(0, 9)} {street}"]
        if rng.random() < 0.4:
            lines.append(f"Suite {rng.randint(100, 950)}")
        lines.append(f"{city[1]}, {city[2]} {city[0]}")
    elif country == "GB":
        lines = [f"{number} {street}"]
        if rng.random() < 0.3:
            lines.insert(0, f"Unit {rng.randint(1, 30)}")
        lines += [city[1], city[0]]
    elif country == "FR":
        lines = [f"{number} {street}", f"{city[0]} {city[1]}"]
    elif country == "ES":
        lines = [f"{street}, {number}", f"{city[0]} {city[1]}"]
    elif country == "MY":  # "No. 12, Jalan Ampang", "Taman Maluri", "50450 Kuala Lumpur"
        lines = [f"{rng.choice(('No. ', 'No ', 'Lot '))}{number}, {street}"]
        if rng.random() < 0.5:
            lines.append(rng.choice(TAMAN))
        lines.append(f"{city[0]} {city[1]}")
    else:
        lines = [f"{street} {number}", f"{city[0]} {city[1]}"]
    if abroad:
        lines.append(COUNTRY_NAMES[lang][country])
    return tuple(lines)


def _registration(country: str, rng: random.Random) -> str | None:
    return {
        "US": f"EIN {rng.randint(10, 98)}-{rng.randint(1000000, 9999999)}",
        "GB": f"Company No. {rng.randint(1000000, 13999999):08d}",
        "DE": f"HRB {rng.randint(1000, 99999)}",
        "FR": f"RCS {rng.choice(('Lyon', 'Nantes', 'Lille'))} {rng.randint(100, 999)} "
        f"{rng.randint(100, 999)} {rng.randint(100, 999)}",
        "SE": f"Org.nr {rng.randint(550000, 559999)}-{rng.randint(1000, 9999)}",
        "NL": f"KvK {rng.randint(10000000, 99999999)}",
        "ES": f"Reg. Merc. {rng.choice(('Valencia', 'Sevilla'))} T {rng.randint(1000, 9999)}",
        "MY": f"({rng.randint(10000, 999999)}-{rng.choice('ADHKMPTUVWX')})",
    }[country]


def _brand(stem: str, trade: str, rng: random.Random) -> str:
    words = [w for w in f"{stem} {trade}".replace("&", " ").split() if w[0].isupper()]
    initials = "".join(w[0] for w in words)[:3]
    first = stem.split()[-1]
    return rng.choice((initials, first.upper(), f"{first.lower()}.", f"{initials} {first.upper()}"))


def make_company(
    country: str, lang: str, rng: random.Random, *, abroad: bool = False, vat: bool = True
) -> Company:
    """A company of ``country`` printed for a reader of ``lang``."""
    own = LANGUAGE[country]
    stem = rng.choice(STEMS[country])
    trade = rng.choice(TRADES[own])
    form = rng.choice(LEGAL_FORMS[country])
    name = rng.choice((f"{stem} {trade} {form}", f"{stem} {form}", f"{trade} {stem} {form}"))
    if country in ("US", "GB") and form in ("Inc.", "Corp.", "Co.") and rng.random() < 0.5:
        name = name.replace(f" {form}", f", {form}")
    vat_id = vat_printed = None
    if vat and country not in NO_VAT_ID:
        vat_id, vat_printed = make_vat_id(country, rng)
    slug = stem.split()[-1].lower()
    slug = slug.translate(str.maketrans("äöüåéèáíóúñç", "aouaeeaiounc")).replace("ß", "ss")
    tld = {"US": "com", "GB": "co.uk", "MY": "com.my"}.get(country, country.lower())
    iban = make_iban(country, rng) if country not in NO_VAT_ID else None
    return Company(
        name=name,
        brand=_brand(stem, trade, rng),
        lines=_address(country, lang, rng, abroad),
        country=country,
        vat_id=vat_id,
        vat_printed=vat_printed,
        registration=_registration(country, rng),
        iban=iban,
        bank=rng.choice(BANKS[country]),
        us_account=(
            f"ABA {rng.randint(10000000, 99999999)}{rng.randint(0, 9)} "
            f"Acct {rng.randint(10**9, 10**10 - 1)}"
            if country == "US"
            else f"Account No. {rng.randint(10**11, 10**12 - 1)}"
            if country == "MY"
            else None
        ),
        email=f"{rng.choice(('billing', 'accounts', 'info', 'hello'))}@{slug}.{tld}",
        phone=f"+{DIAL[country]} {rng.randint(20, 899)} {rng.randint(100000, 999999)}",
    )
