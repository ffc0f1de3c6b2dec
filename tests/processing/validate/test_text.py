"""Plain text values and the match keys of seller names and invoice numbers."""

from __future__ import annotations

from invoice_pipeline.processing.validate.text import invoice_number_key, name_key, normalise_text


def test_match_keys_and_text() -> None:
    assert name_key("ACME Widgets GmbH") == name_key("Acme-Widgets") == "acme widgets"
    assert invoice_number_key("RE-2024/001") == invoice_number_key("re 2024 001") == "RE2024001"
    assert normalise_text("  ACME   GmbH \n\n Main  St 1 ") == "ACME GmbH\nMain St 1"
    assert normalise_text("   ") is None
