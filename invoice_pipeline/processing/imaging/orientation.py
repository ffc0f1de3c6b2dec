"""Page orientation: quarter turns (0/90/180/270) and the small skew angle of the text.

Text lines make the row profile of the ink sharp when they run across the
image and flat when they run down it, and the ascender/descender balance of
Latin text tells upright from upside down: :func:`analyse_orientation` gives
the clockwise quarter turn that makes a page upright (applied with
:func:`rotate_quarter`) and the skew. :func:`estimate_skew` is a
projection-profile search for the small angle that makes text rows sharpest;
:func:`rotate_image` applies it (counter-clockwise positive, OpenCV's
convention).
"""

from __future__ import annotations

import cv2
import numpy as np

from invoice_pipeline.processing.imaging.filters import ink_mask, shrink


def _row_sharpness(ink: np.ndarray) -> float:
    """How sharply the row profile alternates between text lines and gaps (scale-free)."""
    profile = ink.sum(axis=1, dtype=np.float64)
    energy = float(np.sum(profile**2))
    return float(np.sum(np.diff(profile) ** 2)) / energy if energy else 0.0


def upside_down_score(gray: np.ndarray) -> float:
    """Evidence that horizontal Latin text is upside down: > 0 upside down, < 0 upright.

    Ascenders (b, d, h, k, l, t, capitals, digits) outnumber descenders (g, j, p,
    q, y): in an upright text line more ink lies above the x-height band than below
    the baseline. Each line segment votes with its normalised imbalance.
    """
    small, _ = shrink(gray, 1600)
    ink = ink_mask(small)
    smear = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 1))
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(smear, connectivity=8)
    votes = 0.0
    weight = 0.0
    for x, y, w, h, _area in stats[1:]:
        if h < 8 or h > 80 or w < 3 * h:
            continue
        profile = ink[y : y + h, x : x + w].sum(axis=1).astype(np.float64)
        if profile.max() <= 0:
            continue
        core = np.nonzero(profile >= 0.5 * profile.max())[0]
        top, bottom = core[0], core[-1]
        above = profile[:top].sum()
        below = profile[bottom + 1 :].sum()
        total = above + below
        if total <= 0.05 * profile.sum():
            continue
        votes += (below - above) / total * w
        weight += w
    return votes / weight if weight else 0.0


def analyse_orientation(gray: np.ndarray, max_skew: float = 10.0) -> tuple[int, float]:
    """Clockwise quarter turn (0, 90, 180, 270) that makes the text upright, and the skew.

    Text lines give a sharp row profile when they run horizontally and a flat one when
    they run vertically: the profile is compared for the page as it is and turned a
    quarter (each levelled first, coarsely). The upright/upside-down choice then comes
    from :func:`upside_down_score`. The skew is the angle for :func:`rotate_image`
    after the quarter turn. A page with too little text is left as it is.
    """
    small, _ = shrink(gray, 1000)
    ink_h = _glyph_ink(small)
    ink_v = cv2.rotate(ink_h, cv2.ROTATE_90_CLOCKWISE)
    coarse_h = _search_skew(ink_h, max_skew, fine=False)
    coarse_v = _search_skew(ink_v, max_skew, fine=False)
    sharp_h = _row_sharpness(_rotate_mask(ink_h, coarse_h))
    sharp_v = _row_sharpness(_rotate_mask(ink_v, coarse_v))
    if sharp_v > 1.5 * sharp_h:
        base, ink, coarse, work = 90, ink_v, coarse_v, cv2.rotate(gray, cv2.ROTATE_90_CLOCKWISE)
    elif sharp_h > 1.5 * sharp_v:
        base, ink, coarse, work = 0, ink_h, coarse_h, gray
    else:
        return 0, _search_skew(ink_h, max_skew, start=coarse_h)
    skew = _search_skew(ink, max_skew, start=coarse)
    upright, _ = shrink(work, 1600)
    if abs(skew) >= 0.05:
        upright = rotate_image(upright, skew)
    if upside_down_score(upright) > 0.1:
        return (base + 180) % 360, skew  # a half turn keeps the skew angle
    return base, skew


def detect_rotation(gray: np.ndarray) -> int:
    """Clockwise rotation (0, 90, 180, 270) that makes the page's text upright."""
    return analyse_orientation(gray)[0]


def rotate_quarter(img: np.ndarray, rotation: int) -> np.ndarray:
    """Turn ``img`` clockwise by 0, 90, 180 or 270 degrees."""
    codes = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }
    return img if rotation % 360 == 0 else cv2.rotate(img, codes[rotation % 360])


def _rotate_mask(ink: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 1e-6:
        return ink
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)


def _profile_score(ink: np.ndarray, angle: float) -> float:
    profile = _rotate_mask(ink, angle).sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(profile) ** 2))


def _glyph_ink(small: np.ndarray) -> np.ndarray:
    """Ink mask with rules, frames and logos removed: they would bias the profiles."""
    ink = ink_mask(small)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    limit = max(ink.shape) * 0.05
    bad = np.nonzero((stats[:, 2] > limit) | (stats[:, 3] > limit))[0]
    bad = bad[bad > 0]
    if len(bad):
        ink = ink.copy()
        ink[np.isin(labels, bad)] = 0
    return ink


def _search_skew(
    ink: np.ndarray, max_degrees: float, *, fine: bool = True, start: float | None = None
) -> float:
    """Angle that makes the row profile of ``ink`` sharpest: 1 degree steps, then finer."""
    if cv2.countNonZero(ink) < 50:
        return 0.0
    if start is None:
        coarse = np.arange(-max_degrees, max_degrees + 1e-9, 1.0)
        start = float(max(coarse, key=lambda a: _profile_score(ink, a)))
    if not fine:
        return start
    best = start
    for half, step in ((1.0, 0.2), (0.2, 0.025)):
        grid = np.arange(best - half, best + half + 1e-9, step)
        best = float(max(grid, key=lambda a: _profile_score(ink, a)))
    return round(best, 3)


def estimate_skew(gray: np.ndarray, max_degrees: float = 10.0) -> float:
    """Angle in degrees (counter-clockwise positive, OpenCV's convention) that levels the text.

    Rotating the page by the returned angle with :func:`rotate_image` makes text rows
    horizontal. A coarse then finer searches maximise the sharpness of the row profile.
    """
    small, _ = shrink(gray, 1000)
    return _search_skew(_glyph_ink(small), max_degrees)


def rotate_image(img: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees counter-clockwise about the centre, same size, paper fill."""
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(
        img, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


__all__ = [
    "analyse_orientation",
    "detect_rotation",
    "estimate_skew",
    "rotate_image",
    "rotate_quarter",
    "upside_down_score",
]
