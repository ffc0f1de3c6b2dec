"""OCR engines on generated pages: rapidocr accuracy, tesseract, read_document's routing."""

from __future__ import annotations

import importlib.util
import io
import time

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from invoice_pipeline import settings
from invoice_pipeline.processing.imaging import pdf
from invoice_pipeline.processing.imaging.preprocess import preprocess_document, preprocess_page
from invoice_pipeline.processing.ocr import (
    EngineNotInstalled,
    OcrEngine,
    engine_for,
    get_engine,
    read_document,
)
from invoice_pipeline.processing.ocr.tesseract_engine import TesseractEngine
from invoice_pipeline.samples import synthetic
from invoice_pipeline.schema import PageImage, PreprocessedDocument, RawDocument


@pytest.fixture(scope="module")
def rapid() -> OcrEngine:
    return get_engine("rapidocr")


@pytest.fixture(scope="module")
def tesseract() -> OcrEngine:
    return get_engine("tesseract")


def _lines_pdf(
    lines: list[tuple[float, float, str]], size: tuple[float, float] = (300, 80)
) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    c.setFont("Helvetica", 11)
    for x, y, text in lines:
        c.drawString(x, y, text)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_get_engine_reuses_instances(rapid: OcrEngine) -> None:
    assert get_engine("rapidocr") is rapid
    assert get_engine("RapidOCR", "cpu") is rapid
    with pytest.raises(ValueError, match="unknown OCR engine"):
        get_engine("abbyy")


def test_rapidocr_reads_generated_scan(rapid: OcrEngine) -> None:
    data = synthetic.invoice_pdf(5)
    truth = synthetic.ground_truth(data)
    scan = synthetic.degrade_scan(pdf.render_page(data, 1, 200), seed=5, skew_degrees=1.0)
    page_image = preprocess_page(scan, page_number=1)
    started = time.perf_counter()
    page = rapid.read(page_image.image, 1)
    seconds = time.perf_counter() - started
    error = synthetic.cer(synthetic.page_text(truth.lines), synthetic.page_text(page.lines))
    print(f"rapidocr: {seconds:.2f} s, CER {error:.4f}, {len(page.lines)} lines")
    assert error < 0.02
    assert page.unit == "px" and page.engine == "rapidocr" and page.error is None
    assert (page.width, page.height) == (page_image.width, page_image.height)
    for line in page.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
        assert 0 < line.confidence <= 1
    assert sum(1 for line in page.lines if line.words) > len(page.lines) // 2
    by_text = {line.text: line for line in page.lines}
    label = by_text["Invoice number:"]
    value = next(line for line in page.lines if line.text.startswith("INV-"))
    assert label.row == value.row and label.id != value.id
    assert value.box[0] - label.box[2] > 60  # two lines of one row, far apart
    assert [line.id for line in page.lines[:2]] == ["p1-l1", "p1-l2"]


def _mixed_pdf() -> bytes:
    """Page 1 born-digital; page 2 a scanned image with a few lines and no text layer."""
    snippet_pdf = _lines_pdf(
        [(10, 50, "Delivery note 4711"), (10, 25, "Total amount 1,234.56 EUR")]
    )
    snippet = pdf.render_page(snippet_pdf, 1, dpi=200)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 10)
    c.drawString(50, 780, "Invoice number:")
    c.drawRightString(545, 780, "RE-2024-001")
    c.drawString(50, 760, "Please pay within fourteen days of receipt.")
    c.showPage()
    c.drawImage(ImageReader(Image.fromarray(snippet)), 50, 650, 300, 80)
    c.showPage()
    c.save()
    return buf.getvalue()


def test_read_document_auto_uses_text_layer_and_ocr() -> None:
    data = _mixed_pdf()
    started = time.perf_counter()
    info = pdf.probe(data)
    assert info.text_pages == [1]
    raw = RawDocument(
        document_id="mixed",
        source_file="mixed.pdf",
        file_name="mixed.pdf",
        sha256="0" * 64,
        size_bytes=len(data),
        kind="pdf",
        page_count=info.page_count,
        text_layer_pages=info.text_pages,
    )
    pre = preprocess_document(raw, data)
    assert pre.pages[0].has_text_layer and pre.pages[0].image is None
    assert pre.pages[1].image is not None
    doc = read_document(pre, pdf_bytes=data)
    print(f"mixed 2-page document: {time.perf_counter() - started:.2f} s")
    assert doc.engine == "text_layer+rapidocr" and not doc.failed and not doc.issues
    first, second = doc.pages
    assert (first.engine, first.unit) == ("text_layer", "pt")
    assert [line.text for line in first.lines][:2] == ["Invoice number:", "RE-2024-001"]
    assert first.lines[0].row == first.lines[1].row
    assert (second.engine, second.unit) == ("rapidocr", "px")
    text = synthetic.page_text(second.lines)
    assert synthetic.cer("Delivery note 4711 Total amount 1,234.56 EUR", text) < 0.05
    assert [line.id for line in doc.lines][:3] == ["p1-l1", "p1-l2", "p1-l3"]
    assert doc.lines[-1].id.startswith("p2-")


