"""Seller and buyer: names and addresses from the blocks of lines on the first page.

The buyer is found by its label ("Bill to", "Rechnungsempfänger", "Facturé à",
"Faktureras till", ...) or, without one, as the address block in the window
position of a letter. The seller is the labelled block, else the company name
in the letterhead or the footer (a line with a legal form such as GmbH, Ltd,
SAS or AB scores highest), else the first prominent line of the page.
:func:`addressee_blocks` and :func:`issuer_blocks` name the blocks addressed to
the buyer and those an issuer label names, for the role checks of validation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from invoice_pipeline.processing.extract.rules.geometry import (
    Ln,
    below,
    median_height,
    per_lines,
    right_of,
    v_overlap,
)
from invoice_pipeline.processing.extract.rules.role_vocabulary import PHONE
from invoice_pipeline.processing.extract.rules.roles import name_problem
from invoice_pipeline.processing.extract.rules.values import AMOUNT_RE, DATE_RE, WORD_RE
from invoice_pipeline.processing.extract.rules.vocabulary import (
    ACCOUNT_HOLDER,
    BUYER_LABELS,
    CONTACT_LINE,
    LABELS,
    LEGAL_FORMS,
    NAME_LABEL,
    PARTY_ID_AFTER,
    REGISTRATION_LINE,
    SELLER_LABELS,
    SHIP_LABELS,
    TITLE_WORDS,
    TOTAL_LABELS,
    fold,
)

POSTCODE = re.compile(
    r"(?:\b\d{4,5}\b|\b\d{3}\s\d{2}\b|\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|\b[A-Z]{2}\s\d{5}(?:-\d{4})?\b|\bF-\d{5}\b|\bD-\d{5}\b)"
)
COUNTRIES = re.compile(
    r"\b(?:germany|deutschland|france|sweden|sverige|united kingdom|uk|england|usa|united states|"
    r"austria|osterreich|switzerland|schweiz|suisse|netherlands|nederland|belgium|belgique|spain|espana|"
    r"italy|italia|denmark|danmark|norway|norge|finland|suomi|ireland|poland|polska|india)\b"
)
ADDRESS_LABEL = re.compile(
    r"(?:anschrift|adresse|address|addr\.?|strasse|street|rue|adres|adress|postadress\w*|sitz)\b"
)
SALUTATION = re.compile(
    r"(?:herrn?|frau|firma|mr\.?|mrs\.?|ms\.?|miss|dr\.?|monsieur|madame|m\.|mme\.?|herr\s*dr\.?)"
)
SEPARATORS = re.compile(r"\s*[·•|]\s*|\s+[-–]\s+(?=.*\d)|\s+\.\s+(?=\d)")


@dataclass
class Party:
    name: Ln | None = None
    name_text: str | None = None
    address: list[Ln] = field(default_factory=list)
    address_text: str | None = None
    confidence: float = 0.0
    name_above: list[Ln] = field(default_factory=list)
    """Lines of a name printed over two lines, above ``name``."""
    name_below: list[Ln] = field(default_factory=list)
    """The end of a name's legal form printed on the next line ("(haftungsbeschränkt)")."""

    def __post_init__(self) -> None:
        # "Elbtal Stahlhandel UG" over "(haftungsbeschränkt)": the second line ends the
        # name, it does not start the address
        if self.name is None or not self.name_text or not self.address:
            return
        tail = self.address[0]
        if not is_legal_tail(tail) or tail.page != self.name.page:
            return
        self.address = self.address[1:]
        self.name_below = [*self.name_below, tail]
        text = tail.text.strip(" ,")
        self.name_text = f"{self.name_text} {text}"
        if self.address_text == text:
            self.address_text = None
        elif self.address_text:
            self.address_text = self.address_text.replace(f"{text}, ", "", 1)

    @property
    def name_lines(self) -> list[Ln]:
        return [
            *self.name_above,
            *([self.name] if self.name is not None else []),
            *self.name_below,
        ]

    @property
    def lines(self) -> list[Ln]:
        return [*self.name_lines, *self.address]


