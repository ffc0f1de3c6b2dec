"""Generated invoice pages, scans and phone photos with known text, and the CER to score OCR.

The tests and the benchmark need pages whose text is known exactly. A page is
drawn with reportlab (an invoice-like layout: header, two address blocks, a
table, totals, bank details, German and French characters) and its ground truth
is its own PDF text layer, read by
:func:`~invoice_pipeline.processing.ocr.text_layer.read_text_layer` and ordered
like any OCR output. :func:`degrade_scan` turns a clean rendering into a
plausible office scan (grey paper, low contrast, skew, blur, noise, speckles,
JPEG artefacts); :func:`phone_photo` puts the page on a table under uneven light
at a perspective. :func:`cer` is the character error rate (Levenshtein distance
over the reference length) on whitespace-normalised text. Everything is
deterministic for a given seed.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterable

import cv2
import numpy as np

from invoice_pipeline.schema import OcrLine, OcrPage

_SELLERS = [
    ("Müller & Söhne GmbH", "Hauptstraße 12", "80331 München", "DE123456789"),
    ("Atelier Lefèvre SARL", "14 rue de la Paix", "75002 Paris", "FR40303265045"),
    ("Nordic Tools AB", "Storgatan 5", "111 51 Stockholm", "SE556677889901"),
]
_ITEMS = [
    "Consulting services March",
    "Wartung Heizungsanlage",
    "Licence logicielle annuelle",
    "Office chairs, ergonomic",
    "Versandkosten",
    "Installation und Einrichtung",
    "Support contract (12 months)",
    "Câble réseau Cat6, 50 m",
]


def invoice_pdf(seed: int = 0, *, items: int = 8) -> bytes:
    """An A4 invoice-like PDF page with a text layer; ``seed`` varies names and numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    rng = random.Random(seed)
    width, height = A4
    seller = _SELLERS[seed % len(_SELLERS)]
    buyer = _SELLERS[(seed + 1) % len(_SELLERS)]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = height - 60
    c.setFont("Helvetica-Bold", 18)
    c.drawString(50, y, seller[0])
    c.setFont("Helvetica", 10)
    for text in seller[1:3]:
        y -= 14
        c.drawString(50, y, text)
    y -= 14
    c.drawString(50, y, f"VAT ID: {seller[3]}")
    c.setFont("Helvetica-Bold", 22)
    c.drawRightString(545, height - 60, "INVOICE")
    c.setFont("Helvetica", 10)
    number = f"INV-{rng.randint(2019, 2026)}-{rng.randint(1, 99999):05d}"
    date = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2019, 2026)}"
    for i, (label, value) in enumerate(
        (
            ("Invoice number:", number),
            ("Invoice date:", date),
            ("Customer no.:", str(rng.randint(1000, 99999))),
        )
    ):
        c.drawString(360, height - 90 - 14 * i, label)
        c.drawRightString(545, height - 90 - 14 * i, value)
    y = height - 180
    c.setFont("Helvetica-Bold", 10)
    c.drawString(50, y, "Bill to:")
    c.setFont("Helvetica", 10)
    for text in (buyer[0], buyer[1], buyer[2]):
        y -= 14
        c.drawString(50, y, text)
    y -= 40
    c.setFont("Helvetica-Bold", 10)
    for x, text in ((50, "Pos."), (90, "Description")):
        c.drawString(x, y, text)
    for x, text in ((360, "Qty"), (450, "Unit price"), (545, "Amount")):
        c.drawRightString(x, y, text)
    c.line(50, y - 5, 545, y - 5)
    c.setFont("Helvetica", 10)
    subtotal = 0.0
    for pos in range(1, items + 1):
        y -= 18
        qty = rng.randint(1, 20)
        price = rng.randint(100, 250000) / 100
        amount = qty * price
        subtotal += amount
        c.drawString(50, y, str(pos))
        c.drawString(90, y, rng.choice(_ITEMS))
        c.drawRightString(360, y, str(qty))
        c.drawRightString(450, y, f"{price:,.2f}")
        c.drawRightString(545, y, f"{amount:,.2f}")
    tax = round(subtotal * 0.19, 2)
    y -= 30
    for label, value in (
        ("Subtotal", subtotal),
        ("VAT 19%", tax),
        ("Total due EUR", subtotal + tax),
    ):
        c.drawString(360, y, label)
        c.drawRightString(545, y, f"{value:,.2f}")
        y -= 16
    y -= 30
    c.setFont("Helvetica", 9)
    c.drawString(
        50, y, f"Payment within 30 days. IBAN: DE89 3704 0044 0532 0130 {rng.randint(10, 99)}"
    )
    c.drawString(50, y - 13, "BIC: COBADEFFXXX  Please quote the invoice number with your payment.")
    c.drawString(50, y - 26, "Zahlbar ohne Abzug. Merci de votre confiance. Tack för ditt köp!")
    c.showPage()
    c.save()
    return buf.getvalue()


