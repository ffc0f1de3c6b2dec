"""The line-item table: header row, column ranges, one item per row.

The header is the row with column words (description, quantity, unit price,
amount, tax rate, in every supported language). Each later row is split into
those columns by position; a row of text only continues the description of
the item above it; subtotal rows inside the table are skipped; the table ends
at the totals block or when rows stop looking like items. Tables that go on
over several pages continue after the header repeated on the next page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from invoice_pipeline.processing.extract.rules.geometry import Ln, median_height, same_row
from invoice_pipeline.processing.extract.rules.values import (
    find_amounts,
    find_percent,
    is_money_like,
)
from invoice_pipeline.processing.extract.rules.vocabulary import (
    COLUMN_WORDS,
    DISCOUNT_LABEL,
    PAGE_NOISE,
    TAX_ID_MARKERS,
    TOTAL_LABELS,
)
from invoice_pipeline.schema import ExtractedLineItem

NUMERIC_COLUMNS = ("quantity", "unit_price", "amount", "tax_rate")
QTY_RE = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d{1,3})?)(?![\d.,]*\d)")


@dataclass
class Column:
    kind: str
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Table:
    page: int
    header: list[Ln]
    columns: list[Column]
    lines: set[int] = field(default_factory=set)


def rows(lines: Sequence[Ln]) -> list[list[Ln]]:
    """Lines grouped into physical rows, top to bottom, each left to right."""
    out: list[list[Ln]] = []
    for ln in sorted(lines, key=lambda x: (x.page, x.cy)):
        if out and any(same_row(ln, other) for other in out[-1]):
            out[-1].append(ln)
        else:
            out.append([ln])
    return [sorted(r, key=lambda x: x.x0) for r in out]


def _header_columns(row: list[Ln]) -> list[Column]:
    """Column kinds and x ranges from a candidate header row (lines may hold several words)."""
    found: list[Column] = []
    for ln in row:
        hits = []
        for kind, pattern in COLUMN_WORDS.items():
            for m in pattern.finditer(ln.folded):
                hits.append((m.start(), m.end(), kind))
        if not hits:
            continue
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))  # longest match first
        # drop overlapping hits, preferring the earlier and longer one
        kept: list[tuple[int, int, str]] = []
        for start, end, kind in hits:
            if kept and start < kept[-1][1]:
                if kind == "tax_rate" and kept[-1][2] == "amount":
                    kept[-1] = (kept[-1][0], end, kind)
                continue
            kept.append((start, end, kind))
        n = max(len(ln.folded), 1)
        width = ln.x1 - ln.x0
        for start, end, kind in kept:
            if len(kept) == 1:
                x0, x1 = ln.x0, ln.x1
            else:
                x0 = ln.x0 + width * start / n
                x1 = ln.x0 + width * end / n
            found.append(Column(kind, x0, x1))
    return found


def _is_header(columns: list[Column]) -> bool:
    kinds = {c.kind for c in columns}
    numeric = kinds & {"quantity", "unit_price", "amount"}
    return ("description" in kinds and len(numeric) >= 1) or len(numeric) >= 2 and len(kinds) >= 3


def _is_totals_row(row: list[Ln]) -> bool:
    """A subtotal, tax or total line: never an item."""
    text = " ".join(ln.folded for ln in row)
    for kind in ("subtotal", "total_amount"):
        for pattern, weight in TOTAL_LABELS[kind]:
            if weight >= 0.6 and pattern.search(text):
                return True
    if TAX_ID_MARKERS.search(text) or COLUMN_WORDS["description"].search(text):
        return False
    return any(w >= 0.8 and p.match(ln.folded) for ln in row for p, w in TOTAL_LABELS["tax_amount"])


_FIGURES_ONLY = re.compile(r"(?:[\d\s.,'’()%+\-−€$£¥]|\b[A-Z]{3}\b|\bkr\b)*")


def _is_totals_values(row: list[Ln], labels: list[Ln] | None, decimal_sep: str) -> bool:
    """Figures alone, each under a label of the totals row just above: a row of totals boxes
    ("Subtotal | IVA 21 % | Total" over "32.937,17 EUR | 6.916,81 EUR | 39.853,98 EUR")."""
    if labels is None or len(row) < 2 or row[0].page != labels[0].page:
        return False
    if row[0].y0 - max(ln.y1 for ln in labels) > 2 * max(ln.h for ln in labels):
        return False
    return all(
        find_amounts(ln.text, decimal_sep) and _FIGURES_ONLY.fullmatch(ln.text.strip())
        for ln in row
    )


def _is_discount_row(row: list[Ln]) -> bool:
    """A document-level discount under the items' total ("Avgår rabatt -4 311,14")."""
    return bool(DISCOUNT_LABEL.search(" ".join(ln.folded for ln in row)))


