"""Pixel-level clean-up of a page image: grayscale, downscaling, ink masks and filters.

The small helpers :func:`to_gray`, :func:`shrink` and :func:`ink_mask` are
shared by the geometry steps (:mod:`.orientation`, :mod:`.perspective`); the
filters :func:`flatten_illumination` (even out the background light),
:func:`denoise` (3x3 median), :func:`clahe` (contrast) and :func:`binarize`
are the optional clean-up steps of
:func:`~invoice_pipeline.processing.imaging.preprocess.preprocess_page`.
"""

from __future__ import annotations

import cv2
import numpy as np


def to_gray(img: np.ndarray) -> np.ndarray:
    """``img`` as a 2-D grayscale array (a grayscale input is returned as it is)."""
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def shrink(gray: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """``gray`` reduced to at most ``long_side`` pixels on its longer side, and the factor."""
    scale = long_side / max(gray.shape)
    if scale >= 1:
        return gray, 1.0
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Ink mask (255 where dark) of a grayscale page, robust to uneven paper."""
    blur = cv2.GaussianBlur(gray, (3, 3), 0)
    block = max(15, (min(gray.shape) // 40) | 1)
    mask = cv2.adaptiveThreshold(
        blur, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12
    )
    return mask


def flatten_illumination(gray: np.ndarray) -> np.ndarray:
    """Divide by the page background (a large closing) so paper is evenly white."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31))
    small, scale = shrink(gray, 800)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    background = cv2.GaussianBlur(background, (0, 0), 5)
    background = cv2.resize(
        background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR
    )
    out = gray.astype(np.float32) / np.maximum(background.astype(np.float32), 1) * 255.0
    return np.clip(out, 0, 255).astype(np.uint8)


def denoise(gray: np.ndarray) -> np.ndarray:
    """Remove scanner noise and speckles (a 3x3 median)."""
    return cv2.medianBlur(gray, 3)


def clahe(gray: np.ndarray) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation."""
    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(gray)


def binarize(gray: np.ndarray) -> np.ndarray:
    """Black text on white paper: adaptive Gaussian threshold."""
    block = max(25, (min(gray.shape) // 60) | 1)
    return cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15
    )


__all__ = [
    "binarize",
    "clahe",
    "denoise",
    "flatten_illumination",
    "ink_mask",
    "shrink",
    "to_gray",
]
