"""Lines on the page as geometry: rows, neighbours to the right, lines below.

Coordinates are normalised to the page (0..1 on both axes) so that the same
rules hold for PDF points and for image pixels at any resolution.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from typing import TypeVar

from invoice_pipeline.processing.extract.rules.vocabulary import fold
from invoice_pipeline.schema import OcrDocument, OcrLine


@dataclass(eq=False)
class Ln:
    """One OCR line with its normalised box and folded text."""

    line: OcrLine
    index: int
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    folded: str
    fold_map: list[int] = field(repr=False)

    @property
    def id(self) -> str:
        return self.line.id

    @property
    def h(self) -> float:
        return max(self.y1 - self.y0, 1e-4)

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def confidence(self) -> float:
        return self.line.confidence

    def orig(self, folded_index: int) -> int:
        """The index in ``text`` of a position in ``folded``."""
        if folded_index >= len(self.fold_map):
            return len(self.text)
        return self.fold_map[folded_index]


_fold_char = lru_cache(maxsize=4096)(fold)


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold`` character by character, remembering where each folded char came from."""
    if text.isascii():  # fold is lower() there, one character for one
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    mapping: list[int] = []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        out.append(f)
        mapping.extend([i] * len(f))
    return "".join(out), mapping


def layout(ocr: OcrDocument) -> list[Ln]:
    """Every line of the document, normalised, in the OCR's reading order."""
    lines: list[Ln] = []
    for page in ocr.pages:
        w, h = max(page.width, 1.0), max(page.height, 1.0)
        for line in page.lines:
            text = " ".join(line.text.split())
            if not text:
                continue
            folded, mapping = fold_with_map(text)
            x0, y0, x1, y1 = line.box
            lines.append(
                Ln(
                    line,
                    len(lines),
                    page.number,
                    x0 / w,
                    y0 / h,
                    x1 / w,
                    y1 / h,
                    text,
                    folded,
                    mapping,
                )
            )
    return lines


def v_overlap(a: Ln, b: Ln) -> float:
    """Vertical overlap as a share of the smaller line height."""
    if a.page != b.page:
        return 0.0
    inter = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(inter, 0.0) / min(a.h, b.h)


def h_overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    inter = min(a1, b1) - max(a0, b0)
    return max(inter, 0.0) / max(min(a1 - a0, b1 - b0), 1e-4)


def same_row(a: Ln, b: Ln) -> bool:
    return a is not b and v_overlap(a, b) >= 0.45


class _ByTop:
    """The lines of one sequence grouped by page and sorted by top edge, so that a search
    for the lines near one line reads a window of rows instead of the whole page."""

    def __init__(self, lines: Sequence[Ln]) -> None:
        self.lines = lines
        self.size = len(lines)
        pages: dict[int, list[Ln]] = {}
        for ln in lines:
            pages.setdefault(ln.page, []).append(ln)
        self.pages: dict[int, tuple[list[float], list[Ln], float]] = {}
        for page, group in pages.items():
            group.sort(key=lambda b: b.y0)
            self.pages[page] = ([b.y0 for b in group], group, max(b.h for b in group))

    def window(self, page: int, lo: float, hi: float) -> tuple[list[Ln], float]:
        """The lines of ``page`` whose top edge lies in [lo, hi], and the page's tallest line."""
        found = self.pages.get(page)
        if found is None:
            return [], 0.0
        tops, group, tallest = found
        return group[bisect_left(tops, lo - 1e-9) : bisect_right(tops, hi + 1e-9)], tallest

    def tallest(self, page: int) -> float:
        found = self.pages.get(page)
        return found[2] if found else 0.0


_INDEXES: OrderedDict[int, _ByTop] = OrderedDict()
_HELD_INDEXES = 8
_LOCK = threading.Lock()


def _by_top(lines: Sequence[Ln]) -> _ByTop:
    """The index of ``lines``, built once per sequence (the index holds the sequence, so
    its id is not reused while the index is kept)."""
    key = id(lines)
    with _LOCK:
        index = _INDEXES.get(key)
        if index is not None and index.lines is lines and index.size == len(lines):
            _INDEXES.move_to_end(key)
            return index
    index = _ByTop(lines)
    with _LOCK:
        _INDEXES[key] = index
        while len(_INDEXES) > _HELD_INDEXES:
            _INDEXES.popitem(last=False)
    return index


T = TypeVar("T")


