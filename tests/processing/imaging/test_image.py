"""Image decoding (formats, EXIF, bombs) and page clean-up (rotation, skew, perspective)."""

from __future__ import annotations

import io
import struct
import time
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from invoice_pipeline.processing.imaging import pdf
from invoice_pipeline.processing.imaging.load import ImageError, load_image_pages
from invoice_pipeline.processing.imaging.orientation import estimate_skew
from invoice_pipeline.processing.imaging.perspective import find_page_quad
from invoice_pipeline.processing.imaging.preprocess import (
    TARGET_LONG_SIDE,
    PreprocessOptions,
    preprocess_document,
    preprocess_page,
)
from invoice_pipeline.samples import synthetic
from invoice_pipeline.schema import RawDocument


@pytest.fixture(scope="module")
def page_pdf() -> bytes:
    return synthetic.invoice_pdf(3)


@pytest.fixture(scope="module")
def clean_page(page_pdf: bytes) -> np.ndarray:
    return pdf.render_page(page_pdf, 1, dpi=200)


def _encode(array: np.ndarray, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt, **params)
    return buf.getvalue()


def _pattern(h: int = 60, w: int = 90) -> np.ndarray:
    """Gray image, dark block at the top-left corner (orientation is visible)."""
    array = np.full((h, w), 220, np.uint8)
    array[: h // 3, : w // 3] = 10
    return array


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "TIFF"])
def test_load_formats(fmt: str) -> None:
    (page,) = load_image_pages(_encode(_pattern(), fmt), max_pixels=10_000)
    assert page.shape == (60, 90) and page.dtype == np.uint8
    assert page[:10, :10].mean() < 60 and page[-10:, -10:].mean() > 180


def test_load_color_alpha_and_16_bit() -> None:
    rgba = np.zeros((20, 30, 4), np.uint8)
    rgba[..., 2] = 255  # blue
    rgba[:, :15, 3] = 255  # left half opaque, right half transparent
    (page,) = load_image_pages(_encode(rgba, "PNG"), max_pixels=10_000)
    assert page.shape == (20, 30, 3)
    assert tuple(page[5, 5]) == (255, 0, 0)  # BGR blue
    assert tuple(page[5, 25]) == (255, 255, 255)  # transparency composited on white
    deep = (np.arange(600, dtype=np.uint16).reshape(20, 30) * 100).astype(np.uint16)
    (page16,) = load_image_pages(_encode(deep, "PNG"), max_pixels=10_000)
    assert page16.dtype == np.uint8 and page16.max() == 255