def is_legal_tail(ln: Ln) -> bool:
    """A line that holds only (the end of) a legal form: the last line of a company name
    printed over two lines ("(haftungsbeschränkt)", "GmbH & Co. KG")."""
    folded = _COUNTRY_MARK.sub(" ", ln.folded)
    return bool(LEGAL_FORMS.search(folded)) and not LEGAL_FORMS.sub(" ", folded).strip(" .,&()+-")


def legal_tail(name: Ln, lines: Sequence[Ln]) -> Ln | None:
    """The line right under ``name``, set flush with it or centred under it, that ends its
    legal form, or None."""
    for b in below(name, lines, max_gap=1.0, align=0.02, min_drop=0.5)[:1]:
        if (abs(b.x0 - name.x0) <= 0.02 or abs(b.cx - name.cx) <= 0.04) and is_legal_tail(b):
            return b
    return None


def _is_label_line(ln: Ln) -> bool:
    return _is_label_text(ln.folded)


@lru_cache(maxsize=8192)
def _is_label_text(f: str) -> bool:
    if TITLE_WORDS.match(f) and len(f) < 40:
        return True
    for label in LABELS:
        m = label.pattern.search(f)
        if m and m.start() <= 1 and label.weight >= 0.6:
            return True
    return any(p.search(f) for pats in TOTAL_LABELS.values() for p, w in pats if w >= 1.0)


def _is_data_line(ln: Ln) -> bool:
    """Dates, amounts or ids only: no letters to speak of."""
    letters = sum(ch.isalpha() for ch in ln.text)
    return (
        letters < 2
        or bool(DATE_RE.fullmatch(ln.text.strip()))
        or bool(AMOUNT_RE.fullmatch(ln.text.strip()))
    )


def _aligned(b: Ln, start: Ln) -> bool:
    """Set flush left, flush right or centred under ``start``."""
    return (
        abs(b.x0 - start.x0) < 0.03 or abs(b.x1 - start.x1) < 0.015 or abs(b.cx - start.cx) < 0.015
    )


def block_below(start: Ln, lines: Sequence[Ln], *, max_lines: int = 6) -> list[Ln]:
    """The lines under ``start`` that continue its block (closely spaced and aligned: left,
    right or centred)."""
    block = [start]
    current = start
    while len(block) < max_lines:
        nxt = [
            b
            for b in below(current, lines, max_gap=1.1, align=0.02, min_drop=0.6)
            if b not in block and _aligned(b, start)
        ]
        if not nxt:
            break
        b = nxt[0]
        if _is_label_line(b) or CONTACT_LINE.search(b.folded) or BUYER_LABELS.match(b.folded):
            break
        block.append(b)
        current = b
    return block


_ID_PIECE = re.compile(
    r"\b(?:tax\s*id|ein|cif|nif|nie|kvk|btw|abn|uid|siret|siren|org\.?\s*nr|reg(?:\.|istration|istered)?"
    r"|company\s*(?:no|number)|vat\s*(?:no|nr|reg\w*|id))\b"
)


def _not_address(piece: str) -> bool:
    """A piece of a one-line letterhead or footer that is no part of the address: a phone
    number, e-mail, web address or a tax or registration id."""
    text = piece.strip()
    folded = fold(text)
    return bool(PHONE.match(text) or CONTACT_LINE.search(folded) or _ID_PIECE.search(folded))


