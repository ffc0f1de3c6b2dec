"""Image loading and page clean-up before OCR (Pillow to decode, OpenCV to fix).

:func:`load_image_pages` decodes PNG, JPEG, TIFF (every frame), WebP and BMP
with Pillow, applies the EXIF orientation and refuses decompression bombs from
the header's dimensions before anything is decoded. :func:`preprocess_page`
turns one page into what the OCR models read best; each step can be switched
in :class:`PreprocessOptions` and is recorded in ``PageImage.steps``:

- ``perspective``: find the page quadrilateral in a phone photo and warp it flat;
- ``grayscale``; ``resize``: long side to about A4 at 200 dpi;
- ``rotation``: 0/90/180/270; text lines make the row profile of the ink sharp
  when they run across the image and flat when they run down it, and the
  ascender/descender balance of Latin text tells upright from upside down
  (``PageImage.rotation`` is the clockwise turn applied);
- ``deskew``: projection-profile search for the small angle that makes text
  rows sharpest (``PageImage.skew_degrees`` is the counter-clockwise angle
  applied, OpenCV's convention);
- ``flatten`` (background illumination), ``denoise``, ``clahe``, ``binarize``.

Defaults keep only the steps that measurably help the default engine (see
:data:`DEFAULT_STEPS` and the numbers in the bench report); the others stay
available. :func:`preprocess_document` applies all this to a
:class:`~invoice_pipeline.schema.RawDocument`: PDF pages with a text layer get
no image at all (the text layer is read later), the other pages are rendered
and cleaned; a page that fails gets ``PageImage(error=...)``.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

from invoice_pipeline.schema import Issue, PageImage, PreprocessedDocument, RawDocument

A4_LONG_INCHES = 11.69
TARGET_LONG_SIDE = 2339
"""Long side of an A4 page at 200 dpi: what the default engine reads best and fast."""
DEFAULT_MAX_PIXELS = 100_000_000


class ImageError(Exception):
    """An image that cannot be used; ``reason_code`` is machine-readable."""

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = reason_code
        self.message = message


class PreprocessOptions(BaseModel):
    """Which clean-up steps run. Defaults: the steps that help rapidocr on scans and photos.

    Measured with rapidocr on generated invoice pages (``ocr.synthetic``; CER on
    whitespace-normalised page text, mean of two pages per condition):

    ==================== ======= =========================== ==========================
    condition            nothing rotation+deskew(+persp.)    then +denoise / +flatten /
                                                             +clahe / +binarize
    ==================== ======= =========================== ==========================
    scan, 1.2 deg skew    0.23%  0.34%                       0.00 / 0.34 / 0.23 / 4.23%
    scan turned 90 deg   81.2 %  0.23%                       0.17 / 0.23 / 0.11 / 4.06%
    noisy low-contrast    5.72%  4.54%                       4.26 / 4.21 / 8.69 / --
    scan, 4 deg skew      0.22%  0.45%                       0.11 / 0.34 / 0.45 / --
    phone photo           2.23%  0.23% (perspective)         0.12 / 0.34 / 0.12 / 0.46%
    scan at 100 dpi       1.37%  0.97% (not enlarged)        1.55 / 1.20 / 1.71 / 7.15%
    ==================== ======= =========================== ==========================

    Kept: perspective, rotation, deskew (neutral for rapidocr at small angles, but
    Tesseract goes from 23% to 0.3% CER and rows group correctly), shrinking large
    images (speed) and denoise at 150 dpi and up. Off: enlarging, flatten, CLAHE,
    binarisation.
    """

    perspective: bool = True
    """Warp a photographed page flat (only acts when a page outline is found)."""
    resize: bool = True
    target_long_side: int = TARGET_LONG_SIDE
    upscale_below: float = 0.0
    """Enlarge pages whose long side is below this share of the target (0: never).

    Off by default: enlarging a 100 dpi scan raised rapidocr's CER (0.97% -> 1.32%)."""
    rotation: bool = True
    deskew: bool = True
    max_skew_degrees: float = 10.0
    flatten: bool = False
    """Divide by the blurred background: evens out shadows and uneven light."""
    denoise: bool = True
    """3x3 median against noise and speckles; only on pages of at least ``denoise_min_long_side``."""
    denoise_min_long_side: int = 1750
    """About 150 dpi on A4: below it the median eats thin strokes (CER up on 100 dpi scans)."""
    clahe: bool = False
    binarize: bool = False


DEFAULT_STEPS = PreprocessOptions()


