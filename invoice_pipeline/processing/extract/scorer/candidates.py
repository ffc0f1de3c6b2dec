"""Candidates for the key fields and the page context their features are read from.

Every date-like token is an ``invoice_date`` candidate, every money-like figure a
``total_amount`` candidate, every id-like token (letters optional: "202303-596",
"732436") an ``invoice_number`` candidate and every short, name-like line of the
first pages a ``seller_name`` candidate, each with the line it sits on (its box
normalised to the page by :func:`rules.geometry.layout`). The rules extractor's own
pick is always a candidate too. :class:`Context` holds what the features of all
candidates share, computed once per document: the label phrases found on each line
(``labels.json``, matched fuzzily with rapidfuzz over word n-grams), the lines to the
left on the same row and just above, the addressee and issuer blocks, the money and
their arithmetic.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from invoice_pipeline.processing.extract.rules.geometry import Ln, below, median_height, right_of
from invoice_pipeline.processing.extract.rules.parties import (
    _name_text,
    addressee_blocks,
    is_legal_tail,
    issuer_blocks,
    legal_tail,
)
from invoice_pipeline.processing.extract.rules.roles import name_words
from invoice_pipeline.processing.extract.rules.values import (
    CODE_RE,
    DATE_RE,
    WORD_RE,
    find_amounts,
    find_currency,
    find_dates,
    is_money_like,
)
from invoice_pipeline.processing.extract.rules.vocabulary import LEGAL_FORMS, fold
from invoice_pipeline.schema import ExtractedInvoice

KEY_FIELDS = ("seller_name", "invoice_number", "invoice_date", "total_amount")
LABELS_FILE = Path(__file__).with_name("labels.json")
_KEEP = re.compile(r"[^\w\s\-']")
_FUZZY_CUTOFF = 86
_MAX_NAME_WORDS = 8


@cache
def label_groups() -> tuple[tuple[str, ...], list[str], list[int]]:
    """(group names, normalised phrases, the group index of each phrase) from labels.json."""
    data = json.loads(LABELS_FILE.read_text(encoding="utf-8"))
    groups = tuple(k for k in data if not k.startswith("_"))
    phrases: list[str] = []
    owner: list[int] = []
    for g, name in enumerate(groups):
        for phrase in data[name]:
            norm = " ".join(_KEEP.sub(" ", fold(phrase)).split())
            if norm:
                phrases.append(norm)
                owner.append(g)
    return groups, phrases, owner


@dataclass
class Candidate:
    """One printed value that may be a field's value, where it is printed."""

    field: str
    value: str
    line: Ln
    start: int
    """Where the value starts in ``line.text`` (0 for a whole line)."""
    amount: Decimal | None = None
    lines: list[Ln] = field(default_factory=list)
    """Every line the value comes from (the rules' pick may join several)."""


@dataclass
class LabelHit:
    group: int
    score: float
    start: int
    end: int
    """Positions in the line's folded text."""


@dataclass
class Context:
    """What every candidate's features share, computed once per document."""

    lines: list[Ln]
    sep: str
    rules: ExtractedInvoice
    median_h: float
    hits: dict[int, list[LabelHit]]
    row_left: dict[int, list[Ln]]
    above: dict[int, list[Ln]]
    page_lines: dict[int, list[Ln]]
    figures_before: dict[int, int]
    """Per line: how many lines with digits come before it on its page (top to bottom)."""
    figures_after: dict[int, int]
    """Per line: how many lines with digits start below it on its page."""
    page_rank: dict[int, tuple[int, float]]
    """Per line: its index on its page and the share of the page's lines that are taller."""
    addressee: set[int]
    addressee_y: list[tuple[int, float, float]]
    issuer: set[int]
    counts: Counter[str]
    amounts: list[Decimal]
    sums: set[Decimal]
    items_sum: Decimal | None
    domains: set[str]
    postcodes: set[str]
    legal_names: dict[int, frozenset[str]] = field(default_factory=dict)
    """Per line printing a legal form outside the addressee's block: its words (4+ letters)."""
    distinct_amounts: list[Decimal] = field(default_factory=list)
    """The printed figures, each once, in ascending order."""
    _legal: dict[int, bool] = field(default_factory=dict)
    _currency: dict[int, bool] = field(default_factory=dict)
    _words: dict[int, frozenset[str]] = field(default_factory=dict)
    _picked: dict[str, str] = field(default_factory=dict)

    # what several candidates of one line (or field) ask, worked out once
    def line_has_legal_form(self, ln: Ln) -> bool:
        found = self._legal.get(ln.index)
        if found is None:
            found = self._legal[ln.index] = LEGAL_FORMS.search(ln.folded) is not None
        return found

    def line_has_currency(self, ln: Ln) -> bool:
        found = self._currency.get(ln.index)
        if found is None:
            found = self._currency[ln.index] = bool(find_currency(ln.text))
        return found

    def line_words(self, ln: Ln) -> frozenset[str]:
        found = self._words.get(ln.index)
        if found is None:
            found = self._words[ln.index] = name_words(ln.text)
        return found

    def picked(self, name: str) -> str:
        """The rules' value of field ``name``, :func:`normalised` ("" when none)."""
        found = self._picked.get(name)
        if found is None:
            value = self.rules.fields.get(name)
            found = self._picked[name] = normalised(value.value) if value and value.value else ""
        return found