def _address_of(block: list[Ln]) -> tuple[list[Ln], str | None]:
    """The address lines of a party's block (its name first) and their text.

    A name line that carries its whole address ("ACME GmbH · Hauptstr. 1 · 10115 Berlin",
    the sender line over a letter's window) ends there: the lines under it are another
    party's.
    """
    parts: list[str] = []
    pieces = SEPARATORS.split(block[0].text)
    for piece in pieces[1:]:  # "ACME GmbH · Hauptstr. 1 · 10115 Berlin · +49 30 1234567"
        if _not_address(piece):
            break  # the contact details and ids that follow the address
        if piece:
            parts.append(piece)
    if any(POSTCODE.search(p) for p in parts):
        return [], ", ".join(parts)
    address = []
    for ln in block[1:]:
        if CONTACT_LINE.search(ln.folded) or _is_data_line(ln) and not POSTCODE.search(ln.text):
            break
        address.append(ln)
    parts.extend(ln.text.strip(" ,") for ln in address)
    return address, (", ".join(parts) if parts else None)


def party_at(name: Ln, lines: Sequence[Ln], name_text: str, confidence: float) -> Party:
    """The party whose name is printed on ``name``: its address from the block under it
    (or after the name on the same line: "ACME GmbH · Hauptstr. 1 · 10115 Berlin"), else
    from another place the same name is printed with an address."""
    address, address_text = _address_of(block_below(name, lines))
    return _with_address(Party(name, name_text, address, address_text, confidence), lines, set())


def _with_address(party: Party, lines: Sequence[Ln], taken: set[int]) -> Party:
    """``party`` with the address printed under or after its name elsewhere when none is
    under the line it was read from (a letterhead with the name alone, the sender line of
    the letter window or the footer giving the address)."""
    if party.address_text or party.name is None or not party.name_text:
        return party
    key = _compact_name(party.name_text)
    for ln in lines:
        if ln is party.name or ln.index in taken:
            continue
        text = _name_text(ln)
        tail = legal_tail(ln, lines) if key.startswith(_compact_name(text)) else None
        if tail is not None:  # the name over two lines, its legal form on the second
            text = f"{text} {tail.text.strip(' ,')}"
        if _compact_name(text) != key:
            continue
        there = Party(ln, text, *_address_of(block_below(ln, lines)))
        address, address_text = there.address, there.address_text
        if address_text and POSTCODE.search(address_text):
            return Party(
                party.name,
                party.name_text,
                address,
                address_text,
                party.confidence,
                party.name_above,
            )
    return party


def _compact_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


_PHONE_TAIL = re.compile(r"(?<=[^\d\s])\s*\+?\d[\d ()/.-]{6,}$")
"""A telephone number run into the end of a name line ("… Inc. +1 639 697656",
"… Aktiebolag46 523 890603"): the next column's text, read on the same line."""


_BRACKETED_ID = re.compile(r"\s*[(（][^()（）]*\d{4}[^()（）]*[)）]?\s*$")
"""A company number in brackets after the name ("99 SPEED MART S/B (519537-X)")."""
_COUNTRY_MARK = re.compile(r"\((?:m|s|malaysia|singapore|india)\)")
"""The country in a legal form: "CO. (M) SDN BHD"."""


def registration_cut(text: str) -> str:
    """``text`` without a company number printed after the name: in brackets ("THE STORE
    (MALAYSIA) SDN BHD (8199K)"), or after the legal form ("KING'S CONFECTIONERY S/B
    273500-U (KSB)")."""
    cut = _BRACKETED_ID.sub("", text)
    lower = cut.lower()
    if len(lower) == len(cut):
        forms = list(LEGAL_FORMS.finditer(lower))
        if forms:
            end = forms[-1].end()
            end += len(cut[end:]) - len(cut[end:].lstrip(".)"))  # "Inc." keeps its dot
            rest = cut[end:]
            if sum(ch.isdigit() for ch in rest) >= 4 and not re.search(r"[^\W\d_]{4,}", rest):
                cut = cut[:end]
    return cut.strip(" ,:") or text


