"""The printed VAT summary: rows of one rate whose amounts check themselves."""

from __future__ import annotations

from decimal import Decimal as D

from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from invoice_pipeline.processing.extract.rules.geometry import layout
from invoice_pipeline.processing.extract.rules.vat_summary import vat_summary
from invoice_pipeline.schema import OcrDocument, OcrLine, OcrPage


def _page(*rows: list[tuple[float, str]]) -> OcrDocument:
    lines = []
    for r, row in enumerate(rows):
        y = 300 + 20 * r
        for x, text in row:
            lines.append(
                OcrLine(
                    id=f"l{len(lines)}", page=1, text=text, box=(x, y, x + 5 * len(text), y + 10)
                )
            )
    page = OcrPage(number=1, width=600, height=800, unit="pt", engine="test", lines=lines)
    return OcrDocument(document_id="t", engine="test", pages=[page])


def test_rows_that_check_themselves_make_the_breakdown() -> None:
    ocr = _page(
        [(50, "MwSt.-Satz"), (200, "Netto"), (330, "MwSt."), (480, "Brutto")],
        [(50, "19 %"), (200, "926,50"), (330, "176,04"), (480, "1.102,54")],
        [(50, "7 %"), (200, "73,50"), (330, "5,15"), (480, "78,65")],
        [(50, "MwSt. 16 % auf 100,00"), (480, "15,00")],  # 16 % of 100,00 is not 15,00
        [(50, "Skonto 2 % bei Zahlung bis 10.04.2024"), (480, "23,62")],
    )
    rows = vat_summary(layout(ocr), set(), ",")
    assert [(r.rate, r.basis, r.tax) for r in rows] == [
        (D("7"), D("73.50"), D("5.15")),
        (D("19"), D("926.50"), D("176.04")),
    ]


def test_the_rules_extractor_reports_the_summary() -> None:
    ocr = _page(
        [(50, "Rechnungsnummer: RE-1"), (350, "Datum: 03.04.2024")],
        [(50, "USt 20 %"), (200, "100.00"), (330, "20.00"), (480, "120.00")],
        [(350, "Total due"), (480, "GBP 120.00")],
    )
    result = RulesExtractor().extract(ocr)
    assert [(r.rate, r.basis, r.tax) for r in result.vat_breakdown] == [
        (D("20"), D("100.00"), D("20.00"))
    ]
