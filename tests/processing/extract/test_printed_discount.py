"""A document-level discount printed below the items is the allowance the line-item check uses."""

from __future__ import annotations

import datetime as dt

from invoice_pipeline.processing import stages
from invoice_pipeline.processing.evaluate import evaluate
from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from invoice_pipeline.schema import OcrDocument, OcrLine, OcrPage

ROWS = [
    ("Holloway Facility Services LLP", 60, 50, 30),
    ("Unit 8, 175 Ferry Road, Edinburgh EH2 4AD", 60, 90, 14),
    ("Invoice Number: INV-78533", 600, 150, 14),
    ("Invoice Date: 7 Apr 2023", 600, 170, 14),
    ("Description", 60, 300, 14),
    ("Amount", 800, 300, 14),
    ("Label printer ribbon", 60, 330, 14),
    ("3,051.96", 800, 330, 14),
    ("Hosting, monthly", 60, 350, 14),
    ("3,662.16", 800, 350, 14),
    ("Goods total", 560, 400, 14),
    ("6,714.12", 800, 400, 14),
    ("{label}", 560, 420, 14),
    ("-671.41", 800, 420, 14),
    ("Total excl. tax", 560, 440, 14),
    ("6,042.71 GBP", 800, 440, 14),
    ("VAT 20%", 560, 460, 14),
    ("1,208.54 GBP", 800, 460, 14),
    ("Invoice total", 560, 480, 14),
    ("7,251.25 GBP", 800, 480, 14),
]


def _page(label: str) -> OcrDocument:
    lines = [
        OcrLine(
            id=f"p1-l{i}",
            page=1,
            text=text.format(label=label),
            box=(x, y, x + 8 * len(text), y + h),
            confidence=0.97,
        )
        for i, (text, x, y, h) in enumerate(ROWS)
    ]
    return OcrDocument(
        document_id="discount",
        engine="text_layer",
        pages=[OcrPage(number=1, width=1000, height=1414, engine="text_layer", lines=lines)],
    )


def _line_items_check(label: str) -> tuple[str | None, bool | None]:
    ocr = _page(label)
    extracted = RulesExtractor().extract(ocr)
    invoice = stages.validate(extracted, ocr)
    ev = evaluate(invoice, ocr_confidence=None, today=dt.date(2024, 1, 1), calibration=False)
    check = next((c for c in ev.checks if c.name == "line_items_sum"), None)
    found = extracted.fields.get("allowance_total")
    return (found.value if found else None), (check.passed if check else None)


def test_a_printed_discount_is_the_allowance_between_items_and_net() -> None:
    for label in (
        "Less discount",
        "Rabatt",
        "Remise",
        "Escompte",
        "Dto. comercial",
        "Kortingsbedrag",
    ):
        assert _line_items_check(label) == ("671.41", True), label


def test_a_cash_discount_term_is_no_allowance() -> None:
    allowance, passed = _line_items_check("2% Skonto bei Zahlung innerhalb 10 Tagen")
    assert allowance is None and passed is False