def _label_hits(lines: list[Ln]) -> dict[int, list[LabelHit]]:
    """The label phrases on each line: exact for short phrases, fuzzy (ratio) for longer."""
    groups, phrases, owner = label_groups()
    grams: dict[str, list[tuple[int, int, int]]] = {}
    for ln in lines:
        text = _KEEP.sub(" ", ln.folded)
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
        for i in range(len(words)):
            for n in (1, 2, 3, 4):
                if i + n > len(words):
                    break
                s, e = words[i][0], words[i + n - 1][1]
                gram = " ".join(text[s:e].split())
                grams.setdefault(gram, []).append((ln.index, s, e))
    hits: dict[int, list[LabelHit]] = {ln.index: [] for ln in lines}
    if not grams:
        return hits
    keys = list(grams)
    scores = process.cdist(
        keys, phrases, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, dtype=np.uint8, workers=1
    )
    rows, cols = np.nonzero(scores)
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        gram, phrase = keys[r], phrases[c]
        score = float(scores[r, c]) / 100.0
        if len(phrase) <= 4 and gram != phrase:
            continue
        for index, s, e in grams[gram]:
            hits[index].append(LabelHit(owner[c], score * min(1.0, 0.6 + len(phrase) / 20), s, e))
    # one hit per group and place: the best
    for index, found in hits.items():
        best: dict[tuple[int, int], LabelHit] = {}
        for h in found:
            key = (h.group, h.start)
            if key not in best or h.score > best[key].score:
                best[key] = h
        hits[index] = sorted(best.values(), key=lambda h: h.start)
    return hits


def folded_position(ln: Ln, text_index: int) -> int:
    """The position in ``ln.folded`` of a position in ``ln.text``."""
    return bisect.bisect_left(ln.fold_map, text_index)


def _two_sums(values: list[Decimal]) -> set[Decimal]:
    """Every a + b of two different printed figures (net + tax), limited in number."""
    distinct = sorted({v for v in values if v > 0})[-40:]
    return {a + b for i, a in enumerate(distinct) for b in distinct[i + 1 :]}


def build_context(lines: list[Ln], sep: str, rules: ExtractedInvoice) -> Context:
    """Everything the features need that does not depend on one candidate."""
    hits = _label_hits(lines)
    row_left: dict[int, list[Ln]] = {}
    above: dict[int, list[Ln]] = {}
    page_lines: dict[int, list[Ln]] = {}
    for ln in lines:
        page_lines.setdefault(ln.page, []).append(ln)
    for page in page_lines.values():
        for ln in page:
            for other in right_of(ln, page)[:3]:
                row_left.setdefault(other.index, []).append(ln)
            for other in below(ln, page)[:2]:
                above.setdefault(other.index, []).append(ln)
    for found in row_left.values():
        found.sort(key=lambda b: -b.x1)
    for found in above.values():
        found.sort(key=lambda b: -b.y1)
    figures_before: dict[int, int] = {}
    figures_after: dict[int, int] = {}
    page_rank: dict[int, tuple[int, float]] = {}
    for page in page_lines.values():
        with_digits = sorted(b.y0 for b in page if any(ch.isdigit() for ch in b.text))
        heights = sorted(b.h for b in page)
        for rank, b in enumerate(page):
            taller = len(heights) - bisect.bisect_right(heights, b.h * 1.05)
            page_rank[b.index] = (rank, taller / len(page))
            figures_before[b.index] = bisect.bisect_left(with_digits, b.y0)
            figures_after[b.index] = len(with_digits) - bisect.bisect_right(with_digits, b.y1)
    addressee: set[int] = set()
    spans: list[tuple[int, float, float]] = []
    for block, _labelled in addressee_blocks(lines):
        addressee.update(b.index for b in block)
        spans.append((block[0].page, min(b.y0 for b in block), max(b.y1 for b in block)))
    issuer = {b.index for block in issuer_blocks(lines) for b in block}
    counts: Counter[str] = Counter()
    amounts: list[Decimal] = []
    domains: set[str] = set()
    postcodes: set[str] = set()
    legal_names: dict[int, frozenset[str]] = {}
    for ln in lines:
        for tok in re.findall(r"[\w./\-]+", ln.text):
            counts[normalised(tok)] += 1
        amounts += [a.value for a in find_amounts(ln.text, sep) if is_money_like(a, sep)]
        for m in re.finditer(r"(?:@|www\.|https?://)([a-z0-9\-]+)\.", ln.folded):
            domains.add(m.group(1).replace("-", ""))
        if ln.index in addressee:
            postcodes.update(re.findall(r"\b\d{4,6}\b", ln.text))
        elif LEGAL_FORMS.search(ln.folded):
            legal_names[ln.index] = name_words(ln.text)
    items_sum = None
    item_values = []
    for item in rules.line_items:
        found = find_amounts(item.amount or "", sep)
        if found:
            item_values.append(found[-1].value)
    if rules.line_items and len(item_values) == len(rules.line_items):
        items_sum = sum(item_values, Decimal(0))
    return Context(
        lines=lines,
        sep=sep,
        rules=rules,
        median_h=median_height(lines),
        hits=hits,
        row_left=row_left,
        above=above,
        page_lines=page_lines,
        figures_before=figures_before,
        figures_after=figures_after,
        page_rank=page_rank,
        addressee=addressee,
        addressee_y=spans,
        issuer=issuer,
        counts=counts,
        amounts=amounts,
        sums=_two_sums(amounts),
        items_sum=items_sum,
        domains=domains,
        postcodes=postcodes,
        legal_names=legal_names,
        distinct_amounts=sorted(set(amounts)),
    )