def _is_grand_total_row(row: list[Ln]) -> bool:
    text = " ".join(ln.folded for ln in row)
    return any(w >= 0.85 and p.search(text) for p, w in TOTAL_LABELS["total_amount"])


def _assign(row: list[Ln], columns: list[Column]) -> dict[str, list[Ln]]:
    cells: dict[str, list[Ln]] = {}
    for ln in row:
        inside = [c for c in columns if c.x0 - 0.01 <= ln.cx <= c.x1 + 0.01]
        if inside:
            col = inside[0]
        else:
            # numbers are right-aligned under their header, text left-aligned
            def dist(c: Column, ln: Ln = ln) -> float:
                if c.kind == "description":
                    return abs(ln.x0 - c.x0)
                return min(abs(ln.x1 - c.x1), abs(ln.cx - c.cx))

            col = min(columns, key=dist)
        cells.setdefault(col.kind, []).append(ln)
    return cells


def _money(cells: list[Ln], decimal_sep: str) -> str | None:
    """The right-most money figure (with cents or a currency) among a column's cells."""
    for ln in reversed(cells):
        amounts = [a for a in find_amounts(ln.text, decimal_sep) if is_money_like(a, decimal_sep)]
        if amounts:
            return amounts[-1].text
    return None


def _quantity(cells: list[Ln]) -> str | None:
    for ln in cells:
        m = QTY_RE.search(ln.text)
        if m:
            return m.group(1)
    return None


def _parse(text: str | None, decimal_sep: str) -> Decimal | None:
    if text is None:
        return None
    amounts = find_amounts(text, decimal_sep)
    return amounts[-1].value if amounts else None


def _quantity_left_of_description(columns: list[Column]) -> bool:
    qty = next((c for c in columns if c.kind == "quantity"), None)
    desc = next((c for c in columns if c.kind == "description"), None)
    return qty is not None and desc is not None and qty.cx < desc.cx


def _item_from_row(
    cells: dict[str, list[Ln]], row: list[Ln], decimal_sep: str, columns: list[Column]
) -> ExtractedLineItem | None:
    desc_lines = cells.get("description", [])
    description = " ".join(ln.text for ln in desc_lines).strip() or None
    amount = _money(cells.get("amount", []), decimal_sep)
    unit_price = _money(cells.get("unit_price", []), decimal_sep)
    quantity = _quantity(cells.get("quantity", []))
    tax_cells = cells.get("tax_rate", [])
    tax_rate = next((p for ln in tax_cells if (p := find_percent(ln.text))), None)
    if tax_rate is None:
        tax_rate = next((p for ln in row if (p := find_percent(ln.text))), None)
    if amount is None:
        money = [a for ln in row for a in find_amounts(ln.text, decimal_sep) if "%" not in ln.text]
        money = [a for a in money if a.currency or re.search(r"[.,]\d{2}$", a.text)]
        if money and (description or unit_price):
            amount = money[-1].text
    if amount is None or description is None and unit_price is None:
        return None
    if quantity is None and description and _quantity_left_of_description(columns):
        # "8 Bürostuhl ..." where the quantity column sits left of the description
        m = re.match(r"^\s*(\d+(?:[.,]\d{1,3})?)\s*(?:x\s+|×\s*)?(?=[^\d\s.,])(.+)$", description)
        if m:
            quantity, description = m.group(1), m.group(2).strip()
    if description and sum(ch.isalpha() for ch in description) < 2:
        description = None
    confidence = 0.65
    q, u, a = (
        _parse(quantity, decimal_sep),
        _parse(unit_price, decimal_sep),
        _parse(amount, decimal_sep),
    )
    if q is not None and u is not None and a is not None:
        if abs(q * u - a) <= max(Decimal("0.011"), abs(a) * Decimal("0.01")):
            confidence = 0.9
        else:
            confidence = 0.5
    return ExtractedLineItem(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        amount=amount,
        tax_rate=tax_rate,
        confidence=confidence,
        line_ids=[ln.id for ln in row],
    )