def test_born_digital_document_is_fast() -> None:
    data = synthetic.invoice_pdf(1)
    raw = RawDocument(
        document_id="fast",
        source_file="f.pdf",
        file_name="f.pdf",
        sha256="0" * 64,
        size_bytes=len(data),
        kind="pdf",
        page_count=1,
        text_layer_pages=[1],
    )
    read_document(preprocess_document(raw, data), pdf_bytes=data)  # warm imports
    started = time.perf_counter()
    info = pdf.probe(data)
    raw.text_layer_pages = info.text_pages
    doc = read_document(preprocess_document(raw, data), pdf_bytes=data)
    seconds = time.perf_counter() - started
    print(f"born-digital page probe+preprocess+text layer: {seconds * 1000:.1f} ms")
    assert doc.engine == "text_layer" and len(doc.lines) > 40
    assert seconds < 0.5  # about 20 ms on an idle core


def test_read_document_records_bad_pages(rapid: OcrEngine) -> None:
    good = _lines_pdf([(10, 40, "Invoice 2024-17")], size=(200, 60))
    pre = PreprocessedDocument(
        document_id="bad",
        kind="image",
        pages=[
            PageImage(page_number=1, error="image_corrupt: frame 1 cannot be decoded"),
            PageImage(page_number=2, image=np.zeros((0, 0), np.uint8)),
            PageImage(page_number=3, has_text_layer=True),
            PageImage(page_number=4),
            PageImage(page_number=5, image=pdf.render_page(good, 1, 200)),
        ],
    )
    doc = read_document(pre)
    errors = [page.error.split(":")[0] if page.error else None for page in doc.pages]
    assert errors == [
        "preprocess_failed",
        "ocr_failed",
        "text_layer_unavailable",
        "no_image",
        None,
    ]
    assert all(not page.lines for page in doc.pages[:4])
    assert doc.pages[4].lines[0].text.replace(" ", "") == "Invoice2024-17"
    assert not doc.failed and len(doc.issues) == 4
    only_bad = read_document(PreprocessedDocument(document_id="x", pages=pre.pages[:2]))
    assert only_bad.failed and only_bad.issues[-1].code == "ocr_no_page_read"
    xml = read_document(PreprocessedDocument(document_id="x", kind="xml"))
    assert not xml.failed and xml.pages == [] and xml.engine == "none"


def test_missing_engine_names_the_extra() -> None:
    # the main environment never has PaddlePaddle (its OpenCV clashes with ours)
    assert importlib.util.find_spec("paddle") is None
    with pytest.raises(EngineNotInstalled, match=r"invoice-pipeline\[paddle\]"):
        get_engine("paddleocr")
    with pytest.raises(EngineNotInstalled, match="tesseract-ocr-zzz"):
        TesseractEngine(languages="eng+zzz")


def test_ocr_threads_sets_an_unpinned_engine_of_that_many_threads(
    rapid: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OCR_THREADS: engines of runs sharing a machine neither take every core nor pin
    their threads to the same ones; unset, the runtime's default (every core, pinned)."""
    monkeypatch.setenv("OCR_THREADS", "1")
    options = settings.get().ocr
    assert options.threads == 1
    one = engine_for(options)
    assert one is not rapid  # another configuration, another engine
    page = preprocess_page(pdf.render_page(synthetic.invoice_pdf(3), 1, 200), page_number=1)
    read_one = one.read(page.image, 1)
    rapid.read(page.image, 1)
    if getattr(one, "backend", None) == "openvino":
        assert one.cpu_threads() == (1, False)
        threads, pinned = rapid.cpu_threads()
        assert pinned and threads >= 1
    # the same text either way
    assert [ln.text for ln in read_one.lines] == [ln.text for ln in rapid.read(page.image, 1).lines]
    monkeypatch.setenv("OCR_THREADS", "0")
    assert settings.get().ocr.threads is None


def test_tesseract_languages_and_layout_mode_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OCR_ENGINE", "tesseract")
    monkeypatch.setenv("TESSERACT_LANGS", "eng+fra")
    monkeypatch.setenv("TESSERACT_PSM", "6")
    engine = engine_for(settings.get().ocr)
    assert isinstance(engine, TesseractEngine)
    assert engine.languages == "eng+fra"
    assert "--psm 6" in engine.config
    monkeypatch.setenv("TESSERACT_LANGS", "eng+zzz")
    with pytest.raises(EngineNotInstalled, match="tesseract-ocr-zzz"):
        engine_for(settings.get().ocr)


def test_tesseract_reads_rendered_lines(tesseract: OcrEngine) -> None:
    data = _lines_pdf(
        [
            (10, 55, "Rechnung Nr. 2024-117"),
            (10, 35, "Gesamtbetrag:"),
            (200, 35, "1.234,56 EUR"),
            (10, 15, "Müllerstraße 5, Malmö"),
        ]
    )
    image = pdf.render_page(data, 1, dpi=200)
    page = tesseract.read(image, 1)
    assert page.engine == "tesseract" and page.unit == "px"
    texts = [line.text for line in page.lines]
    expected = ["Rechnung Nr. 2024-117", "Gesamtbetrag:", "1.234,56 EUR", "Müllerstraße 5, Malmö"]
    assert synthetic.cer(" ".join(expected), " ".join(texts)) < 0.05, texts
    label = next(line for line in page.lines if line.text.startswith("Gesamt"))
    value = next(line for line in page.lines if line.text.endswith("EUR"))
    assert label.row == value.row and label.id != value.id  # split at the wide gap
    assert all(0 <= w.confidence <= 1 for line in page.lines for w in line.words)
    assert all(line.words for line in page.lines)
