"""Decoding image files into page arrays: Pillow, EXIF orientation and pixel limits.

:func:`load_image_pages` (and :func:`iter_image_pages`, one frame at a time)
decodes PNG, JPEG, TIFF (every frame), WebP and BMP with Pillow, applies the
EXIF orientation, composites transparency on white and refuses decompression
bombs from the header's dimensions before anything is decoded. Every problem
with a file is an :class:`ImageError` with a machine-readable ``reason_code``
(``image_corrupt``, ``image_unsupported``, ``image_too_large``,
``too_many_pages``). :func:`image_dpi` reads the resolution a file declares.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_PIXELS = 100_000_000


class ImageError(Exception):
    """An image that cannot be used; ``reason_code`` is machine-readable."""

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = reason_code
        self.message = message


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


__all__ = ["DEFAULT_MAX_PIXELS", "ImageError", "image_dpi", "iter_image_pages", "load_image_pages"]
