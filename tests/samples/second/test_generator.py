"""The second sample generator: deterministic, every class drawn, truth printed on the page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
import stdnum.iban
from babel.dates import get_month_names
from babel.numbers import parse_decimal
from stdnum.util import get_cc_module

from invoice_pipeline.samples.second import CLASSES, LOCALES, build_document

KEY_SHOWN = {"invoice_number", "invoice_date", "total_amount", "currency", "seller_name"}
CENT = Decimal("0.01")
SYMBOLS = {
    "USD": {"$", "USD"},
    "GBP": {"£", "GBP"},
    "EUR": {"€", "EUR"},
    "SEK": {"kr", "SEK"},
    "MYR": {"RM", "MYR"},
}
# every class in every locale, on a few seeds
CASES = [(cls, loc, seed) for cls in CLASSES for loc in LOCALES for seed in (1, 2)]


def page_text(pdf: bytes) -> tuple[str, float, float]:
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        text = page.get_textpage().get_text_range()
        return text, page.get_width(), page.get_height()
    finally:
        doc.close()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def parse_printed_date(text: str, locale: str) -> dt.date:
    """A date as printed in ``locale``, read without the generator's code."""
    babel_locale = locale.replace("-", "_")
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    months = {name.lower(): n for n, name in get_month_names("wide", locale=babel_locale).items()}
    months |= {n.lower(): m for m, n in get_month_names("abbreviated", locale=babel_locale).items()}
    words = [w.lower() for w in re.findall(r"[^\W\d_]+\.?", text) if w.lower() in months]
    if words:
        day, year = (numbers[0], numbers[1]) if numbers[0] <= 31 else (numbers[1], numbers[0])
        return dt.date(year + 2000 if year < 100 else year, months[words[0]], day)
    if len(numbers) != 3:
        raise ValueError(text)
    if numbers[0] > 31:
        y, m, d = numbers
    elif locale == "en-US":
        m, d, y = numbers
    else:
        d, m, y = numbers
    return dt.date(y + 2000 if y < 100 else y, m, d)


def parse_printed_money(text: str, locale: str) -> Decimal:
    number = re.sub(r"[^\d.,\s-]", "", text).strip()
    return parse_decimal(number.replace(" ", "\xa0") if locale in ("fr-FR", "sv-SE") else number,
                         locale=locale.replace("-", "_"), strict=False)  # fmt: skip


@pytest.mark.parametrize(("cls", "locale", "seed"), CASES)
def test_key_values_are_printed_on_the_page_as_the_truth_says(
    cls: str, locale: str, seed: int
) -> None:
    built = build_document(seed, locale, cls)
    truth = built.doc.to_record("t")
    text, _, _ = page_text(built.pdf)
    words, compact = flat(text), re.sub(r"\s+", "", text)
    assert set(built.shown) == KEY_SHOWN
    for name, printed in built.shown.items():
        assert printed in words, f"{name} {printed!r} not on the page"
    # the printed forms mean the truth, read back without the generator's formatting code
    assert built.shown["invoice_number"] == truth.invoice_number
    assert built.shown["seller_name"] == truth.seller_name
    assert parse_printed_date(built.shown["invoice_date"], locale).isoformat() == truth.invoice_date
    assert parse_printed_money(built.shown["total_amount"], locale) == Decimal(truth.total_amount)
    assert built.shown["currency"] in SYMBOLS[truth.currency]
    assert truth.currency == LOCALES[locale].currency
    # the other fields where printed
    for value in (truth.buyer_name, *(truth.seller_address or "").split(", ")):
        if value:
            assert value in words
    if truth.buyer_address:
        for part in truth.buyer_address.split(", "):
            assert part in words
    for vat in (truth.seller_vat_id, truth.buyer_vat_id):
        if vat:
            assert vat in compact
            assert get_cc_module(vat[:2].lower(), "vat").is_valid(vat)
    if truth.iban:
        assert truth.iban in compact and stdnum.iban.is_valid(truth.iban)
    for item in truth.line_items:
        assert item.description in words
        assert str(item.amount).replace(".", "") in re.sub(r"[.,\s]", "", text)
    digits = re.sub(r"[.,\s]", "", text)
    assert str(truth.subtotal).replace(".", "") in digits
    # the tax: printed per rate (a total tax line only where there is one rate)
    taxes = built.doc.taxes
    assert sum(t.tax for t in taxes) == Decimal(truth.tax_amount)
    assert all(str(t.tax).replace(".", "") in digits for t in taxes)


