"""The row index behind ``below``/``right_of``/``row_of``/``cell_below`` finds exactly what a
scan of every line finds, and ``per_lines`` computes once per sequence of lines."""

from __future__ import annotations

import random

from invoice_pipeline.processing.extract.rules import geometry
from invoice_pipeline.processing.extract.rules.geometry import (
    Ln,
    below,
    cell_below,
    h_overlap,
    per_lines,
    right_of,
    row_of,
    same_row,
)
from invoice_pipeline.schema import OcrLine


def _line(i: int, page: int, x0: float, y0: float, w: float, h: float) -> Ln:
    box = (x0, y0, x0 + w, y0 + h)
    ocr = OcrLine(id=f"l{i}", page=page, text=f"line {i}", confidence=1.0, box=box)
    return Ln(ocr, i, page, *box, f"line {i}", f"line {i}", list(range(6)))


def _page(seed: int, count: int = 80) -> list[Ln]:
    rnd = random.Random(seed)
    lines = []
    for i in range(count):
        h = rnd.choice([0.008, 0.01, 0.012, 0.02, 0.04])
        lines.append(
            _line(
                i,
                rnd.choice([1, 1, 1, 2]),
                rnd.random() * 0.8,
                rnd.random() * 0.95,
                0.05 + rnd.random() * 0.3,
                h,
            )
        )
    return lines


def _below_by_scan(a, lines, *, max_gap=2.6, align=0.06, min_drop=None):
    out = []
    for b in lines:
        if b is a or b.page != a.page:
            continue
        if min_drop is None and b.y0 < a.y1 - 0.3 * a.h:
            continue
        if min_drop is not None and b.cy - a.cy < min_drop * min(a.h, b.h):
            continue
        if b.y0 - a.y1 > max_gap * max(a.h, b.h):
            continue
        if h_overlap(a.x0, a.x1, b.x0, b.x1) > 0.0 or abs(b.x0 - a.x0) < align:
            out.append(b)
    return sorted(out, key=lambda b: (b.y0, abs(b.x0 - a.x0)))


def test_the_index_finds_what_a_scan_of_every_line_finds() -> None:
    for seed in range(5):
        lines = _page(seed)
        for a in lines:
            assert below(a, lines) == _below_by_scan(a, lines)
            for kwargs in (
                {"max_gap": 1.1, "align": 0.02, "min_drop": 0.6},
                {"max_gap": 1.0, "min_drop": -0.2},
                {"max_gap": 1.5},
            ):
                assert below(a, lines, **kwargs) == _below_by_scan(a, lines, **kwargs)
            row = [b for b in lines if same_row(a, b)]
            assert right_of(a, lines) == sorted(
                (b for b in row if b.x0 >= a.x1 - 0.01), key=lambda b: b.x0
            )
            assert row_of(a, lines) == sorted([a, *row], key=lambda b: b.x0)
            edge = min((b.x0 for b in row if b.x0 > a.x1), default=1.0)
            under = [
                b
                for b in lines
                if b is not a
                and b.page == a.page
                and b.y0 >= a.y1 - 0.3 * a.h
                and b.y0 - a.y1 <= 1.5 * max(a.h, b.h)
                and b.x0 >= a.x0 - 0.01
                and b.x1 <= edge + 0.01
            ]
            assert cell_below(a, lines) == sorted(under, key=lambda b: (b.y0, b.x0))


def test_a_line_not_in_the_sequence_and_a_grown_sequence() -> None:
    lines = _page(7, 40)
    outsider = _line(999, 1, 0.1, 0.5, 0.3, 0.01)
    assert below(outsider, lines) == _below_by_scan(outsider, lines)
    below(lines[0], lines)  # indexed
    lines.append(_line(1000, lines[0].page, lines[0].x0, lines[0].y1 + 0.001, 0.2, 0.01))
    assert lines[-1] in below(lines[0], lines)  # the index follows the longer sequence


def test_per_lines_computes_once_per_sequence() -> None:
    calls: list[int] = []

    @per_lines
    def count(lines):
        calls.append(len(lines))
        return [len(lines)]

    a, b = _page(1, 10), _page(2, 12)
    assert count(a) is count(a)
    assert count(b) == [12]
    assert calls == [10, 12]
    a.append(a[0])
    assert count(a) == [11]  # a changed length: computed again
    assert calls == [10, 12, 11]
    for i in range(geometry._HELD_INDEXES + 2):
        count(_page(10 + i, 3))
    count(a)
    assert calls[-1] == 11 and len(calls) == 3 + geometry._HELD_INDEXES + 2 + 1
