"""Random but realistic invoice data with exact ground truth, one seed at a time.

:func:`make_invoice` draws a complete :class:`InvoiceData` for a locale (``en``
split into en-US/USD and en-GB/GBP, ``de``/EUR, ``fr``/EUR, ``sv``/SEK) from a
seeded :class:`random.Random`: seller and buyer companies with legal forms,
street addresses with real postcodes and cities, VAT ids whose check digits
are computed and then verified with python-stdnum, IBANs of real banks built
by schwifty (national check digits included), invoice and order numbers in
varied formats, dates and payment terms, and 1 to 25 line items taxed at rates
that are legal in the country.  Money is :class:`~decimal.Decimal` rounded
half-up to cents per line and per tax rate, so the line amounts add up to the
subtotal and subtotal plus tax is the total, exactly.  The module also holds
the locale conventions (number, money and date formats) the renderer prints
with, so the ground truth and the printed text come from one place.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import stdnum.de.vat
import stdnum.fr.siren
import stdnum.fr.siret
import stdnum.fr.tva
import stdnum.gb.vat
import stdnum.luhn
import stdnum.se.orgnr
import stdnum.se.vat
from babel.dates import format_date as babel_format_date
from schwifty import IBAN

from invoice_pipeline.schema import InvoiceRecord, RecordLineItem

from .words import (
    BANKS,
    CATALOG,
    CITIES,
    PREFIXES,
    SECOND_LINES,
    SECTORS,
    STREETS,
    SURNAMES,
    UNITS,
    US_BANKS,
    US_CITIES,
)

CENT = Decimal("0.01")

LOCALES: tuple[str, ...] = ("en", "de", "fr", "sv")
"""The locales a caller asks for; ``en`` becomes en-US or en-GB by seed."""

VARIANTS: tuple[str, ...] = ("en-US", "en-GB", "de", "fr", "sv")


@dataclass(frozen=True)
class LocaleSpec:
    """How one locale writes numbers, money and dates, and what it taxes."""

    code: str
    language: str
    country: str
    currency: str
    symbol: str
    decimal: str
    groups: tuple[str, ...]
    """Thousands separators in use (the first is the usual one)."""
    symbol_before: bool
    date_patterns: tuple[str, ...]
    babel_locale: str
    rates: dict[str, Decimal]
    """Tax category -> rate in percent (``std``, ``red``, ``red2``, ``zero``)."""
    page_size: str = "A4"


LOCALE_SPECS: dict[str, LocaleSpec] = {
    "de": LocaleSpec(
        "de",
        "de",
        "DE",
        "EUR",
        "€",
        ",",
        (".",),
        False,
        ("dd.MM.yyyy", "dd.MM.yyyy", "d. MMMM yyyy"),
        "de_DE",
        {"std": Decimal("19"), "red": Decimal("7")},
    ),
    "fr": LocaleSpec(
        "fr",
        "fr",
        "FR",
        "EUR",
        "€",
        ",",
        (" ", "\u00a0"),
        False,
        ("dd/MM/yyyy", "dd/MM/yyyy", "d MMMM yyyy"),
        "fr_FR",
        {"std": Decimal("20"), "red": Decimal("10"), "red2": Decimal("5.5")},
    ),
    "sv": LocaleSpec(
        "sv",
        "sv",
        "SE",
        "SEK",
        "kr",
        ",",
        (" ", ""),
        False,
        ("yyyy-MM-dd", "yyyy-MM-dd", "d MMMM yyyy"),
        "sv_SE",
        {"std": Decimal("25"), "red": Decimal("12"), "red2": Decimal("6")},
    ),
    "en-GB": LocaleSpec(
        "en-GB",
        "en",
        "GB",
        "GBP",
        "£",
        ".",
        (",",),
        True,
        ("dd/MM/yyyy", "d MMMM yyyy", "dd/MM/yyyy"),
        "en_GB",
        {"std": Decimal("20"), "zero": Decimal("0")},
    ),
    "en-US": LocaleSpec(
        "en-US",
        "en",
        "US",
        "USD",
        "$",
        ".",
        (",",),
        True,
        ("MM/dd/yyyy", "MMMM d, yyyy", "MM/dd/yyyy"),
        "en_US",
        {},  # sales tax depends on the buyer's city, see US_CITIES
        page_size="letter",
    ),
}


def resolve_locale(locale: str, rng: random.Random | None = None) -> LocaleSpec:
    """The :class:`LocaleSpec` for ``en``/``en-US``/``en-GB``/``de``/``fr``/``sv``."""
    key = locale.replace("_", "-")
    if key == "en":
        key = (rng or random.Random(0)).choice(("en-US", "en-GB"))
    if key not in LOCALE_SPECS:
        raise ValueError(f"unknown locale {locale!r}; use one of {LOCALES + VARIANTS}")
    return LOCALE_SPECS[key]


# ----------------------------------------------------------------- formatting


def quantize(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def decimal_str(value: Decimal) -> str:
    """A plain decimal string without exponent or trailing zeros: ``2.5``, ``19``."""
    text = format(value.normalize(), "f")
    return text


def format_number(
    value: Decimal, spec: LocaleSpec, places: int = 2, group: str | None = None
) -> str:
    """``1234.5`` -> ``1.234,50`` (de), ``1 234,50`` (fr, sv), ``1,234.50`` (en)."""
    sep = spec.groups[0] if group is None else group
    q = quantize(value, Decimal(1).scaleb(-places)) if places else quantize(value, Decimal(1))
    sign = "-" if q < 0 else ""
    text = format(abs(q), "f")
    whole, _, frac = text.partition(".")
    parts = []
    while len(whole) > 3:
        parts.insert(0, whole[-3:])
        whole = whole[:-3]
    parts.insert(0, whole)
    out = sep.join(parts)
    if places:
        out += spec.decimal + frac
    return sign + out


def format_quantity(value: Decimal, spec: LocaleSpec, fixed: bool = False) -> str:
    """A quantity as printed: ``2,5`` or ``2`` (``2,00`` with ``fixed``)."""
    if fixed:
        return format_number(value, spec, 2)
    places = max(0, -value.normalize().as_tuple().exponent)  # type: ignore[operator]
    return format_number(value, spec, places)


def format_money(
    value: Decimal, spec: LocaleSpec, style: str = "symbol", group: str | None = None
) -> str:
    """Money the way the locale writes it: ``12,50 €``, ``€12.50``, ``12,50 kr``, ``EUR 12.50``.

    ``style`` is ``symbol``, ``code`` or ``none`` (the bare number).
    """
    number = format_number(value, spec, 2, group)
    if style == "none":
        return number
    if style == "code":
        return f"{spec.currency} {number}" if spec.symbol_before else f"{number} {spec.currency}"
    nbsp = "\u00a0" if group == "\u00a0" else " "
    return f"{spec.symbol}{number}" if spec.symbol_before else f"{number}{nbsp}{spec.symbol}"


def format_rate(rate: Decimal, spec: LocaleSpec, space: bool = True) -> str:
    """A tax rate with its percent sign: ``19 %``, ``5,5 %``, ``8.875%``."""
    text = decimal_str(rate).replace(".", spec.decimal)
    return f"{text} %" if space and spec.language != "en" else f"{text}%"


def format_date(value: dt.date, spec: LocaleSpec, variant: int = 0) -> str:
    """A date in one of the locale's usual patterns (numeric or with the month name)."""
    pattern = spec.date_patterns[variant % len(spec.date_patterns)]
    return babel_format_date(value, pattern.replace("yyyy", "y"), locale=spec.babel_locale)