@pytest.mark.parametrize(("cls", "locale", "seed"), CASES[::5])
def test_amounts_add_up(cls: str, locale: str, seed: int) -> None:
    truth = build_document(seed, locale, cls).doc.to_record("t")
    subtotal, tax, total = (
        Decimal(v) for v in (truth.subtotal, truth.tax_amount, truth.total_amount)
    )
    assert subtotal + tax == total > 0
    items = sum(Decimal(i.amount) for i in truth.line_items)
    for i in truth.line_items:
        assert (Decimal(i.quantity) * Decimal(i.unit_price)).quantize(
            CENT, ROUND_HALF_UP
        ) == Decimal(i.amount)
    if cls == "receipt":
        assert items == (subtotal if locale == "en-US" else total)
        assert truth.iban is None and truth.buyer_name is None
    else:
        assert items >= subtotal  # equal, or less a document-level discount


def test_same_seed_same_bytes_and_truth_other_seed_other_document() -> None:
    for kind in ("pdf", "scan", "photo"):
        a, b = build_document(7, kind=kind), build_document(7, kind=kind)
        assert a.content == b.content and a.suffix == b.suffix
        assert a.doc.to_record("x") == b.doc.to_record("x")
    c = build_document(8)
    assert c.content != build_document(7).content
    assert c.doc.to_record("x") != build_document(7).doc.to_record("x")


def test_every_class_locale_and_totals_style_is_drawn_from_seeds() -> None:
    drawn = [build_document(seed) for seed in range(60)]
    assert {b.doc.cls for b in drawn} == set(CLASSES)
    assert {b.doc.locale.code for b in drawn} == set(LOCALES)
    invoices = [b.doc for b in drawn if b.doc.cls != "receipt"]
    assert {d.totals_style for d in invoices} == {"plain", "discount", "prepaid", "paid"}
    numbers = [d.number for d in invoices]
    assert sum(not re.search(r"[A-Za-z]", n) for n in numbers) > len(numbers) / 2