def normalised(text: str) -> str:
    """A value for comparison: no spaces, ``#`` or ``:``, no end punctuation, lower case."""
    return re.sub(r"[\s#:]", "", text).strip(".,;").lower()


def _is_id_like(token: str) -> bool:
    digits = sum(ch.isdigit() for ch in token)
    if digits < 2 or len(token) > 30 or DATE_RE.fullmatch(token):
        return False
    return not re.fullmatch(r"[-+]?\d{1,3}(?:[.,]\d{3})*[.,]\d{2}", token)


def _name_like(ln: Ln) -> str | None:
    if is_legal_tail(ln):  # a legal form alone: the end of the name above it
        return None
    text = _name_text(ln)
    words = text.split()
    if not words or len(words) > _MAX_NAME_WORDS or not WORD_RE.search(text):
        return None
    letters = sum(ch.isalpha() for ch in text)
    return text if letters >= max(2, 0.4 * len(text.replace(" ", ""))) else None


def generate(ctx: Context) -> dict[str, list[Candidate]]:
    """Every candidate of each key field, the rules' pick among them."""
    out: dict[str, list[Candidate]] = {name: [] for name in KEY_FIELDS}
    tails = any(is_legal_tail(ln) for ln in ctx.lines)  # a name over two lines is rare
    for ln in ctx.lines:
        for m in find_dates(ln.text):
            out["invoice_date"].append(Candidate("invoice_date", m.group(0), ln, m.start()))
        for a in find_amounts(ln.text, ctx.sep):
            if is_money_like(a, ctx.sep):
                out["total_amount"].append(Candidate("total_amount", a.text, ln, a.start, a.value))
        masked = DATE_RE.sub(lambda m: " " * len(m.group(0)), ln.text)
        for m in CODE_RE.finditer(masked):
            token = m.group(1).rstrip(".,;:-/")
            if _is_id_like(token):
                out["invoice_number"].append(Candidate("invoice_number", token, ln, m.start(1)))
        if ln.page <= 2:
            name = _name_like(ln)
            if name is not None:
                tail = legal_tail(ln, ctx.lines) if tails else None
                if tail is not None:  # "Elbtal Stahlhandel UG" over "(haftungsbeschränkt)"
                    name = f"{name} {tail.text.strip(' ,')}"
                lines = [ln, tail] if tail is not None else []
                out["seller_name"].append(Candidate("seller_name", name, ln, 0, None, lines))
    by_id = {ln.id: ln for ln in ctx.lines}
    for name in KEY_FIELDS:
        picked = ctx.rules.fields.get(name)
        if picked is None or not picked.value:
            continue
        lines = [by_id[i] for i in picked.line_ids if i in by_id]
        if not lines:
            continue
        if not any(normalised(c.value) == normalised(picked.value) for c in out[name]):
            start = max(lines[0].text.find(picked.value), 0)
            amount = None
            if name == "total_amount":
                found = find_amounts(picked.value, ctx.sep)
                amount = found[-1].value if found else None
            out[name].append(Candidate(name, picked.value, lines[0], start, amount, lines))
    return out
