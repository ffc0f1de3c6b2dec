"""Reading order and row grouping for OCR lines, shared by every engine.

:func:`order_lines` puts the lines of a page in reading order (top to bottom,
then left to right) and gives lines that share a baseline band the same
``row`` number, so a table row or a label with its value printed far to the
right stay together for the extractors. Slight skew is tolerated: the band test
works on the vertical centre of a line after removing the page's skew (given by
the caller, or estimated from the lines' own boxes and the engine's polygons),
and two lines join a row when their vertical extents overlap by at least half
of the smaller height. Line ids become ``p{page}-l{n}`` (n from 1 in reading
order), rows are numbered from 1 per page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from statistics import median

from invoice_pipeline.schema import OcrLine

ROW_OVERLAP = 0.5
"""Vertical overlap, as a share of the smaller height, for two lines to share a row."""


def line_id(page: int, n: int) -> str:
    """The id of the ``n``-th line (1-based, reading order) of ``page``."""
    return f"p{page}-l{n}"


def polygon_angle(points: Sequence[Sequence[float]]) -> float | None:
    """Angle in degrees of a text quadrilateral's top edge (clockwise positive in image y-down).

    ``points`` are the four corners in the usual detector order (top-left, top-right,
    bottom-right, bottom-left). Returns None for a degenerate polygon.
    """
    if len(points) < 4:
        return None
    (x0, y0), (x1, y1) = points[0][:2], points[1][:2]
    (x3, y3), (x2, y2) = points[3][:2], points[2][:2]
    dx = ((x1 - x0) + (x2 - x3)) / 2
    dy = ((y1 - y0) + (y2 - y3)) / 2
    if dx <= 0:
        return None
    return math.degrees(math.atan2(dy, dx))


def estimate_skew(angles: Iterable[float | None], weights: Iterable[float] | None = None) -> float:
    """Weighted median of text line angles in degrees (0 when none is known).

    Weight each angle by its line's length: a detector returns short words as
    axis-aligned boxes (angle 0) even on a skewed page, while long lines show the skew.
    """
    angle_list = list(angles)
    weight_list = list(weights) if weights is not None else [1.0] * len(angle_list)
    pairs = sorted(
        (a, w)
        for a, w in zip(angle_list, weight_list, strict=False)
        if a is not None and abs(a) < 20 and w > 0
    )
    if not pairs:
        return 0.0
    half = sum(w for _, w in pairs) / 2
    running = 0.0
    for angle, weight in pairs:
        running += weight
        if running >= half:
            return float(angle)
    return float(pairs[-1][0])


def _center_y(line: OcrLine, tan: float) -> float:
    x0, y0, x1, y1 = line.box
    return (y0 + y1) / 2 - ((x0 + x1) / 2) * tan


def _extent(line: OcrLine, tan: float) -> tuple[float, float]:
    x0, y0, x1, y1 = line.box
    shift = ((x0 + x1) / 2) * tan
    height = y1 - y0
    # an axis-aligned box of a skewed line is taller than the text by its width * tan
    slant = abs((x1 - x0) * tan)
    inner = max(height - slant, height * 0.5)
    mid = (y0 + y1) / 2 - shift
    return mid - inner / 2, mid + inner / 2


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return min(a[1], b[1]) - max(a[0], b[0])


def _order_page(lines: list[OcrLine], page: int, tan: float) -> list[OcrLine]:
    items = sorted(lines, key=lambda ln: (_center_y(ln, tan), ln.box[0]))
    rows: list[list[tuple[OcrLine, tuple[float, float]]]] = []
    for line in items:
        extent = _extent(line, tan)
        height = max(extent[1] - extent[0], 1e-6)
        placed = False
        # a line sorted by centre can only belong to one of the last rows
        for row in reversed(rows[-3:]):
            top = median(e[0] for _, e in row)
            bottom = median(e[1] for _, e in row)
            smaller = min(height, max(bottom - top, 1e-6))
            if _overlap(extent, (top, bottom)) >= ROW_OVERLAP * smaller:
                row.append((line, extent))
                placed = True
                break
        if not placed:
            rows.append([(line, extent)])
    rows.sort(key=lambda row: median((e[0] + e[1]) / 2 for _, e in row))
    ordered: list[OcrLine] = []
    for row_number, row in enumerate(rows, start=1):
        for line, _ in sorted(row, key=lambda item: item[0].box[0]):
            ordered.append(
                line.model_copy(
                    update={"row": row_number, "id": line_id(page, len(ordered) + 1), "page": page}
                )
            )
    return ordered


def order_lines(lines: Sequence[OcrLine], *, skew_degrees: float | None = None) -> list[OcrLine]:
    """Lines in reading order with ``row`` and ``id`` assigned, page by page.

    ``skew_degrees`` is the angle of the text baselines (positive when a line falls
    to the right in y-down coordinates); None or 0 means horizontal. Lines of several
    pages are ordered within their page and pages keep ascending order.
    """
    tan = math.tan(math.radians(skew_degrees or 0.0))
    by_page: dict[int, list[OcrLine]] = {}
    for line in lines:
        by_page.setdefault(line.page, []).append(line)
    result: list[OcrLine] = []
    for page in sorted(by_page):
        result.extend(_order_page(by_page[page], page, tan))
    return result


__all__ = ["estimate_skew", "line_id", "order_lines", "polygon_angle"]