def _boxes_of(pdf: bytes, needle: str) -> list[tuple[float, float, float, float]]:
    """(left, bottom, right, top) of each occurrence of ``needle`` on page 1, in points."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        textpage = page.get_textpage()
        searcher = textpage.search(needle, match_case=True)
        boxes = []
        while (hit := searcher.get_next()) is not None:
            start, count = hit
            charboxes = [textpage.get_charbox(i) for i in range(start, start + count)]
            boxes.append((min(b[0] for b in charboxes), min(b[1] for b in charboxes),
                          max(b[2] for b in charboxes), max(b[3] for b in charboxes)))  # fmt: skip
        return boxes
    finally:
        doc.close()


@pytest.mark.parametrize("seed", range(6))
def test_logo_class_prints_the_legal_name_only_in_the_footer(seed: int) -> None:
    built = build_document(seed, cls="logo")
    name, brand = built.doc.seller.name, built.doc.seller.brand
    assert brand != name
    _, _, height = page_text(built.pdf)
    names = _boxes_of(built.pdf, name)
    assert names and all(top < 0.15 * height for _, _, _, top in names)
    assert any(bottom > 0.85 * height for _, bottom, _, _ in _boxes_of(built.pdf, brand))


@pytest.mark.parametrize("seed", range(6))
def test_seller_right_letterhead_is_right_aligned_with_logo_text_left(seed: int) -> None:
    built = build_document(seed, cls="seller_right")
    _, width, height = page_text(built.pdf)
    (left, bottom, right, _), *_ = _boxes_of(built.pdf, built.doc.seller.name)
    assert right > 0.9 * width and left > 0.3 * width and bottom > 0.85 * height
    brand = _boxes_of(built.pdf, built.doc.seller.brand)
    assert brand and brand[0][0] < 0.1 * width


@pytest.mark.parametrize("seed", range(4))
def test_window_letter_has_a_sender_line_above_the_buyer_in_the_window(seed: int) -> None:
    built = build_document(seed, cls="window")
    _, _, height = page_text(built.pdf)
    mm = 72 / 25.4
    sender = _boxes_of(built.pdf, " · ".join([built.doc.seller.name, *built.doc.seller.lines]))
    buyer = _boxes_of(built.pdf, built.doc.buyer.name)  # type: ignore[union-attr]
    assert sender and buyer
    # DIN 5008 form B: the window from 45 to 90 mm below the top, 20 mm from the left
    assert 44 * mm < height - sender[0][3] < buyer[0][1] and height - buyer[0][1] < 90 * mm
    assert 20 * mm <= sender[0][0] < 30 * mm


def test_bill_to_and_ship_to_side_by_side() -> None:
    built = build_document(3, "en-US", "bill_ship")
    boxes = _boxes_of(built.pdf, built.doc.buyer.name)  # type: ignore[union-attr]
    assert len(boxes) == 2
    (l1, b1, _, _), (l2, b2, _, _) = sorted(boxes)
    assert abs(b1 - b2) < 1 and l2 - l1 > 200
    assert built.doc.ship_to and built.doc.ship_to.lines != built.doc.buyer.lines  # type: ignore[union-attr]


@pytest.mark.parametrize("locale", ["sv-SE", "nl-NL", "de-DE", "en-US"])
def test_receipts_are_narrow_with_total_rounding_cash_change_and_a_tax_summary(locale: str) -> None:
    from invoice_pipeline.samples.second.labels import LABELS

    cash = next(b for s in range(40) if (b := build_document(s, locale, "receipt")).doc.tendered)
    text, width, _ = page_text(cash.pdf)
    assert abs(width - 80 * 72 / 25.4) < 1
    labels = LABELS[LOCALES[locale].language]
    for key in ("TOTAL", "ROUNDING", "CASH", "CHANGE"):
        options = labels[key] if isinstance(labels[key], tuple) else (labels[key],)
        assert any(o in text for o in options), key
    if locale == "en-US":  # net prices: subtotal and sales tax instead of a tax summary
        assert "SUBTOTAL" in text and "TAX 8.25%" in text
    else:
        assert all(h in text for h in labels["tax_summary"])
    doc = cash.doc
    assert doc.tendered - (doc.total + doc.rounding) == doc.change >= 0
    if locale == "sv-SE":
        assert (doc.total + doc.rounding) % 1 == 0


@pytest.mark.parametrize("kind", ["scan", "photo"])
def test_scans_and_photos_are_images_of_the_page(kind: str) -> None:
    built = build_document(4, "fr-FR", "columns", kind)
    assert built.suffix in (".jpg", ".png") and built.pages == 1
    image = cv2.imdecode(np.frombuffer(built.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and min(image.shape[:2]) > 800
    assert built.degradation and built.doc.to_record("x") == build_document(
        4, "fr-FR", "columns"
    ).doc.to_record("x")


def test_unknown_class_or_locale_is_refused() -> None:
    with pytest.raises(ValueError):
        build_document(1, "xx-XX")
    with pytest.raises(ValueError):
        build_document(1, cls="poster")


def _char_boxes(pdf: bytes) -> np.ndarray:
    """Every printed character's box on the first page (left, bottom, right, top)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        textpage = doc[0].get_textpage()
        boxes = [
            textpage.get_charbox(i)
            for i in range(textpage.count_chars())
            if not textpage.get_text_range(i, 1).isspace()
        ]
        return np.array([b for b in boxes if b[2] > b[0] and b[3] > b[1]])
    finally:
        doc.close()


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize(("seed", "table"), [(3, None), (11, None), (5, "coded"), (7, "own")])
def test_printed_text_never_overlaps(cls: str, seed: int, table: str | None) -> None:
    # a long seller name once ran into the contact column beside it ("GmbH &+49Co.630 KG"):
    # real invoices are readable, so no two characters may cover each other
    for locale in LOCALES:
        boxes = _char_boxes(build_document(seed, locale, cls, "pdf", table=table).content)
        x0, y0, x1, y1 = (boxes[:, i][:, None] for i in range(4))
        w = np.clip(np.minimum(x1, x1.T) - np.maximum(x0, x0.T), 0, None)
        h = np.clip(np.minimum(y1, y1.T) - np.maximum(y0, y0.T), 0, None)
        area = (x1 - x0) * (y1 - y0)
        shared = w * h / np.minimum(area, area.T)
        np.fill_diagonal(shared, 0)
        assert shared.max() < 0.5, (cls, locale, float(shared.max()))


@pytest.mark.parametrize("table", ["coded", "own"])
def test_a_coded_table_prints_article_codes_units_and_its_headings(table: str) -> None:
    from invoice_pipeline.samples.second.blocks import OWN_HEADINGS

    for locale in LOCALES:
        built = build_document(21, locale, "columns", "pdf", table=table)
        text = _text(built.content)
        language = built.doc.language
        for line in built.doc.lines:
            assert line.description in text
        own = [h for h in OWN_HEADINGS[language][:4] if h in text]
        assert len(own) == (4 if table == "own" else 0), (locale, own)
        codes = re.findall(r"\b(?:\d{4}-\d{3}|[A-Z]\d{5}|[A-Z]{3}-\d{4}|\d\d\.\d{3}\.\d\d)\b", text)
        assert len(codes) >= len(built.doc.lines), (locale, codes)


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[0].get_textpage().get_text_range()
    finally:
        doc.close()