def per_lines(fn: Callable[[Sequence[Ln]], T]) -> Callable[[Sequence[Ln]], T]:
    """Compute ``fn(lines)`` once per sequence of lines (its result is shared: read it, do
    not change it). The extractor, the scorer and the role checks ask for the same blocks
    of one page; the last few sequences are remembered, as in ``_by_top``."""
    held: OrderedDict[int, tuple[Sequence[Ln], int, T]] = OrderedDict()

    @wraps(fn)
    def cached(lines: Sequence[Ln]) -> T:
        key = id(lines)
        with _LOCK:
            found = held.get(key)
            if found is not None and found[0] is lines and found[1] == len(lines):
                held.move_to_end(key)
                return found[2]
        value = fn(lines)
        with _LOCK:
            held[key] = (lines, len(lines), value)
            while len(held) > _HELD_INDEXES:
                held.popitem(last=False)
        return value

    return cached


def _row_window(a: Ln, lines: Sequence[Ln]) -> list[Ln]:
    """The lines of ``lines`` that may share ``a``'s row (their boxes overlap vertically)."""
    index = _by_top(lines)
    tallest = index.tallest(a.page)
    return index.window(a.page, a.y0 - tallest, a.y1)[0]


def right_of(a: Ln, lines: Sequence[Ln]) -> list[Ln]:
    """Lines on the same row to the right of ``a``, nearest first."""
    return sorted(
        (b for b in _row_window(a, lines) if same_row(a, b) and b.x0 >= a.x1 - 0.01),
        key=lambda b: b.x0,
    )


def row_of(a: Ln, lines: Sequence[Ln]) -> list[Ln]:
    """``a`` and every line on its row, left to right."""
    return sorted([a, *(b for b in _row_window(a, lines) if same_row(a, b))], key=lambda b: b.x0)


def below(
    a: Ln,
    lines: Sequence[Ln],
    *,
    max_gap: float = 2.6,
    align: float = 0.06,
    min_drop: float | None = None,
) -> list[Ln]:
    """Lines just below ``a`` that overlap it horizontally (or start where it starts), nearest first.

    Below: starting no higher than 30% of ``a``'s height above its bottom; with
    ``min_drop``, centred at least that share of the lower line height under ``a``'s
    centre instead (OCR boxes of a scan's close lines overlap).
    """
    index = _by_top(lines)
    ah = a.h
    tallest = index.tallest(a.page)
    if min_drop is None:
        lo = a.y1 - 0.3 * ah
    else:  # b.cy - a.cy >= min_drop * min(a.h, b.h), and b.y0 = b.cy - b.h / 2
        lo = a.cy - abs(min_drop) * tallest - tallest / 2
    hi = a.y1 + max_gap * max(ah, tallest)
    out = []
    for b in index.window(a.page, lo, hi)[0]:
        if b is a:
            continue
        bh = b.h
        if min_drop is None and b.y0 < a.y1 - 0.3 * ah:
            continue
        if min_drop is not None and b.cy - a.cy < min_drop * min(ah, bh):
            continue
        gap = b.y0 - a.y1
        if gap > max_gap * max(ah, bh):
            continue
        if h_overlap(a.x0, a.x1, b.x0, b.x1) > 0.0 or abs(b.x0 - a.x0) < align:
            out.append(b)
    return sorted(out, key=lambda b: (b.y0, abs(b.x0 - a.x0)))


def cell_below(a: Ln, lines: Sequence[Ln], *, max_gap: float = 1.5) -> list[Ln]:
    """Lines just below ``a`` inside its column: from where ``a`` starts to where the next
    line on its row starts, nearest first.

    A label-above-value box ("Total sin IVA" over a right-aligned "3.012,78 €"): the
    value sits under the label's cell but need not overlap the label's own text.
    """
    pad = 0.01
    edge = min((b.x0 for b in _row_window(a, lines) if b.x0 > a.x1 and same_row(a, b)), default=1.0)
    index = _by_top(lines)
    ah = a.h
    hi = a.y1 + max_gap * max(ah, index.tallest(a.page))
    out = []
    for b in index.window(a.page, a.y1 - 0.3 * ah, hi)[0]:
        if b is a or b.y0 < a.y1 - 0.3 * ah:
            continue
        if b.y0 - a.y1 > max_gap * max(ah, b.h):
            continue
        if b.x0 >= a.x0 - pad and b.x1 <= edge + pad:
            out.append(b)
    return sorted(out, key=lambda b: (b.y0, b.x0))


def median_height(lines: Iterable[Ln]) -> float:
    hs = sorted(line.h for line in lines)
    return hs[len(hs) // 2] if hs else 0.01