def _name_text(ln: Ln) -> str:
    text = registration_cut(SEPARATORS.split(ln.text)[0].strip(" ,:"))
    tail = _PHONE_TAIL.search(text)
    if (
        tail
        and sum(ch.isdigit() for ch in tail.group(0)) >= 7
        and len(WORD_RE.findall(text[: tail.start()])) >= 2
    ):
        text = text[: tail.start()].strip(" ,:")
    text = re.sub(r"(?i)^(?:attn|attention|z\.\s?hd\.?|c/o|a l'attention de)\s*:?\s*", "", text)
    m = re.match(r"(?i)(?:sold\s*by|seller|supplier|vendor|from)\s*:\s*", text)
    if m:  # "Sold by: ACME Ltd" (a label with a colon, not a name like "Lieferant GmbH")
        text = text[m.end() :].strip(" :-")
    return text


def _party_from_label(label: Ln, pattern: re.Pattern[str], lines: Sequence[Ln]) -> Party | None:
    m = pattern.match(label.folded)
    if not m or PARTY_ID_AFTER.match(label.folded[m.end() :]):
        return None
    rest = label.text[label.orig(m.end()) :].strip(" :-")
    if rest.startswith(("/", "&", "(")) or rest.lower().startswith(("und ", "and ", "et ", "och ")):
        rest = ""  # "Käufer/Leistungsempfänger": the label goes on, no name on this line
    if rest and sum(ch.isalpha() for ch in rest) >= 2:
        block = block_below(label, lines)
        address, address_text = _address_of(block)
        return Party(label, rest, address, address_text, 0.85)
    named = _named_party(label, lines)
    if named is not None:
        return named
    candidates = [
        b for b in below(label, lines, max_gap=2.0, align=0.03) if not _is_data_line(b)
    ] + right_of(label, lines)[:1]
    for first in candidates:
        if _is_label_line(first) or CONTACT_LINE.search(first.folded):
            continue
        if first.text.rstrip().endswith(":"):
            continue  # a field label ("Nummer:"), not a name
        block = block_below(first, lines)
        address, address_text = _address_of(block)
        return Party(first, _name_text(first), address, address_text, 0.85)
    return None


def _named_party(label: Ln, lines: Sequence[Ln]) -> Party | None:
    """A role heading followed by ``Name: value`` / ``Anschrift: value`` rows (a form)."""
    following = [
        b
        for b in lines
        if b.page == label.page
        and label.y1 - 0.002 <= b.y0 <= label.y1 + 0.2
        and b.x0 < 0.5
        and abs(b.x0 - label.x0) < 0.03
    ]
    for row_label in sorted(following, key=lambda b: b.y0)[:6]:
        if not NAME_LABEL.match(row_label.folded.strip()):
            continue
        values = right_of(row_label, lines)
        if not values:
            continue
        name = values[0]
        address: list[Ln] = []
        last = name
        for b in sorted(lines, key=lambda b: b.y0):
            if b.page == name.page and b.y0 > name.y1 - 0.002 and abs(b.x0 - name.x0) < 0.01:
                if b.y0 - last.y1 > 2.5 * name.h or CONTACT_LINE.search(b.folded):
                    break
                last = b
                field_label = _form_label(b, lines)
                if field_label is not None and not ADDRESS_LABEL.match(field_label.folded):
                    if address:
                        break  # the next field of the form ("USt.-Id.-Nr.:", "Telefon:")
                    continue  # a row before the address ("Ansprechpartner:")
                if _is_data_line(b) and not POSTCODE.search(b.text):
                    break
                address.append(b)
                if len(address) >= 3:
                    break
        address_text = ", ".join(b.text for b in address) or None
        above = _name_line_above(name, row_label, lines)
        name_text = " ".join([*(b.text.strip() for b in above), _name_text(name)])
        return Party(name, name_text, address, address_text, 0.85, name_above=above)
    return None


def _form_label(value: Ln, lines: Sequence[Ln]) -> Ln | None:
    """The label left of a value on its row in a form ("Anschrift:", "Telefon:"), if any."""
    left = [
        c
        for c in lines
        if c is not value
        and c.page == value.page
        and c.x1 <= value.x0
        and v_overlap(value, c) >= 0.45
    ]
    return max(left, key=lambda c: c.x1, default=None)