def find_items(lines: Sequence[Ln], decimal_sep: str) -> tuple[list[ExtractedLineItem], set[int]]:
    """The line items and the indexes of every line that belongs to the table."""
    all_rows = rows(lines)
    med_h = median_height(lines)
    items: list[ExtractedLineItem] = []
    used: set[int] = set()
    columns: list[Column] | None = None
    last_item_row: list[Ln] | None = None
    prev_row: list[Ln] | None = None
    misses = 0
    totals_labels: list[Ln] | None = None
    totals_row: list[Ln] | None = None
    header: list[Ln] = []
    for row in all_rows:
        if _is_totals_values(row, totals_labels, decimal_sep):
            columns = None  # the figures of a row of totals boxes: the table is over
        totals_labels = None
        header_cols = _header_columns(row)
        if _is_header(header_cols):
            if columns is None or not items or row[0].page != (prev_row or row)[0].page:
                columns = header_cols
                header = row  # part of the table once an item is read under it
                prev_row, last_item_row, misses = row, None, 0
                continue
        if columns is None:
            continue
        if prev_row is not None and row[0].page == prev_row[0].page:
            gap = row[0].y0 - max(ln.y1 for ln in prev_row)
            if items and (gap > 8 * med_h or gap > 5 * med_h and misses):
                columns = None  # a wide gap: the table is over
                continue
        if PAGE_NOISE.search(" ".join(ln.folded for ln in row)):
            continue
        after_totals = prev_row is not None and prev_row is totals_row
        if _is_totals_row(row) or (after_totals and _is_discount_row(row)):
            prev_row, last_item_row, totals_labels, totals_row = row, None, row, row
            if _is_grand_total_row(row) and items:
                columns = None  # the grand total closes the table
                continue
            misses += 1
            if misses >= 2:
                columns = None
            continue
        cells = _assign(row, columns)
        item = _item_from_row(cells, row, decimal_sep, columns)
        if item is not None:
            items.append(item)
            used.update(ln.index for ln in [*header, *row])
            header = []
            last_item_row, prev_row, misses = row, row, 0
            continue
        numbers = any(find_amounts(ln.text, decimal_sep) for ln in row)
        if last_item_row is not None and not numbers and set(cells) == {"description"}:
            gap = row[0].y0 - max(ln.y1 for ln in last_item_row)
            if gap < 1.2 * med_h:
                items[-1].description = " ".join(
                    x for x in [items[-1].description, " ".join(ln.text for ln in row)] if x
                )
                items[-1].line_ids.extend(ln.id for ln in row)
                used.update(ln.index for ln in row)
                last_item_row = row
                prev_row = row
                continue
        prev_row = row
        misses += 1
        if misses >= 3 and items:
            columns = None
    return items, used


_TAX_CLASS = re.compile(r"^\s*(?:[A-Z]|\*|[A-Z]\s*\*)\s*$")
_QTY_TIMES = re.compile(
    r"^\s*(?P<q>\d+(?:[.,]\d{1,3})?)\s*(?:x|X|×|\*|@)\s*(?P<p>\d[\d.,]*\d)\s*(?:[A-Za-z€$£]{0,3})\s*$"
)
_QTY_TAIL = re.compile(r"\d+(?:[.,]\d{1,3})?\s*(?:x|X|×|\*|@)\s*\d[\d.,]*\d\s*$")
_RULE_ROW = re.compile(r"^[\s\-=_*.~#]+$")


