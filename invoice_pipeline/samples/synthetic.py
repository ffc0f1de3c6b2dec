"""Generated invoice pages, scans and phone photos with known text, and the CER to score OCR.

The tests and the benchmark need pages whose text is known exactly. A page is
drawn with reportlab (an invoice-like layout: header, two address blocks, a
table, totals, bank details, German and French characters) and its ground truth
is its own PDF text layer, read by
:func:`~invoice_pipeline.processing.ocr.text_layer.read_text_layer` and ordered
like any OCR output. :func:`degrade_scan` turns a clean rendering into a
plausible office scan (grey paper, low contrast, skew, blur, noise, speckles,
JPEG artefacts) with fixed parameters; :func:`phone_photo` puts the page on a
table under uneven light at a perspective. Both use the one degrader of
:mod:`invoice_pipeline.samples.degrade`. :func:`cer` is the character error
rate (Levenshtein distance over the reference length) on whitespace-normalised
text. Everything is deterministic for a given seed.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterable

import cv2
import numpy as np

from invoice_pipeline.schema import OcrLine, OcrPage

from .degrade import jpeg_round_trip, photo_page, scan_image

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
    """A grayscale office scan of a clean rendering: contrast, skew, blur, noise, JPEG.

    The fixed degradation given here, applied by the one scan degrader
    (:func:`~invoice_pipeline.samples.degrade.scan_image`); ``rotation`` turns
    the page clockwise, ``jpeg_quality`` 0 keeps it uncompressed.
    """
    rng = np.random.default_rng(seed)
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    out = scan_image(
        gray,
        rng,
        skew_degrees=skew_degrees,
        paper=paper,
        ink=ink,
        border=paper,
        blur_sigma=blur,
        noise_sigma=noise,
        rotation=rotation,
        speckles=speckles,
    )
    return jpeg_round_trip(out, jpeg_quality) if jpeg_quality else out


def phone_photo(image: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """A BGR phone photo of the page on a table: perspective, shadow, uneven light, noise.

    The photo degrader of :func:`~invoice_pipeline.samples.degrade.photo_page`
    with its degradation drawn from ``seed``, stored as JPEG (quality 80).
    """
    rng = np.random.default_rng(seed)
    bgr = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    photo, _ = photo_page(bgr, rng)
    return jpeg_round_trip(photo, 80)


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