def _name_line_above(name: Ln, row_label: Ln, lines: Sequence[Ln]) -> list[Ln]:
    """The first line of a name set over two lines beside a form's "Name:" row.

    Forms centre a two-line value on its label: "MVM Musterhafter" above
    "Versicherungsverein Musterstadt a.G.", level with "Name:". The line must start where
    the value starts, sit right above it and have no label of its own on its row; a
    salutation ("Herrn", "Mrs") is not part of the name.
    """
    for b in lines:
        if b is name or b.page != name.page or abs(b.x0 - name.x0) > 0.01:
            continue
        gap = name.y0 - b.y1
        if not (-0.2 * name.h <= gap <= 0.8 * name.h):
            continue
        if _form_label(b, lines) is not None:
            return []  # a row of the form with its own label
        if SALUTATION.fullmatch(b.folded.strip()) or _is_label_line(b) or _is_data_line(b):
            return []
        if row_label.y0 <= b.y0:
            return []
        return [b]
    return []


@per_lines
def _address_blocks(lines: Sequence[Ln]) -> list[list[Ln]]:
    """Blocks of 2-7 aligned lines on page 1 of which one looks like a postcode line."""
    page1 = [ln for ln in lines if ln.page == 1]
    seen: set[int] = set()
    blocks = []
    for ln in sorted(page1, key=lambda x: (x.y0, x.x0)):
        if ln.index in seen or _is_label_line(ln) or _is_data_line(ln):
            continue
        block = block_below(ln, page1, max_lines=7)
        seen.update(b.index for b in block)
        if len(block) >= 2 and any(
            POSTCODE.search(b.text) or COUNTRIES.search(b.folded) for b in block[1:]
        ):
            blocks.append(block)
    return blocks


def _is_sender_line(ln: Ln) -> bool:
    """The sender's name and address on one line over a letter's window ("ACME Ltd · Unit 2
    · 12 Mill Hill · NG1 5FS")."""
    return (
        ln.page == 1
        and 0.1 <= ln.y0 <= 0.45
        and ln.x0 < 0.5
        and bool(SEPARATORS.search(ln.text))
        and bool(POSTCODE.search(ln.text))
    )


def _sender_line(block: list[Ln]) -> bool:
    """Whether ``block`` starts with a window's sender line, the addressee's block under it."""
    return len(block) > 2 and _is_sender_line(block[0])


def _windows(blocks: list[list[Ln]], lines: Sequence[Ln]) -> set[int]:
    """The lines of the addressee in a letter's window, under its sender line: never the
    seller, whose name the sender line gives."""
    senders = [ln for ln in lines if _is_sender_line(ln)]
    out: set[int] = set()
    for block in blocks:
        if _sender_line(block):
            out.update(b.index for b in block[1:])
            continue
        first = block[0]
        for ln in senders:
            gap = first.y0 - ln.y1
            if -0.3 * ln.h <= gap <= 2.5 * first.h and abs(first.x0 - ln.x0) < 0.05:
                out.update(b.index for b in block)
    return out


NO_SELLER = frozenset(
    (
        "a street address",
        "a postcode and town",
        "an id",
        "a phone number",
        "a sentence",
        "a label",
        "a label and its value",
    )
)
"""What :func:`~invoice_pipeline.processing.extract.rules.roles.name_problem` finds that no
seller guess may be ("LOT P.T. 2811, JALAN ANGSA", "Company No 20965-W")."""

MIN_SELLER_SCORE = 0.3
"""A seller guess needs a legal form, the letterhead, the footer or the bank account:
a stray line in the middle of the page ("Order", a column header) is no seller."""


def _is_code(text: str) -> bool:
    """One token that is a number or id ("#invoice_number_1", "RE-2024-118"), not a name
    ("7-Eleven" and "3M" stay names)."""
    token = text.strip()
    if not token or " " in token:
        return False
    return "#" in token or "_" in token or sum(ch.isdigit() for ch in token) >= 3


