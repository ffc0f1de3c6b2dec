"""The document store resource: registry, archive and quarantine under INVOICE_STORAGE."""

from __future__ import annotations

import dagster as dg

from invoice_pipeline.processing.intake.documents import Limits
from invoice_pipeline.processing.intake.store import DocumentStore


class DocumentStoreResource(dg.ConfigurableResource):
    """Where documents are registered, archived and quarantined, and the limits they must meet."""

    root: str
    max_file_bytes: int
    max_pages: int
    max_image_pixels: int
    keep_originals: bool = False
    """Leave a dropped file in the inbox after it is archived instead of moving it to processed/."""

    def store(self) -> DocumentStore:
        return DocumentStore(self.root)

    def limits(self) -> Limits:
        return Limits(
            max_file_bytes=self.max_file_bytes,
            max_pages=self.max_pages,
            max_image_pixels=self.max_image_pixels,
        )
