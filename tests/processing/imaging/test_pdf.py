"""PDF probing, rendering and attachments; the text layer as OCR lines; reading order."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium
import pytest
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from invoice_pipeline.processing.imaging import pdf
from invoice_pipeline.processing.ocr.layout import order_lines, polygon_angle
from invoice_pipeline.processing.ocr.text_layer import read_text_layer
from invoice_pipeline.schema import OcrLine
from tests.hostile.inputs import minimal_pdf

PAGE_W, PAGE_H = A4


def _invoice_pdf(encrypt: pdfencrypt.StandardEncryption | None = None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(50, PAGE_H - 60, "RECHNUNG")
    c.setFont("Helvetica", 10)
    c.drawString(50, PAGE_H - 120, "Invoice number:")
    c.drawRightString(545, PAGE_H - 120, "INV-2024-0042")
    c.drawString(50, PAGE_H - 140, "Thank you for your order of the following items")
    for x, text in ((50, "Qty"), (100, "Description"), (300, "Unit price")):
        c.drawString(x, PAGE_H - 170, text)
    c.drawRightString(545, PAGE_H - 170, "Amount")
    c.drawString(50, PAGE_H - 190, "Total:")
    c.drawString(50 + c.stringWidth("Total:") + 3, PAGE_H - 190, "EUR 119.00")
    c.showPage()
    c.save()
    return buf.getvalue()


def _scan_pdf(stamp: str | None = None) -> bytes:
    """A page that is one big image, optionally with a scanner's text stamp."""
    from PIL import Image

    image = Image.fromarray(np.full((400, 300), 230, np.uint8))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(image), 0, 0, PAGE_W, PAGE_H)
    if stamp:
        c.setFont("Helvetica", 6)
        c.drawString(20, 20, stamp)
    c.showPage()
    c.save()
    return buf.getvalue()


def _with_attachment(data: bytes, name: str, payload: bytes) -> bytes:
    doc = pdfium.PdfDocument(data)
    attachment = doc.new_attachment(name)
    attachment.set_data(payload)
    out = io.BytesIO()
    doc.save(out)
    doc.close()
    return out.getvalue()


def test_probe_born_digital() -> None:
    info = pdf.probe(_invoice_pdf())
    assert info.page_count == 1
    assert info.text_pages == [1]
    assert not info.encrypted and not info.has_javascript
    assert info.embedded_files == []
    assert info.page_sizes[0] == pytest.approx((PAGE_W, PAGE_H), abs=0.5)


def test_probe_scan_has_no_text_layer() -> None:
    assert pdf.probe(_scan_pdf()).text_pages == []
    # a scanner's watermark over the page image is not a text layer
    assert pdf.probe(_scan_pdf("Scanned with SuperScan Pro 3000 app")).text_pages == []


def test_probe_encrypted() -> None:
    locked = _invoice_pdf(pdfencrypt.StandardEncryption("user-pw", "owner-pw"))
    with pytest.raises(pdf.PdfError) as err:
        pdf.probe(locked)
    assert err.value.reason_code == "pdf_encrypted"
    opened = pdf.probe(locked, password="user-pw")
    assert opened.encrypted and opened.text_pages == [1]
    # only an owner password: opens without a password, still reported as encrypted
    owner_only = pdf.probe(_invoice_pdf(pdfencrypt.StandardEncryption("", "owner-pw")))
    assert owner_only.encrypted and owner_only.text_pages == [1]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "pdf_corrupt"),
        (b"%PDF-1.7\nthis is not a pdf at all\n%%EOF\n", "pdf_corrupt"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "pdf_truncated"),
    ],
)
def test_probe_corrupt(data: bytes, reason: str) -> None:
    with pytest.raises(pdf.PdfError) as err:
        pdf.probe(data)
    assert err.value.reason_code == reason


def test_probe_truncated() -> None:
    data = _invoice_pdf()
    for cut in (len(data) // 2, len(data) - 8):
        with pytest.raises(pdf.PdfError) as err:
            pdf.probe(data[:cut])
        assert err.value.reason_code == "pdf_truncated"


def test_probe_too_many_pages() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for i in range(3):
        c.drawString(50, 700, f"page {i}")
        c.showPage()
    c.save()
    with pytest.raises(pdf.PdfError) as err:
        pdf.probe(buf.getvalue(), max_pages=2)
    assert err.value.reason_code == "too_many_pages"
    assert pdf.probe(buf.getvalue(), max_pages=3).page_count == 3


def test_attachment_roundtrip() -> None:
    xml = b"<?xml version='1.0'?><rsm:CrossIndustryInvoice/>"
    data = _with_attachment(_invoice_pdf(), "factur-x.xml", xml)
    info = pdf.probe(data)
    assert info.embedded_files == ["factur-x.xml"]
    assert pdf.embedded_file(data, "factur-x.xml") == xml
    assert pdf.embedded_file(data, "FACTUR-X.XML") == xml
    with pytest.raises(pdf.PdfError) as err:
        pdf.embedded_file(data, "zugferd-invoice.xml")
    assert err.value.reason_code == "attachment_missing"


def test_javascript_detected() -> None:
    data = minimal_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            b"<< /Names [(hello) 5 0 R] >>",
            b"<< /S /JavaScript /JS (app.alert\\('hi'\\);) >>",
        ]
    )
    info = pdf.probe(data)
    assert info.has_javascript
    assert info.text_pages == []


