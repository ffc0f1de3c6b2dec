"""Role checks on the page: each key value must be what its role says, whoever extracted it.

:func:`role_issues` looks at the seller, the total, the invoice number and the
invoice date of a record next to the page they came from. The seller must be a
name (:func:`~invoice_pipeline.processing.extract.rules.roles.name_problem`)
and not the addressee (the block under "Bill to" / "Rechnungsempfänger" /
"Facturé à", or the letter's window address without anything that marks it as
the issuer); what corroborates it (an issuer label, a VAT id, IBAN or
registration line in its block or the footer, the letterhead, the bank account
holder, a web or e-mail domain matching the name) is listed. The total must be
the amount due (not 0.00 while the page shows a non-zero amount due or paid,
not a subtotal or an amount before a discount); the invoice number not a date,
amount, postcode, phone or customer number; the invoice date not a due,
delivery, order or print date. A failed role is an error issue, so the record
goes to review with that reason. E-invoice values are exact and are not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from invoice_pipeline.processing.extract.rules.geometry import Ln, below, layout, row_of
from invoice_pipeline.processing.extract.rules.parties import addressee_blocks, issuer_blocks
from invoice_pipeline.processing.extract.rules.role_vocabulary import (
    AMOUNT_DUE_LABEL,
    AMOUNT_PAID_LABEL,
    CUSTOMER_NUMBER_LABEL,
    INVOICE_DATE_LABEL,
    OTHER_DATE_LABEL,
    PRE_DISCOUNT_LABEL,
    STREET,
)
from invoice_pipeline.processing.extract.rules.roles import (
    ends_in_legal_form,
    name_problem,
    name_words,
    number_problem,
)
from invoice_pipeline.processing.extract.rules.values import (
    IBAN_RE,
    VAT_RE,
    decimal_separator,
    find_amounts,
    find_dates,
    is_money_like,
)
from invoice_pipeline.processing.extract.rules.vocabulary import (
    ACCOUNT_HOLDER,
    LABELS,
    LEGAL_FORMS,
    REGISTRATION_LINE,
    SELLER_LABELS,
    TOTAL_LABELS,
    fold,
)
from invoice_pipeline.processing.validate.issues import issue
from invoice_pipeline.schema import Evidence, Issue, OcrDocument

__all__ = ["ROLE_CODES", "RoleValues", "role_issues"]

ROLE_CODES = frozenset(
    {
        "seller_not_a_name",
        "seller_ambiguous",
        "seller_short_name",
        "total_zero_amount_due",
        "total_is_subtotal",
        "total_not_amount_due",
        "invoice_number_not_an_id",
        "invoice_date_not_issue_date",
    }
)
"""The codes of the error issues :func:`role_issues` reports."""

_ID_LINE = re.compile(
    r"\b(?:vat|ust|tva|moms|btw|iva|uid|steuer\w*|tax\s*id|ust-?id\w*|hrb|hra|org\.?\s*nr|siret|siren|rcs|"
    r"kvk|iban|bic|swift|company\s*(?:no|number|reg))\b"
)
_FREE_MAIL = frozenset(
    "gmail googlemail outlook hotmail live yahoo gmx web t-online icloud aol proton protonmail mail".split()
)
_DOMAIN = re.compile(r"(?:@|www\.|https?://(?:www\.)?)([a-z0-9][a-z0-9-]{1,62})\.[a-z]{2,}")
_IN_BLOCK = "VAT id, IBAN or registration in its block"
_SUBTOTAL_LABEL = [p for p, w in TOTAL_LABELS["subtotal"] if w >= 0.95]
_NUMBER_LABELS = [lb.pattern for lb in LABELS if lb.field == "invoice_number" and lb.weight >= 0.8]
_RECEIPT_NUMBER = re.compile(
    r"(?:^|\s)(?:receipt|trans(?:action)?|transactie|beleg|bon|ticket|kvitto|kvittonr|"
    r"factura simplificada|no|nr|n[°o]|nº)(?![a-z0-9])[\s.#:°-]*(?:n[°or]\.?|nr\.?|no\.?|#|-nr\.?)?\s*$"
)
"""A receipt's number label right before the value (the line's text up to it, folded)."""
_PHONE_LABEL = re.compile(r"\b(?:tel|telefon|phone|fon|fax|mobil|mobile|t[eé]l[eé]phone)\b")


@dataclass
class RoleValues:
    """The values the role checks look at (validated, not yet an Invoice)."""

    seller_name: str | None
    buyer_name: str | None
    invoice_number: str | None
    total: Decimal | None
    subtotal: Decimal | None
    tax: Decimal | None
    derived: list[str]


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def _core(name: str) -> str:
    """The name without its legal form and punctuation, compacted ("acme" of "ACME GmbH")."""
    return _compact(LEGAL_FORMS.sub(" ", fold(name)))


def _lines_of(ev: Evidence | None, by_id: dict[str, Ln]) -> list[Ln]:
    return [by_id[i] for i in (ev.line_ids if ev else []) if i in by_id]


def _name_lines(name: str, ev: Evidence | None, lines: list[Ln], by_id: dict[str, Ln]) -> list[Ln]:
    """The lines the name was read from, else every line that prints it."""
    core = _core(name)
    found = [ln for ln in _lines_of(ev, by_id) if core and core in _compact(ln.text)]
    return found or [ln for ln in lines if core and core in _compact(ln.text)]


# ------------------------------------------------------------------ seller


def _corroboration(name: str, seller: list[Ln], lines: list[Ln]) -> list[str]:
    """What on the page marks ``name`` as the issuer."""
    core = _core(name)
    found: list[str] = []
    labelled_lines = {b.index for block in issuer_blocks(lines) for b in block}
    if labelled_lines & {ln.index for ln in seller}:
        found.append("issuer label")
    for ln in seller if not found else []:
        label = SELLER_LABELS.match(ln.folded)
        above = [b for b in lines if b.page == ln.page and 0 <= ln.y0 - b.y1 < 3 * ln.h]
        labelled = label or any(
            SELLER_LABELS.match(b.folded) and abs(b.x0 - ln.x0) < 0.05 for b in above
        )
        if labelled:
            found.append("issuer label")
            break
    for ln in seller:
        block = [
            b
            for b in lines
            if b.page == ln.page and abs(b.x0 - ln.x0) < 0.05 and 0 <= b.y0 - ln.y1 < 0.1
        ]
        if any(_ID_LINE.search(b.folded) or VAT_RE.search(b.text.upper()) for b in block):
            found.append(_IN_BLOCK)
            break
    footer = [ln for ln in lines if ln.y0 > 0.75]
    named = [ln for ln in footer if core and core in _compact(ln.text)]
    if named and any(
        _ID_LINE.search(b.folded)
        or REGISTRATION_LINE.search(b.folded)
        or IBAN_RE.search(b.text)
        or VAT_RE.search(b.text.upper())
        for b in footer
        if b.page in {n.page for n in named}
    ):
        found.append("named in the footer beside its VAT id, IBAN or registration")
    if any(ln.page == 1 and ln.y0 < 0.15 for ln in seller):
        found.append("letterhead")
    for ln in lines:
        m = ACCOUNT_HOLDER.search(ln.folded)
        if m and core and core in _compact(ln.folded[m.end() :]):
            found.append("bank account holder")
            break
    for ln in lines:
        for m in _DOMAIN.finditer(ln.folded):
            domain = m.group(1).replace("-", "")
            if domain in _FREE_MAIL or len(domain) < 3 or not core:
                continue
            if core.startswith(domain) or domain.startswith(core[: max(len(domain), 4)]):
                found.append(f"domain {m.group(1)}")
                break
        else:
            continue
        break
    return found


def _past_legal_form(name: str) -> str | None:
    """Why a name runs on past its legal form, or None: a legal form ends a company's name,
    so a street after it is the address read into the name ("Transportes Castellón S.L.U.
    Calle de Alcalá, 60") and a word mixing letters and digits is misread text ("GmbH & Ga1
    KG285")."""
    folded = fold(" ".join(name.split()))
    first = LEGAL_FORMS.search(folded)
    if first is None:
        return None
    rest = folded[first.end() :]
    if STREET.search(rest):
        return "a name run into its street address"
    if any(re.search(r"[a-z]", t) and re.search(r"\d", t) for t in re.findall(r"\w+", rest)):
        return "a name with misread text after its legal form"
    return None


def _registered_name(
    seller: str, lines: list[Ln], blocks: list[tuple[list[Ln], bool]]
) -> str | None:
    """A line outside the addressee's blocks that prints a legal form beside a word of
    ``seller`` when ``seller`` has none itself ("AS ALBUFERA" and "Albufera Suministros
    S.L.U."), or None."""
    if ends_in_legal_form(seller):
        return None
    words = name_words(seller)
    addressed = {b.index for block, _labelled in blocks for b in block}
    for ln in lines:
        if ln.index in addressed or not words & name_words(ln.text):
            continue
        if any(words & name_words(ln.folded[: m.start()]) for m in LEGAL_FORMS.finditer(ln.folded)):
            return " ".join(ln.text.split())[:80]
    return None


def _seller_issues(
    values: RoleValues,
    evidence: dict[str, Evidence],
    lines: list[Ln],
    by_id: dict[str, Ln],
) -> tuple[list[Issue], list[str]]:
    seller = values.seller_name
    if not seller:
        return [], []
    problem = name_problem(seller) or _past_legal_form(seller)
    if problem is not None:
        message = f"seller_name {seller!r} is {problem}, not an organisation or person name"
        return [issue("seller_not_a_name", message, "seller_name")], []
    if values.buyer_name and _core(values.buyer_name) == _core(seller) and _core(seller):
        message = f"seller_name {seller!r} is also the buyer's name: the seller cannot be told from the addressee"
        return [issue("seller_ambiguous", message, "seller_name")], []
    if not lines:
        return [], []
    where = _name_lines(seller, evidence.get("seller_name"), lines, by_id)
    found = _corroboration(seller, where, lines)
    blocks = addressee_blocks(lines)
    fuller = _registered_name(seller, lines, blocks)
    if fuller is not None:
        message = (
            f"seller_name {seller!r} has no legal form, but {fuller!r} on the page carries its "
            "words with one: the seller read may be a brand or logo, not the registered name"
        )
        return [issue("seller_short_name", message, "seller_name")], found
    in_block = [
        labelled
        for block, labelled in blocks
        if {b.index for b in block} & {w.index for w in where}
    ]
    # an address block carries its own VAT id: only signs outside the block mark an issuer
    issuer = [f for f in found if f not in {"letterhead", _IN_BLOCK}]
    if in_block and (any(in_block) or not issuer):
        what = "a block addressed to the buyer" if any(in_block) else "the letter's address window"
        message = f"seller_name {seller!r} is read from {what}" + (
            f" (also: {', '.join(found)})" if found else " and nothing marks it as the issuer"
        )
        return [issue("seller_ambiguous", message, "seller_name")], found
    return [], found


# ------------------------------------------------------------------ total


def _row_amounts(ln: Ln, lines: list[Ln], sep: str) -> list[Decimal]:
    row = [b for b in row_of(ln, lines) if b.x0 >= ln.x0 - 0.005] or [ln]
    amounts = [a.value for b in row for a in find_amounts(b.text, sep) if is_money_like(a, sep)]
    if not amounts:
        for b in below(ln, lines, max_gap=1.5)[:1]:
            amounts = [a.value for a in find_amounts(b.text, sep) if is_money_like(a, sep)]
    return amounts


def _total_issues(
    values: RoleValues, evidence: dict[str, Evidence], lines: list[Ln], by_id: dict[str, Ln]
) -> list[Issue]:
    total = values.total
    if total is None or "total_amount" in values.derived:
        return []
    sep = decimal_separator(ln.text for ln in lines) if lines else "."
    if total == 0:
        for ln in lines:
            if not (AMOUNT_DUE_LABEL.search(ln.folded) or AMOUNT_PAID_LABEL.search(ln.folded)):
                continue
            shown = [a for a in _row_amounts(ln, lines, sep) if a != 0]
            if shown:
                message = f"total_amount is 0.00, but the page shows {shown[-1]} on {ln.text!r}"
                return [issue("total_zero_amount_due", message, "total_amount")]
    own = _lines_of(evidence.get("total_amount"), by_id)
    own_due = any(AMOUNT_DUE_LABEL.search(ln.folded) for ln in own)
    for ln in own:
        if PRE_DISCOUNT_LABEL.search(ln.folded) or (
            not own_due and any(p.search(ln.folded) for p in _SUBTOTAL_LABEL)
        ):
            message = f"total_amount {total} is read from {ln.text!r}, a subtotal or an amount before a discount"
            return [issue("total_is_subtotal", message, "total_amount")]
    subtotal, tax = values.subtotal, values.tax
    if (
        subtotal is not None
        and tax is not None
        and tax > 0
        and total == subtotal
        and "subtotal" not in values.derived
        and "tax_amount" not in values.derived
    ):
        message = f"total_amount {total} equals the subtotal although tax {tax} is charged"
        return [issue("total_is_subtotal", message, "total_amount")]
    if own_due or total == 0:
        return []
    for ln in lines:
        if not AMOUNT_DUE_LABEL.search(ln.folded) or ln in own:
            continue
        shown = _row_amounts(ln, lines, sep)
        if shown and shown[-1] > total:
            message = f"the page shows {shown[-1]} on {ln.text!r}, but total_amount is {total}"
            return [issue("total_not_amount_due", message, "total_amount")]
    return []


# ------------------------------------------------------------- number, date


def _label_before(value: str, ln: Ln) -> str:
    """The folded text before ``value`` on its line (the whole line when it is elsewhere)."""
    at = ln.text.find(value)
    return fold(ln.text[:at]) if at >= 0 else ln.folded


def _last_end(patterns: list[re.Pattern[str]], text: str) -> int:
    return max((m.end() for p in patterns for m in p.finditer(text)), default=-1)


_TAX_ID_LABEL = re.compile(
    r"(?<![a-z])(?:vat|tva|ust|mwst|moms\w*|btw|iva|nif|cif|nie|ein|tin|gst|sst|siret|siren|"
    r"org\.?\s*nr|org\.?\s*no|reg\.?\s*no|steuer\w*|tax\s*id|abn|kvk)(?![a-z])"
)


def _number_misread(
    number: str, evidence: dict[str, Evidence], lines: list[Ln], by_id: dict[str, Ln]
) -> str | None:
    """A piece of something else read as the invoice number: part of a date on its line,
    a short count (three digits or fewer), or a VAT, tax or registration id."""
    compact = re.sub(r"[\s.\-/]", "", number).upper()
    if re.fullmatch(r"\d{1,3}", compact):
        return "three digits or fewer (a count, day or page, not an invoice number)"
    for ln in _lines_of(evidence.get("invoice_number"), by_id):
        at = ln.text.find(number)
        if at >= 0 and any(m.start() <= at < m.end() for m in find_dates(ln.text)):
            return "part of a date"
        before = _label_before(number, ln)
        if _TAX_ID_LABEL.search(before) or REGISTRATION_LINE.search(before):
            return "labelled as a VAT, tax or registration id"
    if len(compact) >= 6:
        for ln in lines:
            for m in VAT_RE.finditer(ln.text):
                if compact in re.sub(r"[\s.\-/]", "", m.group(0)).upper():
                    return "part of a VAT id printed on the page"
    return None


_ORDER_NUMBER = re.compile(r"(?i)^(?:PO|P\.O\.)\s*[-#:/]?\s*\d")
"""``PO-53399``, ``P.O. 1234``: the buyer's order number, never the seller's invoice number."""


def _number_issues(
    values: RoleValues, evidence: dict[str, Evidence], lines: list[Ln], by_id: dict[str, Ln]
) -> list[Issue]:
    number = values.invoice_number
    if not number:
        return []
    postcodes = {
        m.group(0).replace(" ", "")
        for ln in lines
        for m in re.finditer(r"\b(?:[A-Z]{1,2}-)?\d{4,5}(?=\s+[^\W\d_]{2,})", ln.text)
    }
    problem = number_problem(number, postcodes)
    if problem in ("a phone number", "a postcode"):
        # shaped like one, but printed right after an invoice or receipt number label
        for ln in _lines_of(evidence.get("invoice_number"), by_id):
            before = _label_before(number, ln)
            labelled = _last_end(_NUMBER_LABELS, before) >= 0 or _RECEIPT_NUMBER.search(before)
            if labelled and not _PHONE_LABEL.search(before):
                problem = None
                break
    if problem is None and any(
        STREET.search(ln.folded) and number in ln.text
        for ln in _lines_of(evidence.get("invoice_number"), by_id)
    ):
        problem = "a house number on a street line"
    if problem is None and _ORDER_NUMBER.match(number.strip()):
        problem = "shaped as a purchase order number"
    if problem is None and sum(ch.isdigit() for ch in number) < 2:
        problem = (
            "too short to tell from a misread label (fewer than two digits)"  # "n.9" for "N.º"
        )
    glued = re.match(r"([^\W\d_]{2,})(?=\d)", number.strip())
    if problem is None and glued and _RECEIPT_NUMBER.search(" " + fold(glued.group(1))):
        problem = f"its label {glued.group(1)!r} glued to the number"
    if problem is None:
        problem = _number_misread(number, evidence, lines, by_id)
    if problem is None:
        for ln in _lines_of(evidence.get("invoice_number"), by_id):
            before = _label_before(number, ln)
            customer = _last_end([CUSTOMER_NUMBER_LABEL], before)
            if customer >= 0 and customer > _last_end(_NUMBER_LABELS, before):
                problem = "labelled as a customer, account or order number"
                break
    if problem is None:
        return []
    message = f"invoice_number {number!r} is {problem}, not an invoice number"
    return [issue("invoice_number_not_an_id", message, "invoice_number")]


def _date_issues(evidence: dict[str, Evidence], by_id: dict[str, Ln]) -> list[Issue]:
    ev = evidence.get("invoice_date")
    if ev is None or not ev.text:
        return []
    for ln in _lines_of(ev, by_id):
        before = _label_before(ev.text, ln)
        other = _last_end([OTHER_DATE_LABEL], before)
        if other >= 0 and other > _last_end([INVOICE_DATE_LABEL], before):
            message = (
                f"invoice_date {ev.text!r} is read from {ln.text!r}: a due, delivery, "
                "service, order or print date, not the date of issue"
            )
            return [issue("invoice_date_not_issue_date", message, "invoice_date")]
    return []


def role_issues(
    values: RoleValues,
    evidence: dict[str, Evidence],
    ocr: OcrDocument | None,
    *,
    provider: str | None,
) -> tuple[list[Issue], list[str]]:
    """(error issues for values that do not fit their role, what corroborates the seller).

    Values from an e-invoice's XML (``provider == "einvoice"``) are exact and pass.
    """
    if provider == "einvoice":
        return [], ["e-invoice XML (SellerTradeParty / AccountingSupplierParty)"]
    lines = layout(ocr) if ocr is not None else []
    by_id = {ln.id: ln for ln in lines}
    issues, corroboration = _seller_issues(values, evidence, lines, by_id)
    issues += _total_issues(values, evidence, lines, by_id)
    issues += _number_issues(values, evidence, lines, by_id)
    issues += _date_issues(evidence, by_id)
    return issues, corroboration