# ----------------------------------------------------------------- the data


@dataclass(frozen=True)
class Party:
    """A company as printed: name, address lines (no name), VAT id and registry numbers."""

    name: str
    address_lines: tuple[str, ...]
    country: str
    vat_id: str | None = None
    """Compact form with the country prefix, e.g. ``DE136695976``."""
    vat_id_printed: str | None = None
    """The VAT id as printed (spacing varies)."""
    registration: str | None = None
    """A registry id as printed, e.g. ``Org.nr 556677-8899`` or ``SIRET ...``."""
    phone: str | None = None
    email: str | None = None

    @property
    def address(self) -> str:
        return ", ".join(self.address_lines)


@dataclass(frozen=True)
class Bank:
    """Where to pay: an IBAN (EU, GB) or a routing and account number (US)."""

    name: str
    iban: str | None = None
    bic: str | None = None
    routing: str | None = None
    account: str | None = None
    sort_code: str | None = None
    bankgiro: str | None = None

    @property
    def iban_formatted(self) -> str | None:
        return IBAN(self.iban).formatted if self.iban else None


@dataclass(frozen=True)
class Item:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    article: str


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass
class InvoiceData:
    """One invoice's content: everything the renderer prints, and the truth."""

    spec: LocaleSpec
    invoice_number: str
    invoice_date: dt.date
    due_date: dt.date
    payment_days: int
    delivery_date: dt.date
    purchase_order: str | None
    customer_number: str | None
    seller: Party
    buyer: Party
    bank: Bank
    items: list[Item]
    taxes: list[TaxLine]
    subtotal: Decimal
    tax_amount: Decimal
    total: Decimal
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def locale(self) -> str:
        return self.spec.code

    @property
    def currency(self) -> str:
        return self.spec.currency

    def check(self) -> None:
        """Raise ``AssertionError`` unless every amount adds up exactly."""
        assert all(quantize(i.quantity * i.unit_price) == i.amount for i in self.items)
        assert sum((i.amount for i in self.items), Decimal(0)) == self.subtotal
        assert sum((t.base for t in self.taxes), Decimal(0)) == self.subtotal
        assert all(quantize(t.base * t.rate / 100) == t.tax for t in self.taxes)
        assert sum((t.tax for t in self.taxes), Decimal(0)) == self.tax_amount
        assert self.subtotal + self.tax_amount == self.total

    def to_record(self, document_id: str, source_file: str | None = None) -> InvoiceRecord:
        """The ground truth as the pipeline's flat record (status ``approved``)."""
        return InvoiceRecord(
            document_id=document_id,
            source_file=source_file,
            status="approved",
            quality_score=1.0,
            invoice_number=self.invoice_number,
            invoice_date=self.invoice_date.isoformat(),
            due_date=self.due_date.isoformat(),
            currency=self.currency,
            seller_name=self.seller.name,
            seller_address=self.seller.address,
            seller_vat_id=self.seller.vat_id,
            buyer_name=self.buyer.name,
            buyer_address=self.buyer.address,
            buyer_vat_id=self.buyer.vat_id,
            iban=self.bank.iban,
            purchase_order=self.purchase_order,
            subtotal=str(self.subtotal),
            tax_amount=str(self.tax_amount),
            total_amount=str(self.total),
            line_items=[
                RecordLineItem(
                    description=i.description,
                    quantity=decimal_str(i.quantity),
                    unit_price=str(i.unit_price),
                    amount=str(i.amount),
                    tax_rate=decimal_str(i.tax_rate),
                )
                for i in self.items
            ],
            extractor="ground-truth",
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


# ------------------------------------------------------------------ line items


def _quantity(kind: str, rng: random.Random) -> Decimal:
    if kind == "hours":
        return (
            Decimal(rng.randint(1, 120)) * Decimal("0.25")
            if rng.random() < 0.6
            else Decimal(rng.randint(1, 40))
        )
    if kind == "days":
        return (
            Decimal(rng.choice((1, 1, 2, 3, 5)))
            if rng.random() < 0.8
            else Decimal("0.5") * rng.randint(1, 9)
        )
    if kind == "months":
        return Decimal(rng.choice((1, 1, 1, 3, 6, 12)))
    if kind == "length":
        return (
            Decimal(rng.randint(10, 600)) / 10
            if rng.random() < 0.5
            else Decimal(rng.randint(1, 120))
        )
    if kind == "many":
        return Decimal(rng.choice((5, 10, 12, 20, 24, 25, 50, 100, 150, 200, 500)))
    if kind == "few":
        return Decimal(rng.randint(1, 8))
    return Decimal(1)


def _unit_price(lo: int, hi: int, rng: random.Random) -> Decimal:
    whole = rng.randint(lo, max(lo, hi - 1))
    cents = rng.choice((0, 0, 0, 50, 90, 95, 99, rng.randint(0, 99)))
    return quantize(Decimal(whole) + Decimal(cents) / 100)


def _item_count(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.35:
        return rng.randint(1, 3)
    if r < 0.7:
        return rng.randint(4, 8)
    if r < 0.9:
        return rng.randint(9, 15)
    return rng.randint(16, 25)


def _invoice_number(spec: LocaleSpec, year: int, rng: random.Random) -> str:
    n = rng.randint(1, 9999)
    big = rng.randint(10000, 99999)
    formats = {
        "de": (
            f"RE-{big}",
            f"RE{year}-{n:05d}",
            f"{year}-{n:04d}",
            f"R{year}{n:04d}",
            f"RG-{year}/{n:04d}",
        ),
        "fr": (
            f"F{year}/{n:03d}",
            f"FAC-{year}-{n:04d}",
            f"FA{big}",
            f"{year}{n:05d}",
            f"F-{year % 100:02d}-{n:04d}",
        ),
        "sv": (f"{big}", f"F{year}-{n:04d}", f"{year}{n:04d}", f"{n + 1000}"),
        "en-GB": (
            f"INV-{year}-{n:04d}",
            f"INV{big}",
            f"{year}-{n:04d}",
            f"SI-{big}",
            f"INV/{year % 100:02d}/{n:04d}",
        ),
        "en-US": (f"INV-{year}-{n:04d}", f"{big}", f"INV{n:06d}", f"{year}-{n:04d}", f"US-{big}"),
    }[spec.code]
    return rng.choice(formats)


def _purchase_order(spec: LocaleSpec, year: int, rng: random.Random) -> str:
    n = rng.randint(100, 99999)
    formats = {
        "de": (f"4500{rng.randint(100000, 999999)}", f"BE-{n:05d}", f"B{year}-{n % 1000:03d}"),
        "fr": (f"BC-{year}-{n % 10000:04d}", f"CMD{n:05d}", f"4500{rng.randint(100000, 999999)}"),
        "sv": (f"ORD-{n:05d}", f"{rng.randint(100000, 999999)}", f"IO{n:05d}"),
        "en-GB": (f"PO-{n:05d}", f"PO{year}-{n % 1000:03d}", f"4500{rng.randint(100000, 999999)}"),
        "en-US": (f"PO-{n:05d}", f"P{n:06d}", f"{year}-PO-{n % 1000:03d}"),
    }[spec.code]
    return rng.choice(formats)


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


def _party(spec: LocaleSpec, rng: random.Random, with_vat: bool) -> tuple[Party, Decimal | None]:
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


def make_invoice(seed: int, locale: str, *, items: int | None = None) -> InvoiceData:
    """Draw one invoice for ``locale`` from ``seed``; the same seed gives the same invoice."""
    rng = random.Random(f"invoice-data:{seed}:{locale}")
    spec = resolve_locale(locale, rng)
    lang_key = spec.code if spec.language == "en" else spec.language
    seller, _ = _party(spec, rng, with_vat=True)
    buyer, buyer_us_rate = _party(spec, rng, with_vat=rng.random() < 0.5)
    while buyer.name == seller.name:
        buyer, buyer_us_rate = _party(spec, rng, with_vat=buyer.vat_id is not None)
    bank = make_bank(spec.country, rng)

    invoice_date = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 4 * 365))
    payment_days = rng.choice((14, 30, 30))
    due_date = invoice_date + dt.timedelta(days=payment_days)
    delivery_date = invoice_date - dt.timedelta(days=rng.randint(0, 12))
    year = invoice_date.year
    number = _invoice_number(spec, year, rng)
    po = _purchase_order(spec, year, rng) if rng.random() < 0.6 else None
    customer_no = str(rng.randint(10000, 99999)) if rng.random() < 0.5 else None

    # tax rates: one (the standard rate) or two (standard + one reduced)
    if spec.country == "US":
        rate = buyer_us_rate if buyer_us_rate is not None else Decimal(0)
        if rng.random() < 0.25:
            rate = Decimal(0)
        categories = {"std": rate}
        use = ["std"]
    else:
        categories = dict(spec.rates)
        reduced = [c for c in categories if c != "std"]
        use = ["std"] if rng.random() < 0.65 else ["std", rng.choice(reduced)]

    catalog = CATALOG[lang_key]
    count = items if items is not None else _item_count(rng)
    if count < 1:
        raise ValueError("an invoice needs at least one line item")
    pools = {c: [e for e in catalog if e[5] == c] for c in use}
    unit_names = UNITS[spec.language]
    line_items: list[Item] = []
    unused: dict[str, list[tuple[str, str, int, int, str, str]]] = {}
    for k in range(count):
        # the first item is always standard-rated; with two rates the second is reduced
        category = use[0] if k == 0 else (use[1] if k == 1 and len(use) > 1 else rng.choice(use))
        # draw without replacement until the category's pool runs dry, then start over
        if not unused.get(category):
            unused[category] = list(pools[category])
        entry = unused[category].pop(rng.randrange(len(unused[category])))
        desc, unit, lo, hi, qkind, _ = entry
        qty = _quantity(qkind, rng)
        price = _unit_price(lo, hi, rng)
        line_items.append(
            Item(
                description=desc,
                quantity=qty,
                unit=unit_names[unit],
                unit_price=price,
                tax_rate=categories[category],
                amount=quantize(qty * price),
                article=f"{rng.choice('ABCKMS')}{rng.randint(100, 9999)}",
            )
        )

    rates_in_use = sorted({i.tax_rate for i in line_items}, reverse=True)
    taxes = []
    for r in rates_in_use:
        base = sum((i.amount for i in line_items if i.tax_rate == r), Decimal(0))
        taxes.append(TaxLine(rate=r, base=base, tax=quantize(base * r / 100)))
    subtotal = sum((i.amount for i in line_items), Decimal(0))
    tax_amount = sum((t.tax for t in taxes), Decimal(0))
    data = InvoiceData(
        spec=spec,
        invoice_number=number,
        invoice_date=invoice_date,
        due_date=due_date,
        payment_days=payment_days,
        delivery_date=delivery_date,
        purchase_order=po,
        customer_number=customer_no,
        seller=seller,
        buyer=buyer,
        bank=bank,
        items=line_items,
        taxes=taxes,
        subtotal=subtotal,
        tax_amount=tax_amount,
        total=subtotal + tax_amount,
    )
    data.check()
    return data