# ---------------------------------------------------------------------------- loading


def _to_array(frame: Image.Image) -> np.ndarray:
    """A Pillow frame as grayscale (2-D) or BGR uint8; transparency composited on white."""
    mode = frame.mode
    if mode in {"1", "L", "P", "LA", "PA", "I", "I;16", "I;16B", "I;16L", "F"}:
        if mode in {"P", "PA"}:
            frame = frame.convert("RGBA")
            mode = "RGBA"
        elif mode in {"I", "I;16", "I;16B", "I;16L", "F"}:
            array = np.asarray(frame, dtype=np.float64)
            top = array.max() or 1.0
            return np.clip(array / top * 255.0, 0, 255).astype(np.uint8)
        elif mode == "LA":
            frame = frame.convert("RGBA")
            mode = "RGBA"
        else:
            return np.asarray(frame.convert("L"), dtype=np.uint8).copy()
    if mode in {"RGBA", "La"} or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba).convert("RGB")
    else:
        frame = frame.convert("RGB")
    rgb = np.asarray(frame, dtype=np.uint8)
    if rgb.ndim == 3 and _is_gray(rgb):
        return np.ascontiguousarray(rgb[..., 0])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _is_gray(rgb: np.ndarray) -> bool:
    sample = rgb[:: max(1, rgb.shape[0] // 200), :: max(1, rgb.shape[1] // 200)].astype(np.int16)
    return bool(
        np.abs(sample[..., 0] - sample[..., 1]).max() <= 2
        and np.abs(sample[..., 1] - sample[..., 2]).max() <= 2
    )


def iter_image_pages(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_pages: int | None = None
) -> Iterator[np.ndarray | ImageError]:
    """Decode the frames of an image file one at a time; a bad frame yields its error.

    The file as a whole (empty, unknown format, unreadable header, too many frames)
    raises :class:`ImageError`; each frame is checked against ``max_pixels`` from its
    header before it is decoded.
    """
    if not data:
        raise ImageError("image_corrupt", "the file is empty")
    with warnings.catch_warnings():
        # the limit is ours (max_pixels), checked below before decoding
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise ImageError("image_too_large", str(exc)) from exc
        except UnidentifiedImageError as exc:
            raise ImageError("image_unsupported", "not an image format Pillow reads") from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageError("image_corrupt", f"cannot read the image header: {exc}") from exc
        try:
            frames = getattr(image, "n_frames", 1) or 1
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ImageError("image_corrupt", f"cannot count the frames: {exc}") from exc
        if max_pages is not None and frames > max_pages:
            raise ImageError("too_many_pages", f"{frames} frames, more than {max_pages}")
        for index in range(frames):
            try:
                if index:
                    image.seek(index)
                width, height = image.size
                if width <= 0 or height <= 0:
                    raise ImageError("image_corrupt", f"frame {index + 1} has no pixels")
                if width * height > max_pixels:
                    raise ImageError(
                        "image_too_large",
                        f"frame {index + 1} is {width}x{height} = {width * height} pixels, "
                        f"more than {max_pixels}",
                    )
                image.load()
                frame = ImageOps.exif_transpose(image) or image
                yield _to_array(frame)
            except ImageError as exc:
                yield exc
            except Image.DecompressionBombError as exc:
                yield ImageError("image_too_large", str(exc))
            except (OSError, ValueError, SyntaxError, EOFError) as exc:
                yield ImageError("image_corrupt", f"frame {index + 1} cannot be decoded: {exc}")


def load_image_pages(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, max_pages: int | None = None
) -> list[np.ndarray]:
    """Decode every frame of an image file: grayscale (2-D) or BGR arrays, EXIF-upright.

    Raises :class:`ImageError` with ``image_corrupt``, ``image_unsupported``,
    ``image_too_large`` (checked from the header before decoding) or ``too_many_pages``.
    """
    pages: list[np.ndarray] = []
    for item in iter_image_pages(data, max_pixels=max_pixels, max_pages=max_pages):
        if isinstance(item, ImageError):
            raise item
        pages.append(item)
    return pages


def image_dpi(data: bytes) -> float | None:
    """The resolution an image file declares (its x dpi), when it declares a plausible one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            dpi = image.info.get("dpi")
    except Exception:
        return None
    if not dpi:
        return None
    value = float(dpi[0])
    return value if 50 <= value <= 2400 else None


# ----------------------------------------------------------------------- geometry


def _gray(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def _small(gray: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    scale = long_side / max(gray.shape)
    if scale >= 1:
        return gray, 1.0
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink mask (255 where dark) of a grayscale page, robust to uneven paper."""
    blur = cv2.GaussianBlur(gray, (3, 3), 0)
    block = max(15, (min(gray.shape) // 40) | 1)
    mask = cv2.adaptiveThreshold(
        blur, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12
    )
    return mask


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
    gray = _gray(img)
    small, scale = _small(gray, 800)
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
    small, _ = _small(gray, 1600)
    ink = _ink(small)
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
    small, _ = _small(gray, 1000)
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
    upright, _ = _small(work, 1600)
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
    ink = _ink(small)
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
    small, _ = _small(gray, 1000)
    return _search_skew(_glyph_ink(small), max_degrees)


def rotate_image(img: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees counter-clockwise about the centre, same size, paper fill."""
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(
        img, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


# ---------------------------------------------------------------------- clean-up


def flatten_illumination(gray: np.ndarray) -> np.ndarray:
    """Divide by the page background (a large closing) so paper is evenly white."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (31, 31))
    small, scale = _small(gray, 800)
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


def preprocess_page(
    img: np.ndarray,
    *,
    page_number: int,
    options: PreprocessOptions | None = None,
    dpi: float | None = None,
) -> PageImage:
    """Clean one page image for OCR; the result records every step that changed it.

    ``dpi`` is the resolution of ``img`` when known (a rendering, a TIFF's header);
    it is carried through resizing into ``PageImage.dpi``.
    """
    opts = options or DEFAULT_STEPS
    steps: list[str] = []
    rotation = 0
    skew = 0.0
    current = img
    if current.dtype != np.uint8:
        current = np.clip(current, 0, 255).astype(np.uint8)
    if current.ndim == 3 and current.shape[2] == 4:
        current = cv2.cvtColor(current, cv2.COLOR_BGRA2BGR)

    if opts.perspective:
        quad = find_page_quad(current)
        if quad is not None:
            long_side = opts.target_long_side if opts.resize else None
            current = warp_quad(current, quad, long_side)
            steps.append("perspective")
            dpi = None if long_side is None else long_side / A4_LONG_INCHES

    if current.ndim == 3:
        current = cv2.cvtColor(current, cv2.COLOR_BGR2GRAY)
        steps.append("grayscale")

    if opts.resize:
        long_side = max(current.shape)
        target = opts.target_long_side
        factor = 1.0
        if long_side > target * 1.05:
            factor = target / long_side
        elif long_side < target * opts.upscale_below:
            factor = target / long_side
        if factor != 1.0:
            interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
            current = cv2.resize(current, None, fx=factor, fy=factor, interpolation=interp)
            steps.append(f"resize:{factor:.3f}")
            if dpi:
                dpi *= factor

    known_skew: float | None = None
    if opts.rotation:
        rotation, known_skew = analyse_orientation(current, opts.max_skew_degrees)
        if rotation:
            current = rotate_quarter(current, rotation)
            steps.append(f"rotation:{rotation}")

    if opts.deskew:
        skew = (
            known_skew if known_skew is not None else estimate_skew(current, opts.max_skew_degrees)
        )
        if abs(skew) >= 0.1:
            current = rotate_image(current, skew)
            steps.append(f"deskew:{skew:+.2f}")
        else:
            skew = 0.0

    if opts.flatten:
        current = flatten_illumination(current)
        steps.append("flatten")
    if opts.denoise and max(current.shape) >= opts.denoise_min_long_side:
        current = denoise(current)
        steps.append("denoise")
    if opts.clahe:
        current = clahe(current)
        steps.append("clahe")
    if opts.binarize:
        current = binarize(current)
        steps.append("binarize")

    current = np.ascontiguousarray(current)
    return PageImage(
        page_number=page_number,
        width=int(current.shape[1]),
        height=int(current.shape[0]),
        dpi=round(dpi, 1) if dpi else None,
        has_text_layer=False,
        steps=steps,
        rotation=rotation,
        skew_degrees=round(skew, 3),
        image=current,
    )


# ----------------------------------------------------------------------- documents


def _page_error(number: int, exc: BaseException) -> PageImage:
    code = getattr(exc, "reason_code", None) or "preprocess_failed"
    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    return PageImage(page_number=number, error=f"{code}: {message}")


def preprocess_document(
    raw: RawDocument,
    data: bytes,
    *,
    dpi: int = 200,
    options: PreprocessOptions | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_pages: int | None = None,
    password: str | None = None,
) -> PreprocessedDocument:
    """Render or decode every page of ``raw`` and clean it for OCR.

    ``max_pixels`` bounds one image frame (checked before decoding), ``max_pages`` the
    number of pages or frames. PDF pages listed in ``raw.text_layer_pages`` are not rendered: they come back with
    ``has_text_layer=True`` and no image. A page that fails carries ``error``; a file
    that cannot be opened at all gives a ``failed`` document with an issue.
    """
    doc = PreprocessedDocument(document_id=raw.document_id, kind=raw.kind)
    if raw.failed:
        doc.failed = True
        doc.issues.append(
            Issue(code="raw_failed", message="the raw document failed", stage="preprocessed")
        )
        return doc
    if raw.kind == "pdf":
        _preprocess_pdf(doc, raw, data, dpi, options, password, max_pages)
    elif raw.kind == "image":
        _preprocess_image(doc, data, options, max_pixels, max_pages)
    elif raw.kind == "xml":
        return doc  # an e-invoice XML has no pages to OCR
    else:
        doc.failed = True
        doc.issues.append(
            Issue(
                code="unsupported_type",
                message=f"cannot preprocess a document of kind {raw.kind!r}",
                stage="preprocessed",
            )
        )
        return doc
    for page in doc.pages:
        if page.error:
            doc.issues.append(
                Issue(
                    code=page.error.split(":", 1)[0],
                    message=f"page {page.page_number}: {page.error}",
                    severity="warning",
                    stage="preprocessed",
                )
            )
    if doc.pages and all(p.error for p in doc.pages):
        doc.failed = True
    return doc


def _preprocess_pdf(
    doc: PreprocessedDocument,
    raw: RawDocument,
    data: bytes,
    dpi: int,
    options: PreprocessOptions | None,
    password: str | None,
    max_pages: int | None,
) -> None:
    from invoice_pipeline.processing.imaging import pdf

    text_pages = set(raw.text_layer_pages)
    try:
        with pdf.open_pdf(data, password) as handle:
            count = len(handle)
            sizes = [handle.get_page_size(i) for i in range(count)]
    except pdf.PdfError as exc:
        doc.failed = True
        doc.issues.append(Issue(code=exc.reason_code, message=exc.message, stage="preprocessed"))
        return
    if max_pages is not None and count > max_pages:
        doc.failed = True
        doc.issues.append(
            Issue(
                code="too_many_pages",
                message=f"the PDF has {count} pages, more than {max_pages}",
                stage="preprocessed",
            )
        )
        return
    for number in range(1, count + 1):
        width_pt, height_pt = sizes[number - 1]
        if number in text_pages:
            doc.pages.append(
                PageImage(
                    page_number=number,
                    width=int(round(width_pt * dpi / 72)),
                    height=int(round(height_pt * dpi / 72)),
                    dpi=float(dpi),
                    has_text_layer=True,
                    steps=["text_layer"],
                )
            )
            continue
        try:
            image = pdf.render_page(data, number, dpi, password=password)
            page = preprocess_page(image, page_number=number, options=options, dpi=float(dpi))
            page.steps.insert(0, f"render:{dpi}dpi")
            doc.pages.append(page)
        except Exception as exc:  # one bad page must not sink the document
            doc.pages.append(_page_error(number, exc))


def _preprocess_image(
    doc: PreprocessedDocument,
    data: bytes,
    options: PreprocessOptions | None,
    max_pixels: int,
    max_pages: int | None,
) -> None:
    declared = image_dpi(data)
    try:
        for number, frame in enumerate(
            iter_image_pages(data, max_pixels=max_pixels, max_pages=max_pages), start=1
        ):
            if isinstance(frame, ImageError):
                doc.pages.append(_page_error(number, frame))
                continue
            try:
                doc.pages.append(
                    preprocess_page(frame, page_number=number, options=options, dpi=declared)
                )
            except Exception as exc:  # one bad frame must not sink the document
                doc.pages.append(_page_error(number, exc))
    except ImageError as exc:
        doc.failed = True
        doc.issues.append(Issue(code=exc.reason_code, message=exc.message, stage="preprocessed"))


__all__ = [
    "DEFAULT_STEPS",
    "ImageError",
    "PreprocessOptions",
    "TARGET_LONG_SIDE",
    "analyse_orientation",
    "detect_rotation",
    "estimate_skew",
    "find_page_quad",
    "iter_image_pages",
    "load_image_pages",
    "preprocess_document",
    "preprocess_page",
    "rotate_image",
    "rotate_quarter",
    "warp_quad",
]