def _is_sentence(ln: Ln) -> bool:
    """More than seven words not ending in a legal form: prose, not a company name (of a
    sender line, "ACME Ltd · Unit 2 · 12 Mill Hill · NG1 5FS", the name before the dots)."""
    words = WORD_RE.findall(SEPARATORS.split(ln.text)[0])
    if len(words) <= 7:
        return False
    tail = " ".join(w.lower() for w in words[-2:])
    return not LEGAL_FORMS.search(tail)


def _account_holders(lines: Sequence[Ln]) -> set[str]:
    """Folded names after "Titulaire du compte :", "Kontoinhaber:", "Account holder:"."""
    names = set()
    for ln in lines:
        m = ACCOUNT_HOLDER.search(ln.folded)
        if m:
            name = re.split(r"\s[-–|]\s|,|\s{2,}", ln.folded[m.end() :].strip())[0].strip()
            if len(WORD_RE.findall(name)) >= 1:
                names.add(name)
    return names


def _seller_score(
    ln: Ln, med_h: float, lines: Sequence[Ln] = (), holders: set[str] | None = None
) -> float:
    score = 0.0
    legal = LEGAL_FORMS.search(ln.folded)
    if legal or (lines and legal_tail(ln, lines) is not None):  # "PASARAYA X" over "SDN BHD"
        score += 1.0
    words = len(WORD_RE.findall(ln.text))
    if holders and _name_text(ln).lower() in holders:
        score += 0.8  # the name the bank account is held in
    if lines and ln.y0 > 0.7 and words <= 5:
        nxt = below(ln, lines, max_gap=1.5)[:1]
        if nxt and REGISTRATION_LINE.search(nxt[0].folded):
            score += 0.8  # the company name above its registration line in the footer
    if ln.page == 1 and ln.y0 < 0.25:
        score += 0.6 - ln.y0
    elif ln.y0 > 0.82:
        score += 0.35
    if ln.h > med_h * 1.25:
        score += 0.4
    if SEPARATORS.search(ln.text) and ln.h < med_h:
        score += 0.2  # the small sender line above a window address
    return score