def test_multipage_tiff() -> None:
    frames = [Image.fromarray(_pattern() // (i + 1)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    pages = load_image_pages(buf.getvalue(), max_pixels=10_000)
    assert len(pages) == 3
    assert pages[0][-1, -1] > pages[2][-1, -1]
    with pytest.raises(ImageError) as err:
        load_image_pages(buf.getvalue(), max_pixels=10_000, max_pages=2)
    assert err.value.reason_code == "too_many_pages"


def test_exif_orientation_applied() -> None:
    source = _pattern()
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: display rotated 90 degrees clockwise
    buf = io.BytesIO()
    Image.fromarray(source).save(buf, format="JPEG", exif=exif.tobytes(), quality=95)
    (page,) = load_image_pages(buf.getvalue(), max_pixels=10_000)
    assert page.shape == (90, 60)
    expected = np.rot90(source, k=-1)  # clockwise
    assert np.abs(page.astype(int) - expected.astype(int)).mean() < 8
    assert page[:10, -10:].mean() < 60  # the dark corner moved to the top right


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` (CRC fixed)."""
    data = bytearray(_encode(np.zeros((4, 4), np.uint8), "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17])) & 0xFFFFFFFF
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


def test_decompression_bomb_refused_from_header() -> None:
    # 60000 x 60000 declared, 4 x 4 stored: decoding would fail as corrupt, so
    # image_too_large proves the header was checked before any decoding.
    started = time.perf_counter()
    with pytest.raises(ImageError) as err:
        load_image_pages(_png_claiming(60_000, 60_000), max_pixels=100_000_000)
    assert err.value.reason_code == "image_too_large"
    assert time.perf_counter() - started < 1.0
    with pytest.raises(ImageError) as err:
        load_image_pages(_png_claiming(12_000, 10_000), max_pixels=100_000_000)
    assert err.value.reason_code == "image_too_large"
    # an honest image above a small limit
    with pytest.raises(ImageError) as err:
        load_image_pages(_encode(np.zeros((300, 400), np.uint8), "PNG"), max_pixels=100_000)
    assert err.value.reason_code == "image_too_large"


def test_corrupt_images() -> None:
    for data, code in (
        (b"", "image_corrupt"),
        (b"hello, this is not an image" * 10, "image_unsupported"),
        (_encode(np.full((200, 200), 128, np.uint8), "PNG")[:120], "image_corrupt"),
    ):
        with pytest.raises(ImageError) as err:
            load_image_pages(data, max_pixels=1_000_000)
        assert err.value.reason_code == code


def test_rotation_detected_on_quarter_turned_scan(clean_page: np.ndarray) -> None:
    for turned, expected in ((90, 270), (180, 180), (270, 90)):
        scan = synthetic.degrade_scan(clean_page, seed=1, skew_degrees=0.0, rotation=turned)
        page = preprocess_page(scan, page_number=1)
        assert page.rotation == expected, (turned, page.steps)
        assert f"rotation:{expected}" in page.steps
        assert page.height > page.width  # portrait again
    upright = preprocess_page(synthetic.degrade_scan(clean_page, seed=1), page_number=1)
    assert upright.rotation == 0


def test_deskew_two_degrees(clean_page: np.ndarray) -> None:
    scan = synthetic.degrade_scan(clean_page, seed=2, skew_degrees=2.0)
    page = preprocess_page(scan, page_number=1)
    # degrade_scan turned the page 2 degrees counter-clockwise; deskew turns it back
    assert page.skew_degrees == pytest.approx(-2.0, abs=0.15)
    assert any(step.startswith("deskew:") for step in page.steps)
    assert abs(estimate_skew(page.image)) < 0.15
    flat = preprocess_page(
        synthetic.degrade_scan(clean_page, seed=2, skew_degrees=0.0), page_number=1
    )
    assert flat.skew_degrees == 0.0 and not any(s.startswith("deskew") for s in flat.steps)


def test_perspective_correction_of_phone_photo(page_pdf: bytes, clean_page: np.ndarray) -> None:
    photo = synthetic.phone_photo(pdf.render_page(page_pdf, 1, dpi=120), seed=1)
    quad = find_page_quad(photo)
    assert quad is not None
    page = preprocess_page(photo, page_number=1)
    assert page.steps[:2] == ["perspective", "grayscale"]
    assert max(page.width, page.height) == TARGET_LONG_SIDE
    assert page.height / page.width == pytest.approx(2**0.5, rel=0.02)  # A4 restored
    # the table is gone: every border strip is paper, not brown wood
    border = np.concatenate(
        [page.image[:20].ravel(), page.image[-20:].ravel(), page.image[:, :20].ravel()]
    )
    assert np.median(border) > 150
    # a flat scan has no page outline to correct
    assert find_page_quad(synthetic.degrade_scan(clean_page, seed=1)) is None


def test_resize_and_options(clean_page: np.ndarray) -> None:
    big = cv2.resize(clean_page, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)  # 300 dpi
    page = preprocess_page(big, page_number=2, dpi=300.0)
    assert max(page.width, page.height) == TARGET_LONG_SIDE
    assert page.dpi == pytest.approx(200, abs=1)
    assert page.page_number == 2 and page.image is not None
    assert "denoise" in page.steps
    off = PreprocessOptions(
        perspective=False, resize=False, rotation=False, deskew=False, denoise=False, binarize=True
    )
    binary = preprocess_page(big, page_number=1, options=off)
    assert binary.steps == ["binarize"] and set(np.unique(binary.image)) <= {0, 255}
    assert binary.image.shape == big.shape
    # a 100 dpi page is neither enlarged nor median-filtered (both raised the CER)
    low = preprocess_page(clean_page[::2, ::2], page_number=1)
    assert low.steps == [] and low.image.shape == clean_page[::2, ::2].shape


def _raw(kind: str, text_pages: list[int], pages: int) -> RawDocument:
    return RawDocument(
        document_id="doc-1",
        source_file="x",
        file_name="x",
        sha256="0" * 64,
        size_bytes=1,
        kind=kind,  # type: ignore[arg-type]
        page_count=pages,
        text_layer_pages=text_pages,
    )


def test_preprocess_document_pdf_skips_text_layer_pages(page_pdf: bytes) -> None:
    started = time.perf_counter()
    pre = preprocess_document(_raw("pdf", [1], 1), page_pdf)
    elapsed = time.perf_counter() - started
    (page,) = pre.pages
    assert page.has_text_layer and page.image is None and page.error is None
    assert (page.width, page.height) == (1654, 2339)
    assert elapsed < 0.5  # no rendering: a few milliseconds
    rendered = preprocess_document(_raw("pdf", [], 1), page_pdf, dpi=100)
    (page,) = rendered.pages
    assert not page.has_text_layer and page.image is not None
    assert page.steps[0] == "render:100dpi" and not rendered.failed


def test_preprocess_document_images_and_failures(clean_page: np.ndarray) -> None:
    small = clean_page[::4, ::4]
    good = Image.fromarray(small)
    buf = io.BytesIO()
    good.save(buf, format="TIFF", save_all=True, append_images=[good])
    data = buf.getvalue()
    pre = preprocess_document(_raw("image", [], 2), data)
    assert [p.page_number for p in pre.pages] == [1, 2]
    assert all(p.image is not None and p.error is None for p in pre.pages)
    # the second frame's pixels cut off: page 2 fails, page 1 survives
    cut = preprocess_document(_raw("image", [], 2), data[: len(data) - small.size // 2])
    assert cut.pages[0].error is None and cut.pages[1].error.startswith("image_corrupt")
    assert not cut.failed and cut.issues[0].code == "image_corrupt"
    broken = preprocess_document(_raw("pdf", [], 1), b"%PDF-1.4 nothing\n%%EOF")
    assert broken.failed and broken.issues[0].code == "pdf_corrupt" and not broken.pages
    bomb = preprocess_document(
        _raw("image", [], 1), _png_claiming(9_000, 9_000), max_pixels=50_000_000
    )
    assert bomb.failed and bomb.issues[0].code == "image_too_large"
    assert bomb.pages[0].error.startswith("image_too_large") and bomb.pages[0].image is None


def test_a_table_grid_on_a_scan_is_not_mistaken_for_a_photographed_page() -> None:
    """Regression: the compact layout's bordered table used to be warped as a page outline."""
    from invoice_pipeline.samples import generate_invoice

    data, _, _ = generate_invoice(200, "de", layout="compact", kind="scan")
    pages = load_image_pages(data, max_pixels=100_000_000)
    page = preprocess_page(pages[0], page_number=1)
    assert "perspective" not in page.steps
    assert page.rotation == 0
