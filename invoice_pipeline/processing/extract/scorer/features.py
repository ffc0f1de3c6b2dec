"""The features of one candidate: labels near it, where it sits, how it looks, what adds up.

For each label group of ``labels.json`` (invoice number, dates, total, subtotal,
tax, cash, change, rounding, customer and order numbers, seller and buyer labels
...) three scores: a label earlier on the same line (full weight when it is the
nearest label before the value), in the cell to the left on the same row, and in
the line just above (a label over its value in a box). Then the geometry (box,
page region: letterhead, address window, totals area, footer), the type size
relative to the page's median line (box height, which the text layer's font size
and OCR boxes both give), the value's format, its repetition on the page, its
distance to the addressee block, the arithmetic (a figure that is the largest,
the sum of two others or of the line items) and whether the rules extractor picked
it and with what confidence. :data:`FEATURES` names the columns; the model file
stores the list it was trained with and loading checks it.
"""

from __future__ import annotations

import bisect
import re
from decimal import Decimal

from invoice_pipeline.processing.extract.rules.roles import (
    ends_in_legal_form,
    name_problem,
    name_words,
    number_problem,
)
from invoice_pipeline.processing.extract.scorer.candidates import (
    Candidate,
    Context,
    folded_position,
    label_groups,
    normalised,
)

_GROUPS = label_groups()[0]
_PLACES = ("line", "left", "above")
FEATURES: tuple[str, ...] = (
    *(f"label_{g}_{p}" for g in _GROUPS for p in _PLACES),
    "page",
    "x0",
    "y0",
    "x1",
    "y1",
    "start_share",
    "value_share",
    "height",
    "height_rank",
    "line_rank",
    "words",
    "length",
    "digits",
    "letters",
    "upper_share",
    "punct",
    "region_letterhead",
    "region_window",
    "region_totals",
    "region_footer",
    "repeated",
    "in_addressee",
    "addressee_gap",
    "in_issuer",
    "rules_pick",
    "rules_confidence",
    "role_problem",
    "legal_form",
    "domain_match",
    "amount_rank",
    "amount_is_max",
    "amount_share_of_max",
    "amount_is_sum",
    "amount_is_items_sum",
    "amount_from_bottom",
    "amount_negative",
    "currency_on_line",
    "order_on_page",
    "candidates",
    "short_of_legal_name",
    "legal_name_of_taller",
)


def _label_scores(cand: Candidate, ctx: Context) -> list[float]:
    n = len(_GROUPS)
    line = [0.0] * n
    left = [0.0] * n
    above = [0.0] * n
    here = folded_position(cand.line, cand.start)
    before = [h for h in ctx.hits.get(cand.line.index, []) if h.end <= here]
    nearest = max((h.end for h in before), default=-1)
    for h in before:
        score = h.score if h.end == nearest else 0.5 * h.score
        line[h.group] = max(line[h.group], score)
    for rank, other in enumerate(ctx.row_left.get(cand.line.index, [])[:2]):
        for h in ctx.hits.get(other.index, []):
            left[h.group] = max(left[h.group], h.score * (1.0 if rank == 0 else 0.6))
    for rank, other in enumerate(ctx.above.get(cand.line.index, [])[:2]):
        for h in ctx.hits.get(other.index, []):
            above[h.group] = max(above[h.group], h.score * (1.0 if rank == 0 else 0.6))
    return [v for g in range(n) for v in (line[g], left[g], above[g])]


def _rules_match(cand: Candidate, ctx: Context) -> tuple[float, float]:
    picked = ctx.rules.fields.get(cand.field)
    if picked is None or not picked.value or ctx.picked(cand.field) != normalised(cand.value):
        return 0.0, 0.0
    same_line = cand.line.id in picked.line_ids
    return (1.0 if same_line else 0.5), picked.confidence


