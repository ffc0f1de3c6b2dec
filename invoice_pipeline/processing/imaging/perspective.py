"""Perspective correction of phone photos: find the paper page and warp it flat.

:func:`find_page_quad` looks for the four corners of a sheet of paper that is
brighter than the surface it lies on (Otsu threshold and edges, largest convex
quadrilaterals) and returns None for scans, where the page fills the image or
an outline is only a box printed on the paper. :func:`warp_quad` maps that
quadrilateral to an upright rectangle, keeping the A-series or US Letter
shape when the outline is close to one.
"""

from __future__ import annotations

import cv2
import numpy as np

from invoice_pipeline.processing.imaging.filters import shrink, to_gray


def _order_corners(pts: np.ndarray) -> np.ndarray:
    pts = pts.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def find_page_quad(img: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of a paper page photographed on a darker surface, or None.

    None when no clear four-sided outline is found or when the page already fills
    the image (a scan).
    """
    gray = to_gray(img)
    small, scale = shrink(gray, 800)
    blur = cv2.GaussianBlur(small, (7, 7), 0)
    area_total = small.shape[0] * small.shape[1]
    candidates = []
    _, otsu = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    otsu = cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    candidates.append(otsu)
    edges = cv2.Canny(blur, 30, 90)
    candidates.append(cv2.dilate(edges, np.ones((5, 5), np.uint8)))
    for mask in candidates:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
            area = cv2.contourArea(contour)
            if not 0.2 * area_total <= area <= 0.93 * area_total:
                continue
            hull = cv2.convexHull(contour)
            peri = cv2.arcLength(hull, True)
            for eps in (0.02, 0.03, 0.05):
                approx = cv2.approxPolyDP(hull, eps * peri, True)
                if len(approx) == 4 and cv2.isContourConvex(approx):
                    quad = _order_corners(approx)
                    if _touches_border(quad, small.shape) or not _paper_on_darker_ground(
                        blur, quad
                    ):
                        break
                    return quad / scale
    return None


def _paper_on_darker_ground(gray: np.ndarray, quad: np.ndarray, margin: float = 25.0) -> bool:
    """A photographed page is brighter than the table under it; a box drawn on a
    scanned page (a table grid, a frame) has the same white paper on both sides."""
    inside = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    outside = inside == 0
    if not outside.any():
        return False
    return float(gray[inside > 0].mean()) - float(gray[outside].mean()) >= margin


def _touches_border(quad: np.ndarray, shape: tuple[int, ...]) -> bool:
    h, w = shape[:2]
    margin = 0.01 * max(h, w)
    near = (
        (quad[:, 0] < margin)
        | (quad[:, 0] > w - 1 - margin)
        | (quad[:, 1] < margin)
        | (quad[:, 1] > h - 1 - margin)
    )
    return int(near.sum()) >= 3


def warp_quad(img: np.ndarray, quad: np.ndarray, long_side: int | None = None) -> np.ndarray:
    """Warp the quadrilateral ``quad`` (tl, tr, br, bl) of ``img`` to an upright rectangle."""
    tl, tr, br, bl = quad
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    aspect = height / width if width else 0
    for paper in (2**0.5, 11 / 8.5):  # A4/A-series, US Letter
        for target in (paper, 1 / paper):
            if abs(aspect / target - 1) < 0.08:
                width = height / target  # perspective foreshortens: keep the paper's shape
    if long_side:
        factor = long_side / max(width, height)
        width, height = width * factor, height * factor
    w, h = max(int(round(width)), 1), max(int(round(height)), 1)
    dst = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(
        img, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


__all__ = ["find_page_quad", "warp_quad"]
