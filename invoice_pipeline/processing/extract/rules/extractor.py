"""The offline ``rules`` extractor: layout-aware, multilingual, no key, no network.

It reads fields the way a person scans an invoice: a label and the value
beside it or beneath it ("Rechnungsnummer: RE-1042", a header row of labels
over a row of values), the line-item table by its column headers, the totals
block by its labels, with the arithmetic subtotal + tax = total deciding
between candidates, and the parties from the letterhead, the address window
and the footer, and the printed VAT summary by rate. Every value is a
substring of an OCR line whose id is kept, with a confidence from the label's
specificity, the position of the value and the OCR confidence.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from invoice_pipeline.processing.extract.base import Extractor
from invoice_pipeline.processing.extract.rules.geometry import (
    Ln,
    below,
    cell_below,
    layout,
    right_of,
    row_of,
)
from invoice_pipeline.processing.extract.rules.items import find_items, find_receipt_items
from invoice_pipeline.processing.extract.rules.parties import Party, find_parties, party_at
from invoice_pipeline.processing.extract.rules.role_vocabulary import STREET
from invoice_pipeline.processing.extract.rules.roles import number_problem
from invoice_pipeline.processing.extract.rules.values import (
    CURRENCY_TOKEN_RE,
    WORD_RE,
    Amount,
    clean_code,
    decimal_separator,
    find_amounts,
    find_currency,
    find_dates,
    find_ibans,
    find_vat_ids,
    is_money_like,
)
from invoice_pipeline.processing.extract.rules.vat_summary import vat_summary
from invoice_pipeline.processing.extract.rules.vocabulary import (
    BUYER_LABELS,
    DISCOUNT_LABEL,
    LABELS,
    LANGUAGE_WORDS,
    ROUNDING_LABEL,
    SAVINGS_LABEL,
    TAX_ID_MARKERS,
    TAX_SUMMARY_HEADING,
    TOTAL_LABELS,
)
from invoice_pipeline.schema import (
    ExtractedInvoice,
    ExtractedLineItem,
    FieldValue,
    OcrDocument,
    Usage,
)

CODE_FIELDS = ("invoice_number", "purchase_order")
DATE_FIELDS = ("invoice_date", "due_date")


@dataclass
class Candidate:
    field: str
    value: str
    lines: list[Ln]
    score: float


def _field_value(value: str | None, lines: Sequence[Ln], confidence: float) -> FieldValue:
    if value is None:
        return FieldValue()
    first = lines[0] if lines else None
    ocr_conf = min((ln.confidence for ln in lines), default=1.0)
    return FieldValue(
        value=value,
        confidence=round(max(0.0, min(1.0, confidence * (0.5 + 0.5 * ocr_conf))), 3),
        line_ids=[ln.id for ln in lines],
        page=first.page if first else None,
        box=first.line.box if first else None,
    )


def detect_language(lines: Sequence[Ln]) -> str | None:
    text = " ".join(ln.folded for ln in lines)
    scores = {lang: len(p.findall(text)) for lang, p in LANGUAGE_WORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else None


# --------------------------------------------------------------- label → value


def _value_in(text: str, field: str) -> str | None:
    if field in DATE_FIELDS:
        dates = find_dates(text)
        return dates[0].group(0) if dates else None
    if field in CODE_FIELDS:
        code = clean_code(text)
        # a figure beside "Invoice total" or a date is no number: keep looking for one
        if code is not None and number_problem(code) in ("a date", "an amount"):
            return None
        return code
    return None


def _label_candidates(lines: Sequence[Ln], skip: set[int]) -> list[Candidate]:
    out: list[Candidate] = []
    usable = [ln for ln in lines if ln.index not in skip]
    for ln in usable:
        street = STREET.search(ln.folded) is not None
        for label in LABELS:
            m = label.pattern.search(ln.folded)
            if m is None:
                continue
            if street and label.field in CODE_FIELDS:
                continue  # "NO 19-G&19-1 JALAN TASIK UTAMA 4": a house number, no number label
            at_start = m.start() <= 2
            weight = label.weight * (1.0 if at_start else 0.8)
            # the value on the same line, up to the next label on it
            rest = ln.text[ln.orig(m.end()) :]
            value = _value_in(rest, label.field)
            if value is not None:
                out.append(Candidate(label.field, value, [ln], weight))
                continue
            if rest.strip(" :#.-") and label.field in CODE_FIELDS and not at_start:
                continue
            for other in right_of(ln, usable)[:2]:
                value = _value_in(other.text, label.field)
                if value is not None:
                    out.append(Candidate(label.field, value, [other, ln], weight * 0.97))
                    break
            else:
                # the value under its label (a photo's boxes may overlap a little); a line
                # of words in between labels another box, whose value is not this one's
                for other in below(ln, usable, min_drop=0.5)[:2]:
                    value = _value_in(other.text, label.field)
                    if value is not None:
                        out.append(Candidate(label.field, value, [other, ln], weight * 0.9))
                        break
                    if not any(ch.isdigit() for ch in other.text):
                        break
    return out


def _pick(candidates: list[Candidate]) -> dict[str, Candidate]:
    """Best candidate per field; one printed value serves one field only."""
    chosen: dict[str, Candidate] = {}
    used: set[tuple[int, str]] = set()
    for cand in sorted(candidates, key=lambda c: (-c.score, c.lines[0].index)):
        key = (cand.lines[0].index, cand.value)
        if cand.field in chosen or key in used:
            continue
        chosen[cand.field] = cand
        used.add(key)
    return chosen


# ---------------------------------------------------------------------- totals


@dataclass
class AmountCandidate:
    kind: str
    amount: Amount
    line: Ln
    label_line: Ln
    weight: float


def tax_summary_lines(lines: Sequence[Ln]) -> set[int]:
    """Indexes of the lines of each tax summary under its heading ("GST Summary", "VAT
    analysis"): the heading's row and the lines set close under it, ten at most."""
    out: set[int] = set()
    for head in lines:
        if not TAX_SUMMARY_HEADING.search(head.folded):
            continue
        block = [b for b in lines if b.page == head.page and b.cy >= head.y0]
        block.sort(key=lambda b: b.y0)
        bottom, rows = head.y1, 0
        for b in block:
            if b.y0 > bottom + 2.0 * max(head.h, b.h):
                break  # a gap: the summary has ended
            if b.y0 > bottom - 0.3 * b.h:
                rows += 1
            if rows > 10:
                break
            out.add(b.index)
            bottom = max(bottom, b.y1)
    return out


def _totals_candidates(lines: Sequence[Ln], skip: set[int], sep: str) -> list[AmountCandidate]:
    out: list[AmountCandidate] = []
    usable = [ln for ln in lines if ln.index not in skip]
    for ln in usable:
        if SAVINGS_LABEL.search(ln.folded):
            continue  # "Total Savings -3.29" is a discount
        found = []
        for order, kind in enumerate(("subtotal", "tax_amount", "total_amount")):
            for pattern, weight in TOTAL_LABELS[kind]:
                m = pattern.search(ln.folded)
                if m is None:
                    continue
                if kind == "tax_amount" and TAX_ID_MARKERS.search(ln.folded):
                    continue
                found.append((weight, len(m.group(0)), -order, kind, m))
                break
        if not found:
            continue
        # the surest label, then the one that reads more of the line: "Summa inkl. moms"
        # is a total although "inkl. moms" alone labels the VAT included
        weight, _, _, kind, m = max(found, key=lambda f: f[:3])
        rest = ln.text[ln.orig(m.end()) :]
        row = [b for b in row_of(ln, usable) if b.x0 >= ln.x0 - 0.005]
        money: list[tuple[Amount, Ln]] = []
        for cell in row:
            text = rest if cell is ln else cell.text
            found_money = [a for a in find_amounts(text, sep) if is_money_like(a, sep)]
            if cell is not ln and not found_money and money and _has_words(cell.text):
                break  # the next label on the row ("Exclusief BTW 593,36   Subtotaal 717,97")
            money += [(amount, cell) for amount in found_money]
        if not money:
            under = cell_below(ln, usable) or below(ln, usable, max_gap=1.5)
            for cell in under[:1]:
                for amount in find_amounts(cell.text, sep):
                    if is_money_like(amount, sep):
                        money.append((amount, cell))
            weight *= 0.85
        if money:
            amount, cell = money[-1]  # totals are right-aligned: the right-most figure
            out.append(AmountCandidate(kind, amount, cell, ln, weight))
    return out


_BUYER_ID_LABEL = re.compile(
    r"(?<![a-z])(?:rechnungsadresse|rechnungsempfanger|billing\s*address|bill\s*to|buyer|client|"
    r"customer|acheteur|adresse\s*de\s*facturation|kund|klant|cliente|your|ihre|votre|er|uw|su)"
    r"(?![a-z])"
)
"""A VAT id label that names the addressee ("USt-ID (Rechnungsadresse)", "Your VAT no")."""
_DISCOUNT_LABEL = DISCOUNT_LABEL
_NOT_DISCOUNT = re.compile(
    r"(?<![a-z])(?:before|vor|avant|voor|if\s*paid|bei\s*zahlung|si\s*paiement|within|innerhalb)"
)


def _receipt_items(
    lines: Sequence[Ln], sep: str, fields: dict[str, FieldValue]
) -> list[ExtractedLineItem]:
    """A receipt's items (no table header) when they sum to its subtotal, else its total."""
    for name in ("subtotal", "total_amount"):
        field = fields.get(name)
        amounts = find_amounts(field.value, sep) if field is not None and field.value else []
        if not amounts:
            continue
        items = find_receipt_items(lines, sep, amounts[-1].value)
        if items:
            return items
    return []


def _document_discount(lines: Sequence[Ln], skip: set[int], sep: str) -> FieldValue | None:
    """A document-level discount printed below the items ("Less discount -2,082.43").

    Only one such line, outside the items table, with one money figure beside or below
    its label; the value is its size (the e-invoice's BT-107 allowance total).
    """
    usable = [ln for ln in lines if ln.index not in skip]
    found: list[tuple[Amount, Ln, Ln]] = []
    for ln in usable:
        m = _DISCOUNT_LABEL.search(ln.folded)
        if m is None or _NOT_DISCOUNT.search(ln.folded) or "%" in ln.text:
            continue
        rest = ln.text[ln.orig(m.end()) :]
        cells = [(rest, ln)] + [(b.text, b) for b in row_of(ln, usable) if b.x0 > ln.x0]
        money = [
            (a, c) for text, c in cells for a in find_amounts(text, sep) if is_money_like(a, sep)
        ]
        if not money:
            money = [
                (a, c)
                for c in below(ln, usable, max_gap=1.5)[:1]
                for a in find_amounts(c.text, sep)
            ]
        if len(money) == 1:
            found.append((money[0][0], money[0][1], ln))
    if len(found) != 1 or found[0][0].value == 0:
        return None
    amount, cell, label = found[0]
    text = f"{abs(amount.value):.2f}".replace(".", sep)
    return _field_value(text, [cell, label], 0.6)


def _has_words(text: str) -> bool:
    """Two or more letters in a row once currency codes are taken out: a label, not a figure."""
    return bool(WORD_RE.search(CURRENCY_TOKEN_RE.sub(" ", text)))


def _row_triples(lines: Sequence[Ln], skip: set[int], sep: str) -> list[AmountCandidate]:
    """Rows that print net, tax and gross side by side (a VAT summary, "Total 24.99 5.00 29.99").

    The row checks itself: the three figures, left to right, add up (net + tax = gross,
    tax no larger than net). Column headers in any language are not needed; a totals
    label on the row makes the candidates stronger. The right-most such triple of each
    row is kept.
    """
    out: list[AmountCandidate] = []
    usable = [ln for ln in lines if ln.index not in skip]
    seen: set[frozenset[int]] = set()
    cent = Decimal("0.011")
    for ln in usable:
        row = row_of(ln, usable)
        key = frozenset(b.index for b in row)
        if key in seen or len(row) < 2:
            continue
        seen.add(key)
        money = [
            (amount, cell)
            for cell in row
            for amount in find_amounts(cell.text, sep)
            if is_money_like(amount, sep)
        ]
        if len(money) < 3:
            continue
        labelled = any(
            pattern.search(cell.folded)
            for cell in row
            for group in TOTAL_LABELS.values()
            for pattern, _ in group
        )
        found = None
        for i, j, k in combinations(range(len(money)), 3):
            net, tax, gross = (money[n][0].value for n in (i, j, k))
            if (
                net > 0
                and gross > 0
                and Decimal(0) <= tax <= net
                and abs(net + tax - gross) <= cent
            ):
                found = (i, j, k)
        if found is None or (money[found[1]][0].value == 0 and not labelled):
            continue
        weight = 0.95 if labelled else 0.85
        label = row[0]
        for kind, n in zip(("subtotal", "tax_amount", "total_amount"), found, strict=True):
            amount, cell = money[n]
            out.append(AmountCandidate(kind, amount, cell, label, weight))
    return out


def _choose_totals(
    cands: list[AmountCandidate], items_sum: Decimal | None
) -> tuple[dict[str, AmountCandidate], list[AmountCandidate], float]:
    """(subtotal/total picks, the tax lines, confidence): arithmetic decides where it can."""
    subs = [c for c in cands if c.kind == "subtotal"]
    taxes = [c for c in cands if c.kind == "tax_amount"]
    totals = [c for c in cands if c.kind == "total_amount"]
    # a plain "Total"/"Summe"/"Summa" may be the net sum above the tax lines
    subs += [
        AmountCandidate("subtotal", c.amount, c.line, c.label_line, c.weight * 0.9)
        for c in totals
        if c.weight < 0.85
    ]
    cent = Decimal("0.011")

    def later(c: AmountCandidate) -> tuple[int, float]:
        return (c.line.page, c.line.cy)

    tax_options: list[list[AmountCandidate]] = [[t] for t in taxes]
    if 1 < len(taxes) <= 6:
        for n in range(2, len(taxes) + 1):
            for combo in combinations(taxes, n):
                if len({c.line.index for c in combo}) == n:
                    tax_options.append(list(combo))
    best: tuple[float, dict[str, AmountCandidate], list[AmountCandidate]] | None = None
    for total in totals:
        for sub in subs:
            if sub.line is total.line:
                continue
            for tax in [*tax_options, []]:
                tax_sum = sum((t.amount.value for t in tax), Decimal(0))
                if (
                    abs(sub.amount.value + tax_sum - total.amount.value) <= cent
                    and total.amount.value
                ):
                    score = (
                        total.weight + sub.weight + sum(t.weight for t in tax) / max(len(tax), 1)
                    )
                    score += 0.01 * (later(total)[0] + later(total)[1])
                    if tax == [] and taxes:
                        score -= 0.3
                    if best is None or score > best[0]:
                        best = (score, {"subtotal": sub, "total_amount": total}, tax)
    if best is not None:
        return best[1], best[2], 0.95
    # no consistent triple: the most specific label, a non-zero figure (a paid invoice's
    # "Balance due 0.00" is not its total), the last one printed
    picks: dict[str, AmountCandidate] = {}
    for kind, group in (("subtotal", subs), ("total_amount", totals)):
        if group:
            picks[kind] = max(group, key=lambda c: (c.weight, c.amount.value != 0, later(c)))
    if "subtotal" not in picks and items_sum is not None and "total_amount" in picks:
        for tax in tax_options:
            tax_sum = sum((t.amount.value for t in tax), Decimal(0))
            if abs(items_sum + tax_sum - picks["total_amount"].amount.value) <= cent:
                return picks, tax, 0.85
    tax_pick = [max(taxes, key=lambda c: (c.weight, later(c)))] if taxes else []
    return picks, tax_pick, 0.6


def _after_rounding(
    picks: dict[str, AmountCandidate],
    cands: list[AmountCandidate],
    lines: Sequence[Ln],
    sep: str,
) -> dict[str, AmountCandidate]:
    """The amount paid when a till rounds cash: a total printed under the rounding line
    that is the picked total plus the rounding ("Total (Inclusive of GST) 23.26",
    "Rounding Adj: -0.01", "TOTAL: 23.25"). Without such a line the printed total stays."""
    total = picks.get("total_amount")
    if total is None:
        return picks
    for r in lines:
        if (
            r.page != total.line.page
            or r.cy <= total.line.cy
            or not ROUNDING_LABEL.search(r.folded)
        ):
            continue
        row = row_of(r, lines) or [r]
        adjust = [a.value for cell in row if cell.x0 >= r.x0 for a in find_amounts(cell.text, sep)]
        if not adjust or not adjust[-1] or abs(adjust[-1]) >= 1:
            continue
        for later in cands:
            if (
                later.kind == "total_amount"
                and later.line.page == r.page
                and later.line.cy > r.cy
                and later.amount.value == total.amount.value + adjust[-1]
            ):
                return {**picks, "total_amount": later}
    return picks


# ------------------------------------------------------------------- extractor


class RulesExtractor(Extractor):
    """Layout rules over OCR lines in English, German, French and Swedish (and Dutch)."""

    name = "rules"
    model = "rules-v1"

    def __init__(self, *, scorer: bool = False, model: object | None = None) -> None:
        """``scorer``: the learned candidate scorer picks the key fields (EXTRACT_SCORER);
        ``model`` a loaded scorer model (None: the shipped one, loaded once per process)."""
        self.scorer = scorer
        self.scorer_model = model
        if scorer:
            self.model = "rules-v1+scorer"

    def extract(self, ocr: OcrDocument) -> ExtractedInvoice:
        started = time.perf_counter()
        lines = layout(ocr)
        result = ExtractedInvoice(document_id=ocr.document_id, provider=self.name, model=self.model)
        if not lines:
            result.usage = Usage(provider=self.name, model=self.model)
            return result
        sep = decimal_separator(ln.text for ln in lines)
        result.language = detect_language(lines)
        items, table_lines = find_items(lines, sep)
        result.line_items = items

        fields: dict[str, FieldValue] = {}
        picked = _pick(_label_candidates(lines, table_lines))
        for name, cand in picked.items():
            fields[name] = _field_value(cand.value, cand.lines, min(cand.score, 1.0) * 0.92)
        if "invoice_date" not in fields:
            dated = [(ln, m) for ln in lines if ln.page == 1 for m in find_dates(ln.text)]
            due_lines = set(fields["due_date"].line_ids) if "due_date" in fields else set()
            dated = [(ln, m) for ln, m in dated if ln.id not in due_lines]
            if dated:
                ln, m = dated[0]
                fields["invoice_date"] = _field_value(m.group(0), [ln], 0.4)

        items_sum = None
        item_amounts = [
            a[-1].value for it in items if it.amount and (a := find_amounts(it.amount, sep))
        ]
        if items and len(item_amounts) == len(items):
            items_sum = sum(item_amounts, Decimal(0))
        totals = _totals_candidates(lines, table_lines | tax_summary_lines(lines), sep)
        picks, tax_lines, conf = _choose_totals(
            totals + _row_triples(lines, table_lines, sep), items_sum
        )
        picks = _after_rounding(picks, totals, lines, sep)
        for kind, cand in picks.items():
            fields[kind] = _field_value(cand.amount.text, [cand.line, cand.label_line], conf)
        if tax_lines:
            if len(tax_lines) == 1:
                t = tax_lines[0]
                fields["tax_amount"] = _field_value(t.amount.text, [t.line, t.label_line], conf)
            else:
                total_tax = sum((t.amount.value for t in tax_lines), Decimal(0))
                text = f"{total_tax:.2f}".replace(".", sep)
                fields["tax_amount"] = _field_value(text, [t.line for t in tax_lines], conf * 0.95)

        discount = _document_discount(lines, table_lines, sep)
        if discount is not None:
            fields["allowance_total"] = discount
        fields["currency"] = self._currency(lines, [*picks.values(), *tax_lines])
        self._ids(lines, fields)
        seller, buyer = find_parties(lines, table_lines)
        self._party(fields, "seller", seller)
        self._party(fields, "buyer", buyer)
        self._assign_vat_ids(lines, fields, seller, buyer)

        result.fields = {k: v for k, v in fields.items() if v.value is not None}
        result.vat_breakdown = vat_summary(lines, table_lines, sep)
        if self.scorer:
            from invoice_pipeline.processing.extract.scorer.model import rescore

            result = rescore(lines, sep, result, self.scorer_model)  # type: ignore[arg-type]
            self._rebind_parties(result, lines, table_lines, seller, buyer)
        if not result.line_items:
            result.line_items = _receipt_items(lines, sep, result.fields)
        result.usage = Usage(
            provider=self.name,
            model=self.model,
            latency_s=round(time.perf_counter() - started, 4),
        )
        return result

    @staticmethod
    def _currency(lines: Sequence[Ln], totals: Sequence[AmountCandidate]) -> FieldValue:
        votes: Counter[str] = Counter()
        where: dict[str, Ln] = {}
        for cand in totals:
            for ln in {cand.line.index: cand.line, cand.label_line.index: cand.label_line}.values():
                for tok in find_currency(ln.text):
                    votes[tok] += 3
                    where.setdefault(tok, ln)
        for ln in lines:
            for tok in find_currency(ln.text):
                votes[tok] += 1
                where.setdefault(tok, ln)
        if not votes:
            return FieldValue()
        tok, n = votes.most_common(1)[0]
        return _field_value(tok, [where[tok]], 0.9 if n >= 3 else 0.6)

    @staticmethod
    def _ids(lines: Sequence[Ln], fields: dict[str, FieldValue]) -> None:
        for ln in lines:
            found = find_ibans(ln.text)
            if found:
                fields["iban"] = _field_value(found[0][0], [ln], 0.95)
                return

    @staticmethod
    def _party(fields: dict[str, FieldValue], role: str, party: Party) -> None:
        if party.name is not None and party.name_text:
            fields[f"{role}_name"] = _field_value(
                party.name_text, party.name_lines, party.confidence
            )
        if party.address_text:
            fields[f"{role}_address"] = _field_value(
                party.address_text, party.address or [party.name], party.confidence * 0.9
            )

    def _rebind_parties(
        self,
        result: ExtractedInvoice,
        lines: Sequence[Ln],
        table_lines: set[int],
        seller: Party,
        buyer: Party,
    ) -> None:
        """The parties again when the scorer took the seller from another line than the rules:
        the seller's address from the block of its name, not from the line the rules took; the
        rules' seller becomes the buyer when the scorer's seller is the rules' buyer; the VAT
        ids follow the buyer's block."""
        chosen = result.fields.get("seller_name")
        by_id = {ln.id: ln for ln in lines}
        name = by_id.get(chosen.line_ids[-1]) if chosen and chosen.line_ids else None
        if chosen is None or name is None or name in seller.name_lines:
            return
        usable = [ln for ln in lines if ln.index not in table_lines]
        new_seller = party_at(name, usable, chosen.value or "", chosen.confidence)
        swapped = seller.name is not None and name in buyer.lines
        new_buyer = seller if swapped else buyer
        fields = dict(result.fields)
        for key in ("seller_address", "seller_vat_id", "buyer_vat_id"):
            fields.pop(key, None)
        if swapped:
            fields.pop("buyer_name", None)
            fields.pop("buyer_address", None)
            self._party(fields, "buyer", new_buyer)
        if new_seller.address_text:
            fields["seller_address"] = _field_value(
                new_seller.address_text, new_seller.address or [name], chosen.confidence * 0.9
            )
        self._assign_vat_ids(lines, fields, new_seller, new_buyer)
        result.fields = {k: v for k, v in fields.items() if v.value is not None}

    @staticmethod
    def _assign_vat_ids(
        lines: Sequence[Ln], fields: dict[str, FieldValue], seller: Party, buyer: Party
    ) -> None:
        buyer_idx = {ln.index for ln in buyer.lines}
        buyer_zone = (
            (
                min(ln.y0 for ln in buyer.lines),
                max(ln.y1 for ln in buyer.lines) + 0.06,
                min(ln.x0 for ln in buyer.lines) - 0.02,
                max(ln.x1 for ln in buyer.lines) + 0.15,
            )
            if buyer.lines
            else None
        )
        found: list[tuple[str, Ln, bool]] = []
        for ln in lines:
            for printed, _compact in find_vat_ids(ln.text):
                is_buyer = ln.index in buyer_idx or bool(
                    buyer_zone
                    and ln.page == buyer.lines[0].page
                    and buyer_zone[0] <= ln.cy <= buyer_zone[1]
                    and buyer_zone[2] <= ln.x0 <= buyer_zone[3]
                )
                is_buyer = is_buyer or bool(
                    BUYER_LABELS.search(ln.folded)
                    or _BUYER_ID_LABEL.search(ln.folded)
                    or "customer" in ln.folded
                    or "kunde" in ln.folded
                )
                found.append((printed, ln, is_buyer))
        distinct: dict[str, tuple[Ln, bool]] = {}
        for printed, ln, is_buyer in found:
            key = printed.replace(" ", "").upper()
            if key not in distinct:
                distinct[key] = (ln, is_buyer)
        for key, (ln, is_buyer) in distinct.items():
            role = "buyer_vat_id" if is_buyer else "seller_vat_id"
            if role in fields:
                other = "seller_vat_id" if is_buyer else "buyer_vat_id"
                if other in fields:
                    continue
                role = other
            printed = next(
                p for p, line, _b in found if line is ln and p.replace(" ", "").upper() == key
            )
            fields[role] = _field_value(printed, [ln], 0.85)