def _amount_features(cand: Candidate, ctx: Context) -> list[float]:
    value = cand.amount
    if value is None or not ctx.amounts:
        return [-1.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0]
    distinct = ctx.distinct_amounts
    biggest = distinct[-1]
    rank = len(distinct) - bisect.bisect_right(distinct, value)
    later = ctx.figures_after[cand.line.index]
    share = float(value / biggest) if biggest > 0 else 0.0
    return [
        float(min(rank, 20)),
        float(value == biggest),
        share,
        float(value in ctx.sums),
        float(ctx.items_sum is not None and abs(ctx.items_sum - value) < Decimal("0.011")),
        float(min(later, 30)),
        float(value < 0),
    ]


def features(cand: Candidate, ctx: Context, same_field: int) -> list[float]:
    """One row of :data:`FEATURES` for ``cand``; ``same_field`` is how many candidates it has."""
    ln = cand.line
    text = cand.value
    page = ctx.page_lines.get(ln.page, [ln])
    rank, taller = ctx.page_rank[ln.index]
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    uppers = sum(ch.isupper() for ch in text)
    gap = 1.0
    for p, y0, y1 in ctx.addressee_y:
        if p == ln.page:
            gap = min(gap, 0.0 if y0 <= ln.cy <= y1 else min(abs(ln.cy - y0), abs(ln.cy - y1)))
    picked, confidence = _rules_match(cand, ctx)
    if cand.field == "seller_name":
        problem = name_problem(text) is not None
    elif cand.field == "invoice_number":
        problem = number_problem(text, ctx.postcodes) is not None
    else:
        problem = False
    domain = False
    if ctx.domains:
        words = set(re.findall(r"[a-z0-9]{3,}", text.lower()))
        joined = "".join(sorted(words))
        domain = any(d in joined or any(w in d for w in words) for d in ctx.domains)
    order = ctx.figures_before[ln.index]
    row = [
        *_label_scores(cand, ctx),
        float(min(ln.page, 3)),
        ln.x0,
        ln.y0,
        ln.x1,
        ln.y1,
        cand.start / max(len(ln.text), 1),
        len(text) / max(len(ln.text), 1),
        ln.h / max(ctx.median_h, 1e-4),
        taller,
        rank / max(len(page), 1),
        float(len(text.split())),
        float(len(text)),
        float(digits),
        float(letters),
        uppers / max(letters, 1),
        float(sum(ch in "-/." for ch in text)),
        float(ln.page == 1 and ln.y1 < 0.22),
        float(ln.page == 1 and 0.12 < ln.y0 < 0.42 and ln.x0 < 0.5),
        float(ln.y0 > 0.45 and ln.x0 > 0.4),
        float(ln.y0 > 0.85),
        float(min(ctx.counts.get(normalised(text), 0), 10)),
        float(ln.index in ctx.addressee),
        gap,
        float(ln.index in ctx.issuer),
        picked,
        confidence,
        float(problem),
        float(ctx.line_has_legal_form(ln)),
        float(domain and cand.field == "seller_name"),
        *_amount_features(cand, ctx),
        float(ctx.line_has_currency(ln)),
        float(min(order, 60)),
        float(same_field),
        *_brand_features(cand, ctx),
    ]
    return row


def _brand_features(cand: Candidate, ctx: Context) -> list[float]:
    """A seller name without a legal form whose words a name with one repeats elsewhere
    (the logo "AS ALBUFERA" beside "Albufera Suministros S.L.U."); and a name with a legal
    form that repeats the words of a taller line without one (that legal name)."""
    if cand.field != "seller_name":
        return [0.0, 0.0]
    words = name_words(cand.value)
    if not words:
        return [0.0, 0.0]
    ln = cand.line
    if not ends_in_legal_form(cand.value):
        named = any(i != ln.index and words & w for i, w in ctx.legal_names.items())
        return [float(named), 0.0]
    taller = any(
        b.h > 1.3 * ln.h and not ctx.line_has_legal_form(b) and words & ctx.line_words(b)
        for b in ctx.page_lines.get(ln.page, [])
        if b.index != ln.index
    )
    return [0.0, float(taller)]