def test_render_page() -> None:
    data = _invoice_pdf()
    image = pdf.render_page(data, 1, dpi=100)
    assert image.dtype == np.uint8 and image.ndim == 2
    assert image.shape[0] == pytest.approx(PAGE_H * 100 / 72, abs=1)
    assert image.shape[1] == pytest.approx(PAGE_W * 100 / 72, abs=1)
    assert image.max() == 255 and image.min() < 60  # white paper, black text
    with pytest.raises(pdf.PdfError) as err:
        pdf.render_page(data, 2)
    assert err.value.reason_code == "page_out_of_range"


def test_render_page_caps_pixels() -> None:
    image = pdf.render_page(_invoice_pdf(), 1, dpi=600, max_pixels=1_000_000)
    assert image.shape[0] * image.shape[1] <= 1_000_000


def test_text_layer_lines_and_columns() -> None:
    (page,) = read_text_layer(_invoice_pdf(), [1])
    assert page.unit == "pt" and page.engine == "text_layer" and page.error is None
    assert (page.width, page.height) == pytest.approx((PAGE_W, PAGE_H), abs=0.5)
    texts = [line.text for line in page.lines]
    assert texts == [
        "RECHNUNG",
        "Invoice number:",
        "INV-2024-0042",
        "Thank you for your order of the following items",
        "Qty",
        "Description",
        "Unit price",
        "Amount",
        "Total: EUR 119.00",
    ]
    by_text = {line.text: line for line in page.lines}
    label, value = by_text["Invoice number:"], by_text["INV-2024-0042"]
    # label far left, value far right: two lines of one row
    assert label.row == value.row
    assert label.row != by_text["RECHNUNG"].row
    assert len({by_text[t].row for t in ("Qty", "Description", "Unit price", "Amount")}) == 1
    assert [line.id for line in page.lines[:3]] == ["p1-l1", "p1-l2", "p1-l3"]
    # boxes in points, origin top left
    x0, y0, x1, y1 = value.box
    assert x1 == pytest.approx(545, abs=0.5)
    assert y0 < PAGE_H - (PAGE_H - 120) < y1 + 1
    assert label.box[0] == pytest.approx(50, abs=0.5)
    assert [w.text for w in label.words] == ["Invoice", "number:"]
    assert all(w.confidence == 1.0 for w in label.words)


def test_text_layer_rotated_page_matches_rendering() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setPageRotation(90)
    c.setFont("Helvetica", 12)
    c.saveState()
    c.translate(100, 60)
    c.rotate(90)  # reads horizontally once the page is displayed turned
    c.drawString(0, 0, "Landscape total 42.00")
    c.restoreState()
    c.showPage()
    c.save()
    data = buf.getvalue()
    (page,) = read_text_layer(data, [1])
    (line,) = page.lines
    assert line.text == "Landscape total 42.00"
    image = pdf.render_page(data, 1, dpi=72)
    assert image.shape[1] == pytest.approx(page.width, abs=1)
    ys, xs = np.nonzero(image < 128)
    x0, y0, x1, y1 = line.box
    assert x0 - 2 <= xs.min() and xs.max() <= x1 + 2
    assert y0 - 2 <= ys.min() and ys.max() <= y1 + 2


def test_text_layer_bad_page_is_recorded() -> None:
    pages = read_text_layer(_invoice_pdf(), [1, 5])
    assert pages[0].error is None and pages[1].error and not pages[1].lines


def _line(text: str, box: tuple[float, float, float, float]) -> OcrLine:
    return OcrLine(id="", page=1, text=text, box=box)


def test_order_lines_rows_and_skew() -> None:
    lines = [
        _line("Amount", (1500, 212, 1650, 242)),
        _line("Total", (100, 400, 200, 430)),
        _line("Qty", (100, 200, 160, 230)),
        _line("Description", (300, 205, 520, 236)),
        _line("119.00", (1500, 405, 1620, 437)),
        _line("Header", (100, 50, 400, 100)),
    ]
    ordered = order_lines(lines)
    assert [line.text for line in ordered] == [
        "Header",
        "Qty",
        "Description",
        "Amount",
        "Total",
        "119.00",
    ]
    assert [line.row for line in ordered] == [1, 2, 2, 2, 3, 3]
    assert [line.id for line in ordered] == [f"p1-l{i}" for i in range(1, 7)]

    # a page skewed by 1.5 degrees: a label and its value 1400 px apart differ by 37 px
    skewed = [
        _line("Net", (100, 500, 160, 530)),
        _line("100.00", (1500, 537, 1620, 567)),
        _line("Tax", (100, 540, 160, 570)),
        _line("19.00", (1500, 577, 1620, 607)),
    ]
    flat = order_lines(skewed)
    assert [line.row for line in flat] != [1, 1, 2, 2]
    angle = polygon_angle([(0, 0), (1000, 26.2), (1000, 56.2), (0, 30)])
    assert angle == pytest.approx(1.5, abs=0.05)
    fixed = order_lines(skewed, skew_degrees=angle)
    assert [line.text for line in fixed] == ["Net", "100.00", "Tax", "19.00"]
    assert [line.row for line in fixed] == [1, 1, 2, 2]


def test_text_layer_quality_rejects_garbage() -> None:
    alnum, ratio = pdf.text_layer_quality("Invoice 2024-001 Total 119.00 EUR")
    assert alnum >= 20 and ratio == 1.0
    # glyphs of a font without a Unicode map: private-use code points or symbol soup
    assert pdf.text_layer_quality("\ue001\ue002\ue003 \ue004\ue005" * 10)[1] < pdf.MIN_GOOD_RATIO
    assert pdf.text_layer_quality("!#$%&()*+,-./:;<=>?@[]^_{|}~" * 3 + "abc")[1] < 0.6
    assert pdf.text_layer_quality("   \n\t ") == (0, 0.0)
