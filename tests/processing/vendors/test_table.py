"""The vendor's line-item table: columns learned from confirmed items, read on later invoices."""

from __future__ import annotations

from decimal import Decimal

from invoice_pipeline.processing import stages
from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from invoice_pipeline.processing.vendors.apply import apply_profiles
from invoice_pipeline.processing.vendors.learn import learn_profile
from invoice_pipeline.processing.vendors.page import page_lines
from invoice_pipeline.processing.vendors.table import items_sum, learn_table, read_table
from invoice_pipeline.schema import RecordLineItem

from .conftest import Read, invoice, second_invoice


def _amounts(items: list) -> list[Decimal]:
    return [Decimal(str(i.amount)) for i in items]


OWN_WORDS = {"Artículo": "Mercancía", "Uds.": "Bultos", "P.": "", "unitario": "Tarifa",
             "Importe": "Valor"}  # fmt: skip
"""A vendor's own column headings, none of them in the general extractor's vocabulary."""


def _own_headings(read: Read) -> Read:
    """The invoice as its vendor prints it: the items table under its own headings."""
    for page in read.ocr.pages:
        for line in page.lines:
            if not all(w.text in OWN_WORDS or w.text == "Ud." for w in line.words):
                continue
            words = [
                w.model_copy(update={"text": OWN_WORDS.get(w.text, w.text)}) for w in line.words
            ]
            line.words = [w for w in words if w.text]
            line.text = " ".join(w.text for w in line.words)
    return Read(read.truth, read.ocr, RulesExtractor().extract(read.ocr))


def test_a_table_the_general_read_misses_is_read_after_one_confirmation() -> None:
    # article codes first, a unit column after the quantity, and the vendor's own headings
    # ("Mercancía", "Bultos", "Tarifa", "Valor"): the rules extractor finds no table
    first = _own_headings(second_invoice(3, 0, layout="logo", locale="es-ES"))
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None and profile.table is not None
    table = profile.table
    kinds = [c.kind for c in table.columns]
    assert kinds[0] == "code" and kinds[-1] == "amount"
    assert {"description", "quantity", "unit_price"} <= set(kinds)
    assert [c.label for c in table.columns if c.kind in ("description", "amount")] == [
        "Mercancía",
        "Valor",
    ]
    assert table.learned_from == first.truth.document_id
    for i in (1, 2):
        later = _own_headings(second_invoice(3, i, layout="logo", locale="es-ES"))
        assert later.extracted.line_items == []
        applied = apply_profiles(later.ocr, later.extracted, [profile])
        record = stages.evaluate(stages.validate(applied, later.ocr)).record
        assert _amounts(record.line_items) == _amounts(later.truth.line_items)
        assert [i.description for i in record.line_items] == [
            i.description for i in later.truth.line_items
        ]
        assert [Decimal(str(i.quantity)) for i in record.line_items] == [
            Decimal(str(i.quantity)) for i in later.truth.line_items
        ]
        read = [i for i in applied.issues if i.code == "vendor_items_read"]
        assert len(read) == 1 and f"v{profile.version}" in read[0].message
        assert "line_items_sum" not in " ".join(record.reasons)


def test_tables_are_learned_on_both_generators_and_read_in_their_columns() -> None:
    for read_one in (
        lambda i: invoice(12, i, layout="classic", locale="de"),
        lambda i: second_invoice(8, i, layout="boxes", locale="nl-NL"),
        lambda i: second_invoice(14, i, layout="bill_ship", locale="es-ES"),
    ):
        first = read_one(0)
        table = learn_table(page_lines(first.ocr), first.truth.line_items, "first")
        assert table is not None
        for i in (1, 2):
            later = read_one(i)
            items = read_table(page_lines(later.ocr), table)
            assert _amounts_read(items, table.decimal_separator) == _amounts(later.truth.line_items)


def _amounts_read(items: list, separator: str | None) -> list[Decimal | None]:
    return [items_sum([i], separator) for i in items]


def test_items_that_do_not_add_up_teach_no_table() -> None:
    first = second_invoice(3, 0, layout="logo", locale="es-ES")
    wrong = first.truth.model_copy(
        update={
            "line_items": [
                *first.truth.line_items[:-1],
                RecordLineItem(description="Extra", amount="1.00"),
            ]
        }  # fmt: skip
    )
    profile = learn_profile(first.ocr, wrong)
    assert profile is not None and profile.table is None
    # items the page does not print teach nothing either, whatever they sum to
    assert learn_table(page_lines(first.ocr), [RecordLineItem(description="X", amount="9.99")],
                       "first") is None  # fmt: skip


def test_general_items_that_add_up_are_kept_and_profile_items_that_do_not_are_ignored() -> None:
    first = invoice(12, 0, layout="classic", locale="de")
    profile = learn_profile(first.ocr, first.truth)
    assert profile is not None and profile.table is not None
    later = invoice(12, 1, layout="classic", locale="de")
    assert items_sum(later.extracted.line_items, ",") == Decimal(str(later.truth.subtotal))
    applied = apply_profiles(later.ocr, later.extracted, [profile])
    # the general read adds up: it stays, nothing is said about items
    assert applied.line_items == later.extracted.line_items
    assert not any(i.code == "vendor_items_read" for i in applied.issues)
    # a general read that lost items is replaced by the profile's, which add up
    lost = later.extracted.model_copy(update={"line_items": later.extracted.line_items[:1]})
    fixed = apply_profiles(later.ocr, lost, [profile])
    assert len(fixed.line_items) == len(later.truth.line_items)
    # a subtotal the items cannot reach: the general items stay as they are
    off = lost.model_copy(deep=True)
    off.fields["subtotal"] = off.fields["subtotal"].model_copy(update={"value": "1,00"})
    kept = apply_profiles(later.ocr, off, [profile.model_copy(update={"fields": {}})])
    assert kept.line_items == lost.line_items
