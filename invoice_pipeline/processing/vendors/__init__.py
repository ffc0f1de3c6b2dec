"""Per-vendor memory: field positions and formats learned from confirmed invoices.

A seller is recognised on the page by its VAT id, its IBAN or (when no id is
known) its normalised name and postcode in the letterhead (:mod:`.identity`).
From each document a reviewer approved or corrected, :mod:`.learn` records per
field where and how the true value is printed: the label near it, the value's
offset from the label, the page region and the printed format (date order,
decimal separator, a shape such as ``AA-9999``). :mod:`.apply` reads a later
document of the same vendor with that profile (``VendorMemoryExtractor`` wraps
the configured extractor), and :mod:`.store` keeps the profiles, with every
version and the document and reviewer that taught it, in the results database.
Nothing here imports Dagster.
"""

from __future__ import annotations

from invoice_pipeline.processing.vendors.profile import FieldRule, VendorProfile

__all__ = ["FieldRule", "VendorProfile"]
