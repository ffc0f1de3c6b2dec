"""A vendor's line-item table: its columns learned from confirmed items, read on later pages.

Learning (:func:`learn_table`) finds each confirmed item's row on the page (its
amount, with its description beside it, rows in printed order), and in that row
the cells of the amount, unit price, quantity, tax rate and description. The
columns are the x ranges those cells span over all rows; the header is the row
just above the first item, each column's label the header words over it. The
row under the last item (a "Subtotal" line) is kept as the table's end.
Learning needs every confirmed item found and a header with at least two
column labels, so a table is learned only from items a person confirmed and
that add up (``learn.learn_profile`` checks the sum).

Reading (:func:`read_table`) finds the header on each page by its column
labels (rapidfuzz, near their learned places; the table may have moved
sideways), then splits each row below it into the learned columns: a row with
an amount (in the learned decimal format) and a description or unit price is
an item, a row of text in the description column alone continues the item
above it, and the table ends at the learned end row, a totals label or three
rows that are no item.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

from invoice_pipeline.processing.extract.rules.vocabulary import COLUMN_WORDS, TOTAL_LABELS, fold
from invoice_pipeline.processing.validate.amounts import format_money
from invoice_pipeline.processing.vendors.page import (
    Span,
    Word,
    decimal_separator,
    has_letters,
    read_amount,
    spans,
    words_box,
)
from invoice_pipeline.processing.vendors.profile import ColumnRule, TableRule
from invoice_pipeline.schema import ExtractedLineItem, RecordLineItem

__all__ = ["items_sum", "learn_table", "read_table"]

HEADER_GAP = 0.08
"""The furthest the header may sit above the first item, in page heights."""
LABEL_MATCH = 85.0
LABEL_SHIFT = 0.2
"""The furthest a column label may have moved sideways from its learned place."""
CELL_TOLERANCE = 0.02
MIN_LABELS = 2
DESCRIPTION_MATCH = 70.0

Row = list[Word]


def rows_of(lines: Sequence[Sequence[Word]]) -> list[Row]:
    """The words of each page in physical rows (lines overlapping vertically by at least
    half the lower one's height), top to bottom, each left to right."""
    out: list[tuple[int, float, float, list[Word]]] = []
    ordered = sorted(
        (ws for ws in lines if ws), key=lambda ws: (ws[0].page, min(w.box[1] for w in ws))
    )
    for ws in ordered:
        y0, y1 = min(w.box[1] for w in ws), max(w.box[3] for w in ws)
        page = ws[0].page
        if out and out[-1][0] == page:
            _, r0, r1, words = out[-1]
            overlap = min(r1, y1) - max(r0, y0)
            if overlap >= 0.5 * min(r1 - r0, y1 - y0):
                out[-1] = (page, min(r0, y0), max(r1, y1), [*words, *ws])
                continue
        out.append((page, y0, y1, list(ws)))
    return [sorted(words, key=lambda w: w.box[0]) for _, _, _, words in out]


def _row_spans(row: Row) -> list[Span]:
    """Spans within each OCR line of the row."""
    by_line: dict[int, list[Word]] = {}
    for w in row:
        by_line.setdefault(id(w.line), []).append(w)
    out: list[Span] = []
    for words in by_line.values():
        out += spans(sorted(words, key=lambda w: w.index))
    return out


def _number(text: str | None) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _money_span(row: Row, value: Decimal, taken: set[int]) -> Span | None:
    """The right-most span of ``row`` printed as the amount ``value`` with cents."""
    found = [
        s
        for s in _row_spans(row)
        if not any(id(w) in taken for w in s.words)
        and decimal_separator(s.text) is not None
        and s.words[0].text[:1] not in ",."
        and read_amount(s.text, None) == value
    ]
    if not found:
        return None
    return max(found, key=lambda s: (s.box[2], -len(s.words)))


def _plain_span(
    row: Row, value: Decimal, taken: set[int], *, percent: bool = False, before: float = 2.0
) -> Span | None:
    """A one-word cell printed as ``value`` (a quantity ``2``, ``1,5``; a rate ``19%``), the
    right-most one starting left of ``before`` (a position number "1" sits further left)."""
    found = []
    for w in row:
        if id(w) in taken or w.box[0] >= before:
            continue
        text = w.text.strip().rstrip("%").strip()
        if percent and "%" not in w.text and not re.fullmatch(r"\d{1,2}(?:[.,]\d+)?", text):
            continue
        read = _number(text.replace(",", ".")) if re.fullmatch(r"\d+(?:[.,]\d+)?", text) else None
        if read is not None and read == value:
            found.append(w)
    return Span((found[-1],)) if found else None


def _row_text(row: Row) -> str:
    return " ".join(w.text for w in row)


def _match_row(item: RecordLineItem, row: Row) -> dict[str, list[Word]] | None:
    """The cells of ``item`` in ``row``, or None when the row does not print it."""
    amount = _number(item.amount)
    if amount is None:
        return None
    taken: set[int] = set()
    cells: dict[str, list[Word]] = {}
    found = _money_span(row, amount, taken)
    if found is None:
        return None
    cells["amount"] = list(found.words)
    taken |= {id(w) for w in found.words}
    price = _number(item.unit_price)
    if price is not None:
        span = _money_span(row, price, taken)
        if span is not None and span.box[2] <= found.box[0] + 0.005:
            cells["unit_price"] = list(span.words)
            taken |= {id(w) for w in span.words}
    rate = _number(item.tax_rate)
    if rate is not None:
        span = _plain_span(row, rate, taken, percent=True)
        if span is not None:
            cells["tax_rate"] = list(span.words)
            taken |= {id(w) for w in span.words}
    quantity = _number(item.quantity)
    if quantity is not None:
        right_edge = min(words_box(ws)[0] for ws in cells.values())
        span = _plain_span(row, quantity, taken, before=right_edge)
        if span is not None:
            cells["quantity"] = list(span.words)
            taken |= {id(w) for w in span.words}
    if item.description:
        described = _description(row, taken, cells)
        tokens = set(fold(item.description).split())
        code = []
        while len(described) > 1 and fold(described[0].text) not in tokens:
            code.append(described.pop(0))  # an article code before the description
        if code:
            cells["code"] = code
        if not described:
            return None
        score = fuzz.partial_ratio(fold(item.description), fold(_row_text(described)))
        if score < DESCRIPTION_MATCH:
            return None
        cells["description"] = described
    return cells


def _description(row: Row, taken: set[int], cells: dict[str, list[Word]]) -> list[Word]:
    """The words from the row's first word with letters up to the next figure cell (a
    position number left of it is no part of the description)."""
    first = next((w for w in row if id(w) not in taken and has_letters(w.text)), None)
    if first is None:
        return []
    starts = [words_box(ws)[0] for k, ws in cells.items() if words_box(ws)[0] > first.box[0]]
    end = min(starts, default=2.0)
    return [w for w in row if id(w) not in taken and first.box[0] <= w.box[0] < end]


def learn_table(
    lines: Sequence[Sequence[Word]], items: Sequence[RecordLineItem], document_id: str
) -> TableRule | None:
    """The table of ``items`` (confirmed) on the page, or None where it cannot be told."""
    if not items or any(_number(i.amount) is None for i in items):
        return None
    rows = rows_of(lines)
    matched: list[tuple[int, dict[str, list[Word]]]] = []
    start = 0
    for item in items:
        for r in range(start, len(rows)):
            cells = _match_row(item, rows[r])
            if cells is not None:
                matched.append((r, cells))
                start = r + 1
                break
        else:
            return None  # an item not found: the table is not what the record says
    first_row = matched[0][0]
    page = rows[first_row][0].page
    columns: dict[str, list[tuple[float, float, float, float]]] = {}
    for _, cells in matched:
        for kind, words in cells.items():
            columns.setdefault(kind, []).append(words_box(words))
    ranges = {
        kind: (min(b[0] for b in boxes), max(b[2] for b in boxes))
        for kind, boxes in columns.items()
    }
    top = min(w.box[1] for w in rows[first_row])
    header_row = None
    for r in range(first_row - 1, -1, -1):
        row = rows[r]
        if row[0].page != page or top - max(w.box[3] for w in row) > HEADER_GAP:
            break
        if any(c.isdigit() for c in _row_text(row)) or not has_letters(_row_text(row)):
            continue  # a figure row or a rule between header and items
        header_row = row
        break
    if header_row is None:
        return None
    rules: list[ColumnRule] = []
    for kind, (x0, x1) in sorted(ranges.items(), key=lambda kv: kv[1][0]):
        over = [w for w in header_row if min(w.box[2], x1) - max(w.box[0], x0) > 0]
        if not over:  # a header word beside a narrow figure column ("Menge" over "2")
            centre = (x0 + x1) / 2
            near = min(header_row, key=lambda w: abs((w.box[0] + w.box[2]) / 2 - centre))
            if abs((near.box[0] + near.box[2]) / 2 - centre) < 0.06:
                over = [near]
        taken = {id(w) for rule in rules for w in header_row if rule.label and w.text in rule.label}
        over = [w for w in over if id(w) not in taken] or over
        label = " ".join(w.text for w in over)
        box = words_box(over) if over else (x0, 0.0, x1, 0.0)
        rules.append(ColumnRule(kind=kind, label=label, label_box=box, x0=x0, x1=x1))
    if sum(1 for c in rules if c.label) < MIN_LABELS or "amount" not in ranges:
        return None
    last = matched[-1][0]
    end = ""
    for r in range(last + 1, min(last + 4, len(rows))):
        text = _row_text(rows[r])
        if rows[r][0].page == rows[last][0].page and has_letters(text):
            end = re.sub(r"[\d.,%€$£]+", " ", text).strip()
            end = " ".join(end.split()[:4])
            break
    marks = Counter(
        mark
        for _, cells in matched
        if (mark := decimal_separator(" ".join(w.text for w in cells["amount"])))
    )
    return TableRule(
        columns=rules,
        header=_row_text(header_row),
        end_label=end,
        decimal_separator=marks.most_common(1)[0][0] if marks else None,
        items=len(items),
        learned_from=document_id,
    )


def _label_hit(column: ColumnRule, row: Row) -> list[Word] | None:
    """The words of ``column``'s label in ``row`` near its learned place, best match first."""
    if not column.label:
        return None
    n = len(column.label.split())
    key = fold(column.label)
    best: tuple[float, list[Word]] | None = None
    for i in range(len(row)):
        for size in {max(1, n - 1), n, n + 1}:
            window = row[i : i + size]
            if len(window) != size:
                continue
            if abs(window[0].box[0] - column.label_box[0]) > LABEL_SHIFT:
                continue
            score = fuzz.ratio(fold(" ".join(w.text for w in window)), key)
            if score >= LABEL_MATCH and (best is None or score > best[0]):
                best = (score, window)
    return best[1] if best else None


Placed = tuple[str, float, float]
"""A column on one page: its kind and x range."""


def _header_columns(table: TableRule, row: Row) -> list[Placed] | None:
    """The table's columns on this page when ``row`` is its header, else None.

    Each column whose label is found moves with its label (an invoice that adds a column
    shifts the others); the rest move with the median shift. Header words no learned label
    covers are columns too (a tax rate or unit column the confirmed invoice did not print),
    so their values go to no learned column."""
    labelled = [c for c in table.columns if c.label]
    hits: dict[int, list[Word]] = {}
    for k, column in enumerate(table.columns):
        hit = _label_hit(column, row) if column.label else None
        if hit is not None and not any(
            id(w) in {id(x) for ws in hits.values() for x in ws} for w in hit
        ):
            hits[k] = hit
    needed = max(MIN_LABELS, -(-len(labelled) * 6 // 10))
    if len(hits) < needed:
        return None
    shifts = {k: ws[0].box[0] - table.columns[k].label_box[0] for k, ws in hits.items()}
    median = statistics.median(shifts.values())
    placed: list[Placed] = []
    for k, column in enumerate(table.columns):
        dx = shifts.get(k, median)
        placed.append((column.kind, column.x0 + dx, column.x1 + dx))
    covered = {id(w) for ws in hits.values() for w in ws}
    for w in row:
        if id(w) in covered or any(x0 <= (w.box[0] + w.box[2]) / 2 <= x1 for _, x0, x1 in placed):
            continue
        kind = "tax_rate" if COLUMN_WORDS["tax_rate"].search(fold(w.text)) else "other"
        placed.append((kind, w.box[0], w.box[2]))
    return placed


def _is_end(table: TableRule, text: str) -> bool:
    folded = fold(text)
    if table.end_label and fuzz.partial_ratio(fold(table.end_label), folded) >= 90:
        return True
    for kind in ("subtotal", "total_amount"):
        if any(w >= 0.8 and p.search(folded) for p, w in TOTAL_LABELS[kind]):
            return True
    return False


def _cells(columns: list[Placed], row: Row) -> dict[str, list[Word]]:
    """The row's words by column: the column under whose range a word's centre falls, else
    the nearest column edge within 0.06 page widths."""
    cells: dict[str, list[Word]] = {}
    for w in row:
        cx = (w.box[0] + w.box[2]) / 2
        inside = [c for c in columns if c[1] - CELL_TOLERANCE <= cx <= c[2] + CELL_TOLERANCE]
        if inside:
            kind = min(inside, key=lambda c: abs(cx - (c[1] + c[2]) / 2))[0]
        else:
            kind, x0, x1 = min(columns, key=lambda c: min(abs(cx - c[1]), abs(cx - c[2])))
            if min(abs(cx - x0), abs(cx - x1)) > 0.06:
                continue
        cells.setdefault(kind, []).append(w)
    return cells


def money(text: str, separator: str | None) -> Decimal | None:
    """An amount in the learned decimal format, else in either (an OCR's "2.628.50")."""
    value = read_amount(text, separator)
    return value if value is not None else read_amount(text, None)


def _cell_amount(words: list[Word], separator: str | None) -> str | None:
    """The right-most amount with cents among a cell's words, as a plain decimal."""
    if not words:
        return None
    found = [
        (s, value)
        for s in spans(words)
        if s.words[0].text[:1] not in ",."
        and decimal_separator(s.text) is not None
        and (value := money(s.text, separator)) is not None
    ]
    if not found:
        return None
    _, value = max(found, key=lambda f: (f[0].box[2], len(f[0].words)))
    return format_money(value)


def _cell_number(words: list[Word]) -> str | None:
    for w in words:
        m = re.search(r"(?<![\d.,])\d+(?:[.,]\d{1,3})?(?![\d.,]*\d)", w.text)
        if m:
            return m.group(0)
    return None


def _item(table: TableRule, cells: dict[str, list[Word]]) -> ExtractedLineItem | None:
    amount = _cell_amount(cells.get("amount", []), table.decimal_separator)
    price = _cell_amount(cells.get("unit_price", []), table.decimal_separator)
    words = cells.get("description", [])
    description = " ".join(w.text for w in words).strip() or None
    if amount is None or description is None and price is None:
        return None
    rate = _cell_number(cells.get("tax_rate", []))
    quantity = _cell_number(cells.get("quantity", []))
    return ExtractedLineItem(
        description=description,
        quantity=quantity,
        unit_price=price,
        amount=amount,
        tax_rate=f"{rate}%" if rate else None,
        confidence=0.9,
        line_ids=list(dict.fromkeys(w.line.id for ws in cells.values() for w in ws)),
    )


def read_table(lines: Sequence[Sequence[Word]], table: TableRule) -> list[ExtractedLineItem]:
    """The line items of the page read in the learned columns (empty where no header)."""
    rows = rows_of(lines)
    items: list[ExtractedLineItem] = []
    columns: list[Placed] | None = None
    page: int | None = None
    misses = 0
    last_bottom = 0.0
    height = 0.02
    for row in rows:
        if columns is None or row[0].page != page:
            columns = _header_columns(table, row)
            page = row[0].page
            misses = 0
            if columns is not None:
                last_bottom = max(w.box[3] for w in row)
                height = statistics.median(w.box[3] - w.box[1] for w in row)
            continue
        text = _row_text(row)
        if _is_end(table, text):
            columns = None
            page = -1  # the table is over on this page
            continue
        cells = _cells(columns, row)
        item = _item(table, cells)
        top = min(w.box[1] for w in row)
        if item is not None:
            items.append(item)
            misses = 0
            last_bottom = max(w.box[3] for w in row)
            continue
        if (
            items
            and set(cells) == {"description"}
            and not any(c.isdigit() for c in text)
            and top - last_bottom < 1.5 * height
        ):
            items[-1].description = f"{items[-1].description or ''} {text}".strip()
            items[-1].line_ids.extend(w.line.id for w in row if w.line.id not in items[-1].line_ids)
            last_bottom = max(w.box[3] for w in row)
            continue
        misses += 1
        if misses >= 3:
            columns = None
            page = -1
    return items


def items_sum(
    items: Sequence[ExtractedLineItem | RecordLineItem], separator: str | None
) -> Decimal | None:
    """The sum of the items' amounts (None when one cannot be read)."""
    total = Decimal(0)
    for item in items:
        if item.amount in (None, ""):
            return None
        value = money(str(item.amount), separator)
        if value is None:
            return None
        total += value
    return total
