"""Totals printed as a row of boxes, each label above its value right-aligned in its cell."""

from __future__ import annotations

from invoice_pipeline.processing.extract.rules.extractor import RulesExtractor
from invoice_pipeline.processing.extract.rules.geometry import cell_below, layout
from invoice_pipeline.schema import OcrDocument, OcrLine, OcrPage

# (text, x0, x1, y): the geometry of a second-generator "boxes" page (1000 x 1414)
ROWS = [
    ("Nordvik Konsult AB", 70, 260, 60),
    ("Fakturanummer: 20231188", 600, 860, 150),
    ("Fakturadatum: 2023-04-13", 600, 860, 170),
    ("Beskrivning", 80, 200, 300),
    ("Belopp", 860, 920, 300),
    ("Konsulttimmar", 80, 230, 330),
    ("10 000,00", 850, 920, 330),
    ("Licens", 80, 160, 350),
    ("2 000,00", 860, 920, 350),
    ("Nettobelopp", 250, 316, 390),
    ("Momsbelopp 25 %", 421, 500, 390),
    ("Momsbelopp 12 %", 593, 672, 390),
    ("Fakturabelopp", 764, 840, 390),
    ("12 000,00", 334, 407, 410),
    ("2 500,00", 519, 579, 410),
    ("240,00", 690, 750, 410),
    ("14 740,00 SEK", 841, 921, 410),
]


def _page(total_label: str = "Fakturabelopp") -> OcrDocument:
    rows = [(total_label if t == "Fakturabelopp" else t, *rest) for t, *rest in ROWS]
    lines = [
        OcrLine(id=f"p1-l{i}", page=1, text=text, box=(x0, y, x1, y + 14), confidence=0.97)
        for i, (text, x0, x1, y) in enumerate(rows)
    ]
    return OcrDocument(
        document_id="boxes",
        engine="text_layer",
        pages=[OcrPage(number=1, width=1000, height=1414, engine="text_layer", lines=lines)],
    )


def test_a_value_right_aligned_in_its_box_belongs_to_the_label_above_it() -> None:
    lines = layout(_page())
    by_text = {ln.text: ln for ln in lines}
    # "240,00" overlaps no label horizontally but the 12 % box; "14 740,00 SEK" the last box
    assert [ln.text for ln in cell_below(by_text["Momsbelopp 12 %"], lines)] == ["240,00"]
    assert [ln.text for ln in cell_below(by_text["Nettobelopp"], lines)] == ["12 000,00"]
    assert [ln.text for ln in cell_below(by_text["Fakturabelopp"], lines)] == ["14 740,00 SEK"]


def test_boxed_totals_with_one_vat_amount_per_rate_add_up() -> None:
    fields = RulesExtractor().extract(_page()).fields
    assert fields["subtotal"].value == "12 000,00"
    assert fields["tax_amount"].value == "2740,00"  # 2 500,00 + 240,00, both rates
    assert fields["total_amount"].value == "14 740,00"


def test_the_figures_under_totals_boxes_are_not_a_line_item() -> None:
    # "Summa" does not close the table as a grand total's label does: the row of figures
    # under the boxes must not be read as one more item
    items = RulesExtractor().extract(_page("Summa")).line_items
    assert [(i.description, i.amount) for i in items] == [
        ("Konsulttimmar", "10 000,00"),
        ("Licens", "2 000,00"),
    ]
