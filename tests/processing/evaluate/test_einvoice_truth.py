"""An e-invoice's own totals are the truth for the checks (issue 14, item 4).

Its document-level allowances and charges (BT-107/BT-108), its per-rate VAT
breakdown (BG-23) and its prepaid amount (BT-113) explain what the line items
and a single effective tax rate cannot: an invoice with a document-level
discount passes ``line_items_sum``, one with 7 % and 19 % lines passes
``tax_rate_legal``. The e-invoices are the sample generator's CII and UBL files
with a discount written in, read through the real stages.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal as D

import pytest

from invoice_pipeline.processing import stages
from invoice_pipeline.processing.evaluate.tax_rates import tax_rate_check
from invoice_pipeline.processing.evaluate.thresholds import Thresholds
from invoice_pipeline.processing.extract.einvoice import parse_einvoice
from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from invoice_pipeline.processing.intake.documents import describe
from invoice_pipeline.samples.einvoice import SampleEInvoice, cii_xml, ubl_xml
from invoice_pipeline.schema import Evaluation, Invoice, RawDocument, VatBreakdown

SAMPLE = SampleEInvoice()  # 950.00 at 19 % and 73.50 at 7 %: 1023.50 net, 185.65 VAT


def _replace(xml: bytes, *pairs: tuple[str, str]) -> bytes:
    text = xml.decode()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


def _discounted_cii() -> bytes:
    """The sample with a 23.50 discount on the 19 % goods: net 1000.00, VAT 181.19."""
    return _replace(
        cii_xml(SAMPLE),
        (
            "<ram:AllowanceTotalAmount>0.00</ram:AllowanceTotalAmount>",
            "<ram:AllowanceTotalAmount>23.50</ram:AllowanceTotalAmount>",
        ),
        ("<ram:TaxBasisTotalAmount>1023.50<", "<ram:TaxBasisTotalAmount>1000.00<"),
        ("<ram:CalculatedAmount>180.50<", "<ram:CalculatedAmount>176.04<"),
        ("<ram:BasisAmount>950.00<", "<ram:BasisAmount>926.50<"),
        ('currencyID="EUR">185.65<', 'currencyID="EUR">181.19<'),
        ("<ram:GrandTotalAmount>1209.15<", "<ram:GrandTotalAmount>1181.19<"),
        ("<ram:DuePayableAmount>1209.15<", "<ram:DuePayableAmount>1181.19<"),
    )


def _discounted_ubl() -> bytes:
    return _replace(
        ubl_xml(SAMPLE),
        ('<cbc:TaxAmount currencyID="EUR">185.65<', '<cbc:TaxAmount currencyID="EUR">181.19<'),
        (
            '<cbc:TaxableAmount currencyID="EUR">950.00<',
            '<cbc:TaxableAmount currencyID="EUR">926.50<',
        ),
        ('<cbc:TaxAmount currencyID="EUR">180.50<', '<cbc:TaxAmount currencyID="EUR">176.04<'),
        (
            '<cbc:TaxExclusiveAmount currencyID="EUR">1023.50<',
            '<cbc:TaxExclusiveAmount currencyID="EUR">1000.00<',
        ),
        (
            '<cbc:TaxInclusiveAmount currencyID="EUR">1209.15<',
            '<cbc:TaxInclusiveAmount currencyID="EUR">1181.19<',
        ),
        (
            '<cbc:PrepaidAmount currencyID="EUR">0.00<',
            '<cbc:AllowanceTotalAmount currencyID="EUR">23.50</cbc:AllowanceTotalAmount>\n'
            '    <cbc:PrepaidAmount currencyID="EUR">100.00<',
        ),
        (
            '<cbc:PayableAmount currencyID="EUR">1209.15<',
            '<cbc:PayableAmount currencyID="EUR">1081.19<',
        ),
    )


def _process(xml: bytes) -> Evaluation:
    raw = describe(
        RawDocument(
            document_id="einvoice",
            source_file="einvoice.xml",
            file_name="einvoice.xml",
            sha256=hashlib.sha256(xml).hexdigest(),
            size_bytes=len(xml),
        ),
        xml,
    )
    assert raw.kind == "xml"
    ocr = stages.read_text(raw, stages.preprocess(raw, xml), xml)
    return stages.evaluate(stages.validate(stages.extract(ocr, RulesExtractor()), ocr))


def _check(evaluation: Evaluation, name: str):  # noqa: ANN202 - a Check
    return next(c for c in evaluation.checks if c.name == name)


@pytest.mark.parametrize("make", [_discounted_cii, _discounted_ubl], ids=["cii", "ubl"])
def test_a_document_level_discount_and_mixed_rates_pass(make) -> None:  # noqa: ANN001
    evaluation = _process(make())
    record = evaluation.record
    assert (record.subtotal, record.tax_amount, record.total_amount) == (
        "1000.00",
        "181.19",
        "1181.19",
    )
    items = _check(evaluation, "line_items_sum")
    assert items.passed, items.message
    assert "allowances 23.50" in items.message
    rate = _check(evaluation, "tax_rate_legal")
    assert rate.passed, rate.message
    assert "VAT breakdown 7.00% on 73.50, 19.00% on 926.50" in rate.message, rate.message
    assert _check(evaluation, "totals_consistent").passed
    failed = {c.name for c in evaluation.checks if c.blocking and not c.passed}
    assert not failed & {"line_items_sum", "tax_rate_legal", "totals_consistent"}, failed


def test_the_breakdown_allowances_and_prepaid_amount_are_read() -> None:
    ubl = parse_einvoice(_discounted_ubl(), document_id="u")
    assert [(r.rate, r.basis, r.tax) for r in ubl.vat_breakdown] == [
        (D("7.00"), D("73.50"), D("5.15")),
        (D("19.00"), D("926.50"), D("176.04")),
    ]
    assert (ubl.get("allowance_total"), ubl.get("prepaid_amount")) == ("23.50", "100.00")
    cii = parse_einvoice(_discounted_cii(), document_id="c")
    assert [r.rate for r in cii.vat_breakdown] == [D("7.00"), D("19.00")]
    assert (cii.get("allowance_total"), cii.get("charge_total")) == ("23.50", "0.00")


def _invoice(breakdown: list[tuple[str, str, str]], subtotal: str, tax: str) -> Invoice:
    return Invoice(
        document_id="d",
        seller_vat_id="DE136695976",
        currency="EUR",
        subtotal=D(subtotal),
        tax_amount=D(tax),
        vat_breakdown=[VatBreakdown(rate=D(r), basis=D(b), tax=D(t)) for r, b, t in breakdown],
    )


def test_a_breakdown_must_itself_be_legal_and_add_up() -> None:
    t = Thresholds()
    good = _invoice([("7", "73.50", "5.15"), ("19", "926.50", "176.04")], "1000.00", "181.19")
    check = tax_rate_check(good, t)
    assert check is not None and check.passed, check
    illegal = _invoice([("8", "73.50", "5.88"), ("19", "926.50", "176.04")], "1000.00", "181.92")
    check = tax_rate_check(illegal, t)
    assert check is not None and not check.passed
    short = _invoice([("7", "73.50", "5.15"), ("19", "926.50", "176.04")], "1000.00", "191.19")
    check = tax_rate_check(short, t)
    assert check is not None and not check.passed
