"""Tests of the sample-invoice generator: determinism, exact truth, valid ids, readable files."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
import stdnum.de.vat
import stdnum.fr.tva
import stdnum.gb.vat
import stdnum.se.vat
from schwifty import IBAN

from invoice_pipeline.samples import (
    LAYOUTS,
    Sample,
    _plan,
    build_invoice,
    generate_corpus,
    generate_invoice,
    load_corpus,
)
from invoice_pipeline.samples.__main__ import main as cli_main
from invoice_pipeline.samples.degrade import render_pages
from invoice_pipeline.samples.invoices import make_invoice
from invoice_pipeline.samples.locales import (
    LOCALE_SPECS,
    format_date,
    format_money,
    format_number,
)
from invoice_pipeline.samples.render.labels import LABELS, OVERRIDES
from invoice_pipeline.samples.words import CATALOG, SECOND_LINES, STREETS
from invoice_pipeline.schema import InvoiceRecord

VARIANTS = ["en-US", "en-GB", "de", "fr", "sv"]
VAT_CHECKS = {
    "DE": stdnum.de.vat.is_valid,
    "FR": stdnum.fr.tva.is_valid,
    "SE": stdnum.se.vat.is_valid,
    "GB": stdnum.gb.vat.is_valid,
}
LEGAL_RATES = {
    "DE": {"19", "7"},
    "FR": {"20", "10", "5.5"},
    "SE": {"25", "12", "6"},
    "GB": {"20", "0"},
    "US": {"0", "8.875", "10.25", "8.25", "8.625", "9.5", "6.25", "8.81", "8.9", "8.6", "7"},
}
PAGE_WORD = {"de": "Seite", "fr": "Page", "sv": "Sida", "en": "Page"}


def pdf_text(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range().replace("\xa0", " ") for page in doc]
    finally:
        doc.close()


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_same_pdf_bytes_and_truth() -> None:
    a = generate_invoice(7, "de", "classic")
    b = generate_invoice(7, "de", "classic")
    assert a[0] == b[0] and a[1] == b[1] == ".pdf"
    assert a[2] == b[2]
    c = generate_invoice(8, "de", "classic")
    assert c[0] != a[0] and c[2] != a[2]


def test_same_seed_gives_same_scan_bytes() -> None:
    a = generate_invoice(3, "fr", "compact", "scan")
    b = generate_invoice(3, "fr", "compact", "scan")
    assert a[0] == b[0]
    assert a[1] in (".jpg", ".png")


def test_truth_depends_on_seed_and_locale_only() -> None:
    truths = [generate_invoice(11, "sv", layout)[2] for layout in LAYOUTS]
    scan = generate_invoice(11, "sv", "modern", "scan")[2]
    dumps = {t.model_dump_json(exclude={"document_id"}) for t in [*truths, scan]}
    assert len(dumps) == 1


# ------------------------------------------------------------------- the truth


@pytest.mark.parametrize("variant", VARIANTS)
def test_truth_amounts_add_up_exactly(variant: str) -> None:
    rate_counts = set()
    for seed in range(40):
        data = make_invoice(seed, variant)
        truth = data.to_record("x")
        assert truth.status == "approved"
        assert truth.currency == LOCALE_SPECS[variant].currency
        items = truth.line_items
        assert 1 <= len(items) <= 25
        total_lines = Decimal(0)
        for item in items:
            qty, price, amount = (
                Decimal(item.quantity),
                Decimal(item.unit_price),
                Decimal(item.amount),
            )
            assert cents(qty * price) == amount
            assert amount.as_tuple().exponent == -2 and price.as_tuple().exponent == -2
            assert item.tax_rate in LEGAL_RATES[data.spec.country]
            assert "E" not in item.quantity and not item.quantity.endswith(".0")
            total_lines += amount
        subtotal, tax, total = (
            Decimal(truth.subtotal),
            Decimal(truth.tax_amount),
            Decimal(truth.total_amount),
        )
        assert total_lines == subtotal
        assert subtotal + tax == total
        for value in (truth.subtotal, truth.tax_amount, truth.total_amount):
            assert len(value.split(".")[1]) == 2
        # tax is computed per rate on the net sum of that rate
        expected_tax = Decimal(0)
        for rate in {Decimal(i.tax_rate) for i in items}:
            base = sum(
                (Decimal(i.amount) for i in items if Decimal(i.tax_rate) == rate), Decimal(0)
            )
            expected_tax += cents(base * rate / 100)
        assert expected_tax == tax
        rate_counts.add(len({i.tax_rate for i in items}))
        issued = dt.date.fromisoformat(truth.invoice_date)
        due = dt.date.fromisoformat(truth.due_date)
        assert (due - issued).days in (14, 30)
        assert truth.seller_name and truth.buyer_name and truth.seller_name != truth.buyer_name
        assert truth.seller_address and ", " in truth.seller_address
    if variant != "en-US":
        assert rate_counts == {1, 2}, "both single-rate and two-rate invoices occur"


def test_en_is_split_into_us_and_gb() -> None:
    currencies = {generate_invoice(seed, "en", "classic")[2].currency for seed in range(12)}
    assert currencies == {"USD", "GBP"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_vat_ids_and_ibans_are_valid(variant: str) -> None:
    country = LOCALE_SPECS[variant].country
    buyer_vat_seen = False
    for seed in range(30):
        truth = make_invoice(seed, variant).to_record("x")
        if country == "US":
            assert truth.seller_vat_id is None and truth.iban is None
            continue
        assert truth.seller_vat_id and truth.seller_vat_id.startswith(country)
        assert VAT_CHECKS[country](truth.seller_vat_id), truth.seller_vat_id
        if truth.buyer_vat_id:
            buyer_vat_seen = True
            assert VAT_CHECKS[country](truth.buyer_vat_id)
        assert truth.iban and truth.iban.startswith(country) and " " not in truth.iban
        iban = IBAN(truth.iban)  # raises on a bad checksum, length or format
        if country != "SE":  # schwifty has no national check digit algorithm for Sweden
            IBAN(truth.iban, validate_bban=True)
        assert iban.bic is not None
    if country != "US":
        assert buyer_vat_seen


def test_a_wrong_check_digit_is_detected() -> None:
    """Guard against a validator that accepts anything."""
    truth = make_invoice(1, "de").to_record("x")
    vat = truth.seller_vat_id
    assert vat is not None and truth.iban is not None
    broken = vat[:-1] + str((int(vat[-1]) + 1) % 10)
    assert not stdnum.de.vat.is_valid(broken)
    with pytest.raises(ValueError):
        IBAN(truth.iban[:4] + ("1" if truth.iban[4] != "1" else "2") + truth.iban[5:])


# ------------------------------------------------------------------ rendering


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_locale_and_layout_renders_with_a_text_layer(variant: str, layout: str) -> None:
    built = build_invoice(21, variant, layout)
    data, style = built.data, built.rendered.style
    pages = pdf_text(built.content)
    assert len(pages) == built.pages >= 1
    text = "\n".join(pages)
    assert "\ufffd" not in text and "\u25a0" not in text
    flat = " ".join(text.split())
    assert data.invoice_number in flat
    assert data.seller.name in flat
    assert data.buyer.name in flat
    number = format_number(data.total, data.spec, 2, style.group).replace("\xa0", " ")
    assert number in flat
    assert built.rendered.printed_total(data).replace("\xa0", " ") in flat
    assert format_date(data.invoice_date, data.spec, style.date_variant) in flat
    for line in (*data.seller.address_lines, *data.buyer.address_lines):
        assert line in flat
    if data.bank.iban:
        assert IBAN(data.bank.iban).formatted in flat
    if data.purchase_order:
        assert data.purchase_order in flat
    first_label = LABELS[data.spec.language]["title"][LAYOUTS.index(layout)]
    title = OVERRIDES.get(data.spec.code, {}).get("title", (first_label,) * 4)[
        LAYOUTS.index(layout)
    ]
    assert title in flat


def test_layouts_look_different() -> None:
    texts = {layout: pdf_text(generate_invoice(5, "de", layout)[0])[0] for layout in LAYOUTS}
    assert len(set(texts.values())) == len(LAYOUTS)
    # the wording of the labels varies between layouts
    assert "Rechnungsnummer" in texts["classic"] and "RECHNUNGS-NR." in texts["modern"]
    assert "Rechnung Nr." in texts["compact"] and "Rechnungsnr.:" in texts["minimal"]


def test_locale_number_money_and_date_formats() -> None:
    value = Decimal("1234.5")
    assert format_money(value, LOCALE_SPECS["de"]) == "1.234,50 €"
    assert format_money(value, LOCALE_SPECS["de"], "code") == "1.234,50 EUR"
    assert format_money(value, LOCALE_SPECS["fr"]) == "1 234,50 €"
    assert format_money(value, LOCALE_SPECS["sv"]) == "1 234,50 kr"
    assert format_money(value, LOCALE_SPECS["sv"], "code") == "1 234,50 SEK"
    assert format_money(value, LOCALE_SPECS["en-US"]) == "$1,234.50"
    assert format_money(value, LOCALE_SPECS["en-GB"], "code") == "GBP 1,234.50"
    assert format_number(Decimal("1234567.891"), LOCALE_SPECS["de"]) == "1.234.567,89"
    day = dt.date(2024, 4, 3)
    assert format_date(day, LOCALE_SPECS["de"]) == "03.04.2024"
    assert format_date(day, LOCALE_SPECS["fr"]) == "03/04/2024"
    assert format_date(day, LOCALE_SPECS["sv"]) == "2024-04-03"
    assert format_date(day, LOCALE_SPECS["en-US"]) == "04/03/2024"
    assert format_date(day, LOCALE_SPECS["en-US"], 1) == "April 3, 2024"
    assert format_date(day, LOCALE_SPECS["en-GB"], 1) == "3 April 2024"


def test_all_printed_strings_fit_the_base14_font_encoding() -> None:
    strings = [s for lang in LABELS.values() for v in lang.values() for s in v]
    strings += [s for over in OVERRIDES.values() for v in over.values() for s in v]
    strings += [e[0] for cat in CATALOG.values() for e in cat]
    strings += [s for v in (*STREETS.values(), *SECOND_LINES.values()) for s in v]
    for seed in range(10):
        for variant in VARIANTS:
            d = make_invoice(seed, variant)
            strings += [d.seller.name, d.buyer.name, *d.seller.address_lines, d.bank.name]
    for s in strings:
        s.encode("cp1252")  # WinAnsi; raises on a glyph Helvetica/Times/Courier lack


def test_many_line_items_run_over_pages_with_totals_on_the_last() -> None:
    built = build_invoice(4, "de", "classic", items=45)
    pages = pdf_text(built.content)
    assert len(pages) >= 2 and built.pages == len(pages)
    total = built.rendered.printed_total(built.data)
    assert total in pages[-1] and all(total not in p for p in pages[:-1])
    assert f"Seite 1 von {len(pages)}" in pages[0]
    assert f"Seite {len(pages)} von {len(pages)}" in pages[-1]
    # the table header repeats on the continuation page
    assert "Beschreibung" in pages[1]
    _, _, truth = generate_invoice(4, "de", "classic", items=45)
    assert len(truth.line_items) == 45


@pytest.mark.parametrize("variant", ["en-US", "fr", "sv"])
def test_multipage_in_other_locales(variant: str) -> None:
    built = build_invoice(9, variant, "minimal", items=60)
    pages = pdf_text(built.content)
    assert len(pages) >= 2
    word = PAGE_WORD[built.data.spec.language]
    assert word in pages[0] and word in pages[-1]


# ---------------------------------------------------------------- degradation


def test_scan_is_a_plausible_grayscale_image() -> None:
    content, suffix, truth = generate_invoice(2, "de", "classic", "scan")
    assert suffix in (".jpg", ".png")
    image = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.ndim == 2
    h, w = image.shape
    assert 2200 <= h <= 2450 and 1550 <= w <= 1750  # A4 at 200 dpi
    assert 100 < float(image.mean()) < 250 and float(image.std()) > 10  # text on paper
    assert truth.invoice_number


def test_photo_is_a_colour_image_with_background() -> None:
    built = build_invoice(6, "sv", "modern", "photo")
    image = cv2.imdecode(np.frombuffer(built.content, np.uint8), cv2.IMREAD_COLOR)
    assert built.suffix == ".jpg" and image is not None and image.shape[2] == 3
    h, w = image.shape[:2]
    assert 1200 <= h <= 2800 and 900 <= w <= 2000
    params = built.degradation[0]
    assert 0.65 <= params["coverage"] <= 0.92
    # the corners of the frame are background: darker than the page centre
    corner = image[:20, :20].mean()
    centre = image[h // 2 - 50 : h // 2 + 50, w // 2 - 50 : w // 2 + 50].mean()
    assert corner < centre - 40


def test_rotated_scan_is_turned() -> None:
    built = build_invoice(2, "de", "classic", "scan", rotation=90)
    image = cv2.imdecode(np.frombuffer(built.content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image.shape[1] > image.shape[0]
    assert built.degradation[0]["rotation"] == 90
    assert 0.3 <= abs(built.degradation[0]["skew_degrees"]) <= 2.5


@pytest.mark.parametrize("rotation", [0, 90])
def test_photo_corners_locate_the_page(rotation: int) -> None:
    """Warping the photo back from the recorded corners gives the rendered page again."""
    built = build_invoice(6, "de", "classic", "photo", rotation=rotation)
    photo = cv2.imdecode(np.frombuffer(built.content, np.uint8), cv2.IMREAD_GRAYSCALE)
    reference = render_pages(built.rendered.pdf, 50, grayscale=True)[0].astype(np.float32)
    h, w = reference.shape
    corners = np.array(built.degradation[0]["corners"], np.float32)  # page TL, TR, BR, BL
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    back = cv2.warpPerspective(photo, cv2.getPerspectiveTransform(corners, target), (w, h))
    back = back.astype(np.float32)

    def ncc(a: np.ndarray, b: np.ndarray) -> float:
        return float(((a - a.mean()) / a.std() * (b - b.mean()) / b.std()).mean())

    assert ncc(back, reference) > 0.3
    assert ncc(np.flipud(back), reference) < 0.2


def test_multipage_scan_is_a_multipage_tiff() -> None:
    built = build_invoice(4, "de", "compact", "scan", items=50)
    assert built.suffix == ".tif" and built.pages >= 2
    ok, pages = cv2.imdecodemulti(np.frombuffer(built.content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert ok and len(pages) == built.pages


# --------------------------------------------------------------------- corpus


def test_plan_cycles_locales_layouts_and_kinds_evenly() -> None:
    plan = _plan(16, ["en", "de", "fr", "sv"], LAYOUTS, ["pdf"])
    assert len(set(plan)) == 16  # every locale x layout once
    plan = _plan(24, ["en", "de", "fr", "sv"], LAYOUTS, ["pdf", "scan", "photo"])
    for index in range(3):
        values = [p[index] for p in plan]
        counts = {v: values.count(v) for v in values}
        assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_generate_corpus_writes_files_and_truth(tmp_path: Path) -> None:
    samples = generate_corpus(tmp_path, 8, seed=3, kinds=("pdf", "scan"))
    assert len(samples) == 8
    assert {s.locale for s in samples} == {"en", "de", "fr", "sv"}
    assert {s.kind for s in samples} == {"pdf", "scan"}
    assert {s.variant for s in samples if s.locale == "en"} == {"en-US", "en-GB"}
    assert any(s.pages >= 2 for s in samples)  # multipage_share 0.15 of 8 -> one
    for n, s in enumerate(samples):
        assert s.path.exists() and s.path.name.startswith(f"{s.locale}-{s.layout}-{s.kind}-{n}.")
        truth_file = s.path.with_name(f"{s.path.name.rsplit('.', 1)[0]}.truth.json")
        loaded = Sample.model_validate_json(truth_file.read_text())
        assert loaded == s
        assert isinstance(loaded.truth, InvoiceRecord)
        assert json.loads(truth_file.read_text())["truth"]["status"] == "approved"
        if s.kind == "pdf":
            text = " ".join(" ".join(pdf_text(s.path.read_bytes())).split())
            assert s.truth.invoice_number and s.truth.invoice_number in text
        else:
            image = cv2.imread(str(s.path), cv2.IMREAD_UNCHANGED)
            assert s.pages > 1 or (image is not None and image.size > 1_000_000)
    by_truth_file = sorted(samples, key=lambda s: s.path.name.rsplit(".", 1)[0] + ".truth.json")
    assert load_corpus(tmp_path) == by_truth_file
    again = generate_corpus(tmp_path / "again", 8, seed=3, kinds=("pdf", "scan"))
    assert [a.path.read_bytes() for a in again] == [s.path.read_bytes() for s in samples]


def test_generate_corpus_rejects_unknown_kinds(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_corpus(tmp_path, 2, kinds=("fax",))
    with pytest.raises(ValueError):
        generate_invoice(1, "xx")


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main([str(tmp_path), "--count", "3", "--seed", "5", "--locales", "de,fr"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 3
    assert len(list(tmp_path.glob("*.pdf"))) == 3
    assert len(list(tmp_path.glob("*.truth.json"))) == 3
    assert {s.locale for s in load_corpus(tmp_path)} == {"de", "fr"}
