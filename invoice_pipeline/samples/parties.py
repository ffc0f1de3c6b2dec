"""Seeded seller and buyer companies with addresses, VAT ids and bank details.

:func:`make_party` draws a company of a locale: a name with a legal form,
street address lines with real postcodes and cities (and, in the US, the
city's sales-tax rate), phone and e-mail, and optionally a VAT id whose check
digits are computed and verified with python-stdnum (:func:`make_vat_id`,
with a registry id such as HRB, SIRET or Org.nr).  :func:`make_bank` draws the
payment details of a real bank: an IBAN built by schwifty (national check
digits included) or a US routing and account number.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

import stdnum.de.vat
import stdnum.fr.siren
import stdnum.fr.siret
import stdnum.fr.tva
import stdnum.gb.vat
import stdnum.luhn
import stdnum.se.orgnr
import stdnum.se.vat
from schwifty import IBAN

from .invoice_data import Bank, Party
from .locales import LocaleSpec
from .words import (
    BANKS,
    CITIES,
    PREFIXES,
    SECOND_LINES,
    SECTORS,
    STREETS,
    SURNAMES,
    US_BANKS,
    US_CITIES,
)

# ---------------------------------------------------------------- companies


def _company_name(country: str, rng: random.Random) -> str:
    s = rng.choice(SURNAMES[country])
    s2 = rng.choice([n for n in SURNAMES[country] if n != s])
    sector = rng.choice(SECTORS[country])
    prefix = rng.choice(PREFIXES[country])
    patterns = {
        "DE": (
            f"{s} {sector} GmbH",
            f"{s} & {s2} GmbH",
            f"{s} {sector} GmbH & Co. KG",
            f"{prefix} {sector} AG",
            f"{prefix} {sector} UG (haftungsbeschränkt)",
            f"{sector} {s} e.K.",
            f"{prefix} {sector} GmbH",
        ),
        "FR": (
            f"{sector} {s} SARL",
            f"{s} et Fils SAS",
            f"{prefix} {sector} SAS",
            f"Ets {s} SARL",
            f"{s} & {s2} SA",
            f"{prefix} {sector} EURL",
        ),
        "SE": (
            f"{s}s {sector} AB",
            f"{prefix} {sector} AB",
            f"{s} & {s2} {sector} HB",
            f"{sector}bolaget {prefix} AB",
            f"{s} {sector} AB",
        ),
        "GB": (
            f"{s} {sector} Ltd",
            f"{s} & {s2} LLP",
            f"{prefix} {sector} Limited",
            f"{prefix} {sector} Ltd",
            f"{s} {sector} PLC",
        ),
        "US": (
            f"{prefix} {sector} Inc.",
            f"{s} & {s2} LLC",
            f"{s} {sector} Corp.",
            f"{prefix} {sector} LLC",
            f"{s} {sector} Co.",
        ),
    }[country]
    return rng.choice(patterns)


def _address(country: str, rng: random.Random) -> tuple[tuple[str, ...], Decimal | None]:
    """Address lines as printed, and (US only) the sales-tax rate of the city."""
    street = rng.choice(STREETS[country])
    second = rng.choice(SECOND_LINES[country]) if rng.random() < 0.2 else None
    n = rng.randint(1, 180)
    if country == "DE":
        house = f"{n}{rng.choice(('', '', '', 'a', 'b'))}"
        code, city = rng.choice(CITIES["DE"])
        lines = [f"{street} {house}", second, f"{code} {city}"]
    elif country == "FR":
        house = f"{n}{rng.choice(('', '', '', '', ' bis'))}"
        code, city = rng.choice(CITIES["FR"])
        lines = [f"{house} {street}", second, f"{code} {city}"]
    elif country == "SE":
        code, city = rng.choice(CITIES["SE"])
        if rng.random() < 0.15:
            lines = [f"Box {rng.randint(100, 9999)}", f"{code} {city}"]
        else:
            lines = [f"{street} {n}", second, f"{code} {city}"]
    elif country == "GB":
        code, city = rng.choice(CITIES["GB"])
        if rng.random() < 0.5:
            lines = [f"{n} {street}", second, city, code]
        else:
            lines = [f"{n} {street}", second, f"{city} {code}"]
    else:
        city, state, code, rate = rng.choice(US_CITIES)
        lines = [f"{rng.randint(10, 9899)} {street}", second, f"{city}, {state} {code}"]
        return tuple(x for x in lines if x), rate
    return tuple(x for x in lines if x), None


def _digits(rng: random.Random, n: int, first_nonzero: bool = True) -> str:
    first = str(rng.randint(1 if first_nonzero else 0, 9))
    return first + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def _with_check_digit(body: str, is_valid: Callable[[str], bool], width: int = 1) -> str:
    for k in range(10**width):
        candidate = body + str(k).zfill(width)
        if is_valid(candidate):
            return candidate
    raise ValueError(f"no check digit makes {body!r} valid")


def make_vat_id(
    country: str, rng: random.Random, city: str = "Berlin"
) -> tuple[str, str, str | None]:
    """A VAT id with valid check digits: (compact, as printed, registry id as printed)."""
    if country == "DE":
        number = _with_check_digit(_digits(rng, 8), stdnum.de.vat.is_valid)
        vat = "DE" + number
        printed = vat if rng.random() < 0.8 else f"DE {number}"
        assert stdnum.de.vat.is_valid(vat)
        return vat, printed, f"HRB {rng.randint(10000, 250000)}, Amtsgericht {city}"
    if country == "FR":
        siren = _with_check_digit(_digits(rng, 8), stdnum.fr.siren.is_valid)
        vat = stdnum.fr.siren.to_tva(siren)
        vat = vat if vat.startswith("FR") else "FR" + vat
        assert stdnum.fr.tva.is_valid(vat)
        printed = (
            vat if rng.random() < 0.6 else f"FR {vat[2:4]} {siren[:3]} {siren[3:6]} {siren[6:]}"
        )
        siret = _with_check_digit(siren + _digits(rng, 4, False), stdnum.fr.siret.is_valid)
        return vat, printed, f"SIRET {stdnum.fr.siret.format(siret)}"
    if country == "SE":
        org = _with_check_digit(
            rng.choice(("556", "559")) + _digits(rng, 6, False), stdnum.se.orgnr.is_valid
        )
        vat = f"SE{org}01"
        assert stdnum.se.vat.is_valid(vat)
        printed = vat if rng.random() < 0.8 else f"SE {org} 01"
        return vat, printed, f"Org.nr {org[:6]}-{org[6:]}"
    if country == "GB":
        number = _with_check_digit(_digits(rng, 7), stdnum.gb.vat.is_valid, width=2)
        vat = "GB" + number
        assert stdnum.gb.vat.is_valid(vat)
        printed = vat if rng.random() < 0.5 else f"GB {number[:3]} {number[3:7]} {number[7:]}"
        return vat, printed, f"Company No. {rng.randint(1000000, 14999999):08d}"
    raise ValueError(f"no VAT ids for {country}")


def make_bank(country: str, rng: random.Random) -> Bank:
    """Payment details of a real bank with a valid, seeded account number."""
    if country == "US":
        name, routing = rng.choice(US_BANKS)
        return Bank(name=name, routing=routing, account=_digits(rng, rng.choice((9, 10, 12))))
    bank_code, branch, name = rng.choice(BANKS[country])
    sub = random.Random(rng.getrandbits(64))
    if country == "DE":
        iban = IBAN.random(country_code="DE", random=sub, bank_code=bank_code)
    else:
        length = {"FR": 11, "SE": 16, "GB": 8}[country]
        iban = IBAN.generate(
            country,
            bank_code=bank_code,
            branch_code=branch,
            account_code=_digits(sub, length, country == "GB"),
        )
    bic = str(iban.bic) if iban.bic else None
    extra: dict[str, str] = {}
    if country == "GB":
        extra["sort_code"] = f"{branch[:2]}-{branch[2:4]}-{branch[4:]}"
        extra["account"] = iban.account_code
    if country == "SE":
        body = _digits(rng, rng.choice((6, 7)))
        bg = body + stdnum.luhn.calc_check_digit(body)
        extra["bankgiro"] = f"{bg[:-4]}-{bg[-4:]}"
    return Bank(name=name, iban=str(iban.compact), bic=bic, **extra)


def _contact(spec: LocaleSpec, name: str, rng: random.Random) -> tuple[str, str]:
    domain_word = (
        "".join(ch for ch in name.split()[0].lower() if ch.isascii() and ch.isalnum()) or "firma"
    )
    tld = {"DE": "de", "FR": "fr", "SE": "se", "GB": "co.uk", "US": "com"}[spec.country]
    email = f"{rng.choice(('info', 'billing', 'accounts', 'contact'))}@{domain_word}.{tld}"
    if spec.country == "DE":
        phone = f"+49 {rng.randint(30, 999)} {rng.randint(100000, 9999999)}"
    elif spec.country == "FR":
        phone = f"+33 {rng.randint(1, 9)} " + " ".join(f"{rng.randint(10, 99)}" for _ in range(4))
    elif spec.country == "SE":
        phone = f"+46 {rng.randint(8, 99)} {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    elif spec.country == "GB":
        phone = f"+44 {rng.randint(20, 199)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
    else:
        phone = f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
    return phone, email


def make_party(
    spec: LocaleSpec, rng: random.Random, with_vat: bool
) -> tuple[Party, Decimal | None]:
    """A company of ``spec``'s country, and (US only) the sales-tax rate of its city."""
    name = _company_name(spec.country, rng)
    lines, us_rate = _address(spec.country, rng)
    vat = printed = reg = None
    if with_vat and spec.country != "US":
        city = lines[-1].split(" ", 1)[-1]
        vat, printed, reg = make_vat_id(spec.country, rng, city)
    phone, email = _contact(spec, name, rng)
    party = Party(
        name=name,
        address_lines=lines,
        country=spec.country,
        vat_id=vat,
        vat_id_printed=printed,
        registration=reg,
        phone=phone,
        email=email,
    )
    return party, us_rate
