"""Scanned and photographed versions of a born-digital invoice, deterministic per seed.

:func:`degrade_pdf` renders each PDF page with pypdfium2 (200 dpi by default)
and degrades it with OpenCV and numpy.  A ``scan`` is grayscale on slightly
tinted paper, skewed by 0.3 to 2.5 degrees either way, slightly blurred, with
gaussian noise, stored as JPEG (quality 60-85) or PNG.  A ``photo`` is the
page warped in perspective onto a darker textured background (the page covers
roughly 70-90 % of the frame, at about 150 dpi), with a soft shadow, an uneven lighting
gradient, a colour cast, blur and sensor noise, stored as JPEG.  Either kind
can additionally be turned by 90, 180 or 270 degrees (clockwise), the way a
page lands sideways or upside down in a scanner or a phone.

File format: a one-page document becomes one image (``.jpg`` or ``.png``); a
multi-page document becomes ONE multi-page TIFF (``.tif``, JPEG-compressed
pages, written by Pillow, readable with ``cv2.imreadmulti`` or Pillow's
``ImageSequence``).  Everything random comes from ``numpy.random.default_rng``
seeded with the caller's seed, so the same input and seed give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

KINDS: tuple[str, ...] = ("scan", "photo")
ROTATIONS: tuple[int, ...] = (0, 90, 180, 270)
_CV_ROTATE = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


@dataclass
class Degraded:
    """The encoded file and what was done to each page (for tests of the preprocessor)."""

    data: bytes
    suffix: str
    pages: int
    params: list[dict[str, Any]] = field(default_factory=list)


def render_pages(pdf: bytes, dpi: int = 200, grayscale: bool = False) -> list[np.ndarray]:
    """Each page of ``pdf`` as uint8 pixels: grayscale ``HxW`` or BGR ``HxWx3``."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in doc:
            bitmap = page.render(scale=dpi / 72, grayscale=grayscale)
            array = np.array(bitmap.to_numpy(), copy=True)
            if array.ndim == 3 and array.shape[2] == 4:
                array = array[:, :, :3]
            pages.append(np.ascontiguousarray(array))
            page.close()
        return pages
    finally:
        doc.close()


def _rotate_points(points: np.ndarray, width: int, height: int, rotation: int) -> np.ndarray:
    """Where ``points`` (x, y) of a ``width`` x ``height`` image go after turning it clockwise."""
    x, y = points[:, 0], points[:, 1]
    if rotation == 90:
        return np.stack([height - 1 - y, x], axis=1)
    if rotation == 180:
        return np.stack([width - 1 - x, height - 1 - y], axis=1)
    if rotation == 270:
        return np.stack([y, width - 1 - x], axis=1)
    return points


def _turn(image: np.ndarray, rotation: int) -> np.ndarray:
    return cv2.rotate(image, _CV_ROTATE[rotation]) if rotation else image


