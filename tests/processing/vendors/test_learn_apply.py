"""Learning from confirmed invoices and reading later ones: corrections, layout changes, checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoice_pipeline.processing import stages
from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from invoice_pipeline.processing.validate.amounts import parse_amount
from invoice_pipeline.processing.vendors.apply import (
    AGREED,
    CONFIDENCE,
    apply_profiles,
    read_fields,
)
from invoice_pipeline.processing.vendors.learn import learn_profile, role_fits
from invoice_pipeline.processing.vendors.page import read_date, shape_of
from invoice_pipeline.schema import KEY_FIELDS, OcrDocument

from .conftest import invoice, second_invoice


def _key_values(record: object) -> dict[str, object]:
    return {name: getattr(record, name) for name in KEY_FIELDS}


def test_a_profile_reads_the_later_invoices_of_its_vendor() -> None:
    first = invoice(41, 0, layout="compact", locale="fr")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None and profile.version == 1
    assert {"invoice_number", "invoice_date", "total_amount"} <= set(profile.fields)
    assert profile.fields["invoice_date"].learned_from == first.truth.document_id
    for i in (1, 2, 3):
        later = invoice(41, i, layout="compact", locale="fr")
        applied = apply_profiles(later.ocr, later.extracted, [profile])
        evaluation = stages.evaluate(stages.validate(applied, later.ocr))
        assert _key_values(evaluation.record) == _key_values(later.truth)
        source = evaluation.record.fields["invoice_number"].source
        assert source == f"vendor_profile:{profile.vendor_key}@v1"
        assert any(i.code == "vendor_profile_applied" for i in applied.issues)


def test_a_layout_with_labels_above_values_is_read_after_one_confirmation() -> None:
    # the second generator's "bill to / ship to" sheets: numbers under column labels, a
    # layout the rules extractor long misread
    first = second_invoice(9, 0, layout="bill_ship", locale="es-ES")
    later = second_invoice(9, 3, layout="bill_ship", locale="es-ES")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    applied = apply_profiles(later.ocr, later.extracted, [profile])
    assert profile.fields["invoice_number"].relation == "below"
    assert applied.fields["invoice_number"].source == profile.source
    record = stages.evaluate(stages.validate(applied, later.ocr)).record
    assert record.invoice_number == later.truth.invoice_number
    assert record.invoice_date == later.truth.invoice_date


def test_a_changed_layout_falls_back_to_the_general_extractor_with_a_reason() -> None:
    first = invoice(31, 0, layout="classic", locale="de")
    redesigned = invoice(31, 1, layout="modern", locale="de")  # same seller, new template
    assert redesigned.truth.seller_vat_id == first.truth.seller_vat_id
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    applied = apply_profiles(redesigned.ocr, redesigned.extracted, [profile])
    assert applied.fields == redesigned.extracted.fields
    changed = [i for i in applied.issues if i.code == "vendor_layout_changed"]
    assert len(changed) == 1 and changed[0].severity == "info"
    assert "layout changed" in changed[0].message


def _misread_total(ocr: OcrDocument, line_id: str, total: Decimal, wrong: Decimal) -> None:
    """Change the printed total on one OCR line, as a misreading engine would."""

    def printed(value: Decimal) -> str:
        return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")

    for page in ocr.pages:
        for line in page.lines:
            if line.id != line_id:
                continue
            for k, word in enumerate(line.words):
                if parse_amount(word.text, decimal_hint=",") == total:
                    line.words[k] = word.model_copy(update={"text": printed(wrong)})
                    line.text = line.text.replace(word.text, printed(wrong))
                    return
    raise AssertionError("the total is not printed on its line")


def test_a_profile_cannot_approve_what_a_check_refuses() -> None:
    first = invoice(51, 0, layout="classic", locale="de")
    later = invoice(51, 1, layout="classic", locale="de")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None and "total_amount" in profile.fields
    values, _ = read_fields(later.ocr, profile)
    total = Decimal(later.truth.total_amount)
    assert Decimal(values["total_amount"].value) == total
    wrong = total + Decimal("111.00")
    _misread_total(later.ocr, values["total_amount"].line_ids[0], total, wrong)
    misread = RulesExtractor().extract(later.ocr)  # the general read sees the misread page too

    applied = apply_profiles(later.ocr, misread, [profile])
    assert parse_amount(applied.fields["total_amount"].value) == wrong
    assert applied.fields["total_amount"].source == profile.source
    evaluation = stages.evaluate(stages.validate(applied, later.ocr))
    assert evaluation.status != "approved"
    failed = [c for c in evaluation.checks if not c.passed and c.blocking]
    assert any(c.field in ("total_amount", "subtotal", "tax_amount") for c in failed), failed


def test_the_next_correction_wins_and_the_history_keeps_both() -> None:
    # a reviewer wrongly confirms the order number as the invoice number on the first
    # invoice; the profile then reads order numbers, until the next correction
    docs = [invoice(61, i, layout="minimal", locale="fr") for i in range(6)]
    with_po = [d for d in docs if d.truth.purchase_order]
    assert len(with_po) >= 3
    first, second, third = with_po[:3]
    mistaken = first.truth.model_copy(update={"invoice_number": first.truth.purchase_order})
    v1 = learn_profile(first.ocr, mistaken)
    assert v1 is not None
    read_v1 = apply_profiles(second.ocr, second.extracted, [v1])
    assert read_v1.get("invoice_number") == second.truth.purchase_order  # wrong, as taught

    v2 = learn_profile(second.ocr, second.truth, previous=v1)
    assert v2 is not None and v2.version == 2
    assert v2.learned_from == [first.truth.document_id, second.truth.document_id]
    assert v2.fields["invoice_number"].learned_from == second.truth.document_id
    read_v2 = apply_profiles(third.ocr, third.extracted, [v2])
    assert read_v2.get("invoice_number") == third.truth.invoice_number


def test_a_profile_value_carries_a_confidence_the_calibration_can_separate() -> None:
    first = invoice(41, 0, layout="compact", locale="fr")
    later = invoice(41, 2, layout="compact", locale="fr")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    values, _ = read_fields(later.ocr, profile)
    read = values["invoice_number"]
    assert read.source == profile.source and 0.0 < read.confidence <= CONFIDENCE
    # a less sure OCR line gives a less sure value
    for page in later.ocr.pages:
        for line in page.lines:
            if line.id in read.line_ids:
                line.confidence = 0.5
    doubtful, _ = read_fields(later.ocr, profile)
    assert doubtful["invoice_number"].confidence == pytest.approx(read.confidence * 0.5, 1e-3)
    # where the general extractor read the same value, the agreement ranks it above both
    applied = apply_profiles(later.ocr, later.extracted, [profile])
    agreed = [
        name
        for name, fv in applied.fields.items()
        if fv.source == profile.source and later.extracted.fields.get(name) is not None
        and later.extracted.fields[name].value == fv.value
    ]  # fmt: skip
    assert agreed
    assert all(AGREED <= applied.fields[n].confidence <= 0.99 for n in agreed)
    alone = [
        n for n, fv in applied.fields.items() if fv.source == profile.source and n not in agreed
    ]
    assert all(applied.fields[n].confidence <= CONFIDENCE for n in alone)


def test_a_currency_or_rate_between_label_and_value_is_not_the_label() -> None:
    # "Sales Tax 0% USD 0.00": learned as the label "USD", every amount line of the totals
    # block matched it and the later invoices read their subtotal as the tax
    first = invoice(13, 0, layout="compact", locale="en-US")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    labels = {name: rule.label for name, rule in profile.fields.items()}
    assert not any(label.strip() in {"USD", "$", "%"} for label in labels.values()), labels
    for i in range(1, 6):
        later = invoice(13, i, layout="compact", locale="en-US")
        applied = apply_profiles(later.ocr, later.extracted, [profile])
        record = stages.evaluate(stages.validate(applied, later.ocr)).record
        for name in ("subtotal", "tax_amount", "total_amount"):
            assert getattr(record, name) == getattr(later.truth, name), (i, name)


def test_the_invoice_date_is_never_learned_at_a_due_date_label() -> None:
    # a confirmed date that the page prints under "Vervaldatum" (a first invoice due on its
    # issue date, or the due date's "1-2-2023" read month first) must not teach the invoice
    # date's place: the profile read every later invoice's due date as its date
    first = second_invoice(10029, 0, layout="logo", locale="nl-NL")
    confirmed = first.truth.model_copy(update={"invoice_date": first.truth.due_date})
    profile = learn_profile(first.ocr, confirmed)
    assert profile is not None
    rule = profile.fields.get("invoice_date")
    assert rule is None or "verval" not in rule.label.lower(), rule
    assert role_fits("invoice_date", "Factuurdatum") and role_fits("invoice_date", "Datum")
    assert not role_fits("invoice_date", "Vervaldatum")
    assert not role_fits("invoice_date", "Date d'échéance")
    assert not role_fits("due_date", "Rechnungsdatum")


def test_totals_right_aligned_in_boxes_under_their_labels_are_learned() -> None:
    # "Nettobetrag | MwSt. 19 % | Rechnungsbetrag" over figures set flush right in each box:
    # the figure starts right of its label's text, so no column overlaps it
    first = second_invoice(2, 0, layout="boxes", locale="de-DE")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    rules = profile.fields
    assert (rules["subtotal"].label, rules["subtotal"].relation) == ("Nettobetrag", "below")
    assert (rules["total_amount"].label, rules["total_amount"].relation) == (
        "Rechnungsbetrag",
        "below",
    )
    assert rules["tax_amount"].label == "MwSt. 19 %"  # a label may carry its tax rate
    for i in (1, 2, 3):
        later = second_invoice(2, i, layout="boxes", locale="de-DE")
        applied = apply_profiles(later.ocr, later.extracted, [profile])
        assert applied.fields["total_amount"].source == profile.source
        record = stages.evaluate(stages.validate(applied, later.ocr)).record
        for name in ("subtotal", "tax_amount", "total_amount"):
            assert getattr(record, name) == getattr(later.truth, name), (i, name)


def test_a_profile_figure_that_breaks_the_general_sums_does_not_replace_them() -> None:
    # a photo's neighbouring figure read at the learned place of the total: the general
    # read, whose subtotal + tax = total holds, is kept
    first = invoice(51, 0, layout="classic", locale="de")
    later = invoice(51, 1, layout="classic", locale="de")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    values, _ = read_fields(later.ocr, profile)
    total = Decimal(later.truth.total_amount)
    _misread_total(later.ocr, values["total_amount"].line_ids[0], total, total + 111)
    applied = apply_profiles(later.ocr, later.extracted, [profile])
    assert applied.fields["total_amount"] == later.extracted.fields["total_amount"]
    assert parse_amount(applied.fields["total_amount"].value) == total


def test_one_rate_s_vat_read_at_the_learned_box_does_not_replace_the_sum_of_all_rates() -> None:
    # the first invoice had one VAT rate; invoice 3 has two boxes, 19 % and 7 %: the
    # profile's box holds the 19 % part, the general read the sum that adds up
    first = second_invoice(2, 0, layout="boxes", locale="de-DE")
    later = second_invoice(2, 3, layout="boxes", locale="de-DE")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    tax = Decimal(str(later.truth.tax_amount))
    alone, _ = read_fields(later.ocr, profile)
    assert parse_amount(alone["tax_amount"].value) not in (None, tax)  # one rate only
    applied = apply_profiles(later.ocr, later.extracted, [profile])
    assert applied.fields["tax_amount"] == later.extracted.fields["tax_amount"]
    assert parse_amount(applied.fields["tax_amount"].value) == tax


def test_a_number_the_ocr_misread_on_the_confirmed_page_still_teaches_its_place() -> None:
    # the reviewer typed "F-24-6443" where the photo's OCR read "P-24-6443" (here: one
    # character of the number changed): the place is learned with the confirmed number's
    # shape, and later invoices are read there
    first = invoice(14, 0, layout="minimal", locale="fr")
    number = first.truth.invoice_number
    assert number and len(number) >= 5
    wrong = ("7" if number[0] != "7" else "1") if number[0].isdigit() else "Q"
    misread = first.ocr.model_copy(deep=True)
    for page in misread.pages:
        for line in page.lines:
            line.text = line.text.replace(number, wrong + number[1:])
    assert number not in misread.text
    profile = learn_profile(misread, first.truth)
    assert profile is not None
    rule = profile.fields["invoice_number"]
    assert rule.shape == shape_of(number)
    later = invoice(14, 1, layout="minimal", locale="fr")
    values, _ = read_fields(later.ocr, profile)
    assert values["invoice_number"].value == later.truth.invoice_number
    # one character off, no more: a different number teaches nothing
    other = first.truth.model_copy(update={"invoice_number": "X-99-0000"})
    assert "invoice_number" not in learn_profile(misread, other).fields  # type: ignore[union-attr]


def test_a_buyer_read_as_the_vendor_goes_back_to_being_the_buyer() -> None:
    # the general read swapped the parties; the vendor's confirmed name sets them right
    first = invoice(41, 0, layout="compact", locale="fr")
    later = invoice(41, 1, layout="compact", locale="fr")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None
    swapped = later.extracted.model_copy(deep=True)
    fields = swapped.fields
    fields["seller_name"], fields["buyer_name"] = fields["buyer_name"], fields["seller_name"]
    fields["seller_address"], fields["buyer_address"] = (
        fields["buyer_address"],
        fields["seller_address"],
    )
    applied = apply_profiles(later.ocr, swapped, [profile])
    assert applied.fields["seller_name"].value == later.truth.seller_name
    assert applied.fields["buyer_name"].value == later.extracted.fields["buyer_name"].value
    assert applied.fields["buyer_address"].value == later.extracted.fields["buyer_address"].value
    assert any(i.code == "vendor_parties_swapped" for i in applied.issues)
    # a read that had them right is left alone
    plain = apply_profiles(later.ocr, later.extracted, [profile])
    assert not any(i.code == "vendor_parties_swapped" for i in plain.issues)


def test_two_dates_the_ocr_ran_together_are_no_date() -> None:
    # "13. September 2023" and "12. November 2023" in neighbouring boxes read as one line
    assert read_date("13. September 202312. November 2023", True) is None
    assert read_date("13. September 2023", True) == dt.date(2023, 9, 13)