def find_parties(lines: Sequence[Ln], exclude: set[int]) -> tuple[Party, Party]:
    """(seller, buyer) guesses; ``exclude`` holds indexes of table lines to ignore."""
    usable = [ln for ln in lines if ln.index not in exclude]
    buyer: Party | None = None
    seller: Party | None = None
    for ln in usable:
        if ln.page > 2:
            break
        if buyer is None and BUYER_LABELS.match(ln.folded):
            buyer = _party_from_label(ln, BUYER_LABELS, usable)
        if seller is None and SELLER_LABELS.match(ln.folded):
            seller = _party_from_label(ln, SELLER_LABELS, usable)
    ship_lines = {
        b.index
        for ln in usable
        if SHIP_LABELS.match(ln.folded)
        for b in block_below(ln, usable, max_lines=7)
    }

    blocks = [b for b in _address_blocks(usable) if not ship_lines & {x.index for x in b}]
    med_h = median_height(usable)
    taken = {x.index for x in (buyer.lines if buyer else [])}
    addressed = _windows(blocks, usable)

    if seller is None:
        candidates = [
            ln
            for ln in usable
            if (ln.page == 1 or ln.y0 > 0.82)
            and ln.index not in taken
            and ln.index not in ship_lines
            and ln.index not in addressed
            and not _is_label_line(ln)
            and not _is_data_line(ln)
            and not CONTACT_LINE.search(ln.folded)
            and not BUYER_LABELS.match(ln.folded)
            and sum(ch.isalpha() for ch in ln.text) >= 2
            and not _is_sentence(ln)
            and not _is_code(ln.text)
            and not is_legal_tail(ln)  # "(haftungsbeschränkt)" alone ends the name above
            and name_problem(_name_text(ln)) not in NO_SELLER
        ]
        holders = _account_holders(usable)
        scored = [(_seller_score(ln, med_h, usable, holders), -ln.index, ln) for ln in candidates]
        score, _, best = max(scored, key=lambda t: t[:2], default=(0.0, 0, None))
        if best is not None and score > MIN_SELLER_SCORE:
            block = next((b for b in blocks if b[0] is best), None) or block_below(best, usable)
            address, address_text = _address_of(block)
            # a legal form, or two signs that agree (the footer and the bank account holder)
            conf = 0.75 if LEGAL_FORMS.search(best.folded) or score >= 1.5 else 0.5
            seller = Party(best, _name_text(best), address, address_text, conf)
            tail = None if seller.name_below else legal_tail(best, usable)
            if tail is not None:  # "POPULAR BOOK" over "CO. (M) SDN BHD", centred
                seller.name_below = [tail]
                seller.name_text = f"{seller.name_text} {tail.text.strip(' ,')}"
                seller.address = [ln for ln in seller.address if ln is not tail]
    if seller is not None:
        taken |= {x.index for x in seller.lines}
        # an address printed elsewhere (the window's sender line) is not the seller's block
        seller = _with_address(seller, usable, taken)

    if buyer is None:
        # a sender line above the window address ("ACME GmbH · Hauptstr. 1 · 10115 Berlin")
        # is the seller's, whoever took it: the address under it is the buyer's
        windows = [b[1:] if SEPARATORS.search(b[0].text) and len(b) > 2 else b for b in blocks]
        others = [
            b
            for b in windows
            if not taken & {x.index for x in b} and b[0].y0 < 0.5 and b[0].page == 1
        ]
        if others:
            # the letter window: the left-most, then top-most block that is not the seller's
            block = min(others, key=lambda b: (round(b[0].x0 * 4), b[0].y0))
            address, address_text = _address_of(block)
            buyer = Party(block[0], _name_text(block[0]), address, address_text, 0.55)
    return seller or Party(), buyer or Party()


@per_lines
def addressee_blocks(lines: Sequence[Ln]) -> list[tuple[list[Ln], bool]]:
    """The blocks addressed to the buyer, each with whether a label names it.

    Labelled: the block under or beside "Bill to", "Rechnungsempfänger", "Facturé à",
    "Customer" (and a ship-to block). Unlabelled: an address block in the window of a
    letter (page 1, the left half, between the letterhead and the middle of the page).
    """
    found: list[tuple[list[Ln], bool]] = []
    seen: set[int] = set()
    for ln in lines:
        if ln.page > 2:
            break
        for pattern in (BUYER_LABELS, SHIP_LABELS):
            if not pattern.match(ln.folded):
                continue
            party = _party_from_label(ln, pattern, lines)
            if party is not None and party.lines:
                block = [b for b in party.lines if b.index not in seen]
                if block:
                    seen.update(b.index for b in block)
                    found.append((block, True))
    issuer = {b.index for block in issuer_blocks(lines) for b in block}
    for block in _address_blocks(lines):
        if _sender_line(block):
            block = block[1:]  # the sender's line over the window is the issuer's
        first = block[0]
        if first.index in seen or not (0.1 <= first.y0 <= 0.45 and first.x0 < 0.5):
            continue
        if issuer & {b.index for b in block}:
            continue  # the block under "Verkäufer" / "From" is the issuer's
        found.append((block, False))
    return found


@per_lines
def issuer_blocks(lines: Sequence[Ln]) -> list[list[Ln]]:
    """The blocks an issuer label names ("From", "Verkäufer", "Émetteur"), name and address."""
    found: list[list[Ln]] = []
    for ln in lines:
        if ln.page > 2:
            break
        if SELLER_LABELS.match(ln.folded):
            party = _party_from_label(ln, SELLER_LABELS, lines)
            if party is not None and party.lines:
                found.append(party.lines)
    return found