def _receipt_row(row: list[Ln], decimal_sep: str) -> tuple[str, str] | None:
    """(description, amount) of a receipt line: words, then one money figure at its right end
    (a tax class letter after it allowed: "TOMATEN 1,30 A")."""
    text = " ".join(ln.text for ln in row).strip()
    parts = text.rsplit(None, 1)
    if len(parts) == 2 and _TAX_CLASS.match(parts[1]):
        text = parts[0]
    money = [a for a in find_amounts(text, decimal_sep) if is_money_like(a, decimal_sep)]
    if not money or text[money[-1].end :].strip(" €$£"):
        return None
    description = text[: money[-1].start].strip(" :.-")
    if len(money) > 1 and not _QTY_TAIL.search(description):
        return None  # a price and an amount: a table's row, not a receipt's
    if sum(ch.isalpha() for ch in description) < 2 or _QTY_TIMES.match(text):
        return None
    return description, money[-1].text


def find_receipt_items(
    lines: Sequence[Ln], decimal_sep: str, target: Decimal
) -> list[ExtractedLineItem]:
    """A receipt's items, which have no header row: the lines above a line that prints
    ``target`` (its subtotal or total), each a name with its price at the right ("TOMATEN
    1,30 A"), a "2 x 0,65" line under (or over) an item giving its quantity and unit price;
    the run ends at a line that is neither (a rule, the till and receipt number). Kept only
    when there are two or more and their prices sum to ``target``, so a receipt's other
    figures, or one summary line over its total, are never items."""
    all_rows = rows(lines)
    for at, row in enumerate(all_rows):
        if not any(a.value == target for ln in row for a in find_amounts(ln.text, decimal_sep)):
            continue
        items = _receipt_run(all_rows, at, decimal_sep, target)
        if items:
            return items
    return []


def _receipt_run(
    all_rows: list[list[Ln]], at: int, decimal_sep: str, target: Decimal
) -> list[ExtractedLineItem]:
    """The items printed right above row ``at`` when their prices sum to ``target``."""
    items: list[tuple[list[Ln], str, str]] = []
    quantities: list[tuple[int, Decimal, str]] = []
    started = False
    for i in range(at - 1, -1, -1):
        row = all_rows[i]
        if row[0].page != all_rows[at][0].page:
            break
        text = " ".join(ln.text for ln in row)
        if _RULE_ROW.match(text):
            if started:
                break
            continue  # the rule between the items and the total
        if _is_totals_row(row) and not started:
            continue  # a subtotal line over the total
        qty = _QTY_TIMES.match(text)
        if qty:
            q = Decimal(qty.group("q").replace(",", "."))
            quantities.append((len(items), q, qty.group("p")))
            started = True
            continue
        read = _receipt_row(row, decimal_sep)
        if read is None:
            break
        items.append((row, *read))
        started = True
    if len(items) < 2:
        return []  # one line equal to the total is as likely a summary ("Service charges")
    items.reverse()
    amounts = [_parse(amount, decimal_sep) for _, _, amount in items]
    if any(a is None for a in amounts) or sum(amounts, Decimal(0)) != target:  # type: ignore[arg-type]
        return []
    out = []
    n = len(items)
    for k, (row, description, amount) in enumerate(items):
        item = ExtractedLineItem(
            description=description, amount=amount, confidence=0.8, line_ids=[ln.id for ln in row]
        )
        for before, q, price in quantities:
            # collected walking up: ``before`` items lay under the quantity line, so the item
            # over it is n - 1 - before and the one under it n - before (in page order)
            unit = _parse(price, decimal_sep)
            if unit is None or k not in (n - 1 - before, n - before):
                continue
            if abs(q * unit - amounts[k]) <= Decimal("0.01"):  # type: ignore[operator]
                item.quantity, item.unit_price, item.confidence = f"{q.normalize():f}", price, 0.9
                break
        out.append(item)
    return out