def _add_noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise, drawn at half resolution (2x2 grains, like a demosaiced sensor)."""
    h, w = image.shape[:2]
    shape = (h // 2 + 1, w // 2 + 1) + image.shape[2:]
    small = rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)
    noise = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    if noise.ndim < image.ndim:
        noise = noise[..., None]
    return cv2.add(image, noise, dtype=cv2.CV_8U)


def _add_speckles(
    image: np.ndarray, count: int, values: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    """``count`` single pixels set to one of ``values`` (dust and toner specks)."""
    ys = rng.integers(0, image.shape[0], count)
    xs = rng.integers(0, image.shape[1], count)
    out = image.copy()
    out[ys, xs] = np.clip(rng.choice(np.array(values, dtype=np.float64), count), 0, 255)
    return out


def scan_image(
    gray: np.ndarray,
    rng: np.random.Generator,
    *,
    skew_degrees: float,
    paper: float,
    ink: float,
    border: float,
    blur_sigma: float,
    noise_sigma: float,
    rotation: int = 0,
    speckles: int = 0,
) -> np.ndarray:
    """A flatbed scan of a grayscale page with the given degradation; ``rng`` draws the noise.

    White becomes the ``paper`` tone and black the ``ink`` grey (the contrast loss
    of a cheap scanner), the page turns ``skew_degrees`` counter-clockwise (the
    uncovered corners get the ``border`` tone), then ``rotation`` degrees
    clockwise, and is blurred, given grainy noise and ``speckles`` dust specks.
    """
    h, w = gray.shape[:2]
    toned = (gray.astype(np.float32) * ((paper - ink) / 255.0) + ink).astype(np.uint8)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_degrees, 1.0)
    skewed = cv2.warpAffine(
        toned, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=(border, border, border)
    )
    turned = _turn(skewed, rotation)
    blurred = cv2.GaussianBlur(turned, (0, 0), blur_sigma) if blur_sigma > 0 else turned
    out = _add_noise(blurred, noise_sigma, rng)
    if speckles:
        out = _add_speckles(out, speckles, (ink, paper), rng)
    return out


def scan_page(
    gray: np.ndarray, rng: np.random.Generator, rotation: int = 0
) -> tuple[np.ndarray, dict[str, Any]]:
    """A flatbed scan of a grayscale page: paper tone, skew, blur, noise, optional turn.

    The degradation is drawn from ``rng`` and applied by :func:`scan_image`.
    """
    skew = float(rng.uniform(0.3, 2.5) * rng.choice((-1.0, 1.0)))
    paper = float(rng.uniform(232, 250))
    ink = float(rng.uniform(0, 35))
    border = int(rng.uniform(paper - 25, paper))
    sigma_blur = float(rng.uniform(0.5, 1.1))
    noise = float(rng.uniform(3, 9))
    out = scan_image(
        gray,
        rng,
        skew_degrees=skew,
        paper=paper,
        ink=ink,
        border=border,
        blur_sigma=sigma_blur,
        noise_sigma=noise,
        rotation=rotation,
    )
    params = {
        "skew_degrees": round(skew, 3),
        "rotation": rotation,
        "blur_sigma": round(sigma_blur, 3),
        "noise_sigma": round(noise, 3),
        "paper": round(paper, 1),
    }
    return out, params


def _background(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A dark desk-like texture (BGR float32): base colour, blotches, grain, streaks."""
    base = np.array(
        [rng.uniform(25, 85), rng.uniform(30, 95), rng.uniform(35, 115)], dtype=np.float32
    )
    coarse = rng.standard_normal((max(2, height // 16), max(2, width // 16)), dtype=np.float32)
    blotches = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    grain = rng.standard_normal((height, width), dtype=np.float32)
    streaks = np.sin(np.linspace(0, rng.uniform(20, 60), height, dtype=np.float32))[:, None]
    shade = blotches * 12 + grain * 5 + streaks * np.float32(rng.uniform(2, 8))
    return base[None, None, :] + shade[..., None]


def photo_page(
    bgr: np.ndarray, rng: np.random.Generator, rotation: int = 0
) -> tuple[np.ndarray, dict[str, Any]]:
    """A phone photo of a colour page: perspective, background, shadow, light, blur, noise.

    The page is drawn at 70-85 % of its rendered size (about 140-170 dpi), and the
    frame is 6-16 % larger than the page on each axis, so the page covers roughly
    70-90 % of the picture.
    """
    h, w = bgr.shape[:2]
    scale = float(rng.uniform(0.7, 0.85))
    pw, ph = w * scale, h * scale
    cover_w, cover_h = float(rng.uniform(0.86, 0.94)), float(rng.uniform(0.86, 0.94))
    fw, fh = int(round(pw / cover_w)), int(round(ph / cover_h))
    mx, my = (fw - pw) / 2, (fh - ph) / 2
    ox = mx * (1 + rng.uniform(-0.3, 0.3))
    oy = my * (1 + rng.uniform(-0.3, 0.3))
    rect = np.array([[ox, oy], [ox + pw, oy], [ox + pw, oy + ph], [ox, oy + ph]])
    # push each corner around within what the margins allow: the perspective
    jitter = rng.uniform(-0.6, 0.6, size=(4, 2)) * 0.7 * np.array([mx, my])
    dst = (rect + jitter).astype(np.float32)
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(bgr, matrix, (fw, fh), flags=cv2.INTER_LINEAR)
    mask = np.zeros((fh, fw), dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.round(dst).astype(np.int32), 255, lineType=cv2.LINE_AA)

    # background and the page's soft shadow, computed at a quarter size and scaled up
    sw, sh = fw // 4, fh // 4
    background = _background(sh, sw, rng)
    small = cv2.resize(mask, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    shift = np.float32([[1, 0, rng.uniform(-2, 2)], [0, 1, rng.uniform(1, 3)]])
    shadow = cv2.GaussianBlur(cv2.warpAffine(small, shift, (sw, sh)), (0, 0), 6) / 255.0
    background *= (1 - 0.55 * shadow)[..., None]
    background = np.clip(background, 0, 255).astype(np.uint8)
    background = cv2.resize(background, (fw, fh), interpolation=cv2.INTER_LINEAR)
    alpha = mask.astype(np.float32) / 255.0
    frame = cv2.blendLinear(warped, background, alpha, 1.0 - alpha)

    # uneven light (gradient in a random direction, vignette) and a colour cast
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0 : max(2, fh // 16), 0 : max(2, fw // 16)].astype(np.float32)
    xs /= xs.max()
    ys /= ys.max()
    strength = float(rng.uniform(0.15, 0.4))
    ramp = (xs - 0.5) * np.cos(angle) + (ys - 0.5) * np.sin(angle)
    light = 1.0 + ramp * strength - ((xs - 0.5) ** 2 + (ys - 0.5) ** 2) * rng.uniform(0.1, 0.4)
    light *= rng.uniform(0.85, 1.0)
    cast = (rng.uniform(0.9, 1.02), rng.uniform(0.95, 1.02), rng.uniform(0.97, 1.08))
    light3 = np.stack([light * c for c in cast], axis=-1).astype(np.float32)
    light3 = cv2.resize(light3, (fw, fh), interpolation=cv2.INTER_LINEAR)
    frame = cv2.multiply(frame, light3, dtype=cv2.CV_8U)

    sigma_blur = float(rng.uniform(0.6, 1.4))
    frame = cv2.GaussianBlur(frame, (0, 0), sigma_blur)
    noise = float(rng.uniform(2, 5))
    frame = _turn(_add_noise(frame, noise, rng), rotation)
    corners = _rotate_points(dst.astype(np.float64), fw, fh, rotation)
    params = {
        "rotation": rotation,
        "corners": [[round(float(x), 1), round(float(y), 1)] for x, y in corners],
        "coverage": round(float(cv2.contourArea(dst)) / (fw * fh), 3),
        "scale": round(scale, 3),
        "blur_sigma": round(sigma_blur, 3),
        "noise_sigma": round(noise, 3),
        "light_strength": round(strength, 3),
    }
    return frame, params


def _to_pil(image: np.ndarray) -> Image.Image:
    if image.ndim == 2:
        return Image.fromarray(image, mode="L")
    return Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), mode="RGB")


def encode(
    images: list[np.ndarray], fmt: str, quality: int = 80, dpi: int | None = None
) -> tuple[bytes, str]:
    """Encode pages: one page as ``jpeg``/``png``; several as a JPEG-compressed TIFF."""
    pil = [_to_pil(im) for im in images]
    buf = io.BytesIO()
    extra: dict[str, Any] = {"dpi": (dpi, dpi)} if dpi else {}
    if len(pil) > 1:
        pil[0].save(
            buf,
            format="TIFF",
            save_all=True,
            append_images=pil[1:],
            compression="jpeg",
            quality=quality,
            **extra,
        )
        return buf.getvalue(), ".tif"
    if fmt == "png":
        pil[0].save(buf, format="PNG", compress_level=6, **extra)
        return buf.getvalue(), ".png"
    pil[0].save(buf, format="JPEG", quality=quality, **extra)
    return buf.getvalue(), ".jpg"


def jpeg_round_trip(image: np.ndarray, quality: int) -> np.ndarray:
    """``image`` after JPEG compression at ``quality``: the artefacts of a stored picture."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ValueError("JPEG encoding failed")
    flag = cv2.IMREAD_GRAYSCALE if image.ndim == 2 else cv2.IMREAD_COLOR
    return cv2.imdecode(encoded, flag)


def degrade_pdf(pdf: bytes, kind: str, seed: int, *, rotation: int = 0, dpi: int = 200) -> Degraded:
    """A ``scan`` or ``photo`` of every page of ``pdf``; ``rotation`` turns pages clockwise."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {KINDS}")
    if rotation not in ROTATIONS:
        raise ValueError(f"rotation must be one of {ROTATIONS}")
    rng = np.random.default_rng([seed, KINDS.index(kind), rotation])
    pages = render_pages(pdf, dpi, grayscale=kind == "scan")
    out: list[np.ndarray] = []
    params: list[dict[str, Any]] = []
    for page in pages:
        image, p = (
            scan_page(page, rng, rotation) if kind == "scan" else photo_page(page, rng, rotation)
        )
        out.append(image)
        params.append(p)
    if kind == "scan":
        fmt = "png" if rng.random() < 0.3 else "jpeg"
        quality = int(rng.integers(60, 86))
        data, suffix = encode(out, fmt, quality, dpi)
    else:
        fmt, quality = "jpeg", int(rng.integers(70, 93))
        data, suffix = encode(out, fmt, quality)
    for p in params:
        p["format"] = "tiff" if suffix == ".tif" else fmt
        p["quality"] = quality if suffix != ".png" else None
    return Degraded(data=data, suffix=suffix, pages=len(out), params=params)
