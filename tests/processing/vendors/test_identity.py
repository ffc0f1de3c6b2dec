"""Vendor identity: keys from confirmed records, and which profile a page belongs to."""

from __future__ import annotations

from invoice_pipeline.processing.vendors.apply import apply_profiles
from invoice_pipeline.processing.vendors.identity import identify, vendor_identity
from invoice_pipeline.processing.vendors.learn import learn_profile
from invoice_pipeline.schema import InvoiceRecord

from .conftest import invoice, second_invoice


def test_keys_prefer_vat_id_then_iban_then_name_and_postcode() -> None:
    record = InvoiceRecord(
        document_id="d",
        seller_name="Müller & Söhne GmbH",
        seller_address="Hauptstraße 1, 10115 Berlin",
        seller_vat_id="de 136 695 976",
        iban="DE89 3704 0044 0532 0130 00",
    )
    identity = vendor_identity(record)
    assert identity is not None
    assert (identity.key, identity.kind) == ("vat:DE136695976", "vat")
    assert identity.ids == ["DE136695976", "DE89370400440532013000"]
    no_vat = vendor_identity(record.model_copy(update={"seller_vat_id": None}))
    assert no_vat is not None and no_vat.key == "iban:DE89370400440532013000"
    by_name = vendor_identity(record.model_copy(update={"seller_vat_id": None, "iban": None}))
    assert by_name is not None
    assert by_name.key == "name:muller sohne gmbh|10115"
    assert vendor_identity(InvoiceRecord(document_id="x")) is None


def test_same_template_different_sellers_are_two_vendors() -> None:
    a0, a1 = invoice(11, 0), invoice(11, 1)
    b0 = invoice(12, 0)  # the same layout, locale and style, another seller
    assert a0.truth.seller_vat_id != b0.truth.seller_vat_id
    profile_a = learn_profile(a0.ocr, a0.truth)
    profile_b = learn_profile(b0.ocr, b0.truth)
    assert profile_a is not None and profile_b is not None
    assert profile_a.vendor_key != profile_b.vendor_key
    # vendor A's profile finds A's later invoice, never B's
    assert identify(a1.ocr, [profile_a, profile_b]).match.profile.vendor_key == profile_a.vendor_key
    assert identify(b0.ocr, [profile_a]).match is None
    applied = apply_profiles(b0.ocr, b0.extracted, [profile_a])
    assert applied.fields == b0.extracted.fields
    assert not any(i.code.startswith("vendor_") for i in applied.issues)


def test_a_seller_without_vat_id_or_iban_is_known_by_its_registration() -> None:
    # the second generator's US sellers print an EIN in the footer and no VAT id or IBAN
    first = second_invoice(21, 0, layout="logo", locale="en-US")
    later = second_invoice(21, 1, layout="logo", locale="en-US")
    assert first.truth.seller_vat_id is None and first.truth.iban is None
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None and profile.key_kind == "reg"
    assert profile.vendor_key.startswith("reg:EIN")
    match = identify(later.ocr, [profile]).match
    assert match is not None and match.by == "id"
