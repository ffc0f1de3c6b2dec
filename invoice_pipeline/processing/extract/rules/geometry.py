"""Lines on the page as geometry: rows, neighbours to the right, lines below.

Coordinates are normalised to the page (0..1 on both axes) so that the same
rules hold for PDF points and for image pixels at any resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold`` character by character, remembering where each folded char came from."""
    out: list[str] = []
    mapping: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
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


def right_of(a: Ln, lines: Sequence[Ln]) -> list[Ln]:
    """Lines on the same row to the right of ``a``, nearest first."""
    return sorted(
        (b for b in lines if same_row(a, b) and b.x0 >= a.x1 - 0.01),
        key=lambda b: b.x0,
    )


def row_of(a: Ln, lines: Sequence[Ln]) -> list[Ln]:
    """``a`` and every line on its row, left to right."""
    return sorted([a, *(b for b in lines if same_row(a, b))], key=lambda b: b.x0)


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
    out = []
    for b in lines:
        if b is a or b.page != a.page:
            continue
        if min_drop is None and b.y0 < a.y1 - 0.3 * a.h:
            continue
        if min_drop is not None and b.cy - a.cy < min_drop * min(a.h, b.h):
            continue
        gap = b.y0 - a.y1
        if gap > max_gap * max(a.h, b.h):
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
    edge = min((b.x0 for b in lines if b.x0 > a.x1 and same_row(a, b)), default=1.0)
    out = []
    for b in lines:
        if b is a or b.page != a.page or b.y0 < a.y1 - 0.3 * a.h:
            continue
        if b.y0 - a.y1 > max_gap * max(a.h, b.h):
            continue
        if b.x0 >= a.x0 - pad and b.x1 <= edge + pad:
            out.append(b)
    return sorted(out, key=lambda b: (b.y0, b.x0))


def median_height(lines: Iterable[Ln]) -> float:
    hs = sorted(line.h for line in lines)
    return hs[len(hs) // 2] if hs else 0.01