def ground_truth(pdf_bytes: bytes, page: int = 1) -> OcrPage:
    """The page's own text layer: the exact text a perfect OCR would return."""
    from invoice_pipeline.processing.ocr.text_layer import read_text_layer

    return read_text_layer(pdf_bytes, [page])[0]


def degrade_scan(
    image: np.ndarray,
    *,
    seed: int = 0,
    skew_degrees: float = 1.2,
    rotation: int = 0,
    blur: float = 0.8,
    noise: float = 10.0,
    speckles: int = 400,
    paper: int = 228,
    ink: int = 55,
    jpeg_quality: int = 60,
) -> np.ndarray:
    """A grayscale office scan of a clean rendering: contrast, skew, blur, noise, JPEG."""
    rng = np.random.default_rng(seed)
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    # paper and ink levels: 255 -> paper, 0 -> ink
    img = gray.astype(np.float32) / 255.0 * (paper - ink) + ink
    if skew_degrees:
        h, w = img.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), skew_degrees, 1.0)
        img = cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=float(paper))
    if blur:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if noise:
        img = img + rng.normal(0, noise, img.shape).astype(np.float32)
    if speckles:
        ys = rng.integers(0, img.shape[0], speckles)
        xs = rng.integers(0, img.shape[1], speckles)
        img[ys, xs] = rng.choice([float(ink), float(paper)], speckles)
    out = np.clip(img, 0, 255).astype(np.uint8)
    if rotation:
        out = np.ascontiguousarray(np.rot90(out, k=-(rotation // 90)))
    if jpeg_quality:
        ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        out = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return out


def phone_photo(image: np.ndarray, *, seed: int = 0, tilt: float = 0.08) -> np.ndarray:
    """A BGR phone photo of the page lying on a table: perspective, uneven light, noise."""
    rng = np.random.default_rng(seed)
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    out_w, out_h = int(w * 1.35), int(h * 1.25)
    # page corners in the photo: a trapezoid, as seen from above and a little in front
    margin_x, margin_y = out_w * 0.12, out_h * 0.08
    jitter = lambda scale: float(rng.uniform(-scale, scale))  # noqa: E731
    dst = np.float32(
        [
            [margin_x + out_w * tilt + jitter(20), margin_y + jitter(20)],
            [out_w - margin_x - out_w * tilt + jitter(20), margin_y + jitter(20)],
            [out_w - margin_x + jitter(20), out_h - margin_y + jitter(20)],
            [margin_x + jitter(20), out_h - margin_y + jitter(20)],
        ]
    )
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    page = cv2.transform(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), np.diag([0.93, 0.96, 1.0]))
    wood = (60, 95, 140)  # brown table, BGR
    photo = cv2.warpPerspective(
        page, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR, borderValue=wood
    ).astype(np.float32)
    # uneven light: brighter top left, darker bottom right
    light = 1.05 - 0.175 * np.add.outer(
        np.linspace(0, 1, out_h, dtype=np.float32), np.linspace(0, 1, out_w, dtype=np.float32)
    )
    photo *= light[..., None]
    photo = cv2.GaussianBlur(photo, (0, 0), 1.0)
    noise = np.empty(photo.shape, np.float32)
    cv2.setRNGSeed(seed)
    cv2.randn(noise, 0.0, 6.0)
    out = np.clip(photo + noise, 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def normalise_text(text: str) -> str:
    """Whitespace collapsed to single spaces, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def page_text(lines: Iterable[OcrLine]) -> str:
    """The lines' text in the given order, one space between lines."""
    return normalise_text(" ".join(line.text for line in lines))


def cer(reference: str, hypothesis: str, *, ignore_spaces: bool = False) -> float:
    """Character error rate: edit distance over the reference length (whitespace normalised)."""
    from rapidfuzz.distance import Levenshtein

    ref, hyp = normalise_text(reference), normalise_text(hypothesis)
    if ignore_spaces:
        ref, hyp = ref.replace(" ", ""), hyp.replace(" ", "")
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


__all__ = [
    "cer",
    "degrade_scan",
    "ground_truth",
    "invoice_pdf",
    "normalise_text",
    "page_text",
    "phone_photo",
]
